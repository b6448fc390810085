"""Nerve conduction, F-wave and blink reflex values a laboratory would record.

Healthy nerves get values around the published means (``ncs_normals.csv``), kept safely inside
the reference limits (:mod:`edxlab.synth.draw`). Lesions shift them by amounts a careful
reader calls clearly abnormal:

- carpal tunnel syndrome (median at the wrist): prolonged median distal motor and sensory
  latencies; severe: absent SNAP, low CMAP; forearm velocity and the ulnar nerve stay normal.
- ulnar neuropathy at the elbow: across-elbow velocity 28-38 m/s with normal forearm
  velocity, often a >25% amplitude drop across the elbow; reduced ulnar SNAP; severe: low CMAP.
- length-dependent axonal polyneuropathy: sural and superficial peroneal SNAPs low or absent on
  both sides, low leg CMAPs; velocities and latencies normal; arms spared.
- facial palsy: facial CMAP < 35% of the other side and below 1 mV; blink reflex with absent or
  delayed R1 and R2 recorded on the affected side.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.synth.draw import SAFE_LLN, abnormal, healthy
from edxlab.synth.latent import PN_AXONAL, PN_AXONAL_SEVERE, PN_DEMYELINATING, SIDES, Latent
from edxlab.synth.protocol import Protocol
from edxlab.synth.profile import engine_distance, engine_limits
from edxlab.synth.tables import labels, limit_value, normal_params

SENSORY_ONSET_RATIO = 0.79  # onset latency / peak latency of an antidromic SNAP (assumed)


class _Rows:
    """Accumulates NCS rows as column arrays; text columns as codes into small vocabularies."""

    TEXT = ("nerve", "modality", "stim_site", "record_site")

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []
        self.vocab: dict[str, list[str]] = {k: [] for k in self.TEXT}

    def _code(self, col: str, value: str, n: int) -> np.ndarray:
        voc = self.vocab[col]
        if value not in voc:
            voc.append(value)
        return np.full(n, voc.index(value))

    def add(self, study, nerve, modality, side, stim_site, record_site, latency, amplitude, nr,
            distance, cv) -> None:
        n = len(study)
        if n == 0:
            return
        lat = np.round(latency, 2)
        # machines show small responses with two decimals (0.35 mV), larger ones with one
        amp = np.where(amplitude < 2, np.round(amplitude, 2), np.round(amplitude, 1))
        amp = np.where(amp <= 0, 0.01, amp)
        values = dict(nerve=nerve, modality=modality, stim_site=stim_site, record_site=record_site)
        self.parts.append(
            {
                "study": study,
                **{k: self._code(k, v, n) for k, v in values.items()},
                "side": side,
                "latency_ms": np.where(nr, np.nan, lat),
                "latency_ms_nr": nr.copy(),
                "amplitude": np.where(nr, np.nan, amp),
                "amplitude_nr": nr.copy(),
                "distance_mm": np.round(distance, 0),
                "cv_ms": np.where(nr, np.nan, cv),
            }
        )

    def frame(self, study_ids: np.ndarray) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame()
        cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        out = {
            "study_id": labels(study_ids, cols.pop("study")),
            **{k: labels(self.vocab[k], cols.pop(k)) for k in self.TEXT},
            "side": labels(SIDES, cols.pop("side")),
        }
        df = pl.DataFrame({**out, **cols})
        df = df.select("study_id", "nerve", "modality", "side", "stim_site", "record_site", *cols)
        return df.with_columns(pl.col("latency_ms", "amplitude", "cv_ms", "distance_mm").fill_nan(None))


class _Ctx:
    def __init__(self, lat: Latent, prot: Protocol, rng: np.random.Generator) -> None:
        self.lat = lat
        self.prot = prot
        self.rng = rng
        self.pat = lat.study_patient
        self.age = lat.study_age()
        self.sex = lat.sex[self.pat]
        self.height = lat.height[self.pat]
        self.S = lat.n_studies
        self.demyelinating = lat.pn[self.pat] == PN_DEMYELINATING

    def pairs(self, flag: np.ndarray):
        study, side = np.nonzero(flag)
        return study, side

    def limit(self, nerve, modality, measure, study, record_site="") -> tuple[np.ndarray, str]:
        """Per-row reference limit: the engine's profile when it has the measure, else ours."""
        got = engine_limits(nerve, modality, measure, record_site, self.age[study], self.height[study])
        own, own_kind, _ = limit_value(nerve, modality, measure)
        if got is None:
            return np.full(len(study), float(own)), own_kind
        values, kind = got
        if measure == "cv_elbow_ms":  # the across-elbow segment must also pass the UNE criterion
            values = np.maximum(values, own)
        return values, kind

    def healthy(self, nerve, modality, measure, study, record_site="", scale=None, **kw) -> np.ndarray:
        mean, sd = normal_params(nerve, modality, measure, self.age[study], self.sex[study])
        if scale is not None:
            mean, sd = mean * scale, sd * scale
        limit, kind = self.limit(nerve, modality, measure, study, record_site)
        return healthy(self.rng, mean, sd, limit, kind, study, self.S, **kw)


