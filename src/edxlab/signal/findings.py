"""Measured needle EMG results beside the examiner's grades in ``muscle_findings``.

:func:`measured_by_muscle` folds the per-recording rows of :func:`edxlab.signal.analyze_signals`
into one row per (study, muscle, side): the MUAP classification and means come from the voluntary
recordings, the spontaneous-activity grade and counts from the rest recordings.
:func:`attach_measured` joins them onto ``muscle_findings`` (provenance ``measured`` next to the
examiner's ``graded`` columns) and states any disagreement in ``measured_disagreement``.
"""

from __future__ import annotations

import polars as pl

GRADE_ORDER = ["0", "+/-", "1+", "2+", "3+", "4+"]

MEASURED_COLUMNS = {
    "measured_classification": pl.String,
    "measured_spontaneous_grade": pl.String,
    "measured_fibs": pl.Int64,
    "measured_psw": pl.Int64,
    "measured_n_units": pl.Int64,
    "measured_muap_duration_ms": pl.Float64,
    "measured_muap_amplitude_uv": pl.Float64,
    "measured_muap_phases": pl.Float64,
    "measured_reasons": pl.String,
    "measured_files": pl.String,
    "measured_provenance": pl.String,
    "measured_disagreement": pl.String,
}


def _grade_rank(g: str | None) -> int | None:
    return GRADE_ORDER.index(g) if g in GRADE_ORDER else None


def measured_by_muscle(rows: pl.DataFrame) -> pl.DataFrame:
    keys = ["study_id", "muscle", "side"]
    if rows.height == 0:
        return pl.DataFrame(schema={"study_id": pl.String, "muscle": pl.String, "side": pl.String,
                                    **{k: v for k, v in MEASURED_COLUMNS.items() if k != "measured_disagreement"}})
    out = []
    for key, g in rows.group_by(keys, maintain_order=True):
        rest = g.filter(pl.col("activation") == "rest")
        vol = g.filter((pl.col("activation") != "rest") & (pl.col("measured_classification") != "unreadable"))
        bad = g.filter(pl.col("measured_classification") == "unreadable")
        grades = [x for x in rest["measured_spontaneous_grade"].to_list() if x is not None]
        grade = max(grades, key=lambda x: _grade_rank(x) or 0) if grades else None
        cls = None
        if vol.height:
            classes = vol["measured_classification"].unique(maintain_order=True).to_list()
            cls = classes[0] if len(classes) == 1 else ("mixed" if {"neurogenic", "myopathic"} <= set(classes)
                                                        else next(c for c in classes if c != "normal"))
        elif rest.height:
            cls = rest["measured_classification"][0]
        elif bad.height:
            cls = "unreadable"
        out.append(dict(
            study_id=key[0], muscle=key[1], side=key[2],
            measured_classification=cls,
            measured_spontaneous_grade=grade,
            measured_fibs=int(rest["measured_fibs"].sum()) if rest.height else None,
            measured_psw=int(rest["measured_psw"].sum()) if rest.height else None,
            measured_n_units=int(vol["measured_n_units"].sum()) if vol.height else None,
            measured_muap_duration_ms=vol["measured_muap_duration_ms"].mean() if vol.height else None,
            measured_muap_amplitude_uv=vol["measured_muap_amplitude_uv"].mean() if vol.height else None,
            measured_muap_phases=vol["measured_muap_phases"].mean() if vol.height else None,
            measured_reasons="; ".join(r for r in g["measured_reasons"].to_list() if r),
            measured_files="; ".join(g["file"].to_list()),
            measured_provenance="measured",
        ))
    schema = {"study_id": pl.String, "muscle": pl.String, "side": pl.String,
              **{k: v for k, v in MEASURED_COLUMNS.items() if k != "measured_disagreement"}}
    return pl.DataFrame(out, schema=schema)


def _disagreement(r: dict) -> str | None:
    notes = []
    cls = r.get("measured_classification")
    if cls in ("normal", "neurogenic", "myopathic", "mixed"):
        graded = "myopathic" if r.get("myopathic") else "neurogenic" if r.get("chronic_denervation") else "normal"
        if r.get("myopathic") is None and r.get("chronic_denervation") is None:
            graded = None
        if graded is not None and cls != graded and not (cls == "mixed" and graded != "normal"):
            notes.append(f"MUAPs measured {cls}, graded {graded}")
    g_meas = _grade_rank(r.get("measured_spontaneous_grade"))
    if g_meas is not None:
        ranks = [_grade_rank(r.get(c)) for c in ("fibs", "psw")]
        ranks = [x for x in ranks if x is not None]
        if ranks:
            g_exam = max(ranks)
            if (g_meas >= 2) != (g_exam >= 2):  # 1+ or more vs none/equivocal
                notes.append(f"fibrillations/PSWs measured grade {GRADE_ORDER[g_meas]}, "
                             f"graded {GRADE_ORDER[g_exam]}")
    return "; ".join(notes) or None


def attach_measured(muscle_findings: pl.DataFrame, measured_rows: pl.DataFrame) -> pl.DataFrame:
    """``muscle_findings`` with the measured columns joined on (study_id, muscle, side)."""
    per = measured_by_muscle(measured_rows)
    out = muscle_findings.join(per, on=["study_id", "muscle", "side"], how="left")
    # only a muscle with a measurement can disagree: compare those rows alone (a study has a few
    # recordings among many graded muscles)
    measured = pl.col("measured_classification").is_not_null() | pl.col(
        "measured_spontaneous_grade").is_not_null()
    rows = out.with_row_index("_row").filter(measured).select(
        "_row", "measured_classification", "myopathic", "chronic_denervation",
        "measured_spontaneous_grade", "fibs", "psw")
    dis = pl.repeat(None, out.height, dtype=pl.String, eager=True).alias("measured_disagreement")
    if rows.height:
        dis = dis.scatter(rows["_row"], pl.Series([_disagreement(r) for r in rows.iter_rows(named=True)],
                                                  dtype=pl.String))
    return out.with_columns(dis)
