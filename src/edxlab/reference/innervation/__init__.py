"""The innervation chart: muscles, lesion sites, cord levels, cranial nuclei and reflexes.

Data files live next to this module (see ``README.md`` here); each loader returns a Polars frame
with list columns split on ``;``. Frames are cached: treat them as read-only.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

SEGMENTS: tuple[str, ...] = (
    tuple(f"C{i}" for i in range(1, 9))
    + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6))
    + tuple(f"S{i}" for i in range(1, 6))
)
"""Spinal cord segments in rostro-caudal order (C1 .. S5)."""

SEGMENT_INDEX: dict[str, int] = {s: i for i, s in enumerate(SEGMENTS)}
BRAINSTEM_LEVELS: tuple[str, ...] = ("midbrain", "pons", "medulla")
REGIONS: tuple[str, ...] = ("bulbar", "cervical", "thoracic", "lumbosacral")


def _read(name: str, lists: tuple[str, ...] = (), **schema: pl.DataType) -> pl.DataFrame:
    text = resources.files(__name__).joinpath(name).read_bytes()
    frame = pl.read_csv(text, infer_schema=False)
    casts = [
        (pl.col(c) == "true") if t == pl.Boolean else pl.col(c).cast(t) for c, t in schema.items()
    ]
    splits = [
        pl.col(c).fill_null("").str.split(";").list.eval(pl.element().filter(pl.element() != ""))
        for c in lists
    ]
    return frame.with_columns(casts + splits)


def version() -> str:
    return resources.files(__name__).joinpath("VERSION").read_text("utf-8").strip()


@cache
def muscles() -> pl.DataFrame:
    """One row per muscle: nerve, nerve_path, branch_position, plexus, roots, main_roots,
    region, distal, nucleus, aliases, display name, source."""
    return _read(
        "muscles.csv",
        lists=("aliases", "nerve_path", "plexus", "roots", "main_roots", "source"),
        branch_position=pl.Float64,
        distal=pl.Boolean,
    )


@cache
def lesion_sites() -> pl.DataFrame:
    """One row per nerve x site with its position along the nerve (same scale as branches)."""
    return _read("lesion_sites.csv", position=pl.Float64)


@cache
def cord_levels() -> pl.DataFrame:
    """Vertebral level -> cord segments (``seg_from``/``seg_to`` as indexes into SEGMENTS)."""
    frame = _read("cord_levels.csv")
    return frame.with_columns(
        pl.col("segment_from").replace_strict(SEGMENT_INDEX, return_dtype=pl.Int64).alias("seg_from"),
        pl.col("segment_to").replace_strict(SEGMENT_INDEX, return_dtype=pl.Int64).alias("seg_to"),
    )


@cache
def brainstem_nuclei() -> pl.DataFrame:
    """Cranial motor nucleus -> level (midbrain/pons/medulla, or cervical_cord with segments)."""
    return _read("brainstem_nuclei.csv", lists=("muscles", "source"))


@cache
def reflexes() -> pl.DataFrame:
    """Tendon reflex -> roots (and main roots), nerve, region."""
    return _read("reflexes.csv", lists=("roots", "main_roots", "source"))


@cache
def sources() -> pl.DataFrame:
    return _read("sources.csv")


@cache
def muscle_aliases() -> dict[str, str]:
    """Lower-case alias (``fdi``, ``ta``, ``biceps`` ...) -> canonical muscle code.

    The canonical code and its display name map to themselves, so the mapping is total on the
    chart. Readers may use it to canonicalize ``emg.csv`` muscles.
    """
    out: dict[str, str] = {}
    for row in muscles().select("muscle", "display", "aliases").iter_rows(named=True):
        code = row["muscle"]
        for alias in [code, row["display"], *row["aliases"]]:
            key = alias.strip().lower().replace(" ", "_").replace("-", "_")
            out.setdefault(key, code)
    return out
