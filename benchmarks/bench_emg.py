"""Benchmark of the needle EMG interpretation: ~10 EMG rows per study, chunks of studies.

    PYTHONPATH=src python benchmarks/bench_emg.py --studies 1000000 --chunk 100000

Reports studies/s for interpret_emg alone (NCS lesions given as a frame) and peak RSS.
Target (issue 4): >= 30,000 studies/s with peak memory < 4 GB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

import numpy as np
import polars as pl

from edxlab.interpret.emg import interpret_emg
from edxlab.model.dataset import Dataset
from edxlab.reference import innervation

GRADES = np.array(["0", "0", "0", "0", "+/-", "1+", "2+", "3+"])
SIZES = np.array(["normal", "normal", "normal", "increased", "decreased"])
RECS = np.array(["normal", "normal", "reduced", "early", "poor_activation"])


def synth_chunk(start: int, n: int, rows_per_study: int, rng: np.random.Generator) -> tuple[Dataset, pl.DataFrame]:
    muscles = innervation.muscles().filter(pl.col("nerve") != "dorsal_ramus")["muscle"].to_numpy()
    ids = np.array([f"s{start + i}" for i in range(n)])
    pids = np.array([f"p{start + i}" for i in range(n)])
    total = n * rows_per_study
    study_idx = np.repeat(np.arange(n), rows_per_study)
    emg = pl.DataFrame({
        "study_id": ids[study_idx],
        "muscle": rng.choice(muscles, total),
        "side": rng.choice(np.array(["L", "R"]), total),
        "fibs": rng.choice(GRADES, total),
        "psw": rng.choice(GRADES, total),
        "muap_duration": rng.choice(SIZES, total),
        "muap_amplitude": rng.choice(SIZES, total),
        "recruitment": rng.choice(RECS, total),
    })
    studies = pl.DataFrame({"study_id": ids, "patient_id": pids,
                            "study_date": [dt.date(2021, 6, 1)] * n, "age_years": 45.0})
    k = n // 4
    mri = pl.DataFrame({"patient_id": pids[:k], "region": "spinal_cord",
                        "level_from": rng.choice(np.array(["C2", "C4", "T3", "T10"]), k),
                        "level_to": rng.choice(np.array(["C6", "C7", "T8", "L1"]), k)})
    attacks = pl.DataFrame({"patient_id": pids[:k], "onset_date": [dt.date(2021, 5, 1)] * k,
                            "core_feature": "acute_myelitis"})
    patients = pl.DataFrame({"patient_id": pids})
    j = n // 5
    lesions = pl.DataFrame({
        "study_id": ids[:j], "kind": rng.choice(np.array(["mononeuropathy", "polyneuropathy"]), j),
        "nerve": rng.choice(np.array(["median", "ulnar", "peroneal"]), j),
        "side": rng.choice(np.array(["L", "R"]), j),
        "site": rng.choice(np.array(["wrist", "elbow", "fibular_head", ""]), j),
        "length_dependent": True, "severity": "moderate", "evidence": "bench",
    })
    ds = Dataset.from_frames(patients=patients, studies=studies, emg=emg, mri=mri, attacks=attacks)
    return ds, lesions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=300_000)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=10)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    spent = 0.0
    done = 0
    while done < args.studies:
        n = min(args.chunk, args.studies - done)
        ds, lesions = synth_chunk(done, n, args.rows, rng)
        t0 = time.perf_counter()
        out = interpret_emg(ds, lesions=lesions)
        spent += time.perf_counter() - t0
        assert out.study_emg.height == n
        done += n
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"EMG interpretation: {done} studies x {args.rows} EMG rows in {spent:.2f} s "
          f"= {done / spent:,.0f} studies/s; peak RSS {rss_gb:.2f} GB")


if __name__ == "__main__":
    main()
