"""Per-muscle needle EMG classification: active / chronic denervation, myopathic units, poor
activation, equivocal fibrillations. Pure and vectorized (frames in, frames out).

Thresholds come from ``reference/emg_criteria.toml`` (see :func:`load_emg_criteria`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from edxlab.reference import innervation
from edxlab.reference.emg_criteria import GRADE_RANK

_GRADE_INPUT: dict[str, float] = {
    **GRADE_RANK,
    "±": 0.5, "+-": 0.5, "equivocal": 0.5,
    "1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0, "present": 1.0, "none": 0.0, "absent": 0.0,
}

FINDINGS: tuple[str, ...] = (
    "active_and_chronic_denervation", "active_denervation", "chronic_denervation",
    "myopathic_with_fibrillations", "myopathic", "poor_activation", "reduced_recruitment",
    "equivocal_fibrillations", "normal",
)
"""Values of ``muscle_findings.finding`` (first matching wins)."""


def grade_rank(col: str) -> pl.Expr:
    """Ordinal rank of a spontaneous-activity grade column (``0``, ``+/-``=0.5, ``1+``..``4+``)."""
    return (
        pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
        .replace_strict(_GRADE_INPUT, default=None, return_dtype=pl.Float64)
    )


def canonical_muscle() -> pl.Expr:
    """Muscle codes mapped through the chart's aliases (FDI -> first_dorsal_interosseous)."""
    key = pl.col("muscle").str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    return key.replace(innervation.muscle_aliases())


KEY_COLUMNS: tuple[str, ...] = (
    "fibs", "psw", "fasciculations", "muap_duration", "muap_amplitude", "muap_phases", "recruitment",
)


FLAG_COLUMNS: tuple[str, ...] = (
    "active_denervation", "chronic_denervation", "denervation", "myopathic", "poor_activation",
    "reduced_recruitment", "equivocal", "finding",
)


