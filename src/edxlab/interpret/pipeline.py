"""``interpret_dataset(ds, config) -> Findings``: every stage of the interpretation, in order.

The NCS stage fills the NCS columns of ``study_findings`` and ``nerve_findings``; the needle EMG
stage (``interpret/emg*.py``) fills ``muscle_findings`` and the EMG/LMN columns. Columns of
spec section 3 that no stage has computed yet are present and empty (null).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.ncs import NcsFindings, interpret_ncs

STUDY_FINDINGS_SCHEMA: dict[str, pl.DataType] = {
    "study_id": pl.String,
    "patient_id": pl.String,
    "study_date": pl.Date,
    "ncs_abnormal": pl.Boolean,
    "polyneuropathy": pl.String,
    "mononeuropathies": pl.List(pl.String),
    "cranial_neuropathies": pl.List(pl.String),
    "active_denervation": pl.Boolean,
    "chronic_denervation": pl.Boolean,
    "denervation": pl.Boolean,
    "denervation_regions": pl.List(pl.String),
    "denervation_segments": pl.List(pl.String),
    "denervation_explained_by_ncs": pl.Boolean,
    "lmn_involvement": pl.Boolean,
    "mri_concordant": pl.Boolean,
    "summary": pl.String,
    # additive columns (NCS detail)
    "motor_only_pattern": pl.Boolean,
    "blink_pattern": pl.String,
    "ncs_summary": pl.String,
}


@dataclass
class Findings:
    """All findings of a dataset. ``muscle_findings``/``patient_findings`` are None until the
    EMG and cohort stages provide them."""

    nerve_findings: pl.DataFrame
    study_findings: pl.DataFrame
    lesions: pl.DataFrame
    ncs: NcsFindings
    muscle_findings: pl.DataFrame | None = None
    patient_findings: pl.DataFrame | None = None


def study_findings_frame(ds, ncs: NcsFindings) -> pl.DataFrame:
    """One row per study with every contract column (EMG/LMN columns null here)."""
    base = ds["studies"].select("study_id", "patient_id", "study_date")
    out = base.join(ncs.study_ncs, on="study_id", how="left").with_columns(
        summary=pl.col("ncs_summary"))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in STUDY_FINDINGS_SCHEMA.items()
               if c not in out.columns]
    return out.with_columns(missing).select(list(STUDY_FINDINGS_SCHEMA)).cast(
        STUDY_FINDINGS_SCHEMA)


def interpret_dataset(ds, config: InterpretConfig | None = None) -> Findings:
    """Interpret a dataset (pure: no I/O)."""
    config = config or InterpretConfig()
    ncs = interpret_ncs(ds, config)
    return Findings(
        nerve_findings=ncs.nerve_findings,
        study_findings=study_findings_frame(ds, ncs),
        lesions=ncs.lesions,
        ncs=ncs,
    )
