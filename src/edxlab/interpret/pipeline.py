"""``interpret_dataset(ds, config) -> Findings``: every stage of the interpretation, in order.

The NCS stage fills the NCS columns of ``study_findings`` and ``nerve_findings``; the needle EMG
stage (``interpret/emg*.py``) fills ``muscle_findings`` and the EMG/LMN columns. Columns of
spec section 3 that no stage has computed yet are present and empty (null).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from edxlab.frames import join_aligned
from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.emg import EXTRA_STUDY_COLUMNS, STUDY_COLUMNS, EmgFindings, interpret_emg
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
    # additive columns (needle EMG detail, see interpret/emg.py)
    "denervation_pattern": pl.String,
    "lmn_segments": pl.List(pl.String),
    "mri_lesions": pl.String,
    "mri_evidence": pl.String,
    "days_since_attack": pl.Int64,
    "timing_warning": pl.String,
    "emg_summary": pl.String,
}

PATIENT_FINDINGS_SCHEMA: dict[str, pl.DataType] = {
    "patient_id": pl.String,
    "included": pl.Boolean,
    "exclusion_reason": pl.String,
    "nmosd_criteria": pl.String,
    "mogad": pl.Boolean,
    "lmn_suspected": pl.Boolean,
    "edx_recommended": pl.Boolean,
    "index_study_id": pl.String,
    # additive columns (clinical sign evidence, see interpret/signs.py)
    "lmn_signs": pl.String,
    "umn_signs": pl.String,
    "umn_pattern": pl.Boolean,
}
"""patient_findings as ``interpret`` writes it: the cohort columns (``included`` ..
``index_study_id``) stay empty until ``edxlab.cohort`` fills them."""


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


_NORMAL_OPENING = "Normal study. "
_ABNORMAL_OPENING = "Abnormal study. "


def _overall_opening(ncs_summary: pl.Expr) -> pl.Expr:
    """The study's opening word covers the whole study, not only the nerve conductions.

    The NCS paragraph opens with "Normal study." when the conductions are normal; when the needle
    EMG shows denervation, or the NCS show a motor-only (pre-ganglionic)
    pattern, the study as a whole is abnormal and the paragraph must say so.
    """
    abnormal = pl.col("denervation").fill_null(False) | pl.col("motor_only_pattern").fill_null(False)
    stripped = ncs_summary.str.strip_prefix(_NORMAL_OPENING)
    return (pl.when(abnormal & ~ncs_summary.str.starts_with(_ABNORMAL_OPENING))
            .then(pl.concat_str([pl.lit(_ABNORMAL_OPENING), stripped]))
            .otherwise(ncs_summary))


def study_findings_frame(ds, ncs: NcsFindings, emg: EmgFindings | None = None) -> pl.DataFrame:
    """One row per study with every contract column (EMG/LMN columns null without ``emg``)."""
    base = ds["studies"].select("study_id", "patient_id", "study_date")
    out = join_aligned(base, ncs.study_ncs, "study_id")
    if emg is not None:
        out = join_aligned(out, emg.study_emg.select("study_id", *STUDY_COLUMNS, *EXTRA_STUDY_COLUMNS),
                           "study_id")
        summary = pl.concat_str([_overall_opening(pl.col("ncs_summary")), pl.col("emg_summary")],
                                separator=" ", ignore_nulls=True)
        out = out.with_columns(summary=pl.when(summary != "").then(summary))
    else:
        out = out.with_columns(summary=pl.col("ncs_summary"))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in STUDY_FINDINGS_SCHEMA.items()
               if c not in out.columns]
    return out.with_columns(missing).select(list(STUDY_FINDINGS_SCHEMA)).cast(
        STUDY_FINDINGS_SCHEMA)


def interpret_dataset(ds, config: InterpretConfig | None = None,
                      measured: pl.DataFrame | None = None) -> Findings:
    """Interpret a dataset (pure: no I/O).

    ``measured``: results of the raw needle EMG recordings listed in ``ds['signals']``, measured by
    the caller (``edxlab.signal.measured_signals(ds)``); they appear in ``muscle_findings`` beside
    the examiner's grades.
    """
    from edxlab.reference.emg_criteria import load_emg_criteria

    config = config or InterpretConfig()
    ncs = interpret_ncs(ds, config)
    emg = interpret_emg(ds, lesions=ncs.lesions, study_ncs=ncs.study_ncs,
                        nerve_findings=ncs.nerve_findings,
                        criteria=load_emg_criteria(config.emg_criteria))
    study_findings = study_findings_frame(ds, ncs, emg)
    muscle_findings = emg.muscle_findings
    if measured is not None:  # raw needle EMG: measured results beside the examiner's grades
        from edxlab.signal.findings import attach_measured

        muscle_findings = attach_measured(muscle_findings, measured)
    return Findings(
        nerve_findings=ncs.nerve_findings,
        study_findings=study_findings,
        lesions=ncs.lesions,
        ncs=ncs,
        muscle_findings=muscle_findings,
        patient_findings=patient_findings_frame(emg, ds, study_findings),
    )


def patient_findings_frame(emg: EmgFindings, ds=None, study_findings: pl.DataFrame | None = None
                           ) -> pl.DataFrame:
    """One row per patient: clinical LMN columns and, with ``ds``, the cohort columns of the
    default cohort settings (edxlab.cohort: criteria, index study and its study_findings flags)."""
    out = emg.patient_emg
    extra: list[str] = []
    if ds is not None:
        from edxlab.cohort.selection import default_patient_findings

        cohort = default_patient_findings(ds, study_findings)
        cohort = cohort.drop([c for c in cohort.columns if c in out.columns and c != "patient_id"])
        out = out.join(cohort, on="patient_id", how="left")
        extra = [c for c in cohort.columns if c not in PATIENT_FINDINGS_SCHEMA]
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in PATIENT_FINDINGS_SCHEMA.items()
               if c not in out.columns]
    return out.with_columns(missing).select(list(PATIENT_FINDINGS_SCHEMA) + extra).cast(
        PATIENT_FINDINGS_SCHEMA)
