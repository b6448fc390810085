"""Small frame utilities shared by the stages."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa


def join_aligned(left: pl.DataFrame, right: pl.DataFrame, on: str, **join_options: Any
                 ) -> pl.DataFrame:
    """``left.join(right, on=on, how="left", **join_options)``.

    Many stage frames have one row per study (patient) in the order of ``ds.studies``
    (``ds.patients``): when ``right``'s keys are ``left``'s row for row (unique, non-null, no
    other shared column), its columns are placed beside ``left``'s without hashing keys.
    """
    keys = left[on]
    aligned = (
        right.height == left.height
        and not (set(left.columns) & set(right.columns)) - {on}
        and right[on].equals(keys)
        and keys.null_count() == 0
        and keys.n_unique() == left.height
    )
    if aligned:
        return left.hstack(right.drop(on).get_columns())
    return left.join(right, on=on, how="left", **join_options)


def scattered(height: int, rows: pl.Series, values: pl.Series) -> pl.Series:
    """A column of ``height`` nulls with ``values`` at row numbers ``rows``."""
    return scattered_frame(height, rows, values.to_frame()).to_series()


def scattered_frame(height: int, rows: pl.Series, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (one row per entry of ``rows``) placed at row numbers ``rows`` of a frame of
    ``height`` rows, null elsewhere. One gather by a null-padded row index: scattering into a
    column of nulls copies string columns again."""
    index = pl.Series("index", [], pl.UInt32).extend_constant(None, height).scatter(
        rows, pl.arange(0, len(rows), dtype=pl.UInt32, eager=True))
    return frame.select(pl.all().gather(index))


def gather_index(take: np.ndarray) -> pl.Series:
    """Row numbers as a gather index (UInt32, the index type): null where ``take`` < 0."""
    return pl.from_arrow(pa.array(take.astype(np.uint32), mask=take < 0))
