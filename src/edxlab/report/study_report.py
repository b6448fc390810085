"""The per-study EDX report: one printable HTML page a neurophysiologist can sign.

Header (patient, study, indication, temperatures, reference profile), the NCS table with every
value beside its limit and abnormal values highlighted, F-waves, blink reflex, the needle EMG
table, the interpretation paragraph and the evidence (which rules fired, against which limit).

Inputs are the dataset and the findings frames of ``edxlab interpret`` (``nerve_findings``,
``muscle_findings``, ``study_findings``), as documented in docs/design.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from edxlab import __version__
from edxlab.errors import NotFoundError
from edxlab.model.dataset import Dataset
from edxlab.report.render import render


@dataclass(frozen=True)
class Measure:
    """One measure of nerve_findings: value column, limit column, flags, direction, label."""

    key: str
    value: str
    label: str
    unit: str
    upper: bool  # True: the limit is a maximum (latencies); False: a minimum (amplitude, CV)

    def col(self, suffix: str) -> str:
        return f"{self.key}_{suffix}"


NCS_MEASURES = (
    Measure("distal_latency", "distal_latency_ms", "Distal latency", "ms", True),
    Measure("amplitude", "amplitude_value", "Amplitude", "", False),
    Measure("cv", "cv_ms", "Conduction velocity", "m/s", False),
)
FWAVE = Measure("fwave", "fwave_ms", "F-wave minimal latency", "ms", True)
BLINK_MEASURES = (
    Measure("r1", "r1_ms", "R1", "ms", True),
    Measure("r2_ipsi", "r2_ipsi_ms", "R2 ipsilateral", "ms", True),
    Measure("r2_contra", "r2_contra_ms", "R2 contralateral", "ms", True),
)
EMG_COLUMNS = (
    ("insertional", "Insertional"),
    ("fibs", "Fibs"),
    ("psw", "PSW"),
    ("fasciculations", "Fasc"),
    ("muap_amplitude", "MUAP amp"),
    ("muap_duration", "MUAP dur"),
    ("muap_phases", "Phases"),
    ("recruitment", "Recruitment"),
)
_ABNORMAL_EMG = {
    "insertional": {"increased"},
    "fibs": {"1+", "2+", "3+", "4+"},
    "psw": {"1+", "2+", "3+", "4+"},
    "fasciculations": {"1+", "2+", "3+", "4+"},
    "muap_amplitude": {"increased", "decreased", "mixed"},
    "muap_duration": {"increased", "decreased", "mixed"},
    "muap_phases": {"increased"},
    "recruitment": {"reduced", "early", "absent"},
}
_SIDE = {"L": "Left", "R": "Right", "midline": "Midline"}


def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:.1f}" if abs(v) < 100 else f"{v:.0f}"


def _label(code: str | None) -> str:
    return (code or "").replace("_", " ")


def measure_cell(row: dict, m: Measure, unit: str = "") -> dict:
    """{text, limit, abnormal, nr, source} of one measure of one nerve_findings row."""
    value = row.get(m.value)
    nr = bool(row.get(m.col("nr")))
    limit = row.get(m.col("limit"))
    abnormal = bool(row.get(m.col("abnormal")))
    if value is None and not nr:
        return {"text": "", "limit": "", "abnormal": False, "nr": False, "source": ""}
    unit = unit or m.unit
    text = "NR" if nr else f"{_fmt(value)}"
    lim = "" if limit is None else f"{'≤' if m.upper else '≥'} {_fmt(limit)}"
    return {
        "text": text,
        "unit": unit,
        "limit": lim,
        "abnormal": abnormal,
        "nr": nr,
        "source": row.get(m.col("source")) or "",
        "pct": row.get(m.col("pct_of_limit")),
    }


def _rows(frame: pl.DataFrame | None, study_id: str) -> list[dict]:
    if frame is None or frame.is_empty() or "study_id" not in frame.columns:
        return []
    return frame.filter(pl.col("study_id") == study_id).to_dicts()


def study_context(ds: Dataset, findings: dict[str, pl.DataFrame], study_id: str, synthetic: str = "") -> dict:
    """Everything the study report template shows, for one study."""
    studies = ds.studies.filter(pl.col("study_id") == study_id)
    if studies.is_empty():
        raise NotFoundError(f"Study {study_id!r} is not in the database.")
    st = studies.row(0, named=True)
    pat = ds.patients.filter(pl.col("patient_id") == st["patient_id"]).row(0, named=True)
    age = st.get("age_years")
    if age is None and pat.get("birth_year") is not None and st["study_date"] is not None:
        age = float(st["study_date"].year - pat["birth_year"])

    nerves = _rows(findings.get("nerve_findings"), study_id)
    ncs_rows, fwave_rows, blink_rows, evidence = [], [], [], []
    for r in nerves:
        is_blink = any(r.get(m.value) is not None or r.get(m.col("nr")) for m in BLINK_MEASURES)
        if is_blink:
            blink_rows.append(
                {"side": _SIDE.get(r.get("side"), r.get("side") or ""), "cells": [measure_cell(r, m) for m in BLINK_MEASURES]}
            )
        elif r.get("modality") is not None:
            unit = r.get("amplitude_unit") or ("mV" if r.get("modality") == "motor" else "uV")
            cells = [measure_cell(r, m, unit if m.key == "amplitude" else "") for m in NCS_MEASURES]
            if any(c["text"] for c in cells):
                ncs_rows.append(
                    {
                        "nerve": _label(r["nerve"]),
                        "side": _SIDE.get(r["side"], r["side"]),
                        "modality": r["modality"],
                        "record_site": _label(r.get("record_site")),
                        "cells": cells,
                        "pattern": _label(r.get("pattern")),
                        "cv_segment": _label(r.get("cv_segment")),
                        "temp": _fmt(r.get("temp_c")),
                        "abnormal": bool(r.get("abnormal")),
                    }
                )
        fw = measure_cell(r, FWAVE)
        if fw["text"]:
            fwave_rows.append({"nerve": _label(r["nerve"]), "side": _SIDE.get(r["side"], r["side"]), "cell": fw})
        if r.get("abnormal") and (r.get("evidence") or r.get("rule_ids")):
            rules = r.get("rule_ids") or []
            evidence.append(
                {
                    "what": f"{_label(r['nerve'])} {r.get('modality') or ''} ({_SIDE.get(r['side'], r['side'])})".replace("  ", " "),
                    "text": r.get("evidence") or "",
                    "rules": ", ".join(rules) if isinstance(rules, list) else str(rules),
                }
            )
    emg_raw = ds["emg"].filter(pl.col("study_id") == study_id)
    emg_rows = []
    mf = _rows(findings.get("muscle_findings"), study_id)
    source = mf if mf else emg_raw.to_dicts()
    by_key = {(e["muscle"], e["side"], e.get("level")): e for e in emg_raw.to_dicts()}
    for r in source:
        raw = r
        if mf:
            match = by_key.get((r["muscle"], r["side"], r.get("level")), {})
            raw = {**match, **{k: v for k, v in r.items() if v is not None}}
        cells = []
        for col, _ in EMG_COLUMNS:
            v = raw.get(col)
            cells.append({"text": _label(v) if v not in (None, "") else "", "abnormal": v in _ABNORMAL_EMG[col]})
        emg_rows.append(
            {
                "muscle": _label(r["muscle"]) + (f" {r['level']}" if r.get("level") else ""),
                "side": _SIDE.get(r["side"], r["side"]),
                "cells": cells,
                "finding": _label(r.get("finding")),
                "explained_by": r.get("explained_by") or "",
                "denervation": bool(r.get("denervation")),
            }
        )
        if mf and r.get("finding") not in (None, "normal") and r.get("evidence"):
            rules = r.get("rules") or []
            evidence.append(
                {
                    "what": f"{_label(r['muscle'])} ({_SIDE.get(r['side'], r['side'])})",
                    "text": r["evidence"],
                    "rules": ", ".join(rules) if isinstance(rules, list) else str(rules),
                }
            )
    sf = _rows(findings.get("study_findings"), study_id)
    sfr = sf[0] if sf else {}
    profiles = sorted({r.get("profile") for r in nerves if r.get("profile")})
    criteria = sorted({r.get("criteria") for r in nerves if r.get("criteria")})
    return {
        "synthetic": synthetic,
        "study_id": study_id,
        "patient_id": st["patient_id"],
        "sex": pat.get("sex") or "",
        "age": _fmt(age) if age is not None else "",
        "height": _fmt(st.get("height_cm")) if st.get("height_cm") is not None else "",
        "study_date": st["study_date"].isoformat() if st["study_date"] else "",
        "indication": ", ".join(_label(i) for i in (st.get("indication") or [])),
        "temp_upper": _fmt(st.get("temp_upper_c")) if st.get("temp_upper_c") is not None else "",
        "temp_lower": _fmt(st.get("temp_lower_c")) if st.get("temp_lower_c") is not None else "",
        "profile": ", ".join(profiles) or (st.get("reference_profile") or "default"),
        "criteria": ", ".join(criteria),
        "ncs_rows": ncs_rows,
        "fwave_rows": fwave_rows,
        "blink_rows": blink_rows,
        "emg_rows": emg_rows,
        "emg_columns": [label for _, label in EMG_COLUMNS],
        "summary": sfr.get("summary") or "",
        "timing_warning": sfr.get("timing_warning") or "",
        "evidence": evidence,
        "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "version": __version__,
    }


def render_study_report(ds: Dataset, findings: dict[str, pl.DataFrame], study_id: str, synthetic: str = "") -> str:
    return render("study_report.html.j2", study_context(ds, findings, study_id, synthetic))


def write_study_reports(
    ds: Dataset, findings: dict[str, pl.DataFrame], out: Path, study_ids: list[str] | None = None, synthetic: str = ""
) -> list[Path]:
    """Write ``study_<id>.html`` for each study (all studies when ``study_ids`` is None)."""
    out.mkdir(parents=True, exist_ok=True)
    ids = study_ids if study_ids is not None else ds.studies["study_id"].to_list()
    paths = []
    for sid in ids:
        path = out / f"study_{sid}.html"
        path.write_text(render_study_report(ds, findings, sid, synthetic), "utf-8")
        paths.append(path)
    return paths
