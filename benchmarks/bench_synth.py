"""Benchmark: synthetic registry cohorts (generation, writing) and truth recovery.

Usage: python benchmarks/bench_synth.py [N_PATIENTS] [--interpret]
Default 67,000 patients (about 100,000 studies). ``--interpret`` also runs the interpretation
pipeline on a 2,000-patient cohort and prints the agreement of every flag with the truth.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from edxlab.synth import agreement, generate, write_synthetic


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    n = int(args[0]) if args else 67_000
    t0 = time.perf_counter()
    cohort = generate("registry", n, seed=1)
    t_gen = time.perf_counter() - t0
    t = cohort.tables
    print(f"registry preset: {n:,} patients, {t['studies'].height:,} studies, "
          f"{t['ncs'].height:,} NCS rows, {t['emg'].height:,} EMG rows, {t['fwaves'].height:,} F-waves")
    print(f"  generate: {t_gen:.2f} s ({t['studies'].height / t_gen:,.0f} studies/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("parquet", "csv"):
            t0 = time.perf_counter()
            write_synthetic(cohort, Path(tmp) / fmt, fmt)
            print(f"  write {fmt}: {time.perf_counter() - t0:.2f} s")
    if "--interpret" in argv:
        from edxlab.interpret.pipeline import interpret_dataset

        small = generate("registry", 2000, seed=7)
        t0 = time.perf_counter()
        sf = interpret_dataset(small.dataset()).study_findings
        print(f"interpret 2,000 patients ({small.tables['studies'].height:,} studies): "
              f"{time.perf_counter() - t0:.2f} s")
        for row in agreement(small.truth, sf).iter_rows(named=True):
            print(f"  {row['flag']:<30} {row['agree']:>5}/{row['n']:<5} {row['percent']:6.2f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