def _motor(ctx: _Ctx, rows: _Rows, nerve: str, record: str, flag, distal_site: str, dist_mm: float,
           prox: list[tuple[str, float, float, np.ndarray | None]], modify=None) -> None:
    """A motor nerve study: distal site plus proximal segments ``(site, mm, sd_mm, done)``.

    Proximal segments of a healthy nerve conduct within a few m/s of each other and lose at
    most 10% of the amplitude (18% for the tibial nerve at the knee).
    """
    study, side = ctx.pairs(flag)
    n = len(study)
    if n == 0:
        return
    rng = ctx.rng
    dist_mm = engine_distance(nerve, "motor") or dist_mm
    cv0 = ctx.healthy(nerve, "motor", "cv_ms", study, record)
    cv_lln, _ = ctx.limit(nerve, "motor", "cv_ms", study, record)
    cvs = [cv0]
    for _ in prox[1:]:
        cvs.append(np.maximum(cv0 + np.clip(rng.normal(0, 2.0, n), -5, 5), cv_lln * SAFE_LLN))
    v = {
        "lat": ctx.healthy(nerve, "motor", "latency_ms", study, record),
        "amp": ctx.healthy(nerve, "motor", "amplitude", study, record),
        "nr": np.zeros(n, dtype=bool),
        "cv": cvs,
        "drop": [rng.uniform(0.0, 0.10 if nerve != "tibial" else 0.18, n) for _ in prox],
    }
    if nerve == "ulnar" and len(prox) == 2:  # across-elbow segment has its own normal values
        elbow = ctx.healthy(nerve, "motor", "cv_elbow_ms", study, record)
        v["cv"][1] = np.clip(elbow, v["cv"][0] - 6.0, v["cv"][0] + 6.0)
        elbow_lln, _ = ctx.limit(nerve, "motor", "cv_elbow_ms", study, record)
        v["cv"][1] = np.maximum(v["cv"][1], elbow_lln * SAFE_LLN)
    if modify is not None:
        modify(v, study, side)
    demy = ctx.demyelinating[study]
    if demy.any():  # uniform slowing in the demyelinating range (EFNS/PNS 2010: CV < 70% LLN,
        # DL > 150% ULN) along the whole nerve, without focal slowing or block
        f = rng.uniform(0.5, 0.65, n)
        for k in range(len(v["cv"])):
            v["cv"][k] = np.where(demy, cv_lln * f * rng.uniform(0.97, 1.03, n), v["cv"][k])
        uln, _ = ctx.limit(nerve, "motor", "latency_ms", study, record)
        v["lat"] = np.where(demy, abnormal(rng, uln, 1.55, 1.9, n), v["lat"])
    dist = np.full(n, dist_mm)
    rows.add(study, nerve, "motor", side, distal_site, record, v["lat"], v["amp"], v["nr"], dist,
             np.full(n, np.nan))
    prev_lat = np.round(v["lat"], 2)
    amp = v["amp"]
    for k, (site, mm, sd_mm, done) in enumerate(prox):
        seg = np.round(rng.normal(mm, sd_mm, n) / 5) * 5
        lat = np.round(prev_lat + seg / v["cv"][k], 2)
        amp = amp * (1 - v["drop"][k])
        cv = np.round(seg / (lat - prev_lat), 1)
        keep = np.ones(n, dtype=bool) if done is None else done[study, side]
        rows.add(study[keep], nerve, "motor", side[keep], site, record, lat[keep], amp[keep],
                 v["nr"][keep], seg[keep], cv[keep])
        prev_lat = lat


