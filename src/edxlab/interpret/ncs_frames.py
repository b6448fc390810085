"""Frame helpers of the NCS stage: put columns computed on a few rows or keys back in place.

The interpretation frames are long (one row per measure) or wide (one row per nerve study, many
columns). Joining onto them copies every column, so results computed elsewhere are joined on the
key column only and stacked (``aligned``), or scattered back by row number (``scattered``).
"""

from __future__ import annotations

import polars as pl


def aligned(keys: pl.DataFrame, right: pl.DataFrame, on: str = "nid") -> pl.DataFrame:
    """``right``'s columns (unique ``on``) row-aligned to ``keys`` (null where absent)."""
    return keys.select(on).join(right, on=on, how="left", maintain_order="left").drop(on)


def scattered(height: int, rows: pl.Series, values: pl.Series) -> pl.Series:
    """A column of ``height`` nulls with ``values`` at row numbers ``rows``."""
    return pl.Series(values.name, [None] * 0, dtype=values.dtype).extend_constant(
        None, height).scatter(rows, values)
