"""Small frame utilities shared by the stages."""

from __future__ import annotations

from typing import Any

import polars as pl


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
