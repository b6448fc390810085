"""Random (seeded) nerve conduction studies for the property tests: many studies in one frame."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from edxlab.model.dataset import Dataset

# nerve, modality, side, [(stim_site, distance_mm)], record, (dl mean, amp mean, cv mean)
TEMPLATE = [
    ("median", "motor", "R", [("wrist", 70), ("elbow", 220)], "apb", (3.7, 9.0, 55)),
    ("median", "motor", "L", [("wrist", 70), ("elbow", 220)], "apb", (3.7, 9.0, 55)),
    ("ulnar", "motor", "R", [("wrist", 70), ("below_elbow", 200), ("above_elbow", 100)], "adm", (2.9, 10.0, 57)),
    ("peroneal", "motor", "R", [("ankle", 90), ("below_fibular_head", 310), ("above_fibular_head", 100)], "edb", (4.8, 5.0, 48)),
    ("tibial", "motor", "R", [("ankle", 90), ("popliteal_fossa", 400)], "ah", (4.5, 10.0, 47)),
    ("median", "sensory", "R", [("wrist", 130)], "digit2", (3.1, 30.0, 0)),
    ("ulnar", "sensory", "R", [("wrist", 110)], "digit5", (2.7, 22.0, 0)),
    ("sural", "sensory", "R", [("calf", 140)], "lateral_malleolus", (3.6, 12.0, 0)),
    ("sural", "sensory", "L", [("calf", 140)], "lateral_malleolus", (3.6, 12.0, 0)),
    ("superficial_peroneal", "sensory", "R", [("lateral_leg", 140)], "lateral_ankle", (3.5, 10.0, 0)),
]


def random_ncs(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.array([f"s{i}" for i in range(n)])
    frames = []
    for nerve, modality, side, sites, record, (dl, amp, cv) in TEMPLATE:
        d = rng.normal(dl, dl * 0.25, n).clip(1.0)
        a = (amp * rng.lognormal(0, 0.6, n)).round(1)
        absent = rng.random(n) < 0.05
        lat = d
        for k, (site, dist) in enumerate(sites):
            if k > 0:
                v = rng.normal(cv, 9, n).clip(15)
                lat = lat + dist / v
                a = (a * (1 - rng.beta(1, 6, n))).round(1)
            frames.append(pl.DataFrame({
                "study_id": ids, "nerve": nerve, "modality": modality, "side": side,
                "stim_site": site, "record_site": record if k == 0 else None,
                "latency_ms": np.where(absent, np.nan, lat.round(1)),
                "latency_ms_nr": absent,
                "amplitude": np.where(absent, np.nan, a), "amplitude_nr": absent,
                "distance_mm": float(dist),
            }).with_columns(pl.col("latency_ms", "amplitude").fill_nan(None)))
    return pl.concat(frames)


def random_dataset(n: int, seed: int, ncs: pl.DataFrame | None = None,
                   profile: str = "preston_shapiro_2013") -> Dataset:
    rng = np.random.default_rng(seed + 1)
    studies = pl.DataFrame({
        "study_id": [f"s{i}" for i in range(n)], "patient_id": "p1",
        "study_date": dt.date(2024, 1, 1), "age_years": rng.uniform(20, 90, n).round(0),
        "height_cm": rng.uniform(150, 195, n).round(0), "reference_profile": profile,
    })
    return Dataset.from_frames(patients=pl.DataFrame({"patient_id": ["p1"]}), studies=studies,
                               ncs=random_ncs(n, seed) if ncs is None else ncs)
