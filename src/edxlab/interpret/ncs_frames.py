"""Frame helpers of the NCS stage: put columns computed on a few rows or keys back in place.

The interpretation frames are long (one row per measure) or wide (one row per nerve study, many
columns). Joining onto them copies every column, so results computed elsewhere are joined on the
key column only and stacked (``aligned``), placed by a dense nerve-study index (``NidIndex``) or
scattered back by row number (``edxlab.frames.scattered_frame``); grouped texts are joined over
the rows that have text only (``with_texts``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.frames import gather_index, scattered_frame


def aligned(keys: pl.DataFrame, right: pl.DataFrame, on: str | list[str] = "nid") -> pl.DataFrame:
    """``right``'s columns (unique ``on``) row-aligned to ``keys`` (null where absent)."""
    return keys.select(on).join(right, on=on, how="left", maintain_order="left").drop(on)


def by_study(n: int, *frames: pl.DataFrame) -> pl.DataFrame:
    """The per-study rows of ``frames`` (each keyed by ``study_id``, the dense study index
    0..n-1, unique) placed at their index in one frame of ``n`` rows, null where a study has no
    row: one gather per frame instead of a join."""
    return pl.concat([scattered_frame(n, f["study_id"], f.drop("study_id")) for f in frames],
                     how="horizontal")


def study_counts(frame: pl.DataFrame, **flags: pl.Expr) -> pl.DataFrame:
    """Per study of ``frame`` (rows in study order: ``study_id`` sorted), ``study_id`` and the
    number of its rows where each Boolean expression of ``flags`` holds (UInt32; null counts as
    not holding). Sums over the runs of rows of each study, in study order: ~5x cheaper than
    a hash group-by."""
    if not frame["study_id"].is_sorted():
        frame = frame.sort("study_id", maintain_order=True)
    values = frame.select(**{n: e.fill_null(False).cast(pl.UInt32) for n, e in flags.items()})
    sid = frame["study_id"].to_numpy()
    if sid.size == 0:
        return pl.DataFrame({"study_id": sid}).hstack(values.get_columns())
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    return pl.DataFrame({"study_id": sid[starts], **{
        n: pl.Series(n, np.add.reduceat(values[n].to_numpy(), starts), pl.UInt32)
        for n in values.columns}})


def with_texts(agg: pl.DataFrame, frame: pl.DataFrame | pl.LazyFrame, by: str | list[str],
               rows: pl.Expr, **texts: tuple[pl.Expr, str]) -> pl.DataFrame:
    """``agg`` (one row per group of ``by``) plus text columns: ``name=(expr, separator)`` joins
    ``expr`` over the group's rows where ``rows`` holds. Only those rows are grouped (most
    groups have nothing to say) and the texts are joined as lists (a string join per group is
    slow). Groups without such rows get "" (as a join over no rows)."""
    t = (frame.lazy().filter(rows).group_by(by)
         .agg(*[e.alias(n) for n, (e, _) in texts.items()])
         .with_columns(pl.col(n).list.join(sep) for n, (_, sep) in texts.items())
         .collect())
    return agg.hstack(aligned(agg, t, on=by).fill_null("").get_columns())


class NidIndex:
    """Row numbers of the nerve-study ids (``nid`` = study index x 4096 + nerve study code) of a
    frame of unique ``nid``s, by a dense lookup table (study x the few codes in use): aligning
    another frame's rows to them costs two array gathers instead of a hash join."""

    def __init__(self, nid: pl.Series):
        k = _ids(nid)
        self.height = len(k)
        local, study = k & 4095, k >> 12  # code, study index (4096 = 2 ** 12)
        present = np.zeros(4096, bool)
        present[local] = True
        used = np.flatnonzero(present)
        self.code = np.full(4096, -1, np.int64)
        self.code[used] = np.arange(len(used))
        self.width = max(len(used), 1)
        self.first = int(study.min()) if len(k) else 0
        self.span = int(study.max()) - self.first + 1 if len(k) else 0
        self.row = np.full(self.span * self.width, -1, np.int32)
        self.row[(study - self.first) * self.width + self.code[local]] = np.arange(len(k))

    def rows(self, nid: pl.Series) -> np.ndarray:
        """Row number of each ``nid`` (-1 where absent)."""
        o = _ids(nid)
        if self.row.size == 0:
            return np.full(len(o), -1, np.int64)
        study, code = (o >> 12) - self.first, self.code[o & 4095]
        ok = (code >= 0) & (study >= 0) & (study < self.span)
        return np.where(ok, self.row[np.where(ok, study * self.width + code, 0)], -1)

    def gathered(self, nid: pl.Series, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of ``frame`` (one per indexed ``nid``, in index order) for each of ``nid``
        (null where absent)."""
        return frame.select(pl.all().gather(gather_index(self.rows(nid))))

    def align(self, frame: pl.DataFrame, on: str = "nid") -> pl.DataFrame:
        """``frame``'s other columns (unique ``on``) row-aligned to the index (null where
        absent)."""
        if frame.height == 0:
            return frame.drop(on).clear(self.height)  # all null
        r = self.rows(frame[on])
        if len(r) == self.height and (r == np.arange(self.height)).all():
            return frame.drop(on)  # already in place
        hit = r >= 0
        take = np.full(self.height, -1, np.int64)
        take[r[hit]] = np.flatnonzero(hit)
        # (a gather from a frame of several chunks, as a filter leaves it, is ~2x slower)
        return frame.drop(on).rechunk().select(pl.all().gather(gather_index(take)))


def _ids(nid: pl.Series) -> np.ndarray:
    """``nid`` as an int64 array (-1 for a missing id: never found)."""
    if nid.null_count():
        nid = nid.fill_null(-1)
    return nid.cast(pl.Int64).to_numpy()


def in_keys(frame: pl.DataFrame, keys: pl.DataFrame, on: list[str]) -> pl.Series:
    """Whether each row's ``on`` values are one of ``keys``'s rows (Boolean, ``frame``'s height).
    The first key (the integer study index) rules most rows out by one look-up; only the rest
    are joined on every key (a join of every row on string keys is slow)."""
    first = on[0]
    rows = (frame.lazy().select(on).with_row_index("_r")
            .filter(pl.col(first).is_in(keys[first].implode()))
            .join(keys.lazy().select(on).unique(), on=on, how="semi")
            .select("_r").collect()["_r"])
    return pl.Series(np.zeros(frame.height, dtype=bool)).scatter(rows, True)


def sorted_by(frame: pl.DataFrame, major: str, minor: str) -> pl.LazyFrame:
    """``frame`` (lazy) sorted by the integer columns ``major``, ``minor``: as it is when its rows
    already run strictly in that order (a check of two differences, much cheaper than a sort)."""
    dm, dn = pl.col(major).diff(), pl.col(minor).diff()
    if frame.select(((dm > 0) | ((dm == 0) & (dn > 0))).all()).item():
        return frame.lazy()
    return frame.lazy().sort([major, minor])
