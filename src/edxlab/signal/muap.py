"""Clinical MUAP measurements on a unit's median template (Pattichis et al., IEEE TBME 1995;42:486).

- begin/end: searching outward from the main spike, the first point from which the signal stays
  inside the +/-40 uV band for 3 ms (the band is narrowed to 5% of the MUAP's amplitude for
  MUAPs smaller than 800 uV, which otherwise would have too short a duration, and never below
  3 x the template's noise RMS);
- baseline: mean over 3 ms starting 6 ms before the begin point, subtracted;
- amplitude: maximum positive peak minus minimum negative peak between begin and end;
- phases: baseline crossings of excursions larger than 25 uV, plus one (polyphasic: >= 5);
- turns: peaks separated from the previous and the next peak by >= 25 uV (the 25 uV limit is
  likewise narrowed to 10% of amplitude for small MUAPs, never below 3 x noise RMS);
- spike duration: first to last turn; area: rectified area (uV ms) over the whole duration.

Every limit above, with its source, is in ``reference/qemg/muap_measures.toml``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from edxlab.reference.qemg_constants import qemg_constants

# every constant, with its source, lives in reference/qemg/muap_measures.toml
_C = qemg_constants("muap_measures")
BAND_UV = float(_C["band_uv"])
QUIET_S = float(_C["quiet_s"])
BASELINE_LEAD_S = float(_C["baseline_lead_s"])
PHASE_UV = float(_C["phase_uv"])
TURN_UV = float(_C["turn_uv"])
#: phase and turn limits narrowed to this fraction of amplitude for small MUAPs
SMALL_FRACTION = float(_C["small_fraction"])
#: the duration band narrowed to this fraction of amplitude for MUAPs below 800 uV
DURATION_FRACTION = float(_C["duration_fraction"])
#: limits never below this multiple of the template's noise RMS
NOISE_FACTOR = float(_C["noise_factor"])
#: the main spike is sought within +/- this (s) of the alignment point
PEAK_SEARCH_S = float(_C["peak_search_s"])
#: half-width (s) of the window over which a unit's MUAP is averaged
MUAP_HALF_S = float(_C["muap_half_s"])


@dataclass
class MuapMeasures:
    amplitude_uv: float
    duration_ms: float
    phases: int
    turns: int
    spike_duration_ms: float
    area_uv_ms: float
    begin_ms: float  # relative to the alignment point
    end_ms: float
    rise_time_ms: float = float("nan")

    def as_dict(self) -> dict:
        return asdict(self)


def _quiet_run(bad: np.ndarray, w: int) -> np.ndarray:
    """ok[i] = no bad sample in bad[i:i+w] (forward-looking)."""
    c = np.concatenate(([0], np.cumsum(bad)))
    i = np.arange(len(bad))
    j = np.minimum(i + w, len(bad))
    return (c[j] - c[i]) == 0


def _zigzag(x: np.ndarray, thr: float) -> list[int]:
    """Pivots of x where its direction reverses by at least ``thr`` (hysteresis), in order.

    The first and last pivots are the segment's starting and final extremes; the inner ones are
    peaks separated from the previous and the next peak by at least ``thr`` (turns).
    """
    pivots: list[int] = []
    if len(x) < 2 or thr <= 0:
        return pivots
    hi_i = lo_i = ext = 0
    direction = 0
    for i in range(1, len(x)):
        v = x[i]
        if direction == 0:
            if v > x[hi_i]:
                hi_i = i
            if v < x[lo_i]:
                lo_i = i
            if x[hi_i] - x[lo_i] >= thr:
                if hi_i > lo_i:
                    pivots.append(lo_i)
                    direction, ext = 1, hi_i
                else:
                    pivots.append(hi_i)
                    direction, ext = -1, lo_i
        elif direction == 1:
            if v > x[ext]:
                ext = i
            elif x[ext] - v >= thr:
                pivots.append(ext)
                direction, ext = -1, i
        else:
            if v < x[ext]:
                ext = i
            elif v - x[ext] >= thr:
                pivots.append(ext)
                direction, ext = 1, i
    if direction != 0:
        pivots.append(ext)
    return pivots


def measure_muap(t: np.ndarray, fs: float, centre: int | None = None) -> MuapMeasures:
    """Measure a MUAP template ``t`` (uV) whose alignment point is sample ``centre``."""
    t = np.asarray(t, np.float64)
    n = len(t)
    centre = n // 2 if centre is None else centre
    q = max(2, int(round(QUIET_S * fs)))
    edge = max(2, q // 2)
    t = t - np.median(np.concatenate((t[:edge], t[-edge:])))
    lo = max(0, centre - int(PEAK_SEARCH_S * fs))
    hi = min(n, centre + int(PEAK_SEARCH_S * fs) + 1)
    peak = lo + int(np.argmax(np.abs(t[lo:hi])))
    # noise of the template (its first and last 3 ms): limits never go below 3 x noise RMS, so
    # that noise is not mistaken for a MUAP's slow phases, extra phases or turns
    noise = float(np.std(np.concatenate((t[:q], t[-q:])))) if n > 2 * q else 0.0
    floor = NOISE_FACTOR * noise
    for _ in range(2):
        amp0 = float(t.max() - t.min()) if n else 0.0
        band = max(min(BAND_UV, DURATION_FRACTION * amp0), floor)
        bad = np.abs(t) > band
        fwd = _quiet_run(bad, q)  # quiet from i to i+q
        bwd = _quiet_run(bad[::-1], q)[::-1]  # quiet from i-q to i
        left = np.nonzero(bwd[: peak + 1])[0]
        right = np.nonzero(fwd[peak:])[0]
        begin = int(left[-1]) if len(left) else 0
        end = int(peak + right[0]) if len(right) else n - 1
        b0 = begin - int(round(BASELINE_LEAD_S * fs))
        if b0 >= 0:
            t = t - t[b0: b0 + q].mean()
        else:
            break
    seg = t[begin: end + 1]
    amp = float(seg.max() - seg.min()) if len(seg) else 0.0
    pthr = max(min(PHASE_UV, SMALL_FRACTION * amp), floor)
    tthr = max(min(TURN_UV, SMALL_FRACTION * amp), floor)
    # phases: sign runs whose excursion exceeds the limit, merged when of the same sign
    phases = 0
    if len(seg):
        sgn = np.sign(seg)
        sgn[sgn == 0] = 1
        cuts = np.nonzero(np.diff(sgn))[0] + 1
        runs = np.split(seg, cuts)
        kept = [np.sign(r[0]) for r in runs if np.abs(r).max() >= pthr]
        if kept:
            phases = 1 + int(np.sum(np.diff(kept) != 0))
    allpiv = _zigzag(seg, tthr)
    piv = allpiv[1:-1]
    turns = len(piv)
    rise = float("nan")
    if len(allpiv) >= 2:
        main = int(np.argmax(np.abs(seg)))
        before = [p for p in allpiv if p < main]
        if before:
            rise = (main - before[-1]) / fs * 1e3
    spike_ms = (piv[-1] - piv[0]) / fs * 1e3 if len(piv) >= 2 else 0.0
    area = float(np.abs(seg).sum() / fs * 1e3)
    return MuapMeasures(
        amplitude_uv=amp,
        duration_ms=(end - begin) / fs * 1e3,
        phases=phases,
        turns=turns,
        spike_duration_ms=spike_ms,
        area_uv_ms=area,
        begin_ms=(begin - centre) / fs * 1e3,
        end_ms=(end - centre) / fs * 1e3,
        rise_time_ms=rise,
    )


def unit_template(x: np.ndarray, fs: float, times_s: np.ndarray) -> tuple[np.ndarray, int]:
    """Median MUAP of a unit over +/- MUAP_HALF_S around its discharges (measurement band)."""
    h = int(round(MUAP_HALF_S * fs))
    idx = np.round(np.asarray(times_s) * fs).astype(np.int64)
    idx = idx[(idx - h >= 0) & (idx + h < len(x))]
    if len(idx) == 0:
        return np.zeros(2 * h + 1), h
    w = x[idx[:, None] + np.arange(-h, h + 1)[None, :]]
    return np.median(w, axis=0), h
