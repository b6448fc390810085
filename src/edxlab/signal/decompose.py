"""Decomposition of a voluntary needle EMG recording into motor unit (MU) discharge trains.

The method follows the published outline of EMGlab (McGill et al., J Neurosci Methods 2005),
re-implemented from its description, vectorized with numpy/scipy:

1. zero-phase detection filter; robust noise-floor threshold (sorted running RMS);
2. detection of spike peaks (local maxima of abs(y) above threshold; first pass: one candidate
   per MUAP, the largest peak within a spike half-window);
3. sub-sample alignment of each spike on its peak (parabolic interpolation) and extraction of a
   short window around it;
4. clustering: repeatedly the spike with most neighbours (distance below the noise-derived
   limit) is a prototype, the median of its neighbours a template, and the spikes that match the
   template form a unit; units firing too seldom are dropped;
5. refinement on every spike classified once: a train with many intervals too short for one
   motor unit is split (2-means seeded by the members of those intervals); units whose wide
   templates match after a shift of up to 2 ms and whose merged train keeps the refractory
   constraint are one unit seen twice and are merged; templates that do not reach the threshold,
   do not stand out of the noise, or are recurring superpositions of two other units (explained by
   them, their discharges filling both trains' gaps) are dropped;
6. every detected spike is classified against all templates with a small alignment search, unit
   by unit from the largest template, each unit's discharges subtracted before smaller units are
   matched (a phase of a large MUAP is not a small unit's discharge);
   two discharges of one unit closer than the refractory interval cannot both be right: the
   worse match is released;
7. superpositions: accepted discharges are subtracted from the signal and the residual is
   searched again for peaks (above the threshold plus the shape tolerance of what was subtracted
   there) that match a template (peel-off), for a few passes, then pairs of templates are fitted
   to what is left;
8. a unit whose discharges are mostly locked to larger units' discharges (residuals or other
   components of those MUAPs, at up to three latencies), whose discharges do not reproduce its
   template, or whose final template no longer reaches the detection threshold is dropped.

Distances are compared with limits derived from the background noise energy (windows of the
signal far from any supra-threshold sample), as EMGlab does, with an allowance proportional to
the template energy for discharge-to-discharge variability. No constant depends on the file;
every constant, with its source, lives in ``reference/qemg/decomposition.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import find_peaks

from edxlab.reference.qemg_constants import qemg_constants
from edxlab.signal.filters import detection_filter, robust_threshold

_C = qemg_constants("decomposition")
THRESHOLD_FACTOR = float(_C["threshold_factor"])
#: half-width (s) of the spike window used for clustering and matching
SPIKE_HALF_S = _C["spike_half_s"]
#: half-width (s) of the template used to subtract discharges (peel-off)
TEMPLATE_HALF_S = _C["template_half_s"]
#: minimal separation (s) between two detected spike peaks (residual passes)
MIN_SPACING_S = _C["min_spacing_s"]
#: first pass: one candidate per MUAP main spike
EVENT_SPACING_S = _C["event_spacing_s"]
#: refractory interval (s): one motor unit cannot discharge twice within it
REFRACTORY_S = _C["refractory_s"]
#: relative allowance for discharge-to-discharge shape variability (fraction of template RMS)
SHAPE_TOLERANCE = _C["shape_tolerance"]
#: an accepted template explains at least this fraction of its window's energy
EXPLAINED_ENERGY = _C["explained_energy"]
#: single-template peel-off passes before the superposition pass
N_PASSES = int(_C["n_passes"])
#: a unit must have at least this many discharges and fire on average >= MIN_RATE_HZ
MIN_DISCHARGES = int(_C["min_discharges"])
MIN_RATE_HZ = _C["min_rate_hz"]
#: spikes used to find the clusters (the rest are classified by template matching)
MAX_CLUSTER_SPIKES = int(_C["max_cluster_spikes"])
#: alignment search (s) when matching a spike against a template or merging templates
ALIGN_SEARCH_S = _C["align_search_s"]
#: range (s) over which two overlapping discharges are resolved as a superposition
SUPERPOSITION_S = _C["superposition_s"]
#: single-template fits tried as the first of two superimposed discharges
PAIR_CANDIDATES = int(_C["pair_candidates"])
#: width (s) of the moving average of abs(y) whose maximum aligns a spike
ENVELOPE_S = _C["envelope_s"]
#: two detections of one unit closer than this are one discharge
SAME_DISCHARGE_S = _C["same_discharge_s"]
#: half-width (s) of the window compared when splitting or merging units
SPLIT_HALF_S = _C["split_half_s"]
#: shift range (s) over which two units' templates are compared before merging them
MERGE_SEARCH_S = _C["merge_search_s"]
#: merging two units of one shape: refractory violations allowed, as a fraction of chance
MERGE_VIOLATION_FRACTION = _C["merge_violation_fraction"]
MERGE_MIN_EVIDENCE = _C["merge_min_evidence"]
#: splitting a train holding two units
SPLIT_MIN_VIOLATIONS = int(_C["split_min_violations"])
SPLIT_MIN_SHORT_FRACTION = _C["split_min_short_fraction"]
SPLIT_KEEP_FRACTION = _C["split_keep_fraction"]
SPLIT_DEPTH = int(_C["split_depth"])
#: an interval under this fraction of a train's median is too short for one motor unit
SHORT_ISI_FRACTION = _C["short_isi_fraction"]
#: intervals longer than this (s) are pauses
MAX_ISI_S = _C["max_isi_s"]
#: a train's median interval is used only when it has at least this many intervals
MEDIAN_MIN_INTERVALS = int(_C["median_min_intervals"])
#: recurring superpositions: discharges that fill the gaps of both component trains
GAP_FILL_FRACTION = _C["gap_fill_fraction"]
#: satellites: discharges locked within LOCKED_S to larger units' discharges
LOCKED_S = _C["locked_s"]
LOCKED_FRACTION = _C["locked_fraction"]
LOCKED_JITTER_S = _C["locked_jitter_s"]
#: a complex MUAP's components: up to LOCKED_MODES latencies, each shared by >= LOCKED_MIN_MODE
LOCKED_MODES = int(_C["locked_modes"])
LOCKED_MIN_MODE = int(_C["locked_min_mode"])
#: templates are compared at sub-sample shifts on a grid of at least this rate
ALIGN_RATE_HZ = _C["align_rate_hz"]


@dataclass
class Unit:
    """One motor unit train: discharge times (s) and its detection-band template."""

    times_s: np.ndarray
    template: np.ndarray  # detection-filtered, TEMPLATE_HALF_S either side of the alignment point
    peak_uv: float = 0.0


@dataclass
class Decomposition:
    fs: float
    threshold_uv: float
    noise_rms_uv: float
    units: list[Unit] = field(default_factory=list)
    n_spikes: int = 0
    unassigned_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def trains(self) -> dict[int, np.ndarray]:
        return {k + 1: u.times_s for k, u in enumerate(self.units)}


def _envelope(y: np.ndarray, fs: float) -> np.ndarray:
    """Smoothed rectified signal: its maximum is a stable alignment point for a spike whose
    positive and negative peaks have similar size (the larger of the two may alternate)."""
    w = max(3, int(round(ENVELOPE_S * fs)) | 1)
    return uniform_filter1d(np.abs(y), w, mode="nearest")


def _peaks(y: np.ndarray, thr: float, fs: float, spacing_s: float = MIN_SPACING_S) -> np.ndarray:
    """Spike positions: peaks of abs(y) above threshold, the largest within ``spacing_s``, moved to
    the envelope maximum nearby."""
    dist = max(1, int(round(spacing_s * fs)))
    p, _ = find_peaks(np.abs(y), height=thr, distance=dist)
    if len(p) == 0:
        return p
    env = _envelope(y, fs)
    r = max(1, int(round(0.5 * ENVELOPE_S * fs)))
    offs = np.arange(-r, r + 1)
    idx = np.clip(p[:, None] + offs[None, :], 0, len(y) - 1)
    p = idx[np.arange(len(p)), np.argmax(env[idx], axis=1)]
    p = np.unique(p)
    keep = np.concatenate(([True], np.diff(p) >= dist))
    return p[keep]


def _subsample(y: np.ndarray, p: np.ndarray, fs: float | None = None) -> np.ndarray:
    """Fractional peak positions by a parabola through the envelope (abs(y) without fs) at p-1, p, p+1."""
    a = _envelope(y, fs) if fs else np.abs(y)
    p = np.clip(p, 1, len(y) - 2)
    ym, y0, yp = a[p - 1], a[p], a[p + 1]
    den = ym - 2 * y0 + yp
    frac = np.where(np.abs(den) > 1e-12, 0.5 * (ym - yp) / np.where(den == 0, 1, den), 0.0)
    return p + np.clip(frac, -0.5, 0.5)


def _windows(y: np.ndarray, pos: np.ndarray, half: int) -> np.ndarray:
    """Windows of y (linear interpolation) centred at fractional positions ``pos``."""
    offs = np.arange(-half, half + 1)
    idx = pos[:, None] + offs[None, :]
    i0 = np.floor(idx).astype(np.int64)
    f = idx - i0
    i0 = np.clip(i0, 0, len(y) - 2)
    return y[i0] * (1 - f) + y[i0 + 1] * f


def _background_energy(y: np.ndarray, thr: float, half: int, q: float) -> float:
    """Quantile ``q`` of the energy of windows lying farther than a window from any supra-threshold sample."""
    n = 2 * half + 1
    above = np.abs(y) > thr
    # distance to the nearest supra-threshold sample, via a dilation of the mask
    near = np.convolve(above.astype(np.float32), np.ones(2 * n + 1, np.float32), mode="same") > 0
    quiet = ~near
    starts = np.arange(0, len(y) - n, n)
    ok = quiet[starts] & quiet[starts + n - 1]
    starts = starts[ok]
    if len(starts) < 20:  # a busy recording: fall back to the noise RMS of the threshold rule
        return float("nan")
    w = y[starts[:, None] + np.arange(n)[None, :]]
    return float(np.quantile((w * w).sum(1), q))


def _pairwise_sq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    aa = (a * a).sum(1)[:, None]
    bb = (b * b).sum(1)[None, :]
    return np.maximum(aa + bb - 2.0 * a @ b.T, 0.0)


def _cluster(X: np.ndarray, pair_limit: float, match_limit: float, min_n: int, search: int) -> list[np.ndarray]:
    """Greedy prototype clustering (EMGlab): returns templates (medians)."""
    energy = (X * X).sum(1)
    D = _pairwise_sq(X.astype(np.float32), X.astype(np.float32))
    lim = pair_limit + (SHAPE_TOLERANCE**2) * energy[:, None] / X.shape[1] * X.shape[1]
    A = D < np.minimum(lim, lim.T)
    alive = np.ones(len(X), bool)
    templates = []
    while alive.any():
        counts = (A & alive[None, :]).sum(1) * alive
        k = int(np.argmax(counts))
        if counts[k] < min_n:
            break
        members = A[k] & alive
        tm = np.median(X[members], axis=0)
        d = ((X - tm) ** 2).sum(1)
        members = alive & (d < match_limit + SHAPE_TOLERANCE**2 * (tm * tm).sum())
        if members.sum() < min_n:
            alive[k] = False
            continue
        tm = np.median(X[members], axis=0)
        templates.append(tm)
        alive &= ~members
    return _merge(templates, match_limit, search)


def _merge(templates: list[np.ndarray], match_limit: float, search: int) -> list[np.ndarray]:
    """Drop templates that match a larger template within the noise allowance (after alignment)."""
    if len(templates) < 2:
        return list(templates)
    T = np.array(templates)
    L = T.shape[1]
    best = np.full((len(T), len(T)), np.inf)
    for s in range(-search, search + 1):
        a = T[:, max(0, s): L + min(0, s)]
        b = T[:, max(0, -s): L - max(0, s)]
        best = np.minimum(best, _pairwise_sq(a, b))
    energy = (T * T).sum(1)
    limit = match_limit + (0.5 * SHAPE_TOLERANCE) ** 2 * np.minimum(energy[:, None], energy[None, :])
    kept: list[int] = []
    for i in np.argsort(-energy):
        if not any(best[i, j] < limit[i, j] for j in kept):
            kept.append(int(i))
    return [T[i] for i in sorted(kept)]


def _match(X: np.ndarray, T: np.ndarray, search: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best template and shift for each window. X has ``search`` extra samples at each end.

    Returns (template index, shift in samples, squared distance).
    """
    n, L = X.shape
    m = L - 2 * search
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    V = np.lib.stride_tricks.sliding_window_view(X, m, axis=1)  # (n, P, m)
    cs = np.concatenate((np.zeros((n, 1)), np.cumsum(X * X, axis=1)), axis=1)
    vv = cs[:, m:] - cs[:, :-m]  # (n, P) window energies
    D = vv[:, :, None] + (T * T).sum(1)[None, None, :] - 2.0 * np.einsum("npm,km->npk", V, T, optimize=True)
    P, K = D.shape[1], D.shape[2]
    flat = np.argmin(D.reshape(n, P * K), axis=1)
    p, k = np.divmod(flat, K)
    d = D.reshape(n, P * K)[np.arange(n), flat]
    return k.astype(np.int64), (p - search).astype(np.int64), np.maximum(d, 0.0)


