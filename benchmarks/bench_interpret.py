"""Benchmark: NCS and needle EMG interpretation of synthetic studies, Parquet -> Parquet, in
chunks of studies.

    python benchmarks/bench_interpret.py [--studies 1000000] [--chunk 25000] [--workers 2]
        [--baseline-sample 2000] [--workdir DIR] [--keep] [--reuse] [--compression lz4]

1. Generates ``--studies`` synthetic studies (20 NCS rows and 2 F-waves each; ~75% normal,
   the rest carpal tunnel, ulnar neuropathy at the elbow, axonal polyneuropathy, motor-only
   pattern, demyelinating polyneuropathy, cold leg) with 10 needle EMG rows each (denervation
   matching the kind: APB in carpal tunnel, FDI in ulnar neuropathy, distal leg muscles in
   polyneuropathy, L5-S1 myotomes with a conus MRI lesion in the motor-only pattern) as Parquet
   files whose row groups are chunks of studies (not timed; ``--reuse`` keeps existing files).
2. Interprets them chunk by chunk with ``edxlab.interpret.pipeline.interpret_dataset`` (NCS and
   needle EMG; ``--no-emg``: ``interpret_ncs`` only), ``--workers`` processes each taking every
   n-th chunk (read with Polars: only that row group), writing every table ``edxlab interpret``
   writes (nerve_findings, study_findings, muscle_findings, patient_findings, lesions) as
   Parquet parts (lz4, no column statistics). Timed: wall studies/s, each worker's CPU seconds
   and the CPU split read / ncs / emg_glue / write, peak resident memory of the workers, load
   average before and after.
3. Times a plain per-row Python implementation of the same core rules (written only here; CPU
   seconds, one thread) on the first ``--baseline-sample`` studies: NCS (limits with age strata,
   absence-normal, segments, conduction block and the ulnar-at-elbow / fibular-head rules with
   the current [focal_drop] floor and rounding, nerve patterns, carpal tunnel, England 2005 DSP,
   motor-only pattern, summary) and needle EMG/LMN (active/chronic denervation, explanation by
   focal lesions and polyneuropathy, supported segments, MRI concordance, summary). Reports the
   speed ratio per CPU-second and its agreement with the engine per study_findings column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# Polars' allocator (jemalloc) hands freed pages back to the OS after 0.5 s (Polars' default);
# every chunk allocates the same frames again, so a worker would fault in fresh zeroed pages
# over and over (~10-15% of its CPU here). The workers keep freed pages for reuse instead (peak
# memory per worker ~1.2 -> ~1.5 GB with 25,000-study chunks). Set _RJEM_MALLOC_CONF to
# override; it must be set before Polars is imported, so it is set here.
JEMALLOC_CONF = os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")

# nerve, modality, side, [(stim_site, distance_mm)], record, (dl, amp, cv), group
TEMPLATE = [
    ("median", "motor", "R", [("wrist", 70), ("elbow", 220)], "apb", (3.6, 9.0, 56), "arm"),
    ("ulnar", "motor", "R", [("wrist", 70), ("below_elbow", 200), ("above_elbow", 100)], "adm", (2.8, 10.0, 58), "arm"),
    ("peroneal", "motor", "R", [("ankle", 90), ("below_fibular_head", 310), ("above_fibular_head", 100)], "edb", (4.6, 5.5, 48), "leg"),
    ("tibial", "motor", "R", [("ankle", 90), ("popliteal_fossa", 400)], "ah", (4.3, 11.0, 47), "leg"),
    ("median", "motor", "L", [("wrist", 70), ("elbow", 220)], "apb", (3.6, 9.0, 56), "arm"),
    ("median", "sensory", "R", [("wrist", 130)], "digit2", (3.0, 32.0, 0), "arm"),
    ("ulnar", "sensory", "R", [("wrist", 110)], "digit5", (2.6, 25.0, 0), "arm"),
    ("radial", "sensory", "R", [("forearm", 100)], "snuffbox", (2.3, 30.0, 0), "arm"),
    ("sural", "sensory", "R", [("calf", 140)], "lateral_malleolus", (3.5, 15.0, 0), "leg"),
    ("sural", "sensory", "L", [("calf", 140)], "lateral_malleolus", (3.5, 15.0, 0), "leg"),
    ("superficial_peroneal", "sensory", "R", [("lateral_leg", 140)], "lateral_ankle", (3.4, 12.0, 0), "leg"),
    ("median", "sensory", "L", [("wrist", 130)], "digit2", (3.0, 32.0, 0), "arm"),
    ("ulnar", "sensory", "L", [("wrist", 110)], "digit5", (2.6, 25.0, 0), "arm"),
]
KINDS = ["normal", "cts", "une", "axonal_pn", "motor_only", "demyelinating", "cold"]
KIND_P = [0.75, 0.06, 0.03, 0.07, 0.03, 0.02, 0.04]


# ---------------------------------------------------------------------------------------------
# synthetic data (vectorized numpy)
# ---------------------------------------------------------------------------------------------

def generate_chunk(start: int, n: int, seed: int) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    sid = np.char.add("S", np.arange(start, start + n).astype(str))
    kind = rng.choice(len(KINDS), size=n, p=KIND_P)
    k = {name: kind == i for i, name in enumerate(KINDS)}
    age = rng.uniform(18, 88, n).round(0)
    height = rng.normal(170, 9, n).round(0)
    studies = pa.table({
        "study_id": sid, "patient_id": sid, "study_date": np.full(n, np.datetime64("2023-01-01")),
        "age_years": age, "height_cm": height,
        "temp_upper_c": np.full(n, 33.0), "temp_lower_c": np.where(k["cold"], 27.5, 31.5),
    })
    cols: dict[str, list] = {c: [] for c in ("study_id", "nerve", "modality", "side", "stim_site",
                                             "record_site", "latency_ms", "latency_ms_nr",
                                             "amplitude", "amplitude_nr", "distance_mm")}
    for nerve, modality, side, sites, record, (dl, amp, cv), group in TEMPLATE:
        d = rng.normal(dl, dl * 0.08, n)
        a = amp * rng.lognormal(0, 0.25, n)
        v = rng.normal(cv, 4, n) if cv else np.zeros(n)
        absent = np.zeros(n, bool)
        if nerve == "median" and side == "R":
            d = np.where(k["cts"], d * rng.uniform(1.2, 1.7, n), d)
            if modality == "sensory":
                absent |= k["cts"] & (rng.random(n) < 0.2)
        if group == "leg":
            a = np.where(k["axonal_pn"], a * rng.uniform(0.15, 0.5, n), a)
            absent |= k["axonal_pn"] & (modality == "sensory") & (rng.random(n) < 0.4)
            d = np.where(k["cold"], d * 1.15, d)
            v = np.where(k["cold"], v * 0.88, v)
        if modality == "motor":
            a = np.where(k["motor_only"], a * rng.uniform(0.2, 0.45, n), a)
            d = np.where(k["demyelinating"], d * rng.uniform(1.3, 1.8, n), d)
            v = np.where(k["demyelinating"], v * rng.uniform(0.5, 0.68, n), v)
        lat = d
        for j, (site, dist) in enumerate(sites):
            seg_v = v
            drop = rng.uniform(0, 0.08, n)
            if nerve == "ulnar" and site == "above_elbow":
                seg_v = np.where(k["une"], v * 0.62, v)
                drop = np.where(k["une"], 0.3, drop)
            if j > 0:
                lat = lat + dist / np.clip(seg_v, 10, None)
                a = a * (1 - drop)
            cols["study_id"].append(sid)
            cols["nerve"].append(np.full(n, nerve))
            cols["modality"].append(np.full(n, modality))
            cols["side"].append(np.full(n, side))
            cols["stim_site"].append(np.full(n, site))
            cols["record_site"].append(np.full(n, record if j == 0 else None, dtype=object))
            cols["latency_ms"].append(np.where(absent, np.nan, lat.round(1)))
            cols["latency_ms_nr"].append(absent)
            cols["amplitude"].append(np.where(absent, np.nan, a.round(1)))
            cols["amplitude_nr"].append(absent)
            cols["distance_mm"].append(np.full(n, float(dist)))
    ncs = pa.table({c: pa.array(np.concatenate(v), from_pandas=True) for c, v in cols.items()})
    fw_n = []
    for nerve, base in (("median", 27.0), ("tibial", 48.0)):
        lat = rng.normal(base, base * 0.04, n) * height / 170
        lat = np.where(k["demyelinating"], lat * 1.5, lat)
        fw_n.append((nerve, lat))
    fwaves = pa.table({
        "study_id": np.concatenate([sid, sid]),
        "nerve": np.concatenate([np.full(n, "median"), np.full(n, "tibial")]),
        "side": np.full(2 * n, "R"),
        "min_latency_ms": np.concatenate([fw_n[0][1].round(1), fw_n[1][1].round(1)]),
        "min_latency_ms_nr": np.zeros(2 * n, bool),
    })
    patients = pa.table({"patient_id": sid})
    emg = _emg_rows(sid, k, rng)
    mo = sid[k["motor_only"]]
    mri = pa.table({"patient_id": mo, "region": np.full(len(mo), "spinal_cord"),
                    "level_from": np.full(len(mo), "T12"), "level_to": np.full(len(mo), "L1")})
    return {"studies": studies, "ncs": ncs, "fwaves": fwaves, "patients": patients, "emg": emg,
            "mri": mri}


# needle EMG: 10 muscles per study; (muscle, side, level) and the kinds that denervate it
EMG_TEMPLATE = [
    ("deltoid", "R", None, ()), ("biceps_brachii", "R", None, ()),
    ("triceps_brachii", "R", None, ()), ("first_dorsal_interosseous", "R", None, ("une",)),
    ("abductor_pollicis_brevis", "R", None, ("cts",)),
    ("tibialis_anterior", "R", None, ("axonal_pn", "motor_only")),
    ("medial_gastrocnemius", "R", None, ("axonal_pn", "motor_only")),
    ("extensor_digitorum_brevis", "R", None, ("axonal_pn", "motor_only")),
    ("vastus_lateralis", "R", None, ()),
    ("lumbosacral_paraspinal", "R", "S1", ("motor_only",)),
]


def _emg_rows(sid: np.ndarray, k: dict, rng: np.random.Generator) -> pa.Table:
    n = len(sid)
    cols: dict[str, list] = {c: [] for c in ("study_id", "muscle", "side", "level", "fibs", "psw",
                                             "muap_duration", "muap_amplitude", "recruitment")}
    for muscle, side, level, kinds in EMG_TEMPLATE:
        den = np.zeros(n, bool)
        for kind in kinds:
            den |= k[kind] & (rng.random(n) < 0.8)
        chronic = den & (rng.random(n) < 0.6)
        grade = np.where(den, rng.choice(np.array(["1+", "2+", "3+"]), n),
                         np.where(rng.random(n) < 0.02, "+/-", "0"))
        size = np.where(chronic, "increased", "normal")
        cols["study_id"].append(sid)
        cols["muscle"].append(np.full(n, muscle))
        cols["side"].append(np.full(n, side))
        cols["level"].append(np.full(n, level, dtype=object))
        cols["fibs"].append(grade)
        cols["psw"].append(grade)
        cols["muap_duration"].append(size)
        cols["muap_amplitude"].append(size)
        cols["recruitment"].append(np.where(chronic, "reduced", "normal"))
    return pa.table({c: pa.array(np.concatenate(v), from_pandas=True) for c, v in cols.items()})


def generate(workdir: Path, studies: int, chunk: int) -> None:
    writers: dict[str, pq.ParquetWriter] = {}
    for i, start in enumerate(range(0, studies, chunk)):
        tables = generate_chunk(start, min(chunk, studies - start), seed=1000 + i)
        for name, t in tables.items():
            if name not in writers:
                writers[name] = pq.ParquetWriter(workdir / f"{name}.parquet", t.schema)
            writers[name].write_table(t, row_group_size=max(t.num_rows, 1))
    for w in writers.values():
        w.close()


# ---------------------------------------------------------------------------------------------
# vectorized engine, chunked, Parquet -> Parquet
# ---------------------------------------------------------------------------------------------

OUTPUTS = ("nerve_findings", "study_findings", "muscle_findings", "patient_findings", "lesions")
"""What ``edxlab interpret`` writes (interpret_run.py), all written by the benchmark too."""


def _row_group_slices(path: Path) -> list[tuple[int, int]]:
    """(offset, rows) of each row group of a Parquet file (the chunks of studies)."""
    meta = pq.ParquetFile(path).metadata
    out, offset = [], 0
    for g in range(meta.num_row_groups):
        n = meta.row_group(g).num_rows
        out.append((offset, n))
        offset += n
    return out


def _interpret_chunk(g, workdir, outdir, worker, names, slices, config, with_emg, compression,
                     writers, cpu, timed_ncs) -> int:
    """Read chunk ``g``, interpret it, append its findings to the Parquet writers; add the CPU
    seconds of each stage to ``cpu``. Returns the number of studies."""
    import polars as pl

    from edxlab.interpret import pipeline
    from edxlab.model.dataset import Dataset

    t0 = time.process_time()
    frames = {n: pl.scan_parquet(workdir / f"{n}.parquet").slice(*slices[n][g]).collect()
              for n in names}
    ds = Dataset.from_frames(**frames)
    t1 = time.process_time()
    if with_emg:
        f = pipeline.interpret_dataset(ds, config)
        out = {name: getattr(f, name) for name in OUTPUTS}
    else:
        ncs = timed_ncs(ds, config)
        out = {"nerve_findings": ncs.nerve_findings, "study_ncs": ncs.study_ncs, "lesions": ncs.lesions}
    t2 = time.process_time()
    for name, frame in out.items():
        # string views pass to Arrow without a copy; Parquet stores them as plain strings
        t = frame.to_arrow(compat_level=pl.CompatLevel.newest())
        if name not in writers:
            writers[name] = pq.ParquetWriter(outdir / f"{name}-{worker}.parquet", t.schema,
                                             compression=compression, write_statistics=False)
        writers[name].write_table(t)
    t3 = time.process_time()
    cpu["read"] += t1 - t0
    cpu["emg_glue"] += t2 - t1
    cpu["write"] += t3 - t2
    return ds.studies.height


def _worker(args) -> dict:
    """Interpret every ``workers``-th chunk; CPU seconds per stage (process time: this worker's
    threads, POLARS_MAX_THREADS=1 with 2 workers).

    Stages: ``read`` (Parquet -> Polars, Dataset), ``ncs`` (interpret_ncs inside
    interpret_dataset), ``emg_glue`` (the rest of interpret_dataset: needle EMG, study and patient
    findings, cohort columns), ``write`` (Polars -> Parquet, every table ``interpret`` writes).
    """
    workdir, outdir, worker, workers, profile, with_emg, compression = args
    os.environ.setdefault("POLARS_MAX_THREADS", "1" if workers > 1 else "2")
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    from edxlab.interpret import pipeline
    from edxlab.interpret.config import InterpretConfig

    cpu = {"read": 0.0, "ncs": 0.0, "emg_glue": 0.0, "write": 0.0}
    real_ncs = pipeline.interpret_ncs

    def timed_ncs(*a, **k):  # the NCS share of interpret_dataset
        t = time.process_time()
        try:
            return real_ncs(*a, **k)
        finally:
            cpu["ncs"] += time.process_time() - t

    pipeline.interpret_ncs = timed_ncs
    names = ("studies", "ncs", "fwaves", "patients") + (("emg", "mri") if with_emg else ())
    slices = {n: _row_group_slices(workdir / f"{n}.parquet") for n in names}
    config = InterpretConfig(profile=profile)
    writers: dict[str, pq.ParquetWriter] = {}
    n_studies = 0
    cpu_start = time.process_time()
    for g in range(worker, len(slices["studies"]), workers):
        # one function call per chunk: its frames are freed before the next chunk starts
        n_studies += _interpret_chunk(g, workdir, outdir, worker, names, slices, config, with_emg,
                                      compression, writers, cpu, timed_ncs)
    t0 = time.process_time()
    for w in writers.values():
        w.close()
    cpu["write"] += time.process_time() - t0
    cpu["emg_glue"] -= cpu["ncs"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"studies": n_studies, "maxrss_kb": usage.ru_maxrss,
            "cpu_s": time.process_time() - cpu_start, "cpu_s_with_startup": usage.ru_utime + usage.ru_stime,
            "cpu_by_stage": cpu}


def run_engine(workdir: Path, outdir: Path, workers: int, profile: str, with_emg: bool = True,
               compression: str = "lz4") -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    jobs = [(workdir, outdir, w, workers, profile, with_emg, compression) for w in range(workers)]
    if workers == 1:
        results = [_worker(jobs[0])]
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            results = pool.map(_worker, jobs)
    elapsed = time.perf_counter() - t0
    studies = sum(r["studies"] for r in results)
    stages = {k: round(sum(r["cpu_by_stage"][k] for r in results), 2) for k in results[0]["cpu_by_stage"]}
    cpu = sum(r["cpu_s"] for r in results)
    return {"studies": studies, "seconds": round(elapsed, 2),
            "studies_per_s": round(studies / elapsed),
            "cpu_s_per_worker": [round(r["cpu_s"], 2) for r in results],
            "cpu_s_per_worker_with_startup": [round(r["cpu_s_with_startup"], 2) for r in results],
            "cpu_s_by_stage": stages,
            "studies_per_cpu_s": round(studies / cpu),
            "studies_per_cpu_s_by_stage": {k: round(studies / v) if v else None for k, v in stages.items()},
            "parquet_compression": compression,
            "jemalloc_conf": JEMALLOC_CONF,
            "peak_rss_gb_per_worker": round(max(r["maxrss_kb"] for r in results) / 1024 ** 2, 2),
            "peak_rss_gb_total": round(sum(r["maxrss_kb"] for r in results) / 1024 ** 2, 2),
            "load_avg_1m_before": round(load_before[0], 1),
            "load_avg_1m_after": round(os.getloadavg()[0], 1)}


# ---------------------------------------------------------------------------------------------
# plain per-row Python implementation of the same core rules (baseline, benchmark only)
# ---------------------------------------------------------------------------------------------

def _profile_rows(name: str) -> list[dict]:
    from edxlab.reference.profiles import get_profile

    return get_profile(name).limits.to_dicts()


def python_interpret(studies: list[dict], ncs: list[dict], fwaves: list[dict], limits: list[dict],
                     crit: dict) -> list[dict]:
    """Row-by-row interpretation with dicts and loops (same core rules as the engine)."""
    by_key: dict[tuple, list[dict]] = {}
    for r in limits:
        by_key.setdefault((r["nerve"], r["modality"], r["measure"]), []).append(r)
    temp_min = {r["nerve"].replace("_limb", ""): r["limit"] for r in limits if r["measure"] == "temperature"}
    limb = {"median": "upper", "ulnar": "upper", "radial": "upper", "peroneal": "lower",
            "tibial": "lower", "sural": "lower", "superficial_peroneal": "lower"}
    order = {"palm": 2, "wrist": 3, "forearm": 4, "below_elbow": 5, "elbow": 6, "above_elbow": 7,
             "axilla": 9, "ankle": 3, "calf": 4, "lateral_leg": 4, "below_fibular_head": 5,
             "above_fibular_head": 7, "popliteal_fossa": 7}
    cset = crit["sets"][crit["default_set"]]
    une, pfh, fdrop = crit["une"], crit["peroneal_fibular_head"], crit["focal_drop"]

    def limit_for(nerve, modality, measure, record, age, height):
        best, best_score = None, -1
        for r in by_key.get((nerve, modality, measure), []):
            if r["record_site"] and r["record_site"] != record:
                continue
            if r["age_min"] is not None and (age is None or age < r["age_min"]):
                continue
            if r["age_max"] is not None and (age is None or age >= r["age_max"]):
                continue
            if r["per_cm_height"] is not None and height is None:
                continue
            score = (0 if r["wildcard"] else 16) + (8 if r["record_site"] else 0) + (
                4 if r["age_min"] is not None or r["age_max"] is not None else 0) + (
                2 if r["per_cm_height"] is not None else 0)
            if score > best_score:
                best, best_score = r, score
        if best is None:
            return None
        lim = best["limit"]
        if best["per_cm_height"] is not None:
            lim = lim + best["per_cm_height"] * (height - best["ref_height_cm"])
        return dict(best, limit=lim)

    def check(value, nr, lim, cold, sensitive):
        if lim is None:
            return False, None
        if nr:
            return (not lim["absent_normal"]), None
        if value is None:
            return False, None
        out = value > lim["limit"] if lim["bound"] == "max" else value < lim["limit"]
        pct = value / lim["limit"] * 100 if lim["limit"] else None
        return out and not (cold and sensitive), pct

    rows_by_study: dict[str, list[dict]] = {}
    for r in ncs:
        rows_by_study.setdefault(r["study_id"], []).append(r)
    f_by_study: dict[str, list[dict]] = {}
    for r in fwaves:
        f_by_study.setdefault(r["study_id"], []).append(r)
    results = []
    for st in studies:
        age, height = st["age_years"], st["height_cm"]
        nerves: dict[tuple, list[dict]] = {}
        for r in rows_by_study.get(st["study_id"], []):
            nerves.setdefault((r["nerve"], r["modality"], r["side"]), []).append(r)
        fmap = {(r["nerve"], r["side"]): r for r in f_by_study.get(st["study_id"], [])}
        findings = {}
        for (nerve, modality, side), rs in nerves.items():
            rs.sort(key=lambda r: order.get(r["stim_site"], 99))
            d = rs[0]
            t = st["temp_upper_c"] if limb.get(nerve) == "upper" else st["temp_lower_c"]
            tmin = temp_min.get(limb.get(nerve, ""), None)
            cold = t is not None and tmin is not None and t < tmin
            amp_lim = limit_for(nerve, modality, "amplitude", d["record_site"], age, height)
            dl_lim = limit_for(nerve, modality, "distal_latency", d["record_site"], age, height)
            amp_abn, amp_pct = check(d["amplitude"], d["amplitude_nr"], amp_lim, cold, False)
            dl_abn, dl_pct = check(d["latency_ms"], d["latency_ms_nr"], dl_lim, cold, True)
            evidence = []
            side_word = "left" if side == "L" else "right"
            for label, val, nr_, lim, abn, pct in (
                    ("distal latency", d["latency_ms"], d["latency_ms_nr"], dl_lim, dl_abn, dl_pct),
                    ("amplitude", d["amplitude"], d["amplitude_nr"], amp_lim, amp_abn, amp_pct)):
                if abn:
                    evidence.append(
                        f"{side_word} {nerve} {modality} {label} absent (NR)" if nr_ else
                        f"{side_word} {nerve} {modality} {label} {val:g} {lim['unit']} "
                        f"({'ULN' if lim['bound'] == 'max' else 'LLN'} {lim['limit']:g}, "
                        f"{pct:.0f}% of limit)")
            other = nerves.get((nerve, modality, "L" if side == "R" else "R"))
            if other and other[0]["amplitude"] and d["amplitude"] is not None:
                ratio = d["amplitude"] / other[0]["amplitude"]
                r_lim = limit_for(nerve, modality, "side_amplitude_ratio", "", age, height)
                if r_lim and ratio < r_lim["limit"]:
                    amp_abn = True
                    evidence.append(f"{side_word} {nerve} {modality} amplitude {ratio:.0%} of the other side")
            absent = d["amplitude_nr"] and amp_abn
            cv_abn = demy = cb = focal = False
            site = ""
            prev_cv = None
            prev_slow = False
            # drop-based rules need a distal CMAP >= 20% LLN and > 1 mV (EFNS/PNS 2010, [focal_drop])
            amp_pct_lln = (d["amplitude"] / amp_lim["limit"] * 100
                           if amp_lim and amp_lim["limit"] and d["amplitude"] is not None else None)
            drop_ok = (amp_pct_lln is not None and amp_pct_lln >= fdrop["min_distal_cmap_pct_lln"]
                       and d["amplitude"] > fdrop["min_distal_cmap_mv"])
            low_cmap = amp_pct_lln is not None and amp_pct_lln < cset["low_cmap_pct_lln"]
            demy_pct = cset["cv_max_pct_lln_low_cmap"] if low_cmap else cset["cv_max_pct_lln"]
            for i in range(1, len(rs)):
                p, r = rs[i - 1], rs[i]
                if r["latency_ms"] is None or p["latency_ms"] is None or r["latency_ms"] <= p["latency_ms"]:
                    continue
                cv = round(r["distance_mm"] / (r["latency_ms"] - p["latency_ms"]), 1)
                cv_lim = limit_for(nerve, modality, "cv", "", age, height)
                slow, _ = check(cv, False, cv_lim, cold, True)
                drop = (round((1 - r["amplitude"] / p["amplitude"]) * 100, fdrop["drop_decimals"])
                        if p["amplitude"] and r["amplitude"] is not None else None)
                prev_ok = prev_cv is None or not prev_slow
                slower = prev_cv is not None and not cold and prev_cv - cv
                entrap = (nerve, r["stim_site"]) in (("ulnar", "above_elbow"), ("peroneal", "above_fibular_head"))
                if nerve == "ulnar" and r["stim_site"] == "above_elbow":
                    if ((not cold and prev_ok and cv < une["across_elbow_cv_min"])
                            or (slower and slower > une["across_elbow_cv_drop_max"])
                            or (drop_ok and drop is not None and drop > une["across_elbow_amp_drop_max_pct"])):
                        focal, site = True, "elbow"
                elif nerve == "peroneal" and r["stim_site"] == "above_fibular_head":
                    if ((prev_ok and slow) or (slower and slower > pfh["across_knee_cv_drop_max"])
                            or (drop_ok and drop is not None and drop > pfh["across_knee_amp_drop_max_pct"])):
                        focal, site = True, "fibular_head"
                elif nerve != "tibial" and drop is not None and drop_ok \
                        and amp_pct_lln >= cset["cb_min_distal_cmap_pct_lln"] \
                        and (drop > cset["cb_min_drop_pct"] if cset["cb_drop_strict"]
                             else drop >= cset["cb_min_drop_pct"]):
                    cb = focal = True
                if not entrap and cv_lim and cv < cv_lim["limit"] * demy_pct / 100 and not cold:
                    demy = True
                cv_abn = cv_abn or (slow and not entrap)
                prev_cv, prev_slow = cv, slow
            f_abn = False
            if modality == "motor" and (nerve, side) in fmap:
                fr = fmap[(nerve, side)]
                f_lim = limit_for(nerve, "motor", "fwave_latency", "", age, height)
                f_abn, f_pct = check(fr["min_latency_ms"], fr["min_latency_ms_nr"], f_lim, cold, True)
                if f_abn and f_pct and f_pct >= cset["f_min_pct_uln"]:
                    demy = True
            if modality == "motor" and dl_abn and dl_pct and dl_pct >= cset["dl_min_pct_uln"] and nerve != "median":
                demy = True
            if absent:
                pattern = "absent"
            elif demy:
                pattern = "demyelinating"
            elif focal or (nerve == "median" and dl_abn):
                pattern = "focal"
                site = site or "wrist"
            elif amp_abn:
                pattern = "axonal"
            elif dl_abn or cv_abn or f_abn:
                pattern = "slowing"
            else:
                pattern = "normal"
            if cv_abn or cb or focal or demy:
                evidence.append(f"{side_word} {nerve} {modality}: {pattern}, site {site or 'n/a'}")
            findings[(nerve, modality, side)] = dict(evidence="; ".join(evidence),
                pattern=pattern, site=site, abnormal=pattern != "normal", demy=demy,
                general=(amp_abn and not (nerve == "median" and dl_abn)) or cv_abn or f_abn or demy)
        monos = []
        for side in ("L", "R"):
            ms = findings.get(("median", "sensory", side))
            mm = findings.get(("median", "motor", side))
            us = findings.get(("ulnar", "sensory", side))
            if ((ms and ms["pattern"] in ("focal", "absent")) or (mm and mm["pattern"] == "focal")) \
                    and not (us and us["abnormal"]) and not (mm and mm["demy"]):
                monos.append(f"median:{side}:wrist")
            u = findings.get(("ulnar", "motor", side))
            if u and u["site"] == "elbow":
                monos.append(f"ulnar:{side}:elbow")
            p = findings.get(("peroneal", "motor", side))
            if p and p["site"] == "fibular_head":
                monos.append(f"peroneal:{side}:fibular_head")
        general = {k[0] for k, v in findings.items() if v["general"]}
        surals = [v for k, v in findings.items() if k[0] == "sural"]
        dsp = bool(surals) and all(v["general"] for v in surals) and len(general) >= 2
        n_demy = sum(1 for k, v in findings.items() if k[1] == "motor" and v["demy"])
        pn = "demyelinating" if n_demy >= 2 else ("mixed" if dsp and n_demy else ("axonal" if dsp else "none"))
        sens_ok = all(not v["abnormal"] for k, v in findings.items() if k[1] != "motor")
        pg = [k for k, v in findings.items() if k[1] == "motor" and sens_ok and v["pattern"] in ("axonal", "absent", "slowing")]
        motor_only = len(pg) >= 2 and pn == "none"
        abnormal = bool(monos) or pn != "none" or any(
            v["abnormal"] for k, v in findings.items() if k not in pg)
        if monos or pn != "none":
            parts = [f"a {pn} polyneuropathy"] if pn != "none" else []
            parts += [f"a {'left' if m.split(':')[1] == 'L' else 'right'} {m.split(':')[0]} neuropathy at the {m.split(':')[2]}" for m in sorted(monos)]
            summary = "Abnormal study. There is electrodiagnostic evidence of " + " and ".join(parts) + "."
        elif abnormal:
            summary = ("Abnormal study. The nerve conduction abnormalities do not establish a "
                       "peripheral or cranial neuropathy. Isolated findings of uncertain "
                       "significance: " + "; ".join(v["evidence"] for v in findings.values()
                                                   if v["evidence"]) + ".")
        else:
            summary = "Normal study. There is no electrodiagnostic evidence of a peripheral or cranial neuropathy."
        if motor_only:
            summary += (" Reduced motor responses of the " + " and ".join(
                f"{'left' if k[2] == 'L' else 'right'} {k[0]}" for k in pg) + " nerves with "
                "normal sensory responses form a motor-only pattern.")
        results.append(dict(study_id=st["study_id"], ncs_abnormal=abnormal, polyneuropathy=pn,
                            mononeuropathies=sorted(monos), motor_only_pattern=motor_only,
                            ncs_summary=summary))
    return results


def _emg_reference() -> dict:
    """Chart, lesion sites, cord levels and EMG criteria as plain Python (not timed)."""
    from edxlab.reference import innervation
    from edxlab.reference.emg_criteria import load_emg_criteria

    return {
        "chart": {r["muscle"]: r for r in innervation.muscles().to_dicts()},
        "sites": {(r["nerve"], r["site"]): r["position"] for r in innervation.lesion_sites().to_dicts()},
        "cord": {r["vertebra"]: (r["seg_from"], r["seg_to"])  # segment indexes
                 for r in innervation.cord_levels().to_dicts()},
        "segments": list(innervation.SEGMENTS), "crit": load_emg_criteria(),
    }


def python_emg(ncs_results: list[dict], emg: list[dict], mri: list[dict], studies: list[dict],
               ref: dict) -> None:
    """Row-by-row needle EMG rules (benchmark baseline), adding the EMG/LMN columns to
    ``ncs_results``: active/chronic denervation per muscle (grades, MUAP size with reduced
    recruitment or polyphasia, myopathic units excluded), explanation by a focal lesion proximal
    to the muscle's branch or by a polyneuropathy (distal muscles), supported segments (paraspinal
    level, or a root shared by muscles of >= 2 nerves), MRI concordance (vertebral levels -> cord
    segments +/- margin) and the summary sentence."""
    crit, chart, sites, seg_names = ref["crit"], ref["chart"], ref["sites"], ref["segments"]
    rank = {"0": 0.0, "+/-": 0.5, "1+": 1.0, "2+": 2.0, "3+": 3.0, "4+": 4.0}
    act, chron, myo = crit["active"], crit["chronic"], crit["myopathic"]
    min_rank = rank[act["min_grade"]]
    seg_idx = {sname: i for i, sname in enumerate(seg_names)}
    margin = crit["mri"]["margin"]
    patient = {st["study_id"]: st["patient_id"] for st in studies}
    by_study: dict[str, list[dict]] = {}
    for r in emg:
        by_study.setdefault(r["study_id"], []).append(r)
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for r in mri:
        if r["region"] == "spinal_cord" and r["level_from"] in ref["cord"] and r["level_to"] in ref["cord"]:
            lo = min(ref["cord"][r["level_from"]][0], ref["cord"][r["level_to"]][0])
            hi = max(ref["cord"][r["level_from"]][1], ref["cord"][r["level_to"]][1])
            spans.setdefault(r["patient_id"], []).append(
                (lo - margin, hi + margin, f"{r['level_from']}-{r['level_to']}"))
    for res in ncs_results:
        lesions = [m.split(":") for m in res["mononeuropathies"]]
        den = []
        for r in by_study.get(res["study_id"], []):
            m = chart.get(r["muscle"])
            spont = max(rank.get(r["fibs"] or "0", 0.0), rank.get(r["psw"] or "0", 0.0))
            myopathic = (r["muap_duration"] in myo["size_values"] or r["muap_amplitude"] in myo["size_values"]
                         or r["recruitment"] in myo["recruitment_values"])
            active = spont >= min_rank and not (myopathic and not myo["fibs_count"])
            chronic = ((r["muap_duration"] in chron["size_values"] or r["muap_amplitude"] in chron["size_values"])
                       and (r["recruitment"] in chron["recruitment_values"]
                            or r.get("muap_phases") in chron["polyphasia_values"]) and not myopathic)
            if not (active or chronic) or m is None:
                continue
            why = []
            for nerve, side, site in lesions:
                if side != r["side"]:
                    continue
                pos = sites.get((nerve, site))
                if (nerve == m["nerve"] and pos is not None and pos < m["branch_position"]) or (
                        nerve != m["nerve"] and nerve in (m["nerve_path"] or [])):
                    why.append(f"the {'left' if side == 'L' else 'right'} {nerve} neuropathy at the {site}")
            if res["polyneuropathy"] != "none" and m["distal"]:
                why.append("the polyneuropathy")
            segs = ([r["level"].upper()] if m["nerve"] == "dorsal_ramus" and r["level"] else
                    [] if m["nerve"] == "dorsal_ramus" else list(m["roots"] or []))
            den.append(dict(name=m["display"], nerve=m["nerve"], segs=segs, active=active,
                            chronic=chronic, why=why))

        def supported(muscles):
            nerves: dict[str, set] = {}
            out = set()
            for d in muscles:
                for sg in d["segs"]:
                    if d["nerve"] == "dorsal_ramus":
                        out.add(sg)
                    else:
                        nerves.setdefault(sg, set()).add(d["nerve"])
            out |= {sg for sg, ns in nerves.items() if len(ns) >= crit["segments"]["min_nerves"]}
            return sorted(out, key=seg_idx.get)

        unexplained = [d for d in den if not d["why"]]
        lmn_segs = supported(unexplained)
        hits = sorted({label for lo, hi, label in spans.get(patient[res["study_id"]], [])
                       for sg in lmn_segs if lo <= seg_idx[sg] <= hi})
        res.update(denervation=bool(den), active_denervation=any(d["active"] for d in den),
                   chronic_denervation=any(d["chronic"] for d in den),
                   denervation_segments=supported(den),
                   denervation_explained_by_ncs=(not unexplained) if den else None,
                   lmn_involvement=bool(unexplained),
                   mri_concordant=(bool(hits) if unexplained and patient[res["study_id"]] in spans else None))
        sentences = []
        for group, lead in ((unexplained, "Needle EMG shows"), ([d for d in den if d["why"]], None)):
            if not group:
                continue
            kind = ("active and chronic denervation" if any(d["active"] for d in group) and any(
                d["chronic"] for d in group) else "active denervation" if any(
                d["active"] for d in group) else "chronic denervation")
            names = ", ".join(d["name"] for d in group)
            if lead:
                where = f" in {lmn_segs[0]}-{lmn_segs[-1]} myotomes ({names})" if lmn_segs else f" in the {names}"
                sentences.append(f"{lead} {kind}{where}" + (
                    f", concordant with the {' and '.join(hits)} cord lesion" if hits else "") + ".")
            else:
                sentences.append(f"Needle EMG shows {kind} in the {names}, explained by "
                                 + " and ".join(sorted({w for d in group for w in d["why"]})) + ".")
        res["summary"] = " ".join([res["ncs_summary"], *(sentences or [
            "Needle EMG shows no active or chronic denervation."])])


AGREEMENT_COLUMNS = ("ncs_abnormal", "polyneuropathy", "mononeuropathies", "motor_only_pattern",
                     "active_denervation", "chronic_denervation", "denervation",
                     "denervation_explained_by_ncs", "lmn_involvement", "mri_concordant")


def run_baseline(workdir: Path, sample: int, profile: str, with_emg: bool = True) -> dict:
    """Time the per-row Python rules on the first ``sample`` studies (CPU seconds, one thread)
    and check how often they agree with the engine on the same studies."""
    import polars as pl

    from edxlab.interpret.config import InterpretConfig
    from edxlab.interpret.pipeline import interpret_dataset
    from edxlab.model.dataset import Dataset
    from edxlab.reference.ncs_criteria import ncs_criteria

    names = ("studies", "ncs", "fwaves", "patients") + (("emg", "mri") if with_emg else ())
    frames = {n: pl.from_arrow(pq.ParquetFile(workdir / f"{n}.parquet").read_row_group(0)) for n in names}
    studies = frames["studies"].head(sample)
    ids = studies["study_id"].implode()
    frames = {n: f.filter(pl.col("patient_id" if n in ("patients", "mri") else "study_id").is_in(ids))
              for n, f in frames.items()}
    limits, crit = _profile_rows(profile), ncs_criteria()
    ref = _emg_reference()
    rows = {n: f.to_dicts() for n, f in frames.items()}
    t0 = time.process_time()
    out = python_interpret(rows["studies"], rows["ncs"], rows["fwaves"], limits, crit)
    if with_emg:
        python_emg(out, rows["emg"], rows["mri"], rows["studies"], ref)
    elapsed = time.process_time() - t0
    # agreement with the engine on the same studies (not timed)
    engine = interpret_dataset(Dataset.from_frames(**frames), InterpretConfig(profile=profile))
    eng = {r["study_id"]: r for r in engine.study_findings.to_dicts()}
    agree = {}
    for col in AGREEMENT_COLUMNS if with_emg else AGREEMENT_COLUMNS[:4]:
        same = sum(1 for r in out if (sorted(r[col]) if isinstance(r[col], list) else r[col]) == (
            sorted(eng[r["study_id"]][col] or []) if isinstance(r[col], list) else eng[r["study_id"]][col]))
        agree[col] = round(100 * same / len(out), 1)
    return {"studies": len(out), "cpu_seconds": round(elapsed, 3),
            "studies_per_cpu_s": round(len(out) / elapsed),
            "covers": "NCS and needle EMG/LMN core rules" if with_emg else "NCS core rules",
            "agreement_with_engine_pct": agree}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=25_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-sample", type=int, default=2000)
    ap.add_argument("--profile", default="age_height_stratified")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated and output files")
    ap.add_argument("--no-emg", action="store_true", help="interpret the NCS only (no needle EMG)")
    ap.add_argument("--compression", default="lz4",
                    help="Parquet compression of the outputs (lz4, snappy, zstd, none)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the data already generated in --workdir (same --studies/--chunk)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="edxlab-bench-ncs-"))
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if not (a.reuse and (workdir / "studies.parquet").exists()):
        generate(workdir, a.studies, a.chunk)
    gen_s = time.perf_counter() - t0
    shutil.rmtree(workdir / "out", ignore_errors=True)
    engine = run_engine(workdir, workdir / "out", a.workers, a.profile, not a.no_emg, a.compression)
    baseline = run_baseline(workdir, min(a.baseline_sample, a.chunk), a.profile, not a.no_emg)
    interpret_cpu = engine["cpu_s_by_stage"]["ncs"] + engine["cpu_s_by_stage"]["emg_glue"]
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 1)},
        "studies": a.studies, "chunk": a.chunk, "workers": a.workers, "profile": a.profile,
        "ncs_rows_per_study": 20, "emg_rows_per_study": 0 if a.no_emg else len(EMG_TEMPLATE),
        "generate_seconds": round(gen_s, 1),
        "engine": engine, "python_baseline": baseline,
        "speedup_per_cpu_s": round(engine["studies"] / interpret_cpu / baseline["studies_per_cpu_s"], 1),
        "speedup_wall_vs_one_python_thread": round(engine["studies_per_s"] / baseline["studies_per_cpu_s"], 1),
        "speedup_note": ("per CPU-second: engine interpretation (NCS + EMG/glue stages, no Parquet I/O) "
                         "vs the per-row Python rules in memory; wall: the whole Parquet -> Parquet run "
                         "with all workers vs one Python thread"),
        "targets": {"studies_per_s": 30000, "peak_rss_gb": 4.0},
    }
    print(json.dumps(report, indent=2))
    if not a.keep and a.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
