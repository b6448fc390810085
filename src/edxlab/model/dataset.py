"""The in-memory dataset: one canonical Polars frame per interchange-format table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.errors import Issue
from edxlab.model.schema import TABLE_NAMES, tables


@dataclass
class Dataset:
    """A dataset in canonical form (see :mod:`edxlab.model.schema`).

    Every table in :data:`TABLE_NAMES` is present; an absent optional table is an empty frame
    with the canonical schema. ``source`` is the folder/file it was read from (for file paths in
    ``signals.csv`` and for messages), or None for a dataset built in memory. ``issues`` holds
    the warnings found when it was read (alias mappings, unknown columns, ...).
    """

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    source: Path | None = None
    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        specs = tables()
        for name in TABLE_NAMES:
            if name not in self.frames:
                self.frames[name] = specs[name].empty_frame()

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    def __setitem__(self, name: str, frame: pl.DataFrame) -> None:
        self.frames[name] = frame

    @property
    def patients(self) -> pl.DataFrame:
        return self.frames["patients"]

    @property
    def studies(self) -> pl.DataFrame:
        return self.frames["studies"]

    @classmethod
    def from_frames(cls, source: Path | None = None, **frames: pl.DataFrame) -> "Dataset":
        """Build a dataset from partial frames, casting to the canonical schema.

        Missing columns are added as nulls (``<col>_nr`` as false); useful for tests and the
        synthetic generator, which build frames directly instead of reading files.
        """
        specs = tables()
        out: dict[str, pl.DataFrame] = {}
        for name, frame in frames.items():
            schema = specs[name].polars_schema()
            cols = []
            for col, dtype in schema.items():
                if col in frame.columns:
                    cols.append(pl.col(col).cast(dtype))
                elif col.endswith("_nr"):
                    cols.append(pl.lit(False, dtype=pl.Boolean).alias(col))
                else:
                    cols.append(pl.lit(None, dtype=dtype).alias(col))
            extra = [c for c in frame.columns if c not in schema]
            out[name] = frame.select(cols + [pl.col(c) for c in extra])
        return cls(frames=out, source=source)


def study_ages(ds: Dataset) -> pl.DataFrame:
    """Age of each study in years: ``age_years``, else ``year(study_date) - birth_year``.

    Returns one row per study: ``study_id`` (String), ``age_years`` (Float64, null when neither
    is known).
    """
    patients = ds.patients.select("patient_id", "birth_year").unique("patient_id")
    return (
        ds.studies.select("study_id", "patient_id", "study_date", "age_years")
        .join(patients, on="patient_id", how="left")
        .select(
            "study_id",
            pl.coalesce(
                pl.col("age_years"),
                (pl.col("study_date").dt.year() - pl.col("birth_year")).cast(pl.Float64),
            ).alias("age_years"),
        )
    )
