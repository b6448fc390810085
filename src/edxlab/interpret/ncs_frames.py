"""Frame helpers of the NCS stage: put columns computed on a few rows or keys back in place.

The interpretation frames are long (one row per measure) or wide (one row per nerve study, many
columns). Joining onto them copies every column, so results computed elsewhere are joined on the
key column only and stacked (``aligned``), or scattered back by row number (``scattered``).
"""

from __future__ import annotations

import polars as pl


def aligned(keys: pl.DataFrame, right: pl.DataFrame, on: str | list[str] = "nid") -> pl.DataFrame:
    """``right``'s columns (unique ``on``) row-aligned to ``keys`` (null where absent)."""
    return keys.select(on).join(right, on=on, how="left", maintain_order="left").drop(on)


def scattered(height: int, rows: pl.Series, values: pl.Series) -> pl.Series:
    """A column of ``height`` nulls with ``values`` at row numbers ``rows``."""
    return pl.Series(values.name, [None] * 0, dtype=values.dtype).extend_constant(
        None, height).scatter(rows, values)


def with_texts(agg: pl.DataFrame, frame: pl.DataFrame | pl.LazyFrame, by: str | list[str],
               rows: pl.Expr, *texts: pl.Expr) -> pl.DataFrame:
    """``agg`` (one row per group of ``by``) plus the text aggregations ``texts`` (string joins)
    computed over the rows where ``rows`` holds only: joining strings per group is slow and most
    groups have nothing to say. Groups without such rows get "" (as a join over no rows)."""
    t = frame.lazy().filter(rows).group_by(by).agg(*texts).collect()
    return agg.hstack(aligned(agg, t, on=by).fill_null("").get_columns())