def _sensory(ctx: _Ctx, rows: _Rows, nerve: str, stim: str, record: str, flag, dist_mm: float,
             modify=None, modality: str = "sensory") -> None:
    study, side = ctx.pairs(flag)
    n = len(study)
    if n == 0:
        return
    dist_mm = engine_distance(nerve, modality) or dist_mm
    cv_lln, _ = ctx.limit(nerve, modality, "cv_ms", study, record)
    lat_uln, _ = ctx.limit(nerve, modality, "latency_ms", study, record)
    # the latency also sets the onset-based velocity: keep both normal
    safe = np.minimum(lat_uln * 0.93, dist_mm / (cv_lln * 1.07) / SENSORY_ONSET_RATIO)
    v = {
        "lat": ctx.healthy(nerve, modality, "latency_ms", study, record, safe_limit=safe),
        "amp": ctx.healthy(nerve, modality, "amplitude", study, record),
        "nr": np.zeros(n, dtype=bool),
    }
    v["lat"] = np.minimum(v["lat"], dist_mm / (cv_lln * 1.015) / SENSORY_ONSET_RATIO)
    if modify is not None:
        modify(v, study, side)
    demy = ctx.demyelinating[study] & (nerve in ("median", "ulnar"))  # sural sparing
    if demy.any():
        lln, _ = ctx.limit(nerve, modality, "amplitude", study, record)
        v["amp"] = np.where(demy, abnormal(ctx.rng, lln, 0.3, 0.7, n), v["amp"])
        v["lat"] = np.where(demy, abnormal(ctx.rng, lat_uln, 1.1, 1.3, n), v["lat"])
        v["nr"] = v["nr"] | (demy & (ctx.rng.random(n) < 0.3))
    lat = np.round(v["lat"], 2)
    cv = np.round(dist_mm / (lat * SENSORY_ONSET_RATIO), 1)
    rows.add(study, nerve, modality, side, stim, record, lat, v["amp"], v["nr"], np.full(n, dist_mm), cv)


