"""Benchmark: validate and import 100,000 studies (about 3 million NCS and EMG rows).

Generates a synthetic dataset in the interchange format (CSV folder) inside a temporary folder,
then runs ``edxlab.store.import_dataset`` (read + validate + transactional DuckDB import) in a
child process and reports wall time, rows per second and the child's peak memory (max RSS).
Target (issue 2): >= 200,000 rows/s and < 2 GB peak on a 2-core machine.

    python benchmarks/bench_import.py [--studies 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

SRC = Path(__file__).resolve().parents[1] / "src"

# One NCS template per study: (nerve, modality, side, stim_site, record_site or "", latency,
# amplitude, distance); 20 rows.
NCS_TEMPLATE = [
    ("median", "motor", "R", "wrist", "apb", 3.5, 8.0, 70),
    ("median", "motor", "R", "elbow", "", 7.6, 7.6, 230),
    ("ulnar", "motor", "R", "wrist", "adm", 2.9, 9.5, 70),
    ("ulnar", "motor", "R", "below_elbow", "", 6.4, 9.1, 210),
    ("ulnar", "motor", "R", "above_elbow", "", 8.1, 8.9, 100),
    ("median", "sensory", "R", "wrist", "digit2", 3.1, 35.0, 130),
    ("ulnar", "sensory", "R", "wrist", "digit5", 2.8, 25.0, 110),
    ("radial", "sensory", "R", "forearm", "snuffbox", 2.2, 22.0, 100),
    ("peroneal", "motor", "R", "ankle", "edb", 4.6, 5.0, 90),
    ("peroneal", "motor", "R", "below_fibular_head", "", 11.3, 4.6, 310),
    ("peroneal", "motor", "R", "above_fibular_head", "", 13.3, 4.5, 100),
    ("tibial", "motor", "R", "ankle", "ah", 4.3, 12.0, 90),
    ("tibial", "motor", "R", "popliteal_fossa", "", 12.9, 10.0, 400),
    ("sural", "sensory", "R", "calf", "lateral_malleolus", 3.4, 15.0, 140),
    ("sural", "sensory", "L", "calf", "lateral_malleolus", 3.4, 15.0, 140),
    ("superficial_peroneal", "sensory", "R", "lateral_leg", "lateral_ankle", 3.0, 10.0, 120),
    ("median", "motor", "L", "wrist", "apb", 3.5, 8.0, 70),
    ("median", "motor", "L", "elbow", "", 7.6, 7.6, 230),
    ("tibial", "motor", "L", "ankle", "ah", 4.3, 12.0, 90),
    ("tibial", "motor", "L", "popliteal_fossa", "", 12.9, 10.0, 400),
]
EMG_TEMPLATE = [
    ("deltoid", "R", ""), ("biceps_brachii", "R", ""), ("triceps_brachii", "R", ""),
    ("first_dorsal_interosseous", "R", ""), ("cervical_paraspinal", "R", "C6"),
    ("tibialis_anterior", "R", ""), ("medial_gastrocnemius", "R", ""),
    ("vastus_lateralis", "R", ""), ("lumbosacral_paraspinal", "R", "L5"),
    ("abductor_pollicis_brevis", "R", ""),
]
GRADES = np.array(["0", "0", "0", "0", "+/-", "1+", "2+", "3+"])


def generate(folder: Path, n_studies: int, seed: int = 7) -> int:
    """Write the dataset; returns the number of data rows in all files."""
    rng = np.random.default_rng(seed)
    n_patients = max(1, n_studies // 3)
    folder.mkdir(parents=True, exist_ok=True)
    patient_ids = [f"P{i:07d}" for i in range(n_patients)]
    pl.DataFrame({
        "patient_id": patient_ids,
        "sex": rng.choice(["F", "M"], n_patients, p=[0.8, 0.2]),
        "birth_year": rng.integers(1940, 2005, n_patients),
        "aqp4_igg": rng.choice(["positive", "negative", "unknown"], n_patients),
        "comorbidities": rng.choice(["", "diabetes", "diabetes;b12_deficiency"], n_patients),
    }).write_csv(folder / "patients.csv")
    study_ids = np.array([f"S{i:08d}" for i in range(n_studies)])
    days = rng.integers(0, 4000, n_studies)
    dates = (np.datetime64("2012-01-01") + days).astype(str)
    pl.DataFrame({
        "study_id": study_ids,
        "patient_id": rng.choice(patient_ids, n_studies),
        "study_date": dates,
        "height_cm": rng.normal(168, 9, n_studies).round(0),
        "indication": rng.choice(["weakness", "sensory;pain", "atrophy;weakness"], n_studies),
    }).write_csv(folder / "studies.csv")
    rows = n_patients + n_studies
    rows += _write_ncs(folder, rng, study_ids)
    rows += _write_emg(folder, rng, study_ids)
    return rows


def _write_ncs(folder: Path, rng, study_ids: np.ndarray) -> int:
    k, n = len(NCS_TEMPLATE), len(study_ids)
    template = list(zip(*NCS_TEMPLATE))
    size = k * n
    latency = np.tile(np.array(template[5], dtype=float), n) * rng.normal(1, 0.08, size)
    amplitude = np.tile(np.array(template[6], dtype=float), n) * rng.normal(1, 0.2, size)
    latency_text = np.round(latency, 2).astype(str)
    amp_text = np.round(np.clip(amplitude, 0.1, None), 1).astype(str)
    nr = rng.random(size) < 0.01
    distal = np.tile(np.array([r != "" for r in template[4]]), n)
    latency_text = np.where(nr & distal, "NR", latency_text)
    amp_text = np.where(nr & distal, "NR", amp_text)
    pl.DataFrame({
        "study_id": np.repeat(study_ids, k),
        "nerve": np.tile(np.array(template[0]), n),
        "modality": np.tile(np.array(template[1]), n),
        "side": np.tile(np.array(template[2]), n),
        "stim_site": np.tile(np.array(template[3]), n),
        "record_site": np.tile(np.array(template[4]), n),
        "latency_ms": latency_text,
        "amplitude": amp_text,
        "distance_mm": np.tile(np.array(template[7]), n),
        "temp_c": np.round(rng.normal(32, 1, size), 1),
    }).write_csv(folder / "ncs.csv")
    return size


def _write_emg(folder: Path, rng, study_ids: np.ndarray) -> int:
    k, n = len(EMG_TEMPLATE), len(study_ids)
    template = list(zip(*EMG_TEMPLATE))
    size = k * n
    pl.DataFrame({
        "study_id": np.repeat(study_ids, k),
        "muscle": np.tile(np.array(template[0]), n),
        "side": np.tile(np.array(template[1]), n),
        "level": np.tile(np.array(template[2]), n),
        "insertional": rng.choice(["normal", "increased"], size, p=[0.9, 0.1]),
        "fibs": rng.choice(GRADES, size),
        "psw": rng.choice(GRADES, size),
        "fasciculations": rng.choice(["0", "0", "0", "present"], size),
        "crd": rng.choice(["false", "true"], size, p=[0.98, 0.02]),
        "muap_amplitude": rng.choice(["normal", "increased", "decreased"], size),
        "muap_duration": rng.choice(["normal", "increased", "decreased"], size),
        "recruitment": rng.choice(["normal", "reduced", "early"], size),
    }).write_csv(folder / "emg.csv")
    return size


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
t0 = time.perf_counter()
from edxlab.store import import_dataset
summary = import_dataset({data!r}, {db!r})
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024, "summary": summary.text()[:200]}}))
"""


def run_import(data: Path, db: Path) -> dict:
    code = CHILD.format(src=str(SRC), data=str(data), db=str(db))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the data in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        data = base / "dataset"
        t0 = time.perf_counter()
        rows = generate(data, args.studies)
        generated = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in data.iterdir()) / 1e6
        print(f"generated {args.studies:,} studies, {rows:,} rows ({size_mb:.0f} MB of CSV) "
              f"in {generated:.1f} s")
        first = run_import(data, base / "bench.duckdb")
        again = run_import(data, base / "bench.duckdb")
        for label, result in (("validate + import (new database)", first),
                              ("validate + re-import (unchanged)", again)):
            rate = rows / result["seconds"]
            verdict = "OK" if rate >= 200_000 and result["peak_mb"] < 2048 else "BELOW TARGET"
            print(f"{label}: {result['seconds']:.1f} s, {rate:,.0f} rows/s, "
                  f"peak {result['peak_mb']:,.0f} MB, CPU {result['cpu_seconds']:.1f} s  "
                  f"[{verdict}]")
        print(f"  re-import: {again['summary']}")
        print(f"  load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine "
              "is shared; wall time grows with the load, CPU time does not)")


if __name__ == "__main__":
    main()
