"""Patient characteristics at the index study (Table 1 rows and comparison variables)."""

from __future__ import annotations

import polars as pl

from edxlab.cohort.criteria import VERTEBRAL_LEVELS, lesion_features
from edxlab.model.dataset import Dataset

ATTACK_TYPES = {
    "optic_neuritis": "Optic neuritis",
    "acute_myelitis": "Acute myelitis",
    "area_postrema": "Area postrema syndrome",
    "acute_brainstem": "Acute brainstem syndrome",
    "diencephalic": "Diencephalic syndrome",
    "cerebral": "Cerebral syndrome",
}
INDICATIONS = ("weakness", "atrophy", "hyporeflexia", "fasciculations", "sensory", "pain")
COMORBIDITIES = ("diabetes", "b12_deficiency", "alcohol", "chemotherapy", "hypothyroidism", "renal_failure", "hiv")

_CERVICAL = [lvl for lvl in VERTEBRAL_LEVELS if lvl.startswith("C")]
_THORACIC = [lvl for lvl in VERTEBRAL_LEVELS if lvl.startswith("T")]


def _spinal_levels(ds: Dataset) -> pl.DataFrame:
    """patient_id -> cervical_lesion, thoracic_lesion (a spinal cord lesion touching the region)."""
    idx = {lvl: i for i, lvl in enumerate(VERTEBRAL_LEVELS)}
    c_end = idx["C7"]
    mri = ds["mri"].filter(pl.col("region") == "spinal_cord").with_columns(
        a=pl.col("level_from").replace_strict(idx, default=None, return_dtype=pl.Int64),
        b=pl.col("level_to").replace_strict(idx, default=None, return_dtype=pl.Int64),
    ).with_columns(
        top=pl.min_horizontal("a", "b"), bottom=pl.max_horizontal("a", "b")
    )
    return mri.group_by("patient_id").agg(
        cervical_lesion=(pl.col("top") <= c_end).any(),
        thoracic_lesion=((pl.col("bottom") > c_end) & (pl.col("top") <= idx["T12"])).any(),
    )


def patient_covariates(ds: Dataset, patient_findings: pl.DataFrame) -> pl.DataFrame:
    """One row per patient of ``patient_findings``: demographics, serology, attack history,
    lesion levels, EDSS, EDX indication and comorbidities, relative to the index study.

    Times: ``age_years`` at the index study (age_years, else year - birth_year);
    ``disease_duration_years`` from the first attack; ``days_attack_to_edx`` from the most
    recent attack onset on or before the index study.
    """
    pf = patient_findings.select("patient_id", "index_study_id", "index_study_date")
    studies = ds.studies.select(
        pl.col("study_id").alias("index_study_id"), "age_years", pl.col("indication").alias("_indication")
    )
    pats = ds.patients.select("patient_id", "sex", "birth_year", "aqp4_igg", "mog_igg", "edss", "comorbidities")
    out = pf.join(studies, on="index_study_id", how="left").join(pats, on="patient_id", how="left")
    out = out.with_columns(
        age_years=pl.coalesce(
            pl.col("age_years"), (pl.col("index_study_date").dt.year() - pl.col("birth_year")).cast(pl.Float64)
        )
    )
    att = ds["attacks"].join(pf.select("patient_id", "index_study_date"), on="patient_id", how="inner")
    before = att.filter(pl.col("onset_date") <= pl.col("index_study_date"))
    timing = before.group_by("patient_id").agg(
        first_attack=pl.col("onset_date").min(),
        last_attack=pl.col("onset_date").max(),
    )
    history = ds["attacks"].group_by("patient_id").agg(
        n_attacks=pl.col("onset_date").n_unique(),
        **{f"attack_{code}": (pl.col("core_feature") == code).any() for code in ATTACK_TYPES},
    )
    feats = lesion_features(ds).select("patient_id", "letm", "central_cord_lesion", "_brainstem_lesion", "imaged")
    out = (
        out.join(timing, on="patient_id", how="left")
        .join(history, on="patient_id", how="left")
        .join(feats, on="patient_id", how="left")
        .join(_spinal_levels(ds), on="patient_id", how="left")
        .with_columns(
            disease_duration_years=((pl.col("index_study_date") - pl.col("first_attack")).dt.total_days() / 365.25),
            days_attack_to_edx=(pl.col("index_study_date") - pl.col("last_attack")).dt.total_days().cast(pl.Float64),
            aqp4_positive=pl.col("aqp4_igg") == "positive",
            brainstem_lesion=pl.when(pl.col("imaged")).then(pl.col("_brainstem_lesion").fill_null(False)),
            **{f"attack_{c}": pl.col(f"attack_{c}").fill_null(False) for c in ATTACK_TYPES},
            **{
                c: pl.when(pl.col("imaged")).then(pl.col(c).fill_null(False))
                for c in ("cervical_lesion", "thoracic_lesion", "letm", "central_cord_lesion")
            },
        )
        .with_columns(
            n_attacks=pl.col("n_attacks").fill_null(0),
            lesion_level=pl.when(pl.col("cervical_lesion") & pl.col("thoracic_lesion"))
            .then(pl.lit("cervical and thoracic"))
            .when(pl.col("cervical_lesion"))
            .then(pl.lit("cervical only"))
            .when(pl.col("thoracic_lesion"))
            .then(pl.lit("thoracic only"))
            .when(pl.col("imaged"))
            .then(pl.lit("no cord lesion")),
            **{f"indication_{i}": pl.col("_indication").list.contains(i) for i in INDICATIONS},
            **{f"comorbidity_{c}": pl.col("comorbidities").list.contains(c).fill_null(False) for c in COMORBIDITIES},
        )
    )
    return out.drop("_indication", "_brainstem_lesion", "birth_year", "comorbidities", "first_attack", "last_attack")
