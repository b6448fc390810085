"""Clinical lower motor neuron signs, the EDX recommendation, and EDX timing after an attack.
Pure and vectorized.

LMN signs (``[signs]`` of the EMG criteria): atrophy, fasciculation, or a tendon reflex of grade
<= ``max_reflex_grade`` (NINDS 0-4, 2 = normal). Weakness alone is not an LMN sign; weakness with
brisk reflexes (grade >= 3) and a Babinski sign is an upper motor neuron pattern and is reported
as such (``umn_signs``), never as LMN.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from edxlab.reference import innervation


def _side_word() -> pl.Expr:
    return pl.col("side").replace_strict(
        {"L": "left", "R": "right", "bilateral": "bilateral"}, default="", return_dtype=pl.String)


_PATIENT_SIGNS: dict[str, pl.DataType] = {
    "lmn_suspected": pl.Boolean, "lmn_signs": pl.String, "umn_signs": pl.String,
    "umn_pattern": pl.Boolean, "edx_recommended": pl.Boolean,
}
"""Columns of :func:`patient_signs` after patient_id."""


def patient_signs(signs: pl.DataFrame, studies: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    """One row per patient with a signs row: ``lmn_suspected`` (bool), ``lmn_signs`` (evidence),
    ``umn_signs`` (evidence), ``edx_recommended`` (LMN suspected and no EDX study on or after the
    first LMN sign; any study counts when the sign has no date)."""
    if signs.is_empty():  # no clinical signs recorded (EDX-only data): no patient row
        return pl.DataFrame(schema={"patient_id": signs.schema["patient_id"], **_PATIENT_SIGNS})
    cfg = crit["signs"]
    refl = innervation.reflexes().select(
        pl.col("reflex").alias("site"), pl.col("roots").list.join(";").alias("_roots"))
    s = signs.join(refl, on="site", how="left")
    grade = pl.col("grade")
    is_reflex = pl.col("sign") == "reflex"
    lmn = (pl.col("sign").is_in(cfg["lmn_signs"]) | (is_reflex & (grade <= cfg["max_reflex_grade"]))
           ).fill_null(False)
    brisk = is_reflex & (grade >= 3)
    umn = ((pl.col("sign") == "babinski") | brisk).fill_null(False)
    site = pl.col("site").fill_null("").str.replace_all("_", " ")
    text = pl.concat_str(
        pl.col("sign"), pl.when(site != "").then(pl.lit(" ")).otherwise(pl.lit("")),
        pl.when(is_reflex).then(pl.concat_str(
            site, pl.lit(" grade "), grade.cast(pl.Int64).cast(pl.String),
            pl.when(pl.col("_roots").is_not_null() & (pl.col("_roots") != ""))
            .then(pl.concat_str(pl.lit(" ("), pl.col("_roots"), pl.lit(")"))).otherwise(pl.lit(""))))
        .otherwise(site),
        pl.when(_side_word() != "").then(pl.concat_str(pl.lit(" "), _side_word())).otherwise(pl.lit("")),
    ).str.strip_chars()
    s = s.with_columns(lmn.alias("_lmn"), umn.alias("_umn"), text.alias("_text"),
                       (pl.col("sign") == "weakness").alias("_weak"))
    per = s.group_by("patient_id").agg(
        pl.col("_lmn").any().alias("lmn_suspected"),
        pl.col("_text").filter(pl.col("_lmn")).unique().sort().str.join("; ").alias("lmn_signs"),
        pl.col("_text").filter(pl.col("_umn")).unique().sort().str.join("; ").alias("umn_signs"),
        (pl.col("_weak").any() & (pl.col("sign") == "babinski").any() & brisk.fill_null(False).any())
        .alias("umn_pattern"),
        pl.col("exam_date").filter(pl.col("_lmn")).min().alias("_first"),
        pl.col("exam_date").filter(pl.col("_lmn")).is_null().any().alias("_undated"),
    )
    after = (
        per.select("patient_id", "_first", "_undated")
        .join(studies.select("patient_id", "study_date"), on="patient_id", how="inner")
        .filter(pl.col("_undated") | pl.col("_first").is_null()
                | (pl.col("study_date") >= pl.col("_first")))
        .select("patient_id").unique().with_columns(pl.lit(True).alias("_followed"))
    )
    per = per.join(after, on="patient_id", how="left")
    return per.select(
        "patient_id", "lmn_suspected",
        pl.when(pl.col("lmn_signs") != "").then(pl.col("lmn_signs")).alias("lmn_signs"),
        pl.when(pl.col("umn_signs") != "").then(pl.col("umn_signs")).alias("umn_signs"),
        "umn_pattern",
        (pl.col("lmn_suspected") & ~pl.col("_followed").fill_null(False)).alias("edx_recommended"),
    )


def attack_timing(studies: pl.DataFrame, attacks: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    """Per study with an earlier attack: ``days_since_attack`` (days from the most recent attack
    onset on or before the study) and ``timing_warning`` when fewer than
    ``[timing] min_days_after_attack`` days."""
    min_days = int(crit["timing"]["min_days_after_attack"])
    pairs = (
        studies.select("study_id", "patient_id", "study_date")
        .join(attacks.select("patient_id", "onset_date").drop_nulls(), on="patient_id", how="inner")
        .filter(pl.col("onset_date") <= pl.col("study_date"))
        .group_by("study_id")
        .agg(((pl.col("study_date") - pl.col("onset_date")).dt.total_days().min())
             .alias("days_since_attack"))
    )
    return pairs.with_columns(
        pl.when(pl.col("days_since_attack") < min_days).then(pl.concat_str(
            pl.lit("The study was done "), pl.col("days_since_attack").cast(pl.String),
            pl.when(pl.col("days_since_attack") == 1).then(pl.lit(" day")).otherwise(pl.lit(" days")),
            pl.lit(f" after the onset of an attack (< {min_days} days): fibrillation potentials "
                   "may not have appeared yet, so their absence does not exclude acute denervation."),
        )).alias("timing_warning")
    )
