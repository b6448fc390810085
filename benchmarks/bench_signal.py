"""Benchmark: needle EMG analysis speed (target: >= 50x real time on one core for a 23.4 kHz record).

Run: PYTHONPATH=src python benchmarks/bench_signal.py
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> None:
    from edxlab.signal.analyze import analyze_recording
    from edxlab.signal.readers import read_recording
    from edxlab.signal.score import score_units
    from edxlab.signal.readers import read_eaf

    for name in ("emglab_n2001/N2001A01BB01", "emglab_n2001/N2001C01BB51", "emgdb/emg_healthy", "emgdb/emg_myopathy"):
        rec = read_recording(DATA / f"{name}.hea")
        analyze_recording(rec)  # warm-up
        best = cpu = float("inf")
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            a = analyze_recording(rec)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
        line = (f"{name:28s} {rec.fs:8.1f} Hz {rec.duration_s:6.2f} s  wall {best:6.3f} s  cpu {cpu:6.3f} s  "
                f"{rec.duration_s / cpu:6.1f}x real time (cpu)  -> {a.summary['classification']}")
        eaf = DATA / f"{name}.eaf"
        if eaf.exists():
            _, pooled = score_units(read_eaf(eaf), a.decomposition.trains())
            line += f"  (F1 vs expert {pooled['f1']:.3f})"
        print(line)


if __name__ == "__main__":
    main()
