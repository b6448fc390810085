"""Reference limits the generator keeps healthy values inside, per person.

The limits come from the interpretation engine's default reference profile
(:mod:`edxlab.reference.profiles`), with its age strata and height adjustment, so that the
generator and the engine agree on what "normal" is by construction. The selection follows the
profile's documented rule: the most specific applicable row (exact nerve over ``*``, a named
recording site, an age stratum, a height rule). Measures the profile does not hold fall back to
the generator's own ``limits.csv`` (with sources).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

# generator measure -> profile (nerve, modality, measure); None keeps the generator's nerve
_MEASURES = {
    ("motor", "latency_ms"): ("motor", "distal_latency"),
    ("sensory", "latency_ms"): ("sensory", "distal_latency"),
    ("motor", "amplitude"): ("motor", "amplitude"),
    ("sensory", "amplitude"): ("sensory", "amplitude"),
    ("motor", "cv_ms"): ("motor", "cv"),
    ("motor", "cv_elbow_ms"): ("motor", "cv"),
    ("sensory", "cv_ms"): ("sensory", "cv"),
    ("mixed", "latency_ms"): ("mixed", "distal_latency"),
    ("mixed", "amplitude"): ("mixed", "amplitude"),
    ("mixed", "cv_ms"): ("mixed", "cv"),
    ("fwave", "min_latency_ms"): ("motor", "fwave_latency"),
    ("blink", "r1_ms"): ("reflex", "r1"),
    ("blink", "r2_ipsi_ms"): ("reflex", "r2_ipsi"),
    ("blink", "r2_contra_ms"): ("reflex", "r2_contra"),
}


@cache
def _profile_limits() -> pl.DataFrame | None:
    try:
        from edxlab.reference.profiles import default_profile_name, get_profile
    except ImportError:  # the reference package is optional for the generator
        return None
    return get_profile(default_profile_name()).limits


def engine_limits(nerve: str, modality: str, measure: str, record_site: str,
                  age: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, str] | None:
    """Per-person limit and its kind (``uln``/``lln``) from the engine's default profile."""
    lim = _profile_limits()
    key = _MEASURES.get((modality, measure))
    if lim is None or key is None:
        return None
    pmod, pmeasure = key
    pnerve = "blink" if modality == "blink" else nerve
    rows = lim.filter(
        (pl.col("nerve") == pnerve) & (pl.col("modality") == pmod) & (pl.col("measure") == pmeasure)
        & ((pl.col("record_site") == "") | (pl.col("record_site") == record_site))
    )
    if rows.height == 0:
        return None
    rows = rows.with_columns(
        _score=(~pl.col("wildcard")).cast(pl.Int32) * 16
        + (pl.col("record_site") != "").cast(pl.Int32) * 8
        + (pl.col("age_min").is_not_null() | pl.col("age_max").is_not_null()).cast(pl.Int32) * 4
        + (pl.col("height_min").is_not_null() | pl.col("height_max").is_not_null()
           | pl.col("per_cm_height").is_not_null()).cast(pl.Int32) * 2
    ).sort("_score", descending=True)
    out = np.full(len(age), np.nan)
    for r in rows.iter_rows(named=True):
        ok = np.isnan(out)
        if r["age_min"] is not None:
            ok &= age >= r["age_min"]
        if r["age_max"] is not None:
            ok &= age < r["age_max"]
        if r["height_min"] is not None:
            ok &= height >= r["height_min"]
        if r["height_max"] is not None:
            ok &= height < r["height_max"]
        value = r["limit"]
        if r["per_cm_height"] is not None:
            value = r["limit"] + r["per_cm_height"] * (height - r["ref_height_cm"])
        out = np.where(ok, value, out)
    if np.isnan(out).any():
        return None
    return out, ("uln" if rows["bound"][0] == "max" else "lln")


def engine_distance(nerve: str, modality: str) -> float | None:
    """The reference technique's distal distance (mm) for a nerve study, when the profile has one."""
    lim = _profile_limits()
    if lim is None:
        return None
    d = lim.filter(
        (pl.col("nerve") == nerve) & (pl.col("modality") == modality)
        & (pl.col("measure") == "distal_latency") & (pl.col("record_site") == "")
    )["distance_mm"].drop_nulls()
    return float(d[0]) if len(d) else None
