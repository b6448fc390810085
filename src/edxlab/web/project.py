"""What the pages read: an in-memory snapshot of the project database, one per generation.

A :class:`Snapshot` holds the dataset (``edxlab.store.load_dataset``) and its findings (the
stored findings tables, or ``edxlab.interpret.pipeline.interpret_dataset`` when none are stored),
with the per-study and per-patient tables sorted by their key so that one study's or one
patient's rows are a binary search away. Cohort results (``edxlab.cohort.run_cohort``) are
computed once per settings and kept. After an import the import job builds the next snapshot
(:meth:`Project.refresh`) and swaps it in: readers keep the previous one meanwhile and never wait for an import.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.model.dataset import Dataset
from edxlab.web.database import Database

FINDINGS = ("study_findings", "nerve_findings", "muscle_findings")
BY_STUDY = ("ncs", "fwaves", "blink", "emg", "signals")
BY_PATIENT = ("studies", "attacks", "mri", "signs")


@dataclass
class Snapshot:
    dataset: Dataset
    findings: dict[str, pl.DataFrame]
    generation: int = 0
    profile: str | None = None   # the reference profile imposed on every study, if any
    reports_root: Path | None = None
    _sorted: dict[str, pl.DataFrame] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)
    _locks: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._locks.update({kind: threading.Lock()
                            for kind in ("overview", "cohort", "reports", "signals")})
        self._sorted = {("patients", "patient_id"): _sorted(self.dataset.patients, "patient_id"),
                        ("studies", "study_id"): _sorted(self.dataset.studies, "study_id"),
                        ("studies", "patient_id"): _sorted(self._studies_with_findings(),
                                                           "patient_id"),
                        ("cord", "patient_id"): _sorted(cord_lesions(self.dataset["mri"]),
                                                        "patient_id")}
        # One table at a time, the sorted frame replacing the original: one copy in memory.
        for name in (*BY_STUDY, *BY_PATIENT[1:]):
            by = "study_id" if name in BY_STUDY else "patient_id"
            self.dataset[name] = self._sorted[(name, by)] = _sorted(self.dataset[name], by)
        for name in list(self.findings):
            if "study_id" in self.findings[name].columns:
                self.findings[name] = self._sorted[(name, "study_id")] = _sorted(
                    self.findings.pop(name), "study_id")

    def _studies_with_findings(self) -> pl.DataFrame:
        studies = self.dataset.studies
        findings = self.findings.get("study_findings")
        if findings is None:
            return studies
        return studies.join(findings.drop("patient_id", "study_date", strict=False),
                            on="study_id", how="left").sort("study_date", "study_id")

    @property
    def empty(self) -> bool:
        return self.dataset.patients.is_empty()

    def rows(self, name: str, key: str, by: str = "study_id") -> pl.DataFrame:
        """The rows of table ``name`` whose ``by`` column equals ``key`` (binary search)."""
        frame = self._sorted[(name, by)]
        column = frame[by]
        lo = column.search_sorted(key, side="left")
        hi = column.search_sorted(key, side="right")
        return frame.slice(lo, hi - lo)

    def study(self, study_id: str) -> dict | None:
        rows = self.rows("studies", study_id)
        return rows.row(0, named=True) if rows.height else None

    def patient(self, patient_id: str) -> dict | None:
        rows = self.rows("patients", patient_id, by="patient_id")
        return rows.row(0, named=True) if rows.height else None

    def study_view(self, study_id: str) -> tuple[Dataset, dict[str, pl.DataFrame]]:
        """The dataset and findings restricted to one study (input of the study report)."""
        study = self.rows("studies", study_id)
        patients = (self.rows("patients", study["patient_id"][0], by="patient_id")
                    if study.height else self.dataset.patients.clear())
        frames = {name: self.rows(name, study_id) for name in BY_STUDY}
        rest = {name: self._sorted[(name, "patient_id")].clear() for name in BY_PATIENT[1:]}
        ds = Dataset(frames={**rest, **frames, "studies": study, "patients": patients},
                     source=self.dataset.source)
        findings = {name: self.rows(name, study_id) for name in self.findings
                    if "study_id" in self.findings[name].columns}
        return ds, findings

    def overview(self, settings) -> pl.DataFrame:
        """One row per patient for the patient list: antibodies, cohort classification, the
        index study's findings (``patient_findings``), number and date of studies."""

        def build() -> pl.DataFrame:
            findings = self.cohort(settings).patient_findings
            studies = self.dataset.studies.group_by("patient_id").agg(
                pl.len().cast(pl.Int64).alias("n_studies"),
                pl.col("study_date").max().alias("last_study"))
            frame = (self.dataset.patients.select("patient_id", "sex", "aqp4_igg", "mog_igg")
                     .join(findings, on="patient_id", how="left")
                     .join(studies, on="patient_id", how="left")
                     .with_columns(pl.col("n_studies").fill_null(0),
                                   pl.col("patient_id").str.to_lowercase().alias("search_key"))
                     .sort("patient_id"))
            return with_sort_ranks(frame)

        return self._cached(("overview", settings), build)

    def cohort(self, settings):
        """The cohort analysis for ``settings`` (``edxlab.cohort.run_cohort``)."""
        from edxlab.cohort.run import run_cohort

        return self._cached(("cohort", settings), lambda: run_cohort(
            self.dataset, self.findings.get("study_findings"), settings))

    def reports(self, settings) -> dict[str, Path]:
        """The cohort report and its tables, figures and downloads for ``settings``, written
        once into a folder of their own by ``edxlab.report`` and ``edxlab.cohort.run``."""
        from edxlab.cohort.command import reference_profiles
        from edxlab.cohort.run import write_cohort_tables
        from edxlab.report.cohort_report import ReportOptions, mri_segment_spans, write_cohort_report

        def build() -> dict[str, Path]:
            result = self.cohort(settings)
            root = self.reports_root or Path(tempfile.mkdtemp(prefix="edxlab-reports-"))
            out = Path(tempfile.mkdtemp(dir=root, prefix=f"g{self.generation}-"))
            options = ReportOptions(reference_profiles=reference_profiles(self.findings),
                                    lesion_spans=mri_segment_spans(self.dataset))
            paths = write_cohort_tables(result, out)
            paths.update(write_cohort_report(result, out, options))
            return paths

        return self._cached(("reports", settings), build)

    def recording_figure(self, study_id: str, index: int) -> Path | None:
        """PNG of the ``index``-th recording of a study (templates, firing raster, raw signal
        with marks; ``edxlab.signal.plot_analysis``), drawn once; None when it has no file."""
        rows = self.rows("signals", study_id).to_dicts()
        base = Path(self.dataset.source) if self.dataset.source else None
        if not 0 <= index < len(rows) or base is None:
            return None
        path = (base / rows[index]["file"]).resolve()
        if not path.is_relative_to(base.resolve()) or not path.is_file():
            return None

        def build() -> Path:
            from edxlab.signal.analyze import analyze_file, plot_analysis

            row, study = rows[index], self.study(study_id) or {}
            analysis = analyze_file(path, muscle=row["muscle"], age=study.get("age_years"),
                                    activation=row.get("activation"), format=row.get("format"),
                                    channel=row.get("channel"))
            root = self.reports_root or Path(tempfile.mkdtemp(prefix="edxlab-reports-"))
            out = Path(tempfile.mkdtemp(dir=root, prefix="signal-")) / "recording.png"
            plot_analysis(analysis, out)
            return out

        return self._cached(("signals", study_id, index), build)

    def _cached(self, key, build):
        """``build()`` once per key; one lock per kind, so that a slow report never holds up
        the patient list."""
        value = self._cache.get(key)
        if value is None:
            with self._locks.setdefault(key[0], threading.Lock()):
                value = self._cache.get(key)
                if value is None:
                    value = self._cache[key] = build()
        return value


