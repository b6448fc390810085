"""Glue for ``edxlab cohort`` and ``edxlab report``: read the project database, run the
analysis, write tables and reports, print a short summary. The only I/O is delegated to
``edxlab.store`` and the writers of ``edxlab.cohort.run`` / ``edxlab.report``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from edxlab.cohort.selection import TEST_TABLES, CohortSettings
from edxlab.errors import InputError
from edxlab.log import logger
from edxlab.model.dataset import Dataset

FINDINGS_TABLES = ("study_findings", "nerve_findings", "muscle_findings")


@dataclass
class Loaded:
    ds: Dataset
    findings: dict[str, pl.DataFrame]
    interpreted: bool = False  # the findings were computed now (the database held none)


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None or text == "":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2016-01-01).") from None


def parse_require(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ("emg", "ncs")
    items = tuple(t.strip().lower() for t in text.split(",") if t.strip())
    bad = [t for t in items if t not in TEST_TABLES]
    if bad:
        raise InputError(f"--require {bad[0]!r} is not a test; use a comma-separated list of: {', '.join(TEST_TABLES)}.")
    return items


def settings_from_options(
    date_from: str | None, date_to: str | None, require: str | None, exclude_mogad: bool, ci: str, min_cell: int
) -> CohortSettings:
    from edxlab.cohort.stats import check_ci_method

    check_ci_method(ci)
    return CohortSettings(
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        require=parse_require(require),
        exclude_mogad=exclude_mogad,
        ci_method=ci,
        min_cell=min_cell,
    )


def load(db: Path) -> Loaded:
    """The dataset and its findings from the database; interprets in memory when the database
    holds no findings yet."""
    from edxlab import store

    if not Path(db).exists():
        raise InputError(f"The database {db} does not exist; import a dataset first (edxlab import DATASET --db {db}).")
    con = store.open_store(db, create=False, read_only=True)
    try:
        ds = store.load_dataset(con)
        present = set(store.list_tables(con))
        findings = {name: store.read_table(con, name) for name in FINDINGS_TABLES if name in present}
    finally:
        con.close()
    if "study_findings" not in findings:
        from edxlab.interpret.pipeline import interpret_dataset
        from edxlab.signal.analyze import measured_signals

        logger.info("The database holds no findings yet: interpreting the studies now.")
        f = interpret_dataset(ds, measured=measured_signals(ds))
        findings = {
            name: getattr(f, name) for name in FINDINGS_TABLES if getattr(f, name, None) is not None
        }
        return Loaded(ds, findings, interpreted=True)
    return Loaded(ds, findings)


COHORT_TABLES = {"patient_findings": "patient_findings", "cohort_summary": "summary",
                 "cohort_attrition": "attrition"}
"""Database table -> attribute of the cohort result that ``edxlab cohort`` stores."""


def store_cohort(db: Path, loaded: Loaded, result) -> None:
    """Store the cohort's tables (and the findings, when they were computed now) in the
    database, in one transaction, so the web app and later exports see this cohort."""
    from edxlab import store

    tables = {name: loaded.findings[name] for name in FINDINGS_TABLES
              if loaded.interpreted and name in loaded.findings and name != "patient_findings"}
    tables.update({name: getattr(result, attr) for name, attr in COHORT_TABLES.items()})
    con = store.open_store(db, create=False)
    try:
        store.write_findings(con, tables)
    finally:
        con.close()


def reference_profiles(findings: dict[str, pl.DataFrame]) -> list[str]:
    nf = findings.get("nerve_findings")
    if nf is None or "profile" not in nf.columns:
        return []
    return sorted(p for p in nf["profile"].drop_nulls().unique().to_list() if p)


def run_cohort_command(db: Path, out: Path, settings: CohortSettings, synthetic: str = "") -> tuple[object, dict[str, Path]]:
    """``edxlab cohort``: tables, report, figures, manuscript files in ``out``; the patient
    findings, summary and attrition also go into the database (``store_cohort``)."""
    from edxlab.cohort.run import run_cohort, write_cohort_tables
    from edxlab.report.cohort_report import ReportOptions, mri_segment_spans, write_cohort_report

    loaded = load(db)
    result = run_cohort(loaded.ds, loaded.findings.get("study_findings"), settings)
    store_cohort(db, loaded, result)
    paths = write_cohort_tables(result, out)
    options = ReportOptions(
        synthetic=synthetic,
        reference_profiles=reference_profiles(loaded.findings),
        lesion_spans=mri_segment_spans(loaded.ds),
    )
    paths.update(write_cohort_report(result, out, options))
    return result, paths


def run_study_report_command(db: Path, out: Path, study_ids: list[str] | None, synthetic: str = "") -> list[Path]:
    from edxlab.report.study_report import write_study_reports

    loaded = load(db)
    return write_study_reports(loaded.ds, loaded.findings, out, study_ids or None, synthetic)


def print_cohort_summary(result, console=None) -> None:
    """Attrition and the published measures as rich tables."""
    from rich.console import Console
    from rich.table import Table

    from edxlab.cohort.stats import MEASURE_LABELS

    console = console or Console()
    flow = Table(title="Cohort selection")
    for col in ("Step", "n before", "Excluded", "n after", "Reason"):
        flow.add_column(col, justify="right" if col.startswith(("n ", "Excl")) else "left")
    for r in result.attrition.iter_rows(named=True):
        flow.add_row(r["criterion"], str(r["n_before"]), str(r["n_excluded"]), str(r["n_after"]), r["reason"] or "")
    console.print(flow)
    t = Table(title=f"Findings ({result.n_included} patients; 95% CI {result.settings.ci_method})")
    for col in ("Measure", "n/N", "%", "95% CI"):
        t.add_column(col, justify="left" if col == "Measure" else "right")
    for r in result.summary.iter_rows(named=True):
        if r["suppressed"]:
            t.add_row(MEASURE_LABELS.get(r["measure"], r["measure"]), f"<{result.settings.min_cell}/{r['N']}", "", "")
        elif r["N"]:
            t.add_row(MEASURE_LABELS.get(r["measure"], r["measure"]), f"{r['n']}/{r['N']}", f"{r['percent']:.1f}", f"{r['ci_low']:.1f}-{r['ci_high']:.1f}")
    console.print(t)
    for w in result.warnings:
        console.print(f"[yellow]Warning:[/yellow] {w}")
