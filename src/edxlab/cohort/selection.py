"""Cohort selection: eligibility steps, the STROBE attrition table, the index study, and the
cohort columns of ``patient_findings``.

Steps, in order (each excludes patients and names the reason):

1. meet the IPND 2015 NMOSD criteria;
2. (``exclude_mogad``) do not meet the MOGAD 2023 criteria;
3. have an EDX study in the date window (any study when no window is set);
4. have a study in the window with every required test (default: needle EMG and NCS).

The index study is the first study (by date, then study_id) in the window with every required
test. Pure: frames in, frames out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from edxlab.cohort.criteria import classify_mogad, classify_nmosd, lesion_features, red_flags
from edxlab.errors import ConfigError
from edxlab.frames import join_aligned
from edxlab.model.dataset import Dataset

#: --require codes -> dataset table whose rows show the test was done in a study.
TEST_TABLES: dict[str, str] = {"emg": "emg", "ncs": "ncs", "fwaves": "fwaves", "blink": "blink"}
TEST_LABELS: dict[str, str] = {
    "emg": "needle EMG",
    "ncs": "nerve conduction studies",
    "fwaves": "F-waves",
    "blink": "blink reflex",
}

#: The study_findings columns carried into patient_findings (from the index study).
STUDY_FLAGS: tuple[str, ...] = (
    "ncs_abnormal",
    "polyneuropathy",
    "mononeuropathies",
    "cranial_neuropathies",
    "active_denervation",
    "chronic_denervation",
    "denervation",
    "denervation_regions",
    "denervation_segments",
    "denervation_explained_by_ncs",
    "lmn_involvement",
    "mri_concordant",
)


@dataclass(frozen=True)
class CohortSettings:
    """How the cohort is defined (the CLI options of ``edxlab cohort``)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    require: tuple[str, ...] = ("emg", "ncs")
    exclude_mogad: bool = False
    ci_method: str = "wilson"
    min_cell: int = 0

    def __post_init__(self) -> None:
        bad = [t for t in self.require if t not in TEST_TABLES]
        if bad:
            raise ConfigError(
                f"Unknown required test {bad[0]!r}; use a comma-separated list of: {', '.join(TEST_TABLES)}."
            )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ConfigError(
                f"The date window is empty: --from {self.date_from} is after --to {self.date_to}."
            )
        if self.min_cell < 0:
            raise ConfigError(f"--min-cell must be 0 (no suppression) or more, not {self.min_cell}.")

    @property
    def window_text(self) -> str:
        if self.date_from and self.date_to:
            return f"between {self.date_from} and {self.date_to}"
        if self.date_from:
            return f"on or after {self.date_from}"
        if self.date_to:
            return f"on or before {self.date_to}"
        return ""

    @property
    def require_text(self) -> str:
        labels = [TEST_LABELS[t] for t in self.require]
        return " and ".join(labels) if len(labels) < 3 else ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass
class Selection:
    patient_findings: pl.DataFrame
    attrition: pl.DataFrame
    red_flags: pl.DataFrame
    criteria: pl.DataFrame = field(default_factory=pl.DataFrame)


def study_tests(ds: Dataset) -> pl.DataFrame:
    """One row per study: study_id, patient_id, study_date and a Boolean ``has_<test>`` per test."""
    sid = pl.col("study_id")
    has = []
    for test, table in TEST_TABLES.items():
        # a study's rows are usually adjacent: dropping repeats first makes the set cheap to build
        # (an order-keeping unique is also the cheaper one)
        done = ds[table].select(
            sid.filter(sid.ne_missing(sid.shift(1))).unique(maintain_order=True))["study_id"]
        has.append(sid.is_in(done.implode()).fill_null(False).alias(f"has_{test}"))
    return ds.studies.select("study_id", "patient_id", "study_date", *has)


def index_studies(ds: Dataset, settings: CohortSettings) -> pl.DataFrame:
    """patient_id -> in_window (any study in the window), index_study_id, index_study_date."""
    st = study_tests(ds)
    in_window = pl.lit(True)
    if settings.date_from:
        in_window = in_window & (pl.col("study_date") >= settings.date_from)
    if settings.date_to:
        in_window = in_window & (pl.col("study_date") <= settings.date_to)
    st = st.filter(in_window)
    has_all = pl.all_horizontal([pl.col(f"has_{t}") for t in settings.require]) if settings.require else pl.lit(True)
    any_study = st.group_by("patient_id").agg(pl.len().alias("n_studies_in_window"))
    # the first study of each patient by date, then study_id (sorted within patients only)
    first = pl.col("study_id", "study_date").sort_by("study_date", "study_id").first()
    idx = (
        st.filter(has_all)
        .group_by("patient_id")
        .agg(first)
        .select("patient_id", pl.col("study_id").alias("index_study_id"), pl.col("study_date").alias("index_study_date"))
    )
    return any_study.join(idx, on="patient_id", how="left")


def clinical_lmn_signs(ds: Dataset) -> pl.DataFrame:
    """patient_id -> lmn_suspected, edx_recommended, lmn_signs, umn_signs (null without a signs
    row), from :func:`edxlab.interpret.signs.patient_signs` with the EMG criteria."""
    from edxlab.interpret.signs import patient_signs
    from edxlab.reference.emg_criteria import load_emg_criteria

    per = patient_signs(ds["signs"], ds.studies, load_emg_criteria())
    return ds.patients.select("patient_id").join(
        per.select("patient_id", "lmn_suspected", "edx_recommended", "lmn_signs", "umn_signs"),
        on="patient_id",
        how="left",
    )


