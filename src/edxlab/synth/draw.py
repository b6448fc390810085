"""Drawing healthy values that stay safely inside reference limits.

A healthy value is drawn from a normal distribution around the published mean and SD,
truncated so that it stays on the normal side of the reference limit with a safety margin
(:data:`SAFE_ULN`, :data:`SAFE_LLN`). A documented minority (:data:`BORDERLINE_RATE`) is placed
deliberately close to the limit but still inside it ("borderline but normal"): a careful reader
calls those normal, and so must the engine.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

SAFE_ULN = 0.93  # healthy latencies stay at or below 93% of the upper limit
SAFE_LLN = 1.10  # healthy amplitudes and velocities stay at or above 110% of the lower limit
BORDERLINE_RATE = 0.025
BORDER_ULN = (0.965, 0.99)  # borderline latency: 96.5-99% of the upper limit
BORDER_LLN = (1.015, 1.05)  # borderline amplitude/velocity: 101.5-105% of the lower limit


def truncated(mean, sd, lo, hi, z):
    """Map standard-normal scores ``z`` onto N(mean, sd) truncated to [lo, hi] (monotone)."""
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    a = ndtr((lo - mean) / sd)
    b = ndtr((hi - mean) / sd)
    p = a + ndtr(z) * (b - a)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    out = mean + sd * ndtri(p)
    return np.clip(out, lo, hi)


RESOLUTION = 0.11  # borderline values stay this far inside the limit after rounding to 0.1
SIDE_JITTER = (0.88, 1.13)  # left/right of one person differ by at most this factor


def healthy(
    rng: np.random.Generator,
    mean: np.ndarray,
    sd: np.ndarray,
    limit: np.ndarray,
    kind: str,
    group: np.ndarray,
    n_groups: int,
    physiological_floor: float = 0.0,
    safe_limit: np.ndarray | None = None,
    jitter: tuple[float, float] = None,
) -> np.ndarray:
    """Healthy values on the normal side of ``limit`` (``kind`` 'uln' or 'lln').

    Rows of one ``group`` (the two sides of one person) share their draw up to a small
    jitter, so that side-to-side comparisons stay normal; a borderline group is borderline on
    both sides. ``safe_limit`` overrides the default safe bound (used when another limit
    constrains the same value, e.g. a sensory latency that also sets the velocity).
    """
    n = len(group)
    limit = np.broadcast_to(np.asarray(limit, dtype=float), (n,))
    z = rng.standard_normal(n_groups)[group]
    border = (rng.random(n_groups) < BORDERLINE_RATE)[group]
    lo_j, hi_j = jitter or SIDE_JITTER
    jitter = np.clip(np.exp(rng.normal(0.0, (hi_j - lo_j) / 5, n)), lo_j, hi_j)
    if kind == "uln":
        hi = limit * SAFE_ULN if safe_limit is None else np.broadcast_to(safe_limit, (n,))
        lo = np.minimum(np.maximum(mean - 3 * sd, physiological_floor), hi * 0.7)
        out = np.clip(truncated(mean, sd, lo, hi, z) * jitter, lo, hi)
        edge = np.minimum(limit * rng.uniform(*BORDER_ULN, n), limit - RESOLUTION)
        out = np.where(border, edge, out)
        return np.minimum(out, np.minimum(limit * BORDER_ULN[1], limit - RESOLUTION))
    lo = limit * SAFE_LLN if safe_limit is None else np.broadcast_to(safe_limit, (n,))
    hi = np.maximum(mean + 3 * sd, lo * 1.3)
    out = np.clip(truncated(mean, sd, lo, hi, z) * jitter, lo, hi)
    edge = np.maximum(limit * rng.uniform(*BORDER_LLN, n), limit + RESOLUTION)
    return np.where(border, edge, out)


def abnormal(rng: np.random.Generator, limit: float, lo_factor: float, hi_factor: float, n: int) -> np.ndarray:
    """Clearly abnormal values: ``limit`` times a factor drawn uniformly in [lo, hi]."""
    return limit * rng.uniform(lo_factor, hi_factor, n)
