"""Benchmark of the needle EMG interpretation: ~10 EMG rows per study, chunks of studies.

    PYTHONPATH=src python benchmarks/bench_emg.py --studies 1000000 --chunk 100000

Reports studies/s for interpret_emg alone (NCS lesions given as a frame), its CPU time, peak
RSS and the load average (the machine is shared: compare CPU time when the load is high).
Synthetic studies mix normal studies (70%), segmental LMN denervation, carpal tunnel with APB
denervation, length-dependent polyneuropathy and myopathic units (see SCENARIO_P).
Target (issue 4): >= 30,000 studies/s with peak memory < 4 GB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import datetime as dt
import resource
import time

import numpy as np
import polars as pl

from edxlab.interpret.emg import interpret_emg
from edxlab.model.dataset import Dataset
from edxlab.reference import innervation

SCENARIOS = np.array(["normal", "segmental", "cts", "polyneuropathy", "myopathic"])
SCENARIO_P = np.array([0.70, 0.10, 0.08, 0.07, 0.05])
"""Study mix (roughly a cohort like He et al.: ~1 in 5 studies with denervation)."""


def synth_chunk(start: int, n: int, rows_per_study: int, rng: np.random.Generator
                ) -> tuple[Dataset, pl.DataFrame]:
    chart = innervation.muscles().filter(pl.col("nerve") != "dorsal_ramus")
    muscles = chart["muscle"].to_numpy()
    ids = np.array([f"s{start + i}" for i in range(n)])
    pids = np.array([f"p{start + i}" for i in range(n)])
    scen = rng.choice(SCENARIOS, n, p=SCENARIO_P)
    total = n * rows_per_study
    study_idx = np.repeat(np.arange(n), rows_per_study)
    row_scen = scen[study_idx]
    u = rng.random(total)
    muscle = rng.choice(muscles, total)
    # CTS: the first row of the study is APB; polyneuropathy: distal leg muscles
    first = (np.arange(total) % rows_per_study) == 0
    muscle = np.where((row_scen == "cts") & first, "abductor_pollicis_brevis", muscle)
    muscle = np.where((row_scen == "polyneuropathy") & (u < 0.4),
                      rng.choice(np.array(["tibialis_anterior", "extensor_digitorum_brevis",
                                           "medial_gastrocnemius"]), total), muscle)
    dener = (((row_scen == "segmental") & (u < 0.5)) | ((row_scen == "cts") & first)
             | ((row_scen == "polyneuropathy") & (u < 0.4)))
    myo = (row_scen == "myopathic") & (u < 0.6)
    equiv = (row_scen == "normal") & (u > 0.97)
    fibs = np.where(dener, rng.choice(np.array(["1+", "2+", "3+"]), total),
                    np.where(equiv, "+/-", "0"))
    chronic = dener & (rng.random(total) < 0.6)
    size = np.where(chronic, "increased", np.where(myo, "decreased", "normal"))
    rec = np.where(chronic, "reduced", np.where(myo, "early", np.where(
        (row_scen == "normal") & (u < 0.03), "poor_activation", "normal")))
    emg = pl.DataFrame({
        "study_id": ids[study_idx], "muscle": muscle,
        "side": rng.choice(np.array(["L", "R"]), total),
        "fibs": fibs, "psw": fibs, "muap_duration": size, "muap_amplitude": size,
        "recruitment": rec,
    })
    studies = pl.DataFrame({"study_id": ids, "patient_id": pids,
                            "study_date": [dt.date(2021, 6, 1)] * n, "age_years": 45.0})
    k = n // 3
    mri = pl.DataFrame({"patient_id": pids[:k], "region": "spinal_cord",
                        "level_from": rng.choice(np.array(["C2", "C4", "T3", "T10"]), k),
                        "level_to": rng.choice(np.array(["C6", "C7", "T8", "L1"]), k)})
    attacks = pl.DataFrame({"patient_id": pids[:k], "onset_date": [dt.date(2021, 5, 1)] * k,
                            "core_feature": "acute_myelitis"})
    signs = pl.DataFrame({"patient_id": pids[:k], "exam_date": [dt.date(2021, 5, 20)] * k,
                          "sign": "reflex", "site": "biceps_reflex", "side": "R",
                          "grade": rng.choice(np.array([0.0, 1.0, 2.0, 3.0]), k)})
    cts_ids, pn_ids = ids[scen == "cts"], ids[scen == "polyneuropathy"]
    lesions = pl.concat([
        pl.DataFrame({"study_id": cts_ids, "kind": "mononeuropathy", "nerve": "median",
                      "side": "R", "site": "wrist", "length_dependent": False}),
        pl.DataFrame({"study_id": np.concatenate([pn_ids, pn_ids]), "kind": "polyneuropathy",
                      "nerve": "", "side": ["L"] * len(pn_ids) + ["R"] * len(pn_ids),
                      "site": "", "length_dependent": True}),
    ]).with_columns(severity=pl.lit("moderate"), evidence=pl.lit("bench"))
    ds = Dataset.from_frames(patients=pl.DataFrame({"patient_id": pids}), studies=studies,
                             emg=emg, mri=mri, attacks=attacks, signs=signs)
    return ds, lesions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=300_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=10)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    spent = cpu = 0.0
    done = 0
    while done < args.studies:
        n = min(args.chunk, args.studies - done)
        ds, lesions = synth_chunk(done, n, args.rows, rng)
        t0, c0 = time.perf_counter(), time.process_time()
        out = interpret_emg(ds, lesions=lesions)
        spent += time.perf_counter() - t0
        cpu += time.process_time() - c0
        assert out.study_emg.height == n
        done += n
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"EMG interpretation: {done} studies x {args.rows} EMG rows in {spent:.2f} s "
          f"= {done / spent:,.0f} studies/s (CPU {cpu:.2f} s over all threads); "
          f"peak RSS {rss_gb:.2f} GB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
