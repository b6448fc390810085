"""What the pages read: an in-memory snapshot of the project database, one per generation.

A :class:`Snapshot` holds the dataset (``edxlab.store.load_dataset``) and its findings (the
stored findings tables, or ``edxlab.interpret.pipeline.interpret_dataset`` when none are stored),
with the per-study and per-patient tables sorted by their key so that one study's or one
patient's rows are a binary search away. Cohort results (``edxlab.cohort.run_cohort``) are
computed once per settings and kept. After an import the import job builds the next snapshot
(:meth:`Project.refresh`) and swaps it in: readers keep the previous one meanwhile and never wait for an import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

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
    _sorted: dict[str, pl.DataFrame] = field(default_factory=dict)
    _cohorts: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in BY_STUDY:
            self._sorted[name] = self.dataset[name].sort("study_id", maintain_order=True)
        for name, frame in self.findings.items():
            if "study_id" in frame.columns:
                self._sorted[name] = frame.sort("study_id", maintain_order=True)
        for name in BY_PATIENT:
            self._sorted[f"{name}@patient"] = self.dataset[name].sort("patient_id",
                                                                      maintain_order=True)

    @property
    def empty(self) -> bool:
        return self.dataset.patients.is_empty()

    def rows(self, name: str, key: str, by: str = "study_id") -> pl.DataFrame:
        """The rows of table ``name`` whose ``by`` column equals ``key`` (binary search)."""
        frame = self._sorted[name if by == "study_id" else f"{name}@patient"]
        column = frame[by]
        lo = column.search_sorted(key, side="left")
        hi = column.search_sorted(key, side="right")
        return frame.slice(lo, hi - lo)

    def study(self, study_id: str) -> dict | None:
        rows = self.dataset.studies.filter(pl.col("study_id") == study_id)
        return rows.row(0, named=True) if rows.height else None

    def patient(self, patient_id: str) -> dict | None:
        rows = self.dataset.patients.filter(pl.col("patient_id") == patient_id)
        return rows.row(0, named=True) if rows.height else None

    def study_view(self, study_id: str) -> tuple[Dataset, dict[str, pl.DataFrame]]:
        """The dataset and findings restricted to one study (input of the study report)."""
        study = self.dataset.studies.filter(pl.col("study_id") == study_id)
        patients = self.dataset.patients.filter(pl.col("patient_id").is_in(study["patient_id"]))
        frames = {name: self.rows(name, study_id) for name in BY_STUDY}
        ds = Dataset(frames={**frames, "studies": study, "patients": patients},
                     source=self.dataset.source)
        findings = {name: self.rows(name, study_id) for name in self.findings
                    if "study_id" in self.findings[name].columns}
        return ds, findings

    def overview(self, settings) -> pl.DataFrame:
        """One row per patient for the patient list: antibodies, cohort classification, the
        index study's findings (``patient_findings``), number and date of studies."""
        key = ("overview", settings)
        with self._lock:
            cached = self._cohorts.get(key)
        if cached is not None:
            return cached
        findings = self.cohort(settings).patient_findings
        studies = self.dataset.studies.group_by("patient_id").agg(
            pl.len().cast(pl.Int64).alias("n_studies"), pl.col("study_date").max().alias("last_study"))
        frame = (self.dataset.patients.select("patient_id", "sex", "aqp4_igg", "mog_igg")
                 .join(findings, on="patient_id", how="left")
                 .join(studies, on="patient_id", how="left")
                 .with_columns(pl.col("n_studies").fill_null(0))
                 .sort("patient_id"))
        with self._lock:
            self._cohorts[key] = frame
        return frame

    def cohort(self, settings):
        """The cohort analysis for ``settings`` (computed once, then kept)."""
        from edxlab.cohort.run import run_cohort

        with self._lock:
            if settings not in self._cohorts:
                self._cohorts[settings] = run_cohort(self.dataset,
                                                     self.findings.get("study_findings"), settings)
            return self._cohorts[settings]


def load_snapshot(database: Database, generation: int = 0) -> Snapshot:
    """Read the whole project database into a new snapshot."""
    from edxlab import store

    with database.reader() as con:
        dataset = store.load_dataset(con)
        present = set(store.list_tables(con))
        findings = {name: store.read_table(con, name) for name in FINDINGS if name in present}
    if "study_findings" not in findings and not dataset.studies.is_empty():
        findings = interpret(dataset)
    return Snapshot(dataset=dataset, findings=findings, generation=generation)


def interpret(dataset: Dataset) -> dict[str, pl.DataFrame]:
    """The findings frames of ``interpret_dataset`` (those it produced)."""
    from edxlab.interpret.pipeline import interpret_dataset

    result = interpret_dataset(dataset)
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

    def snapshot(self) -> Snapshot:
        current = self._current
        if current is not None:
            return current
        with self._lock:
            if self._current is None:
                self._current = load_snapshot(self.database, self.generation)
            return self._current

    def refresh(self) -> Snapshot:
        """Build the snapshot of the database as it is now and make it current."""
        snapshot = load_snapshot(self.database, self.generation + 1)
        with self._lock:
            self.generation += 1
            self._current = snapshot
        return snapshot
