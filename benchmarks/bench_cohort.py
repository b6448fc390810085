"""Benchmark: cohort analysis (criteria, selection, summary, comparisons, model, Table 1) on a
large cohort built directly as frames. Usage: python benchmarks/bench_cohort.py [N_PATIENTS]"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import polars as pl

from edxlab.cohort.run import run_cohort
from edxlab.cohort.selection import CohortSettings
from edxlab.model.dataset import Dataset


def build(n: int, seed: int = 1) -> tuple[Dataset, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    pid = [f"p{i}" for i in range(n)]
    aqp4 = rng.choice(["positive", "negative", "unknown"], n, p=[0.75, 0.2, 0.05])
    patients = pl.DataFrame({"patient_id": pid, "sex": rng.choice(["F", "M"], n, p=[0.85, 0.15]),
                             "birth_year": rng.integers(1940, 2000, n), "aqp4_igg": aqp4,
                             "mog_igg": rng.choice(["negative", "positive"], n, p=[0.95, 0.05]),
                             "mog_titer": pl.Series(rng.choice([None, 40, 160], n).tolist(), dtype=pl.Int64), "edss": rng.uniform(0, 8, n).round(1)})
    base = dt.date(2016, 1, 1)
    onset = [base + dt.timedelta(days=int(d)) for d in rng.integers(0, 1400, n)]
    attacks = pl.DataFrame({"patient_id": pid * 2, "onset_date": onset * 2,
                            "core_feature": ["acute_myelitis"] * n + list(rng.choice(["optic_neuritis", "area_postrema", "other"], n))})
    lv = rng.integers(0, 15, n)
    levels = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + ["L1", "L2"]
    mri = pl.DataFrame({"patient_id": pid, "region": "spinal_cord", "level_from": [levels[i] for i in lv],
                        "level_to": [levels[min(i + k, 20)] for i, k in zip(lv, rng.integers(0, 6, n))],
                        "central_gray": rng.random(n) < 0.6})
    sid = [f"s{i}" for i in range(n)]
    sdate = [o + dt.timedelta(days=int(d)) for o, d in zip(onset, rng.integers(5, 300, n))]
    studies = pl.DataFrame({"study_id": sid, "patient_id": pid, "study_date": sdate, "indication": [["weakness"]] * n})
    ncs = pl.DataFrame({"study_id": sid, "nerve": "median", "modality": "motor", "side": "R", "stim_site": "wrist"})
    emg = pl.DataFrame({"study_id": sid, "muscle": "deltoid", "side": "R"})
    den = rng.random(n) < 0.22
    expl = den & (rng.random(n) < 0.3)
    sf = pl.DataFrame({"study_id": sid, "ncs_abnormal": rng.random(n) < 0.12, "denervation": den,
                       "active_denervation": den, "chronic_denervation": den & (rng.random(n) < 0.5),
                       "denervation_explained_by_ncs": pl.Series(np.where(den, expl, None).tolist(), dtype=pl.Boolean),
                       "lmn_involvement": den & ~expl, "mri_concordant": den & ~expl & (rng.random(n) < 0.4),
                       "denervation_regions": [["cervical"] if d else [] for d in den],
                       "denervation_segments": [["C6", "C7"] if d else [] for d in den]})
    ds = Dataset.from_frames(patients=patients, attacks=attacks, mri=mri, studies=studies, ncs=ncs, emg=emg)
    return ds, sf


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    ds, sf = build(n)
    t = time.perf_counter()
    res = run_cohort(ds, sf, CohortSettings(date_from=dt.date(2016, 1, 1), date_to=dt.date(2019, 12, 31)))
    el = time.perf_counter() - t
    print(f"cohort analysis: {n} patients, {res.n_included} included, {el:.2f} s")


if __name__ == "__main__":
    main()