def _sorted(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """``frame`` sorted by ``by`` (stable); no copy when it already is."""
    if frame[by].is_sorted():
        return frame
    return frame.sort(by, maintain_order=True)


def with_sort_ranks(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``rank__<column>`` / ``rank__<column>__desc``: each row's position when the list is
    sorted by that column (nulls last, ties by patient_id), so that a request sorts integers."""
    from edxlab.web.listing import SORTABLE

    ranks = []
    for column in SORTABLE:
        for desc in (False, True):
            order = frame.select(pl.arg_sort_by([column, "patient_id"], descending=[desc, False],
                                                nulls_last=True)).to_series()
            name = f"rank__{column}" + ("__desc" if desc else "")
            ranks.append(order.arg_sort().cast(pl.UInt32).alias(name))
    return frame.with_columns(ranks)


def cord_lesions(mri: pl.DataFrame) -> pl.DataFrame:
    """Every spinal cord MRI lesion as cord segments (``interpret.mri.cord_spans``, without the
    widening margin): patient_id, lesion (vertebral levels), seg_lo, seg_hi."""
    from edxlab.interpret.mri import cord_spans
    from edxlab.reference.emg_criteria import load_emg_criteria

    criteria = load_emg_criteria()
    spans = cord_spans(mri, {**criteria, "mri": {**criteria["mri"], "margin": 0}})
    return spans.select("patient_id", "lesion", "seg_lo", "seg_hi")


def load_snapshot(database: Database, generation: int = 0, profile: str | None = None,
                  reports_root: Path | None = None) -> Snapshot:
    """Read the whole project database into a new snapshot. With ``profile`` the studies are
    interpreted again with that reference profile imposed (in memory; nothing is written)."""
    from edxlab import store

    with database.reader() as con:
        dataset = store.load_dataset(con)
        dataset.source = database.recordings
        present = set(store.list_tables(con))
        findings = {name: store.read_table(con, name) for name in FINDINGS
                    if name in present and profile is None}
    if "study_findings" not in findings and not dataset.studies.is_empty():
        findings = interpret(dataset, profile)
    return Snapshot(dataset=dataset, findings=findings, generation=generation, profile=profile,
                    reports_root=reports_root)


def interpret(dataset: Dataset, profile: str | None = None) -> dict[str, pl.DataFrame]:
    """The findings frames of ``interpret_dataset`` (those it produced)."""
    from edxlab.interpret.config import InterpretConfig
    from edxlab.interpret.pipeline import interpret_dataset
    from edxlab.signal.analyze import measured_signals

    config = InterpretConfig(profile=profile, override_profile=profile is not None)
    result = interpret_dataset(dataset, config, measured=measured_signals(dataset))
    return {name: getattr(result, name) for name in FINDINGS
            if getattr(result, name, None) is not None}


class Project:
    """The current snapshot. The import job calls :meth:`refresh` after committing; readers go
    on with the previous snapshot until the new one is complete."""

    def __init__(self, database: Database):
        self.database = database
        self._current: Snapshot | None = None
        self._lock = threading.Lock()
        self.generation = 0
        self.profile: str | None = None
        self.reports_root = Path(tempfile.mkdtemp(prefix="edxlab-reports-"))

    def snapshot(self) -> Snapshot:
        current = self._current
        if current is not None:
            return current
        with self._lock:
            if self._current is None:
                self._current = load_snapshot(self.database, self.generation, self.profile,
                                              self.reports_root)
            return self._current

    def refresh(self, profile: str | None | object = ...) -> Snapshot:
        """Build the snapshot of the database as it is now (with ``profile`` imposed on every
        study, when given; None = each study's own) and make it current."""
        wanted = self.profile if profile is ... else profile
        snapshot = load_snapshot(self.database, self.generation + 1, wanted, self.reports_root)
        with self._lock:
            self.generation += 1
            self.profile = wanted
            self._current = snapshot
        return snapshot

    def cleanup(self) -> None:
        shutil.rmtree(self.reports_root, ignore_errors=True)