def _refractory(times: np.ndarray, dist: np.ndarray, refractory: float) -> np.ndarray:
    """Keep mask: of two discharges closer than ``refractory``, release the worse match."""
    keep = np.ones(len(times), bool)
    order = np.argsort(times)
    t = times[order]
    d = dist[order]
    changed = True
    while changed:
        changed = False
        idx = np.nonzero(keep[order])[0]
        if len(idx) < 2:
            break
        close = np.nonzero(np.diff(t[idx]) < refractory)[0]
        if len(close) == 0:
            break
        for c in close:
            a, b = idx[c], idx[c + 1]
            if keep[order[a]] and keep[order[b]]:
                keep[order[a if d[a] > d[b] else b]] = False
                changed = True
    return keep


def _batch_sq(X: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Squared distances of every template to every window position of each row of X: (n, P, K)."""
    V = np.lib.stride_tricks.sliding_window_view(X, T.shape[1], axis=1)  # (n, P, Lw)
    vv = np.einsum("npl,npl->np", V, V)
    return np.maximum(vv[:, :, None] + (T * T).sum(1)[None, None, :] - 2.0 * (V @ T.T), 0.0)


def _resolve_pairs(resid: np.ndarray, cand: np.ndarray, Tw: dict, limit: float, fs: float,
                   tol: float = SHAPE_TOLERANCE**2):
    """Explain each unexplained spike as one or two (overlapping) templates, or leave it.

    For each candidate, the few best single-template fits (template x shift within +/- the
    superposition range) are subtracted and the best second template is fitted to the rest;
    accepted when the final residual is within the noise allowance. Vectorized over candidates.
    """
    units = sorted(Tw)
    empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0))
    if not units or len(cand) == 0:
        return empty
    T = np.array([Tw[u] for u in units])
    K, Lw = T.shape
    S = int(round(SUPERPOSITION_S * fs))
    e_t = (T * T).sum(1)
    c0 = np.round(cand).astype(np.int64) - Lw // 2 - S
    ok = (c0 >= 0) & (c0 + Lw + 2 * S <= len(resid))
    c0 = c0[ok]
    if len(c0) == 0:
        return empty
    X = resid[c0[:, None] + np.arange(Lw + 2 * S)[None, :]]
    n, P = len(c0), 2 * S + 1
    D1 = _batch_sq(X, T).reshape(n, P * K)
    order = np.argsort(D1, axis=1)[:, :PAIR_CANDIDATES]
    best1 = order[:, 0]
    d1 = D1[np.arange(n), best1]
    i1, k1 = np.divmod(best1, K)
    single = d1 < limit + tol * e_t[k1]
    out_p = [c0[single] + i1[single] + Lw // 2]
    out_u = [np.asarray(units)[k1[single]]]
    out_d = [d1[single] / e_t[k1[single]]]
    rest = np.nonzero(~single)[0]
    if len(rest):
        refr = int(REFRACTORY_S * fs)
        best = np.full(len(rest), np.inf)
        b1 = np.zeros((len(rest), 2), np.int64)
        b2 = np.zeros((len(rest), 2), np.int64)
        for r in range(order.shape[1]):
            ia, ka = np.divmod(order[rest, r], K)
            R = X[rest].copy()
            idx = ia[:, None] + np.arange(Lw)[None, :]
            R[np.arange(len(rest))[:, None], idx] -= T[ka]
            D2 = _batch_sq(R, T).reshape(len(rest), P * K)
            j = np.argmin(D2, axis=1)
            d2 = D2[np.arange(len(rest)), j]
            ib, kb = np.divmod(j, K)
            d2 = np.where((kb == ka) & (np.abs(ib - ia) < refr), np.inf, d2)
            better = d2 < best
            best[better] = d2[better]
            b1[better] = np.c_[ia, ka][better]
            b2[better] = np.c_[ib, kb][better]
        acc = best < limit + tol * (e_t[b1[:, 1]] + e_t[b2[:, 1]])
        for bb in (b1, b2):
            out_p.append(c0[rest][acc] + bb[acc, 0] + Lw // 2)
            out_u.append(np.asarray(units)[bb[acc, 1]])
            out_d.append(best[acc] / e_t[bb[acc, 1]])
    return (np.concatenate(out_p).astype(float), np.concatenate(out_u).astype(np.int64),
            np.concatenate(out_d))


def _wide_templates(y: np.ndarray, p: np.ndarray, lab: np.ndarray, units, half: int) -> np.ndarray:
    W = _windows(y, p, half)
    return np.array([np.median(W[lab == u], axis=0) for u in units])


def _violations(t: np.ndarray, refractory: float, same: float = 0.0) -> int:
    """Consecutive discharges closer than ``refractory`` (and farther than ``same``: one discharge)."""
    d = np.diff(np.sort(t))
    return int(((d < refractory) & (d > same)).sum())


def _shift_sq(A: np.ndarray, B: np.ndarray, search: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest squared distance between every row of A and every row of B over shifts +/- search,
    and the shift (samples) of B relative to A that achieves it."""
    L = A.shape[1]
    best = np.full((len(A), len(B)), np.inf)
    arg = np.zeros((len(A), len(B)), np.int64)
    for s in range(-search, search + 1):
        a = A[:, max(0, s): L + min(0, s)]
        b = B[:, max(0, -s): L - max(0, s)]
        d = _pairwise_sq(a, b) * (L / a.shape[1])
        better = d < best
        best[better] = d[better]
        arg[better] = s
    return best, arg


def _shift_sq_subsample(T: np.ndarray, search: int, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_shift_sq` of templates with themselves at sub-sample shifts: templates are first
    interpolated (FFT) to at least ALIGN_RATE_HZ, so that a spike sampled at a low rate compares
    at the right alignment (EMGlab aligns by a frequency-domain shift). Shifts in samples (float)."""
    from scipy.signal import resample

    f = max(1, int(np.ceil(ALIGN_RATE_HZ / fs)))
    if f == 1:
        D, S = _shift_sq(T, T, search)
        return D, S.astype(float)
    U = resample(T, T.shape[1] * f, axis=1)
    D, S = _shift_sq(U, U, search * f)
    return D / f, S / f


def _merge_duplicates(y, p, lab, dist, half, search, limit, fs):
    """Merge units that are one motor unit seen twice: wide templates equal after a shift of up to
    ``search`` samples and a merged train free of refractory violations (McGill 2005: 'merge
    duplicate units'). Returns (p, lab, dist) with the merged unit's times moved by the shift."""
    refr = REFRACTORY_S * fs
    same = SAME_DISCHARGE_S * fs
    while True:
        units = np.unique(lab)
        if len(units) < 2:
            return p, lab, dist
        Tw = _wide_templates(y, p, lab, units, half)
        D, S = _shift_sq_subsample(Tw, search, fs)
        e = (Tw * Tw).sum(1)
        lim = limit + SHAPE_TOLERANCE**2 * np.minimum(e[:, None], e[None, :])
        np.fill_diagonal(D, np.inf)
        cand = np.argwhere(D < lim)
        cand = cand[cand[:, 0] < cand[:, 1]]
        if len(cand) == 0:
            return p, lab, dist
        cand = cand[np.argsort(D[cand[:, 0], cand[:, 1]] / lim[cand[:, 0], cand[:, 1]])]
        T = len(y)
        merged = False
        for i, j in cand:
            ti = p[lab == units[i]]
            tj = p[lab == units[j]] - S[i, j]  # j's discharges on i's alignment point
            expected = 2.0 * refr * len(ti) * len(tj) / T
            viol = _violations(np.concatenate((ti, tj)), refr, same) - _violations(ti, refr, same) \
                - _violations(tj, refr, same)
            if viol <= MERGE_VIOLATION_FRACTION * expected or (expected < MERGE_MIN_EVIDENCE and viol <= 1):
                mj = lab == units[j]
                p = p.copy()
                p[mj] -= S[i, j]
                lab = np.where(mj, units[i], lab)
                # one discharge detected as both: keep the better match
                o = np.argsort(p, kind="stable")
                keep = np.ones(len(p), bool)
                mi = np.nonzero(lab[o] == units[i])[0]
                close = np.nonzero(np.diff(p[o][mi]) <= same)[0]
                for c in close:
                    a, b = o[mi[c]], o[mi[c + 1]]
                    keep[a if dist[a] > dist[b] else b] = False
                p, lab, dist = p[keep], lab[keep], dist[keep]
                merged = True
                break
        if not merged:
            return p, lab, dist


def _short_intervals(t: np.ndarray, refractory: float, same: float) -> np.ndarray:
    """Indices i (into sorted t) of intervals t[i] -> t[i+1] too short for one motor unit: below the
    refractory interval, or below SHORT_ISI_FRACTION of the train's median interval (a motor unit
    fires regularly, ISI CV ~0.1-0.3, so its intervals are rarely under half the median)."""
    d = np.diff(t)
    d_ok = d[(d > same) & (d <= MAX_ISI_S / REFRACTORY_S * refractory)]
    lim = refractory
    if len(d_ok) >= MEDIAN_MIN_INTERVALS:
        lim = max(lim, SHORT_ISI_FRACTION * float(np.median(d_ok)))
    return np.nonzero((d < lim) & (d > same))[0]


def _fills_gaps(train: np.ndarray, extra: np.ndarray, fs: float) -> bool:
    """Whether discharges ``extra`` fit into ``train`` as its missing discharges: adding them
    leaves the train regular (few new too-short intervals), as a recurring superposition of that
    unit with another does; an independent unit's discharges would break its rhythm."""
    refr = REFRACTORY_S * fs
    same = SAME_DISCHARGE_S * fs
    t = np.sort(train)
    new = len(_short_intervals(np.sort(np.concatenate((t, extra))), refr, same)) - len(_short_intervals(t, refr, same))
    return new <= GAP_FILL_FRACTION * len(extra)


def _split_merged(y, p, lab, dist, half, limit, min_n, fs):
    """Split units that are two motor units of similar shape: a train with many intervals too short
    for one unit (refractory violations, or intervals far below its median) is divided by 2-means
    seeded with the members of those short intervals (the larger of each pair on one side); kept
    when both parts are trains of their own with far fewer short intervals (EMGlab: split a cluster
    when two firings are closer than the refractory period; firing regularity, De Luca 1985)."""
    refr = REFRACTORY_S * fs
    same = SAME_DISCHARGE_S * fs
    out_lab = lab.copy()
    next_id = int(lab.max()) + 1 if len(lab) else 0
    queue = [(int(u), 0) for u in np.unique(lab)]
    while queue:
        u, dep = queue.pop()
        m = np.nonzero(out_lab == u)[0]
        if len(m) < 2 * min_n or dep >= SPLIT_DEPTH:
            continue
        o = m[np.argsort(p[m])]
        pt = p[o]
        bad = _short_intervals(pt, refr, same)
        if len(bad) < max(SPLIT_MIN_VIOLATIONS, SPLIT_MIN_SHORT_FRACTION * len(pt)):
            continue
        W = _windows(y, pt, half)
        ia, ib = bad, bad + 1
        big = np.ptp(W[ia], axis=1) >= np.ptp(W[ib], axis=1)
        A = np.where(big, ia, ib)
        B = np.where(big, ib, ia)
        c = np.stack([np.median(W[A], axis=0), np.median(W[B], axis=0)])
        g = np.zeros(len(o), np.int64)
        for _ in range(8):
            g = np.argmin(_pairwise_sq(W, c), axis=1)
            if g.min() == g.max():
                break
            c = np.stack([np.median(W[g == 0], axis=0), np.median(W[g == 1], axis=0)])
        n0, n1 = (g == 0).sum(), (g == 1).sum()
        if min(n0, n1) < min_n:
            continue
        after = len(_short_intervals(pt[g == 0], refr, same)) + len(_short_intervals(pt[g == 1], refr, same))
        if ((c[0] - c[1]) ** 2).sum() < limit or after > SPLIT_KEEP_FRACTION * len(bad):
            continue
        out_lab[o[g == 1]] = next_id
        queue.append((u, dep + 1))
        queue.append((next_id, dep + 1))
        next_id += 1
    return out_lab


def _locked_mask(t: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Discharges of ``t`` at one of up to LOCKED_MODES constant latencies (within +/-
    LOCKED_JITTER_S, |latency| <= LOCKED_S) from the nearest discharge of ``ref``; a latency counts
    only when at least LOCKED_MIN_MODE discharges share it."""
    locked = np.zeros(len(t), bool)
    if len(ref) == 0 or len(t) == 0:
        return locked
    j = np.clip(np.searchsorted(ref, t), 1, max(len(ref) - 1, 1))
    lo, hi = ref[j - 1], ref[np.minimum(j, len(ref) - 1)]
    d = np.where(np.abs(t - lo) < np.abs(t - hi), t - lo, t - hi)
    near = np.abs(d) <= LOCKED_S
    for _ in range(LOCKED_MODES):
        free = near & ~locked
        if free.sum() < LOCKED_MIN_MODE:
            break
        c = d[free]
        counts = (np.abs(c[:, None] - c[None, :]) <= LOCKED_JITTER_S).sum(1)
        if counts.max() < LOCKED_MIN_MODE:
            break
        lat = float(np.median(c[np.abs(c - c[np.argmax(counts)]) <= LOCKED_JITTER_S]))
        locked |= free & (np.abs(d - lat) <= LOCKED_JITTER_S)
    return locked


def _drop_satellites(units: list) -> list:
    """Drop a unit most of whose discharges follow (or precede) larger units' discharges at
    constant latencies: other components of those units' MUAPs (late components or satellite
    potentials of a complex MUAP, phases before or after its main spike, or residuals of its
    subtraction), not a motor unit of its own. An independent unit falls within
    +/- LOCKED_JITTER_S of a fixed latency from another unit's discharges only ~1% of the time."""
    kept: list = []
    for u in sorted(units, key=lambda u: -u.peak_uv):  # largest MUAP first
        t = u.times_s
        locked = np.zeros(len(t), bool)
        for k in kept:
            locked |= _locked_mask(t, k.times_s)
        if not locked.mean() > LOCKED_FRACTION:
            kept.append(u)
    return sorted(kept, key=lambda u: -u.peak_uv)


def _refine_templates(y, pos, T, half, search, match_limit, min_n, fs, thr=0.0):
    """Classify every spike once, split trains that hold two units, merge units seen twice;
    return the narrow templates of the resulting units."""
    L = 2 * half + 1
    k, s, d, ok = _accept(_windows(y, pos, half + search), T, search, match_limit)
    p, lab, dist = pos[ok] + s[ok], k[ok], d[ok]
    if len(p) == 0:
        return T
    sh = max(half, int(round(SPLIT_HALF_S * fs)))
    wide_limit = match_limit * (2 * sh + 1) / L
    lab = _split_merged(y, p, lab, dist, sh, wide_limit, min_n, fs)
    p, lab, dist = _merge_duplicates(y, p, lab, dist, sh, int(round(MERGE_SEARCH_S * fs)), wide_limit, fs)
    units, counts = np.unique(lab, return_counts=True)
    units = units[counts >= min_n]
    if len(units) == 0:
        return T
    X = _windows(y, p, half)
    T = np.array([np.median(X[lab == u], axis=0) for u in units])
    # EMGlab's acceptance: a unit's template must stand out of the background noise
    ok = (T * T).sum(1) > match_limit
    # ... and its spike must reach the detection threshold (else its members were noise peaks)
    ok &= np.abs(T).max(1) >= thr
    # a recurring superposition of two units is not a unit of its own: drop a template that two
    # larger units' templates explain within the noise (the superposition pass resolves those
    # events as pairs)
    if ok.sum() >= 2:
        thalf = max(half + 2, int(round(TEMPLATE_HALF_S * fs)))
        S = int(round(SUPERPOSITION_S * fs))
        Tw = _wide_templates(y, p, lab, units, thalf)
        e = (Tw * Tw).sum(1)
        n_u = np.array([(lab == u).sum() for u in units])
        wlim = match_limit * (2 * thalf + 1) / L
        pad = thalf + 2 * S + 2
        for k in np.nonzero(ok)[0]:
            # the waveform of a busier unit aligned on another of its phases: not a unit
            main = {int(i): Tw[i] for i in np.nonzero(ok)[0] if i != k and n_u[i] >= n_u[k]}
            sig = np.concatenate((np.zeros(pad), Tw[k], np.zeros(pad)))
            if main:
                pp, uu, _ = _resolve_pairs(sig, np.array([pad + thalf], float), main, wlim, fs)
                if len(uu) == 1 and abs(pp[0] - pad - thalf) >= 0.5 * SAME_DISCHARGE_S * fs:
                    ok[k] = False
                    continue
            others = {int(i): Tw[i] for i in np.nonzero(ok)[0] if i != k and e[i] < e[k]}
            if len(others) < 2:
                continue
            pp, uu, dd = _resolve_pairs(sig, np.array([pad + thalf], float), others, wlim, fs, tol=0.0)
            if len(uu) == 2 and all(_fills_gaps(p[lab == units[c]], p[lab == units[k]] + (o - pad - thalf), fs)
                                    for c, o in zip(uu, pp)):
                ok[k] = False
    return T[ok]


def _accept(Xs: np.ndarray, T: np.ndarray, search: int, match_limit: float):
    """Best template/shift of each window and whether it is accepted: the residual is within the
    noise plus the shape tolerance, and the template explains most of the window's energy."""
    L = T.shape[1]
    k, s, d = _match(Xs, T, search)
    e = (T * T).sum(1)[k]
    explained = d < (1 - EXPLAINED_ENERGY) * (Xs[:, search:search + L] ** 2).sum(1) + match_limit
    ok = (d < match_limit + SHAPE_TOLERANCE**2 * e) & explained
    return k, s, d, ok


def _largest_first(y, cand, T, half, thalf, search, match_limit):
    """First classification, unit by unit from the largest template: a unit's accepted discharges
    are subtracted (wide median template) before the smaller units are matched, so that a phase of
    a large MUAP is not taken for a small unit's discharge; only spikes near a subtraction are
    matched again."""
    order = np.argsort(-(T * T).sum(1))
    resid = y.copy()
    k, s, d, ok = _accept(_windows(resid, cand, half + search), T, search, match_limit)
    alive = np.ones(len(cand), bool)
    out_p, out_k, out_d = [], [], []
    offs = np.arange(-thalf, thalf + 1)
    reach = thalf + half + search + 1
    for u in order:
        take = alive & ok & (k == u)
        if not take.any():
            continue
        p = cand[take] + s[take]
        out_p.append(p)
        out_k.append(np.full(len(p), u))
        out_d.append(d[take] / max(float((T[u] * T[u]).sum()), 1e-9))
        alive &= ~take
        wt = np.median(_windows(y, p, thalf), axis=0)
        idx = np.round(p).astype(np.int64)[:, None] + offs[None, :]
        valid = (idx >= 0) & (idx < len(y))
        np.subtract.at(resid, idx[valid], np.broadcast_to(wt, idx.shape)[valid])
        srt = np.sort(p)
        j = np.clip(np.searchsorted(srt, cand), 1, max(len(srt) - 1, 1))
        near = np.minimum(np.abs(cand - srt[j - 1]), np.abs(cand - srt[np.minimum(j, len(srt) - 1)])) < reach
        redo = alive & near
        if redo.any():
            k[redo], s[redo], d[redo], ok[redo] = _accept(_windows(resid, cand[redo], half + search), T, search,
                                                           match_limit)
    if not out_p:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_p), np.concatenate(out_k), np.concatenate(out_d)


def decompose(
    x: np.ndarray, fs: float, y: np.ndarray | None = None, min_discharges: int | None = None,
    threshold_factor: float = THRESHOLD_FACTOR,
) -> Decomposition:
    """Decompose a voluntary needle EMG signal (microvolts) into motor unit trains.

    A recording sampled below ALIGN_RATE_HZ is decomposed on its band-limited interpolation to
    that rate (a spike sampled at 4 kHz has too few samples to be aligned and compared); times
    are in seconds either way.
    """
    if y is None:
        y = detection_filter(x, fs)
    f = int(np.ceil(ALIGN_RATE_HZ / fs))
    if f > 1:
        from scipy.signal import resample_poly

        return decompose(x, fs * f, resample_poly(y, f, 1), min_discharges, threshold_factor)
    thr, noise = robust_threshold(y, threshold_factor)
    half = max(3, int(round(SPIKE_HALF_S * fs)))
    thalf = max(half + 2, int(round(TEMPLATE_HALF_S * fs)))
    L = 2 * half + 1
    search = max(1, int(round(ALIGN_SEARCH_S * fs)))
    e_pair = _background_energy(y, thr, half, 0.90)
    e_match = _background_energy(y, thr, half, 0.95)
    if not np.isfinite(e_pair):
        e_pair = e_match = L * noise**2 * 1.5
    pair_limit = 2.0 * e_pair
    match_limit = e_match
    duration = len(y) / fs
    min_n = max(MIN_DISCHARGES, int(np.ceil(MIN_RATE_HZ * duration)))
    if min_discharges is not None:
        min_n = min_discharges

    # one candidate per MUAP: the largest peak within a spike width (its other phases are not
    # separate spikes; a second MUAP overlapping it reappears in the residual after peel-off)
    peaks = _peaks(y, thr, fs, EVENT_SPACING_S)
    dec = Decomposition(fs=fs, threshold_uv=thr, noise_rms_uv=noise, n_spikes=len(peaks))
    if len(peaks) < min_n:
        dec.unassigned_s = peaks / fs
        return dec
    pos = _subsample(y, peaks, fs)
    X = _windows(y, pos, half)
    # cluster on the largest spikes when there are too many (the big units define the shapes)
    if len(X) > MAX_CLUSTER_SPIKES:
        sel = np.sort(np.argsort(-np.abs(y[peaks]))[:MAX_CLUSTER_SPIKES])
    else:
        sel = np.arange(len(X))
    templates = _cluster(X[sel], pair_limit, match_limit, min_n, search)
    if not templates:
        dec.unassigned_s = pos / fs
        return dec
    T = np.array(templates)
    T = _refine_templates(y, pos, T, half, search, match_limit, min_n, fs, thr)

    resid = y.copy()
    disc_pos: list[np.ndarray] = []
    disc_unit: list[np.ndarray] = []
    disc_dist: list[np.ndarray] = []
    cand = pos
    Tw: dict[int, np.ndarray] = {}
    for _pass in range(N_PASSES + 1):
        if len(cand) == 0:
            break
        if _pass == 0:
            p0, k0, d0 = _largest_first(y, cand, T, half, thalf, search, match_limit)
            disc_pos.append(p0)
            disc_unit.append(k0)
            disc_dist.append(d0)
        elif _pass < N_PASSES:
            k, s, d, ok = _accept(_windows(resid, cand, half + search), T, search, match_limit)
            tm_energy = (T * T).sum(1)[k]
            disc_pos.append(cand[ok] + s[ok])
            disc_unit.append(k[ok])
            disc_dist.append(d[ok] / np.maximum(tm_energy[ok], 1e-9))
        else:
            # superpositions: spikes no single template explains, resolved as two templates
            p2, u2, d2 = _resolve_pairs(resid, cand, Tw, match_limit * (2 * thalf + 1) / L, fs)
            disc_pos.append(p2)
            disc_unit.append(u2)
            disc_dist.append(d2)
        # subtract accepted discharges using wide templates estimated from the original signal
        allp = np.concatenate(disc_pos)
        allu = np.concatenate(disc_unit)
        if len(allp) == 0:
            break
        W = _windows(y, allp, thalf)
        resid = y.copy()
        offs = np.arange(-thalf, thalf + 1)
        for u in np.unique(allu):
            mu = allu == u
            wt = np.median(W[mu], axis=0)
            Tw[int(u)] = wt
            p = allp[mu]
            i0 = np.floor(p).astype(np.int64)
            f = (p - i0)[:, None]
            # fractional placement by linear interpolation of the template
            wt_s = (1 - f) * wt[None, :] + f * np.concatenate(([wt[0]], wt[:-1]))[None, :]
            idx = i0[:, None] + offs[None, :]
            valid = (idx >= 0) & (idx < len(y))
            np.subtract.at(resid, idx[valid], wt_s[valid])
        newp = _peaks(resid, thr, fs)
        # where discharges were subtracted, a residual peak must also stand out of the subtraction
        # error their templates are allowed (the shape tolerance of the subtracted amplitude
        # nearby): a MUAP's discharge-to-discharge variability left after peel-off is no new spike
        sub = maximum_filter1d(np.abs(y - resid), 2 * max(1, int(round(MIN_SPACING_S * fs))) + 1)
        newp = newp[np.abs(resid[newp]) > thr + SHAPE_TOLERANCE * sub[newp]]
        if len(newp) == 0:
            break
        # only peaks not already explained: farther than a spike width from accepted discharges
        srt = np.sort(allp)
        j = np.clip(np.searchsorted(srt, newp), 1, len(srt) - 1)
        dmin = np.minimum(np.abs(newp - srt[j - 1]), np.abs(newp - srt[j]))
        newp = newp[dmin > 0.5 * half]
        cand = _subsample(resid, newp, fs)

    allp = np.concatenate(disc_pos) if disc_pos else np.zeros(0)
    allu = np.concatenate(disc_unit) if disc_unit else np.zeros(0, np.int64)
    alld = np.concatenate(disc_dist) if disc_dist else np.zeros(0)
    units = []
    W = _windows(y, allp, thalf) if len(allp) else np.zeros((0, 2 * thalf + 1))
    for u in range(len(T)):
        mu = allu == u
        if mu.sum() == 0:
            continue
        keep = _refractory(allp[mu], alld[mu], REFRACTORY_S * fs)
        p = np.sort(allp[mu][keep])
        if len(p) < min_n:
            continue
        # the unit's discharges must reproduce its template (not residual leftovers that matched
        # a small template while the signal there is another unit's MUAP)
        tn = np.median(_windows(y, p, half), axis=0)
        if ((tn - T[u]) ** 2).sum() > match_limit + SHAPE_TOLERANCE**2 * max((tn * tn).sum(), (T[u] * T[u]).sum()):
            continue
        # ... and its final template must still reach the detection threshold (the same test as for
        # the provisional template): a median spike below it is the upper tail of smaller activity
        # (slow phases of other MUAPs, noise) whose crossings were picked as discharges
        if np.abs(tn).max() < thr:
            continue
        wt = np.median(W[mu][keep], axis=0)
        units.append(Unit(times_s=p / fs, template=wt, peak_uv=float(np.abs(wt).max())))
    units.sort(key=lambda u: -u.peak_uv)
    units = _drop_satellites(units)
    dec.units = units
    assigned = np.concatenate([u.times_s for u in units]) if units else np.zeros(0)
    dec.unassigned_s = np.setdiff1d(np.round(pos / fs, 5), np.round(assigned, 5))
    return dec
