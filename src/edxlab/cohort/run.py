"""One cohort analysis end to end: selection, summary, comparisons, model, Table 1; and writing
its tables (CSV) to a folder.

``run_cohort(ds, study_findings, settings) -> CohortResult`` is pure; ``write_cohort_tables``
does the file output. Reports (HTML, XLSX, DOCX, figures) live in :mod:`edxlab.report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.cohort.compare import LogisticResult, analysis_frame, compare_subgroups, logistic_lmn
from edxlab.cohort.covariates import patient_covariates
from edxlab.cohort.selection import CohortSettings, Selection, select_cohort
from edxlab.cohort.stats import cohort_summary, suppress_counts
from edxlab.cohort.table1 import table1
from edxlab.log import logger
from edxlab.model.dataset import Dataset


@dataclass
class CohortResult:
    settings: CohortSettings
    selection: Selection
    summary: pl.DataFrame
    summary_by_aqp4: pl.DataFrame
    comparisons: pl.DataFrame
    logistic: LogisticResult
    table1: pl.DataFrame
    analysis: pl.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def patient_findings(self) -> pl.DataFrame:
        return self.selection.patient_findings

    @property
    def attrition(self) -> pl.DataFrame:
        return self.selection.attrition

    @property
    def n_included(self) -> int:
        return int(self.patient_findings["included"].sum())


def run_cohort(ds: Dataset, study_findings: pl.DataFrame | None, settings: CohortSettings | None = None) -> CohortResult:
    """Select the cohort and compute every table of the analysis."""
    settings = settings or CohortSettings()
    sel = select_cohort(ds, study_findings, settings)
    included = sel.patient_findings.filter(pl.col("included"))
    summary = cohort_summary(included, settings.ci_method, settings.min_cell)
    by_aqp4 = cohort_summary(
        included.with_columns(
            aqp4_group=pl.when(pl.col("nmosd_criteria") == "aqp4_positive")
            .then(pl.lit("AQP4-IgG positive"))
            .when(pl.col("mogad").fill_null(False))
            .then(pl.lit("MOGAD (2023 criteria)"))
            .otherwise(pl.lit("AQP4-IgG negative or unknown"))
        ),
        settings.ci_method,
        settings.min_cell,
        subgroup="aqp4_group",
    )
    cov = patient_covariates(ds, sel.patient_findings)
    frame = analysis_frame(cov, sel.patient_findings)
    comparisons = compare_subgroups(frame)
    model = logistic_lmn(frame)
    t1 = table1(frame, min_cell=settings.min_cell) if frame.height else pl.DataFrame()
    warnings = []
    if not sel.red_flags.is_empty():
        n = sel.red_flags["patient_id"].n_unique()
        warnings.append(f"{n} patient(s) have IPND 2015 red flags (see red_flags.csv); they are warnings, not exclusions.")
    warnings.extend(model.warnings)
    if study_findings is None or study_findings.is_empty():
        warnings.append("No study findings were given: the EDX flags of patient_findings are empty. Run edxlab interpret first.")
    for w in warnings:
        logger.info(w)
    return CohortResult(settings, sel, summary, by_aqp4, comparisons, model, t1, frame, warnings)


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists as sorted ``;``-separated text (interchange format section 3); dates ISO."""
    return frame.with_columns(
        pl.col(c).list.sort().list.join(";") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )


#: Tables with one row per patient: not written with small-cell suppression (--min-cell).
PATIENT_LEVEL_TABLES = ("patient_findings", "red_flags")


def write_cohort_tables(result: CohortResult, out: Path) -> dict[str, Path]:
    """Write the cohort's CSV tables into ``out``; returns name -> path. With ``min_cell`` the
    patient-level tables are left out (aggregate export)."""
    out.mkdir(parents=True, exist_ok=True)
    mc = result.settings.min_cell
    comparisons = suppress_counts(result.comparisons, ["n_a", "n_b"], mc) if mc else result.comparisons
    tables = {
        "patient_findings": result.patient_findings,
        "attrition": result.attrition,
        "cohort_summary": result.summary,
        "cohort_summary_by_aqp4": result.summary_by_aqp4,
        "comparisons": comparisons,
        "logistic_model": result.logistic.table,
        "table1": result.table1,
        "red_flags": result.selection.red_flags,
    }
    if mc:
        # an export outside the research team: aggregates only, no patient-level rows
        for name in PATIENT_LEVEL_TABLES:
            tables.pop(name)
            (out / f"{name}.csv").unlink(missing_ok=True)
    paths = {}
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        csv_ready(frame).write_csv(path)
        paths[name] = path
    return paths