def _flag_columns(study_findings: pl.DataFrame | None) -> pl.DataFrame:
    """The index-study flags from study_findings (empty frame with the columns when absent)."""
    from edxlab.interpret.pipeline import STUDY_FINDINGS_SCHEMA

    flags = list(STUDY_FINDINGS_SCHEMA)[3:list(STUDY_FINDINGS_SCHEMA).index("summary")]
    schema = {"study_id": pl.String, **{c: STUDY_FINDINGS_SCHEMA[c] for c in flags}}
    if study_findings is None or study_findings.is_empty():
        return pl.DataFrame(schema=schema)
    cols = []
    for name, dtype in schema.items():
        if name not in study_findings.columns:
            cols.append(pl.lit(None, dtype).alias(name))
        elif study_findings.schema[name] == dtype:
            cols.append(pl.col(name))
        elif isinstance(dtype, pl.List) and study_findings.schema[name] == pl.String:
            # lists as written in CSV: ";"-separated
            cols.append(
                pl.when(pl.col(name).fill_null("") == "")
                .then(pl.lit([], pl.List(pl.String)))
                .otherwise(pl.col(name).str.split(";"))
                .alias(name)
            )
        elif dtype == pl.Boolean and study_findings.schema[name] == pl.String:
            cols.append(pl.col(name).str.to_lowercase().replace_strict({"true": True, "false": False, "": None}, default=None, return_dtype=pl.Boolean).alias(name))
        else:
            cols.append(pl.col(name).cast(dtype).alias(name))
    return study_findings.select(cols)


def select_cohort(ds: Dataset, study_findings: pl.DataFrame | None, settings: CohortSettings) -> Selection:
    """Apply the eligibility steps; return patient_findings, the attrition table and red flags."""
    features = lesion_features(ds)
    nmosd = classify_nmosd(ds, features)
    mogad = classify_mogad(ds, features)
    flags = red_flags(ds, features)
    idx = index_studies(ds, settings)
    lmn = clinical_lmn_signs(ds)
    # nmosd, mogad and lmn have one row per patient in order: placed side by side
    base = join_aligned(ds.patients.select("patient_id"), nmosd, "patient_id")
    base = join_aligned(base, mogad, "patient_id")
    base = (
        base.join(idx, on="patient_id", how="left")
        .pipe(join_aligned, lmn, "patient_id")
        .join(
            flags.group_by("patient_id").agg(pl.col("flag").sort().alias("red_flags")),
            on="patient_id",
            how="left",
        )
        .with_columns(
            pl.col("red_flags").fill_null(pl.lit([], pl.List(pl.String))),
            pl.col("n_studies_in_window").fill_null(0),
        )
    )

    window = settings.window_text
    steps: list[tuple[str, pl.Expr, str]] = [
        (
            "Meet the IPND 2015 criteria for NMOSD",
            pl.col("nmosd_criteria") != "not_met",
            "does not meet the IPND 2015 criteria for NMOSD",
        )
    ]
    if settings.exclude_mogad:
        steps.append(
            ("MOGAD (2023 criteria) excluded", ~pl.col("mogad"), "meets the MOGAD 2023 criteria (MOGAD excluded)")
        )
    steps.append(
        (
            f"EDX study {window}" if window else "At least one EDX study",
            pl.col("n_studies_in_window") > 0,
            f"no EDX study {window}" if window else "no EDX study",
        )
    )
    if settings.require:
        req = settings.require_text
        steps.append(
            (
                f"A study with {req}" + (f" {window}" if window else ""),
                pl.col("index_study_id").is_not_null(),
                f"no study with {req}" + (f" {window}" if window else ""),
            )
        )

    reason = pl.lit(None, pl.String)
    for _, keep, why in reversed(steps):
        reason = pl.when(~keep).then(pl.lit(why)).otherwise(reason)
    base = base.with_columns(exclusion_reason=reason).with_columns(included=pl.col("exclusion_reason").is_null())

    attrition_rows = []
    remaining = base
    n_total = base.height
    attrition_rows.append(
        {"step": 0, "criterion": "Patients in the database", "n_before": n_total, "n_excluded": 0, "n_after": n_total, "reason": None}
    )
    for i, (label, keep, why) in enumerate(steps, start=1):
        kept = remaining.filter(keep)
        attrition_rows.append(
            {
                "step": i,
                "criterion": label,
                "n_before": remaining.height,
                "n_excluded": remaining.height - kept.height,
                "n_after": kept.height,
                "reason": why,
            }
        )
        remaining = kept
    attrition = pl.DataFrame(
        attrition_rows,
        schema={"step": pl.Int64, "criterion": pl.String, "n_before": pl.Int64, "n_excluded": pl.Int64, "n_after": pl.Int64, "reason": pl.String},
    )

    sf = _flag_columns(study_findings).rename({"study_id": "index_study_id"})
    pf = (
        base.join(sf, on="index_study_id", how="left")
        .select(
            "patient_id",
            "included",
            "exclusion_reason",
            "nmosd_criteria",
            "mogad",
            "lmn_suspected",
            "edx_recommended",
            "index_study_id",
            "index_study_date",
            *STUDY_FLAGS,
            "nmosd_cores",
            "nmosd_evidence",
            "mog_result",
            "mogad_evidence",
            "red_flags",
            "lmn_signs",
            "umn_signs",
        )
        .sort("patient_id")
    )
    criteria = nmosd.join(mogad, on="patient_id", how="left")
    return Selection(patient_findings=pf, attrition=attrition, red_flags=flags, criteria=criteria)


def default_patient_findings(ds: Dataset, study_findings: pl.DataFrame | None) -> pl.DataFrame:
    """``patient_findings`` with the default cohort settings (no date window, EMG and NCS
    required, MOGAD kept): what ``edxlab interpret`` writes."""
    return select_cohort(ds, study_findings, CohortSettings()).patient_findings