def nerve_conduction(lat: Latent, prot: Protocol, rng: np.random.Generator) -> pl.DataFrame:
    ctx = _Ctx(lat, prot, rng)
    rows = _Rows()
    pat = lat.study_patient
    cts, une, pn, facial = lat.cts[pat], lat.une[pat], lat.pn[pat], lat.facial

    def sev(arr2, study, side):
        return arr2[study, side]

    # --- median motor (carpal tunnel)
    def median_motor(v, study, side):
        s = sev(cts, study, side)
        uln, _ = ctx.limit("median", "motor", "latency_ms", study)
        lln, _ = ctx.limit("median", "motor", "amplitude", study)
        n = len(study)
        moderate = (s == 1) & (rng.random(n) < 0.7)  # else mild: sensory latency only
        v["lat"] = np.where(moderate, abnormal(rng, uln, 1.15, 1.45, n), v["lat"])
        v["lat"] = np.where(s == 2, abnormal(rng, uln, 1.45, 1.9, n), v["lat"])
        v["amp"] = np.where(s == 2, abnormal(rng, lln, 0.3, 0.8, n), v["amp"])

    _motor(ctx, rows, "median", "apb", prot.arm_ncs, "wrist", 80, [("elbow", 230, 15, None)], median_motor)

    # --- ulnar motor (ulnar neuropathy at the elbow)
    def ulnar_motor(v, study, side):
        s = sev(une, study, side)
        lln, _ = ctx.limit("ulnar", "motor", "amplitude", study)
        n = len(study)
        hit = s > 0
        v["cv"][1] = np.where(hit, rng.uniform(28, 38, n), v["cv"][1])
        v["drop"][1] = np.where(hit & (rng.random(n) < 0.5), rng.uniform(0.25, 0.5, n), v["drop"][1])
        v["amp"] = np.where(s == 2, abnormal(rng, lln, 0.3, 0.8, n), v["amp"])

    _motor(ctx, rows, "ulnar", "adm", prot.arm_ncs, "wrist", 80,
           [("below_elbow", 220, 15, None), ("above_elbow", 100, 0.1, prot.ulnar_above_elbow)], ulnar_motor)

    # --- median sensory
    def median_sensory(v, study, side):
        s = sev(cts, study, side)
        uln, _ = ctx.limit("median", "sensory", "latency_ms", study)
        lln, _ = ctx.limit("median", "sensory", "amplitude", study)
        n = len(study)
        v["lat"] = np.where(s == 1, abnormal(rng, uln, 1.17, 1.4, n), v["lat"])
        low = (s == 1) & (rng.random(n) < 0.5)
        v["amp"] = np.where(low, abnormal(rng, lln, 0.45, 0.9, n), v["amp"])
        v["nr"] = s == 2

    _sensory(ctx, rows, "median", "wrist", "digit2", prot.arm_ncs, 130, median_sensory)

    def ulnar_sensory(v, study, side):
        s = sev(une, study, side)
        lln, _ = ctx.limit("ulnar", "sensory", "amplitude", study)
        n = len(study)
        u = rng.random(n)
        v["amp"] = np.where((s == 1) & (u < 0.5), abnormal(rng, lln, 0.4, 0.85, n), v["amp"])
        v["amp"] = np.where(s == 2, abnormal(rng, lln, 0.2, 0.5, n), v["amp"])
        v["nr"] = (s == 2) & (u < 0.6)

    _sensory(ctx, rows, "ulnar", "wrist", "digit5", prot.arm_ncs, 110, ulnar_sensory)

    # --- palmar mixed comparison (median vs ulnar, palm -> wrist, 8 cm; AAEM 2002): done in
    # suspected carpal tunnel; healthy median and ulnar latencies within 0.25 ms of each other
    healthy_median_palm = {}

    def median_palm(v, study, side):
        s = sev(cts, study, side)
        uln, _ = ctx.limit("median", "mixed", "latency_ms", study)
        healthy_median_palm["lat"] = v["lat"].copy()
        n = len(study)
        v["lat"] = np.where(s > 0, abnormal(rng, uln, 1.15, 1.4, n), v["lat"])
        v["nr"] = (s == 2) & (rng.random(n) < 0.5)

    def ulnar_palm(v, study, side):
        s = sev(une, study, side)
        lln, _ = ctx.limit("ulnar", "mixed", "amplitude", study)
        uln, _ = ctx.limit("ulnar", "mixed", "latency_ms", study)
        n = len(study)
        cv_lln, _ = ctx.limit("ulnar", "mixed", "cv_ms", study)
        safe = np.minimum(uln * 0.93, 80 / (cv_lln * 1.07) / SENSORY_ONSET_RATIO)
        near = healthy_median_palm["lat"] + rng.uniform(-0.25, 0.25, n)
        v["lat"] = np.clip(near, 1.2, safe)
        v["amp"] = np.where(s == 2, abnormal(rng, lln, 0.3, 0.8, n), v["amp"])

    _sensory(ctx, rows, "median", "palm", "wrist", prot.palm_mixed, 80, median_palm, modality="mixed")
    _sensory(ctx, rows, "ulnar", "palm", "wrist", prot.palm_mixed, 80, ulnar_palm, modality="mixed")

    # --- legs (length-dependent axonal polyneuropathy)
    def leg_motor(nerve):
        def modify(v, study, side):
            s = pn[study]
            lln, _ = ctx.limit(nerve, "motor", "amplitude", study)
            n = len(study)
            p1, f1, f2 = (0.5, (0.35, 0.9), (0.1, 0.5)) if nerve == "peroneal" else (0.4, (0.5, 0.95), (0.25, 0.75))
            # from 70 y an absent or tiny sural SNAP is normal (Tavee 2014): the motor nerves
            # then carry the evidence of the polyneuropathy
            p1 = np.where(ctx.age[study] >= 70, 1.0, p1)
            v["amp"] = np.where((s == 1) & (rng.random(n) < p1), abnormal(rng, lln, *f1, n), v["amp"])
            v["amp"] = np.where(s == 2, abnormal(rng, lln, *f2, n), v["amp"])
        return modify

    _motor(ctx, rows, "peroneal", "edb", prot.leg_ncs, "ankle", 90,
           [("below_fibular_head", 300, 20, None), ("above_fibular_head", 100, 0.1, prot.peroneal_above_fibular_head)],
           leg_motor("peroneal"))
    _motor(ctx, rows, "tibial", "ah", prot.leg_ncs, "ankle", 90, [("popliteal_fossa", 380, 25, None)],
           leg_motor("tibial"))

    def leg_sensory(nerve, p_nr):
        def modify(v, study, side):
            s = pn[study]
            lln, _ = ctx.limit(nerve, "sensory", "amplitude", study)
            n = len(study)
            axonal = (s == PN_AXONAL) | (s == PN_AXONAL_SEVERE)
            v["amp"] = np.where(axonal, abnormal(rng, lln, 0.2, 0.7, n), v["amp"])
            v["nr"] = (s == PN_AXONAL_SEVERE) | ((s == PN_AXONAL) & (rng.random(n) < p_nr))
            if nerve == "sural":  # absent sural SNAP is normal from 75 y (Tavee 2014)
                v["nr"] |= (s == 0) & (ctx.age[study] >= 75) & (rng.random(n) < 0.3)
        return modify

    _sensory(ctx, rows, "sural", "calf", "lateral_malleolus", prot.leg_ncs, 140, leg_sensory("sural", 0.4))
    _sensory(ctx, rows, "superficial_peroneal", "lateral_leg", "lateral_ankle", prot.superficial_peroneal, 120,
             leg_sensory("superficial_peroneal", 0.5))

    # --- facial motor (both sides when the face is examined)
    face = np.repeat(prot.face_ncs[:, None], 2, axis=1)
    study, side = np.nonzero(face)
    if len(study):
        amp = ctx.healthy("facial", "motor", "amplitude", study)
        latency = ctx.healthy("facial", "motor", "latency_ms", study)
        uln, _ = ctx.limit("facial", "motor", "latency_ms", study)
        hit = facial[study, side] > 0
        # the other side of the same study
        n = len(study)
        other_amp = amp[np.arange(n) ^ 1]  # rows come in L, R pairs per study
        amp = np.where(hit, np.minimum(0.6, other_amp * rng.uniform(0.1, 0.35, n)), amp)
        latency = np.where(hit & (rng.random(n) < 0.5), abnormal(rng, uln, 1.1, 1.4, n), latency)
        rows.add(study, "facial", "motor", side, "stylomastoid", "nasalis", latency, amp,
                 np.zeros(n, dtype=bool), np.full(n, np.nan), np.full(n, np.nan))
    return rows.frame(lat.study_id)