def observation_kinds(emg: pl.DataFrame, crit: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a canonical ``emg`` frame into ``(rows, kinds)``.

    ``rows``: one row per emg row (study_id, side, level, the observation columns of
    ``KEY_COLUMNS`` as text, ``kind_id``). ``kinds``: one row per distinct
    (muscle code as written, level, ``KEY_COLUMNS``) combination (a cohort has few): ``kind_id``,
    muscle (canonical, aliases resolved), level, the observation columns (as text), the flags of
    ``FLAG_COLUMNS``, ``rules`` and ``emg_evidence``. Classification and chart look-ups depend only
    on a kind, so they are computed once per kind and joined back by ``kind_id``.
    """
    keys = ["_raw", "level", *KEY_COLUMNS]
    frame = emg.select("study_id", pl.col("muscle").alias("_raw"), "side", "level",
                       *[pl.col(k).cast(pl.String) for k in KEY_COLUMNS])
    kinds, kind_id = _distinct_rows(frame.select(keys))
    rows = frame.select("study_id", "side", "level", *KEY_COLUMNS, kind_id)
    kinds = classify_observations(
        kinds.with_columns(pl.col("_raw").alias("muscle")).with_columns(canonical_muscle().alias("muscle")),
        crit,
    ).drop("_raw")
    return rows, kinds


def _distinct_rows(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """The distinct rows of ``frame`` (nulls equal) numbered by ``kind_id``, and the ``kind_id``
    of each row of ``frame``: one grouping pass (the groups' row numbers are scattered back),
    cheaper than ``unique`` followed by a join on every column."""
    groups = (frame.with_row_index("_row").group_by(frame.columns).agg("_row")
              .with_row_index("kind_id"))
    members = groups.select("kind_id", "_row").explode("_row")
    kind_id = pl.zeros(frame.height, dtype=pl.UInt32, eager=True).alias("kind_id")
    if frame.height:
        kind_id = kind_id.scatter(members["_row"], members["kind_id"])
    return groups.drop("_row"), kind_id


def classify_observations(emg: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    """Add the classification columns to a canonical ``emg`` frame.

    Added: ``fibs_rank``, ``psw_rank``, ``fasc_rank``, ``active_denervation``,
    ``chronic_denervation``, ``denervation``, ``myopathic``, ``poor_activation``,
    ``reduced_recruitment``, ``equivocal``, ``finding``, ``rules`` (``;``-separated rule ids) and
    ``emg_evidence`` (text naming the grade/observation and the criterion).
    """
    act, chron, myo, poor = crit["active"], crit["chronic"], crit["myopathic"], crit["poor_activation"]
    min_rank = GRADE_RANK[str(act["min_grade"])]
    if act["equivocal_counts"]:
        min_rank = min(min_rank, GRADE_RANK["+/-"])
    fasc_min = GRADE_RANK[str(act["fasciculations_min_grade"])]

    frame = emg.with_columns(
        grade_rank("fibs").alias("fibs_rank"),
        grade_rank("psw").alias("psw_rank"),
        grade_rank("fasciculations").alias("fasc_rank"),
    )
    spont = pl.max_horizontal("fibs_rank", "psw_rank").fill_null(0.0)
    fasc = pl.col("fasc_rank").fill_null(0.0)
    dur, amp = pl.col("muap_duration"), pl.col("muap_amplitude")
    rec, phases = pl.col("recruitment"), pl.col("muap_phases")

    fibs_active = spont >= min_rank
    fasc_active = (fasc >= fasc_min) if act["fasciculations_count"] else pl.lit(False)
    large = dur.is_in(chron["size_values"]) | amp.is_in(chron["size_values"])
    chronic_raw = large & (rec.is_in(chron["recruitment_values"]) | phases.is_in(chron["polyphasia_values"]))
    myopathic = (
        dur.is_in(myo["size_values"]) | amp.is_in(myo["size_values"])
        | rec.is_in(myo["recruitment_values"])
    ).fill_null(False)
    poor_activation = rec.is_in(poor["values"]).fill_null(False)
    myo_blocks = myopathic & pl.lit(not myo["fibs_count"])

    frame = frame.with_columns(
        ((fibs_active | fasc_active) & ~myo_blocks).fill_null(False).alias("active_denervation"),
        (chronic_raw & ~myopathic).fill_null(False).alias("chronic_denervation"),
        myopathic.alias("myopathic"),
        poor_activation.alias("poor_activation"),
        rec.is_in(chron["recruitment_values"]).fill_null(False).alias("reduced_recruitment"),
        ((spont > 0) & (spont < min_rank)).alias("equivocal"),
        (fibs_active & myopathic).fill_null(False).alias("_myo_fibs"),
    ).with_columns(
        (pl.col("active_denervation") | pl.col("chronic_denervation")).alias("denervation"),
    )
    a, c = pl.col("active_denervation"), pl.col("chronic_denervation")
    finding = (
        pl.when(a & c).then(pl.lit("active_and_chronic_denervation"))
        .when(a).then(pl.lit("active_denervation"))
        .when(c).then(pl.lit("chronic_denervation"))
        .when(pl.col("_myo_fibs")).then(pl.lit("myopathic_with_fibrillations"))
        .when(pl.col("myopathic")).then(pl.lit("myopathic"))
        .when(pl.col("poor_activation")).then(pl.lit("poor_activation"))
        .when(pl.col("reduced_recruitment")).then(pl.lit("reduced_recruitment"))
        .when(pl.col("equivocal")).then(pl.lit("equivocal_fibrillations"))
        .otherwise(pl.lit("normal"))
    )
    grades = pl.concat_str(
        pl.lit("fibs "), pl.col("fibs").fill_null("-"), pl.lit(", PSW "), pl.col("psw").fill_null("-")
    )
    muap = pl.concat_str(
        pl.lit("MUAP duration "), dur.fill_null("-"), pl.lit(", amplitude "), amp.fill_null("-"),
        pl.lit(", phases "), phases.fill_null("-"), pl.lit(", recruitment "), rec.fill_null("-"),
    )
    ev = [
        pl.when(fibs_active & ~myo_blocks).then(pl.concat_str(
            grades, pl.lit(f" >= {act['min_grade']}: active denervation [emg.active.fibs_psw]"))),
        pl.when(fasc_active & ~fibs_active & ~myo_blocks).then(pl.concat_str(
            pl.lit("fasciculations "), pl.col("fasciculations").fill_null("-"),
            pl.lit(" counted as active denervation (Awaji) [emg.active.fasciculations]"))),
        pl.when(c).then(pl.concat_str(
            muap, pl.lit(": chronic neurogenic change [emg.chronic.neurogenic_muap]"))),
        pl.when(myopathic).then(pl.concat_str(
            muap, pl.lit(": myopathic units, not denervation [emg.myopathic]"))),
        pl.when(pl.col("_myo_fibs") & myo_blocks).then(pl.concat_str(
            grades, pl.lit(" with myopathic units: not counted as denervation [emg.myopathic.fibs]"))),
        pl.when(poor_activation).then(pl.lit(
            "poor activation (central weakness): not reduced recruitment, not denervation "
            "[emg.poor_activation]")),
        pl.when(pl.col("equivocal") & ~fibs_active).then(pl.concat_str(
            grades, pl.lit(f" below {act['min_grade']}: equivocal, not counted [emg.active.equivocal]"))),
        pl.when(pl.col("reduced_recruitment") & ~c & ~a).then(pl.lit(
            "reduced recruitment with normal MUAP size and no fibrillations: neurogenic, "
            "not counted as denervation [emg.reduced_recruitment]")),
    ]
    rules = [
        pl.when(fibs_active & ~myo_blocks).then(pl.lit("emg.active.fibs_psw")),
        pl.when(fasc_active & ~fibs_active & ~myo_blocks).then(pl.lit("emg.active.fasciculations")),
        pl.when(c).then(pl.lit("emg.chronic.neurogenic_muap")),
        pl.when(myopathic).then(pl.lit("emg.myopathic")),
        pl.when(poor_activation).then(pl.lit("emg.poor_activation")),
        pl.when(pl.col("equivocal") & ~fibs_active).then(pl.lit("emg.active.equivocal")),
    ]
    # concat_str with ignore_nulls (concat_list of when/then is ~30x slower)
    return frame.with_columns(
        finding.alias("finding"),
        _nonempty(pl.concat_str(rules, separator=";", ignore_nulls=True)).alias("rules"),
        _nonempty(pl.concat_str(ev, separator="; ", ignore_nulls=True)).alias("emg_evidence"),
    ).drop("_myo_fibs")


def _nonempty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr != "").then(expr)
