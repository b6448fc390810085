"""Benchmark: the web app over 100,000 synthetic studies, 8 concurrent clients on loopback.

Builds a project database from the synthetic ``registry`` preset (``edxlab.synth``), imports it
(``edxlab.store``), stores the findings as ``edxlab interpret --db`` does (``edxlab.interpret``),
starts ``edxlab serve`` in a child process and drives it with 8 client processes, each making a
bounded number of requests: the filtered, paginated patient list, a patient page, a study page
and the study's EDX report. Prints the startup time (until ``/healthz`` answers), the time of the
first patient list (the list index is built then), p50/p95/max latency per page and the
server's peak memory (VmHWM).
Targets: startup < 3 s, server peak RSS < 1 GB, p95 < 150 ms for the patient list, a patient
page and a study page.

    python benchmarks/bench_web.py [--patients 67000] [--requests 60] [--clients 8] [--keep DB]
                                   [--import-patients N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

LIST_QUERIES = [
    "", "aqp4=positive", "criteria=aqp4_positive&denervation=yes", "lmn=yes&sort=last_study&desc=1",
    "polyneuropathy=axonal", "included=yes&mog=negative&sort=n_studies", "q=1&per_page=100",
    "ncs_abnormal=yes&sort=polyneuropathy",
]


def build_database(db: Path, patients: int) -> dict:
    """Synthesize, import and interpret; return the sizes and timings."""
    from edxlab import store
    from edxlab.synth import generate
    from edxlab.web.project import interpret

    timings = {}
    t0 = time.perf_counter()
    dataset = generate("registry", patients, seed=2026).dataset()
    timings["generate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.import_frames(dataset, db)
    timings["import_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings = interpret(dataset)
    con = store.open_store(db)
    try:
        store.write_findings(con, findings)
    finally:
        con.close()
    timings["interpret_s"] = time.perf_counter() - t0
    return {"patients": dataset.patients.height, "studies": dataset.studies.height,
            "ncs_rows": dataset["ncs"].height, "emg_rows": dataset["emg"].height, **timings}


def identifiers(db: Path) -> tuple[list[str], list[str]]:
    from edxlab import store

    con = store.open_store(db, create=False, read_only=True)
    try:
        patients = [r[0] for r in con.execute("SELECT patient_id FROM patients").fetchall()]
        studies = [r[0] for r in con.execute("SELECT study_id FROM studies").fetchall()]
    finally:
        con.close()
    return patients, studies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "edxlab", "serve", "--db", str(db),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_ready(base: str, t0: float, timeout: float = 900) -> float:
    """Seconds from ``t0`` (the server process started) until ``/healthz`` answers."""
    import httpx

    while time.perf_counter() - t0 < timeout:
        try:
            if httpx.get(base + "/healthz", timeout=timeout).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not become ready")


def first_list(base: str) -> float:
    """Seconds the first patient list takes (it builds the list index)."""
    import httpx

    t0 = time.perf_counter()
    response = httpx.get(base + "/patients", timeout=900)
    if response.status_code != 200:
        raise RuntimeError(f"the patient list answered {response.status_code}")
    return time.perf_counter() - t0


def client_loop(base: str, n: int, patients: list[str], studies: list[str], seed: int,
                start: float) -> tuple[dict[str, list[float]], list]:
    """One client (its own process): ``n`` requests in a row; returns latencies and errors."""
    import httpx

    out: dict[str, list[float]] = {}
    errors: list = []
    rng = random.Random(seed)
    time.sleep(max(0.0, start - time.time()))
    kinds = ["patient_list", "patient_page", "study_page", "study_report"]
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(n):
            kind = kinds[i % len(kinds)]
            if kind == "patient_list":
                url = f"/patients?{rng.choice(LIST_QUERIES)}&page={rng.randint(1, 5)}"
            elif kind == "patient_page":
                url = f"/patients/{rng.choice(patients)}"
            elif kind == "study_page":
                url = f"/studies/{rng.choice(studies)}"
            else:
                url = f"/studies/{rng.choice(studies)}/report.html"
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
            out.setdefault(kind, []).append(elapsed)
            if response.status_code != 200:
                errors.append((url, response.status_code))
    return out, errors


def new_patients(n: int, folder: Path) -> str:
    """Write ``n`` synthetic patients with identifiers not in the database yet (SYN-N<time>-...)
    as CSV files into ``folder``; returns one of their identifiers."""
    import polars as pl

    from edxlab.io import write_dataset
    from edxlab.synth import generate

    ds = generate("registry", n, seed=99).dataset()
    prefix = f"SYN-N{int(time.time()) % 10**6}-"
    for name, frame in ds.frames.items():
        ds[name] = frame.with_columns(
            pl.col(c).str.replace("^SYN-", prefix) for c in ("patient_id", "study_id")
            if c in frame.columns)
    write_dataset(ds, folder, "csv")
    return ds.patients["patient_id"][0]


def import_through_web(base: str, folder: Path) -> dict:
    """Upload the CSV files of ``folder`` on the import page, confirm, wait for the job."""
    import re

    import httpx

    with httpx.Client(base_url=base, timeout=600) as client:
        token = re.search(r'name="csrf-token" content="([0-9a-f]+)"',
                          client.get("/import").text).group(1)
        files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.glob("*.csv"))]
        report = client.post("/import", data={"csrf_token": token}, files=files)
        action = report.text.split('action="/import/')[1].split('"')[0]
        t0 = time.perf_counter()
        job = client.post(f"/import/{action}", data={"csrf_token": token}).headers["location"]
        while True:
            state = client.get(job + ".json").json()
            if state["done"]:
                return {**state, "job_s": time.perf_counter() - t0}
            time.sleep(0.2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=67_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per client")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="reuse/keep the database at this path")
    parser.add_argument("--import-patients", type=int, default=0,
                        help="then import this many new patients through the import page and "
                             "check that their page is served (the database is changed)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = args.keep or Path(tmp.name) / "bench.duckdb"
    sizes = {}
    if not db.exists():
        sizes = build_database(db, args.patients)
        print(f"database: {sizes}")
    patients, studies = identifiers(db)
    port = free_port()
    started = time.perf_counter()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_ready(base, started)
        startup_rss = peak_rss_mb(server.pid)
        listed = first_list(base)
        print(f"server answers after {ready:.2f} s (peak memory {startup_rss:.0f} MB); first "
              f"patient list {listed:.2f} s ({len(patients):,} patients, {len(studies):,} studies)")
        samples: dict[str, list[float]] = {}
        errors: list = []
        start = time.time() + 2.0  # every client process starts at the same moment
        with multiprocessing.get_context("spawn").Pool(args.clients) as pool:
            jobs = [pool.apply_async(client_loop, (base, args.requests, patients, studies, seed,
                                                   start)) for seed in range(args.clients)]
            results_by_client = [job.get() for job in jobs]
        wall = time.time() - start
        for out, errs in results_by_client:
            errors += errs
            for kind, values in out.items():
                samples.setdefault(kind, []).extend(values)
        rss = peak_rss_mb(server.pid)
        imported = {}
        if args.import_patients:
            import httpx

            folder = Path(tmp.name) / "new_patients"
            new_id = new_patients(args.import_patients, folder)
            state = import_through_web(base, folder)
            shown = httpx.get(f"{base}/patients/{new_id}", timeout=60).status_code
            imported = {"patients": args.import_patients, "state": state["state"],
                        "job_s": round(state["job_s"], 1), "new_patient_page": shown,
                        "server_peak_rss_mb": round(peak_rss_mb(server.pid))}
            print(f"import of {args.import_patients} patients through the web: {state['state']} "
                  f"in {state['job_s']:.1f} s; new patient page {shown}; server peak memory "
                  f"{imported['server_peak_rss_mb']} MB")
    finally:
        server.terminate()
        server.wait(30)
    results = {"clients": args.clients, "requests": sum(map(len, samples.values())),
               "wall_s": round(wall, 2), "errors": errors[:10], "server_peak_rss_mb": round(rss),
               "startup_s": round(ready, 2), "startup_rss_mb": round(startup_rss),
               "first_list_s": round(listed, 2), "import": imported, **sizes, "pages": {}}
    print(f"{results['requests']} requests by {args.clients} clients in {wall:.1f} s; "
          f"server peak memory {rss:.0f} MB; errors: {len(errors)}")
    for kind, values in samples.items():
        stats = {"n": len(values), "p50_ms": round(percentile(values, 0.5), 1),
                 "p95_ms": round(percentile(values, 0.95), 1), "max_ms": round(max(values), 1)}
        results["pages"][kind] = stats
        print(f"  {kind:<13} n={stats['n']:<4} p50 {stats['p50_ms']:7.1f} ms   "
              f"p95 {stats['p95_ms']:7.1f} ms   max {stats['max_ms']:7.1f} ms")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_web.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