def fwaves(lat: Latent, prot: Protocol, rng: np.random.Generator) -> pl.DataFrame:
    ctx = _Ctx(lat, prot, rng)
    parts = []
    for nerve, flag, record in (
        ("median", prot.f_median, "apb"),
        ("ulnar", prot.f_ulnar, "adm"),
        ("tibial", prot.f_tibial, "ah"),
        ("peroneal", prot.f_peroneal, "edb"),
    ):
        study, side = np.nonzero(flag)
        if len(study) == 0:
            continue
        scale = ctx.height[study] / 170.0  # F-wave latency grows with limb length
        latency = ctx.healthy(nerve, "fwave", "min_latency_ms", study, scale=scale)
        uln, _ = ctx.limit(nerve, "fwave", "min_latency_ms", study)
        demy = ctx.demyelinating[study]
        latency = np.where(demy, abnormal(rng, uln, 1.35, 1.6, len(study)), latency)
        pm, psd = normal_params(nerve, "fwave", "persistence_pct", ctx.age[study], ctx.sex[study])
        persistence = np.clip(np.round(rng.normal(pm, psd)), 55, 100)
        parts.append(
            pl.DataFrame(
                {
                    "study_id": labels(lat.study_id, study),
                    "nerve": pl.Series([nerve]).gather(np.zeros(len(study), dtype=np.int64)),
                    "side": labels(SIDES, side),
                    "min_latency_ms": np.round(latency, 1),
                    "min_latency_ms_nr": np.zeros(len(study), dtype=bool),
                    "persistence_pct": persistence,
                    "stimuli": np.full(len(study), 10 if rng.random() < 0.5 else 20),
                }
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def blink(lat: Latent, prot: Protocol, rng: np.random.Generator) -> pl.DataFrame:
    """Blink reflexes: each side stimulated; a facial palsy delays or abolishes the responses
    recorded on the affected side (R1 and R2i when it is stimulated, R2c when the other side is)."""
    ctx = _Ctx(lat, prot, rng)
    face = np.repeat(prot.face_ncs[:, None], 2, axis=1)
    study, side = np.nonzero(face)
    n = len(study)
    if n == 0:
        return pl.DataFrame()
    out = {"study_id": labels(lat.study_id, study), "stim_side": labels(SIDES, side)}
    affected_here = lat.facial[study, side] > 0
    affected_other = lat.facial[study, 1 - side] > 0
    absent = rng.random(n) < 0.6
    # healthy responses respect the side-difference limits (Kimura [R]): R1 within 1.2 ms
    # between sides, R2 ipsilateral vs contralateral within 5 ms, R2 between sides within 7 ms
    tight = (0.975, 1.025)
    healthy_values = {
        "r1_ms": ctx.healthy("facial", "blink", "r1_ms", study, jitter=tight),
        "r2_ipsi_ms": ctx.healthy("facial", "blink", "r2_ipsi_ms", study, jitter=tight),
    }
    r2c_uln, _ = ctx.limit("facial", "blink", "r2_contra_ms", study)
    healthy_values["r2_contra_ms"] = np.minimum(healthy_values["r2_ipsi_ms"] + rng.uniform(-1.5, 2.5, n),
                                                r2c_uln * 0.93)
    for col, hit in (("r1_ms", affected_here), ("r2_ipsi_ms", affected_here), ("r2_contra_ms", affected_other)):
        limit, _ = ctx.limit("facial", "blink", col, study)
        value = np.where(hit, abnormal(rng, limit, 1.12, 1.3, n), healthy_values[col])
        nr = hit & absent
        out[col] = np.where(nr, np.nan, np.round(value, 1))
        out[f"{col}_nr"] = nr
    return pl.DataFrame(out).with_columns(pl.col("r1_ms", "r2_ipsi_ms", "r2_contra_ms").fill_nan(None))
