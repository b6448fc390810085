"""Builders of textbook nerve conduction studies for the NCS tests (one study per dataset)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.ncs import interpret_ncs
from edxlab.model.dataset import Dataset


def mot(nerve, side, stim, lat, amp, dist, record=None, dur=None, study="s1", **kw):
    rec = record or {"median": "apb", "ulnar": "adm", "peroneal": "edb", "tibial": "ah",
                     "facial": "nasalis", "radial": "eip"}.get(nerve)
    row = dict(study_id=study, nerve=nerve, modality="motor", side=side, stim_site=stim,
               record_site=rec, latency_ms=lat, amplitude=amp, distance_mm=dist,
               duration_ms=dur)
    row.update(kw)
    return row


def sen(nerve, side, lat, amp, dist, stim=None, record=None, modality="sensory", study="s1", **kw):
    stim = stim or {"median": "wrist", "ulnar": "wrist", "radial": "forearm", "sural": "calf",
                    "superficial_peroneal": "lateral_leg"}.get(nerve, "wrist")
    rec = record or {"median": "digit2", "ulnar": "digit5", "radial": "snuffbox",
                     "sural": "lateral_malleolus", "superficial_peroneal": "lateral_ankle"}.get(nerve)
    if modality == "mixed":
        stim, rec = "palm", "wrist"
    row = dict(study_id=study, nerve=nerve, modality=modality, side=side, stim_site=stim,
               record_site=rec, latency_ms=lat, amplitude=amp, distance_mm=dist)
    row.update(kw)
    return row


def nr(row, latency=True):
    """The same response, sought and absent."""
    out = dict(row, amplitude=None, amplitude_nr=True)
    if latency:
        out.update(latency_ms=None, latency_ms_nr=True)
    return out


# a normal right-sided study (Preston & Shapiro distances)
NORMAL_MEDIAN = [mot("median", "R", "wrist", 3.6, 9.0, 70.0), mot("median", "R", "elbow", 7.6, 8.6, 220.0)]
NORMAL_ULNAR = [mot("ulnar", "R", "wrist", 2.8, 10.0, 70.0),
                mot("ulnar", "R", "below_elbow", 6.2, 9.8, 200.0),
                mot("ulnar", "R", "above_elbow", 8.0, 9.6, 100.0)]
NORMAL_PERONEAL = [mot("peroneal", "R", "ankle", 4.5, 5.0, 90.0),
                   mot("peroneal", "R", "below_fibular_head", 11.1, 4.8, 310.0),
                   mot("peroneal", "R", "above_fibular_head", 13.1, 4.7, 100.0)]
NORMAL_TIBIAL = [mot("tibial", "R", "ankle", 4.2, 12.0, 90.0),
                 mot("tibial", "R", "popliteal_fossa", 12.4, 10.0, 400.0)]
NORMAL_SENSORY = [sen("median", "R", 3.1, 35.0, 130.0), sen("ulnar", "R", 2.7, 25.0, 110.0),
                  sen("sural", "R", 3.5, 15.0, 140.0)]
NORMAL_F = [dict(study_id="s1", nerve="median", side="R", min_latency_ms=27.0),
            dict(study_id="s1", nerve="ulnar", side="R", min_latency_ms=28.0),
            dict(study_id="s1", nerve="tibial", side="R", min_latency_ms=48.0)]


def normal_rows():
    return NORMAL_MEDIAN + NORMAL_ULNAR + NORMAL_PERONEAL + NORMAL_TIBIAL + NORMAL_SENSORY


def dataset(ncs=(), fwaves=(), blink=(), age=45.0, height=170.0, profile="preston_shapiro_2013",
            temp_upper=None, temp_lower=None, studies=("s1",)):
    frames = dict(
        patients=pl.DataFrame({"patient_id": ["p1"]}),
        studies=pl.DataFrame({
            "study_id": list(studies), "patient_id": ["p1"] * len(studies),
            "study_date": [dt.date(2024, 3, 1)] * len(studies), "age_years": [age] * len(studies),
            "height_cm": [height] * len(studies), "reference_profile": [profile] * len(studies),
            "temp_upper_c": [temp_upper] * len(studies), "temp_lower_c": [temp_lower] * len(studies),
        }, schema_overrides={"temp_upper_c": pl.Float64, "temp_lower_c": pl.Float64,
                             "reference_profile": pl.String}),
    )
    if ncs:
        frames["ncs"] = pl.DataFrame(list(ncs), infer_schema_length=None)
    if fwaves:
        frames["fwaves"] = pl.DataFrame(list(fwaves), infer_schema_length=None)
    if blink:
        frames["blink"] = pl.DataFrame(list(blink), infer_schema_length=None)
    return Dataset.from_frames(**frames)


def run(ncs=(), fwaves=(), blink=(), config=None, **kw):
    """Interpret one study: (findings, study row as dict, nerve rows keyed by nerve/modality/side)."""
    f = interpret_ncs(dataset(ncs, fwaves, blink, **kw), config or InterpretConfig())
    study = f.study_ncs.row(0, named=True)
    nerves = {(r["nerve"], r["modality"], r["side"]): r for r in f.nerve_findings.iter_rows(named=True)}
    return f, study, nerves
