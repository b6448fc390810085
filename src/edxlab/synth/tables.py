"""The generator's data files (``synth/data/*.csv``), loaded once.

- ``ncs_normals.csv``: means and SDs of healthy nerve conduction, F-wave and blink values, each
  row with its source and a tag (V checked source, R quoted, D derived, A assumed).
- ``limits.csv``: the reference limits the generator keeps normal values inside. They are the
  fallback when the interpretation engine's reference profile is not available; when it is,
  :func:`limits` takes the profile's values so that generator and engine agree on "normal".
- ``muscles.csv``: the muscles the generator samples, with nerve, region and roots.
- ``cord_levels.csv``: vertebral body -> cord segments (edx_reference.md 5.3-5.4).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import polars as pl

SEGMENTS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)
SEGMENT_INDEX = {s: i for i, s in enumerate(SEGMENTS)}
VERTEBRAE: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    "L1",
)
VERTEBRA_INDEX = {v: i for i, v in enumerate(VERTEBRAE)}


def _read(name: str) -> pl.DataFrame:
    text = resources.files("edxlab.synth").joinpath("data", name).read_bytes()
    return pl.read_csv(text, infer_schema_length=None)


@cache
def normals() -> pl.DataFrame:
    return _read("ncs_normals.csv")


@cache
def fallback_limits() -> pl.DataFrame:
    return _read("limits.csv")


@cache
def muscles() -> pl.DataFrame:
    return _read("muscles.csv").with_columns(
        pl.col("roots").fill_null(""), pl.col("main_roots").fill_null("")
    )


@cache
def cord_levels() -> pl.DataFrame:
    return _read("cord_levels.csv")


def segment_mask(segments: list[str] | str) -> int:
    """Bit mask (bit i = SEGMENTS[i]) of a list of segments or a ``;``-separated string."""
    if isinstance(segments, str):
        segments = [s for s in segments.split(";") if s]
    mask = 0
    for s in segments:
        mask |= 1 << SEGMENT_INDEX[s]
    return mask


def mask_segments(mask: int) -> list[str]:
    return [s for i, s in enumerate(SEGMENTS) if mask >> i & 1]


def mask_lists(masks: np.ndarray) -> pl.Series:
    """Segment names of each bit mask as a list column (anatomical order)."""
    uniq, inverse = np.unique(np.asarray(masks, dtype=np.int64), return_inverse=True)
    lists = pl.Series("segments", [mask_segments(int(m)) for m in uniq], dtype=pl.List(pl.String))
    return lists.gather(inverse.ravel())


def mask_strings(masks: np.ndarray) -> pl.Series:
    """``;``-joined segment names of each mask."""
    return mask_lists(masks).list.join(";")


def labels(values, codes: np.ndarray) -> pl.Series:
    """Strings by integer code, built in polars (fast for millions of rows)."""
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


@cache
def vertebra_segments() -> np.ndarray:
    """(len(VERTEBRAE), 2) array: first and last cord segment index under each vertebral body."""
    cl = cord_levels()
    out = np.zeros((len(VERTEBRAE), 2), dtype=np.int64)
    for row in cl.iter_rows(named=True):
        v = VERTEBRA_INDEX[row["vertebra"]]
        out[v] = (SEGMENT_INDEX[row["segment_from"]], SEGMENT_INDEX[row["segment_to"]])
    return out


def lesion_segment_mask(v_from: np.ndarray, v_to: np.ndarray) -> np.ndarray:
    """Cord segments under vertebral spans ``[v_from, v_to]`` (indices; -1 = no lesion)."""
    vs = vertebra_segments()
    v_from = np.asarray(v_from)
    v_to = np.asarray(v_to)
    ok = v_from >= 0
    lo = vs[np.clip(v_from, 0, None), 0]
    hi = vs[np.clip(v_to, 0, None), 1]
    width = np.where(ok, hi - lo + 1, 0)
    return np.where(ok, ((np.int64(1) << width) - 1) << lo, 0).astype(np.int64)


def limit_value(nerve: str, modality: str, measure: str) -> tuple[float, str, str]:
    """(value, kind 'uln'/'lln', source) of a reference limit the generator respects.

    From ``limits.csv`` (Preston & Shapiro single cut-offs unless stated).
    """
    fl = fallback_limits().filter(
        (pl.col("nerve") == nerve) & (pl.col("modality") == modality) & (pl.col("measure") == measure)
    )
    if fl.height == 0:
        raise KeyError(f"no reference limit for {nerve} {modality} {measure}")
    row = fl.row(0, named=True)
    return float(row["value"]), row["kind"], row["source"]


def normal_params(
    nerve: str, modality: str, measure: str, age: np.ndarray, sex: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-person mean and SD of a healthy value (age- and sex-specific rows where published)."""
    rows = normals().filter(
        (pl.col("nerve") == nerve) & (pl.col("modality") == modality) & (pl.col("measure") == measure)
    )
    if rows.height == 0:
        raise KeyError(f"no normal values for {nerve} {modality} {measure}")
    mean = np.full(age.shape, np.nan)
    sd = np.full(age.shape, np.nan)
    for r in rows.iter_rows(named=True):
        m = (age >= r["age_min"]) & (age < r["age_max"])
        if r["sex"]:
            m &= sex == r["sex"]
        mean[m] = r["mean"]
        sd[m] = r["sd"]
    # a sex-specific row may leave sex X/unknown uncovered: use the mean of the rows
    miss = np.isnan(mean)
    if miss.any():
        mean[miss] = rows["mean"].mean()
        sd[miss] = rows["sd"].mean()
    return mean, sd
