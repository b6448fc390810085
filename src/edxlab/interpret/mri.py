"""MRI lesion levels -> cord segments / brainstem motor nuclei, and concordance with unexplained
denervation. Pure and vectorized.

Spinal cord lesions are reported at vertebral levels; ``reference/innervation/cord_levels.csv``
maps each vertebra to the cord segments lying there, and the span is widened by
``[mri] margin`` segments on each side. Brainstem lesions (``midbrain``..``medulla``) cover the
motor nuclei of the levels they span (``brainstem_nuclei.csv``). A lesion whose levels are both
missing cannot be mapped and is ignored for concordance. Every MRI lesion of the patient counts,
whatever its date (lesions of NMOSD myelitis persist or atrophy; the question is where the cord
was hit).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from edxlab.reference import innervation

_BS_INDEX = {lvl: i for i, lvl in enumerate(innervation.BRAINSTEM_LEVELS)}


def cord_spans(mri: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    """One row per spinal cord lesion: patient_id, lesion label (``C3-C6``), seg_lo/seg_hi
    (segment indexes after the margin), and the unwidened cord segment label (``C4-C7``)."""
    margin = int(crit["mri"]["margin"])
    cl = innervation.cord_levels().select("vertebra", "seg_from", "seg_to")
    last = len(innervation.SEGMENTS) - 1
    cord = mri.filter(pl.col("region") == "spinal_cord").select(
        "patient_id",
        pl.col("level_from").fill_null(pl.col("level_to")).str.to_uppercase().alias("_a"),
        pl.col("level_to").fill_null(pl.col("level_from")).str.to_uppercase().alias("_b"),
    ).filter(pl.col("_a").is_not_null())
    cord = (
        cord.join(cl.rename({"vertebra": "_a", "seg_from": "_af", "seg_to": "_at"}), on="_a", how="inner")
        .join(cl.rename({"vertebra": "_b", "seg_from": "_bf", "seg_to": "_bt"}), on="_b", how="inner")
    )
    lo = pl.min_horizontal("_af", "_bf")
    hi = pl.max_horizontal("_at", "_bt")
    vert_lo = pl.when(pl.col("_af") <= pl.col("_bf")).then(pl.col("_a")).otherwise(pl.col("_b"))
    vert_hi = pl.when(pl.col("_af") <= pl.col("_bf")).then(pl.col("_b")).otherwise(pl.col("_a"))
    return cord.with_columns(lo.alias("_lo"), hi.alias("_hi"), vert_lo.alias("_vl"),
                             vert_hi.alias("_vh")).select(
        "patient_id",
        pl.when(pl.col("_vl") == pl.col("_vh")).then(pl.col("_vl"))
        .otherwise(pl.concat_str(pl.col("_vl"), pl.lit("-"), pl.col("_vh"))).alias("lesion"),
        (pl.col("_lo") - margin).clip(0, last).alias("seg_lo"),
        (pl.col("_hi") + margin).clip(0, last).alias("seg_hi"),
        pl.when(pl.col("_lo") == pl.col("_hi"))
        .then(pl.col("_lo").replace_strict(dict(enumerate(innervation.SEGMENTS)), return_dtype=pl.String))
        .otherwise(pl.concat_str(
            pl.col("_lo").replace_strict(dict(enumerate(innervation.SEGMENTS)), return_dtype=pl.String),
            pl.lit("-"),
            pl.col("_hi").replace_strict(dict(enumerate(innervation.SEGMENTS)), return_dtype=pl.String),
        )).alias("cord_segments"),
    )


def brainstem_spans(mri: pl.DataFrame) -> pl.DataFrame:
    """One row per brainstem lesion x motor nucleus it covers: patient_id, lesion label
    (``medulla``, ``pons-medulla``), nucleus."""
    nuclei = innervation.brainstem_nuclei().filter(
        pl.col("level").is_in(list(innervation.BRAINSTEM_LEVELS))
    ).select("nucleus", pl.col("level").replace_strict(_BS_INDEX, return_dtype=pl.Int64).alias("_i"))
    bs = mri.filter(pl.col("region") == "brainstem").select(
        "patient_id",
        pl.col("level_from").fill_null(pl.col("level_to")).str.to_lowercase().alias("_a"),
        pl.col("level_to").fill_null(pl.col("level_from")).str.to_lowercase().alias("_b"),
    ).filter(pl.col("_a").is_in(list(_BS_INDEX)) & pl.col("_b").is_in(list(_BS_INDEX)))
    bs = bs.with_columns(
        pl.col("_a").replace_strict(_BS_INDEX, return_dtype=pl.Int64).alias("_ia"),
        pl.col("_b").replace_strict(_BS_INDEX, return_dtype=pl.Int64).alias("_ib"),
    ).with_columns(
        pl.min_horizontal("_ia", "_ib").alias("_lo"), pl.max_horizontal("_ia", "_ib").alias("_hi"),
    ).with_columns(
        pl.when(pl.col("_lo") == pl.col("_hi"))
        .then(pl.col("_lo").replace_strict(dict(enumerate(innervation.BRAINSTEM_LEVELS)),
                                           return_dtype=pl.String))
        .otherwise(pl.concat_str(
            pl.col("_lo").replace_strict(dict(enumerate(innervation.BRAINSTEM_LEVELS)), return_dtype=pl.String),
            pl.lit("-"),
            pl.col("_hi").replace_strict(dict(enumerate(innervation.BRAINSTEM_LEVELS)), return_dtype=pl.String),
        )).alias("lesion"),
    )
    return bs.join(nuclei, how="cross").filter(
        (pl.col("_i") >= pl.col("_lo")) & (pl.col("_i") <= pl.col("_hi"))
    ).select("patient_id", "lesion", "nucleus")


def concordance(
    unexplained_segments: pl.DataFrame,
    unexplained_nuclei: pl.DataFrame,
    study_patients: pl.DataFrame,
    mri: pl.DataFrame,
    crit: dict[str, Any],
) -> pl.DataFrame:
    """Per study with unexplained denervation: ``mri_concordant`` (null when the patient has no
    spinal cord or brainstem MRI row: brain or optic nerve imaging says nothing about the cord),
    ``mri_lesions`` (labels of the concordant lesions: ``C3-C6 cord``,
    ``medulla``) and ``mri_evidence``.

    ``unexplained_segments``: study_id, seg_idx; ``unexplained_nuclei``: study_id, nucleus;
    ``study_patients``: study_id, patient_id for the studies to assess.
    """
    has_mri = (
        mri.filter(pl.col("region").is_in(["spinal_cord", "brainstem"]))
        .select("patient_id").unique().with_columns(pl.lit(True).alias("_has_mri"))
    )
    cord = cord_spans(mri, crit)
    seg_hits = (
        unexplained_segments.join(study_patients, on="study_id")
        .join(cord, on="patient_id")
        .filter((pl.col("seg_idx") >= pl.col("seg_lo")) & (pl.col("seg_idx") <= pl.col("seg_hi")))
        .select("study_id", pl.concat_str(pl.col("lesion"), pl.lit(" cord")).alias("hit"),
                pl.concat_str(pl.col("lesion"), pl.lit(" vertebral = cord segments "),
                              pl.col("cord_segments"),
                              pl.lit(f" (margin {crit['mri']['margin']})")).alias("why"))
    )
    nuc_hits = (
        unexplained_nuclei.join(study_patients, on="study_id")
        .join(brainstem_spans(mri), on=["patient_id", "nucleus"])
        .select("study_id", pl.col("lesion").alias("hit"),
                pl.concat_str(pl.col("lesion"), pl.lit(" lesion covers the "), pl.col("nucleus"),
                              pl.lit(" motor nucleus")).alias("why"))
    )
    hits = pl.concat([seg_hits, nuc_hits]).group_by("study_id").agg(
        pl.col("hit").unique().sort().str.join(";").alias("mri_lesions"),
        pl.col("why").unique().sort().str.join("; ").alias("mri_evidence"),
    )
    out = study_patients.join(has_mri, on="patient_id", how="left").join(hits, on="study_id", how="left")
    return out.select(
        "study_id",
        pl.when(pl.col("_has_mri").fill_null(False)).then(pl.col("mri_lesions").is_not_null())
        .otherwise(None).alias("mri_concordant"),
        "mri_lesions",
        pl.when(pl.col("_has_mri").fill_null(False) & pl.col("mri_lesions").is_null())
        .then(pl.lit("no MRI lesion spans an unexplained denervated segment or nucleus [emg.mri]"))
        .otherwise(pl.concat_str(pl.lit("concordant: "), pl.col("mri_evidence"),
                                 pl.lit(" [emg.mri]"))).alias("mri_evidence"),
    )
