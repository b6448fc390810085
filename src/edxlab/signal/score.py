"""Score a decomposition against an expert's annotation (EMGlab .eaf discharge times).

Each expert unit is matched to at most one detected unit (and each detected unit to at most one
expert unit) by the assignment that maximizes coincident discharges. Annotation times refer to a
reference point of each unit's template, not necessarily its peak, so each candidate pair is
first aligned by its median time offset (nearest discharges within ``search_s``); discharges then
coincide when they lie within ``tolerance_s`` (0.5 ms). Precision counts the discharges of the
matched detected units; expert units left unmatched count fully as missed (recall).

EMGlab's published accuracy (McGill et al. 2005) refers to MUAPs whose peak-to-peak amplitude
exceeds 2.5 x the signal RMS; :func:`expert_prominence` measures that ratio for each expert unit
(median of the detection-filtered signal around the expert's marks) so that the pooled score can
also be reported over those units (:func:`pool`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def _nearest_offsets(ref: np.ndarray, test: np.ndarray) -> np.ndarray:
    """For each time in ``ref``, the signed offset to the nearest time in ``test``."""
    if len(test) == 0:
        return np.full(len(ref), np.inf)
    j = np.clip(np.searchsorted(test, ref), 1, max(len(test) - 1, 1))
    cand = np.stack([test[j - 1], test[np.minimum(j, len(test) - 1)]])
    d = cand - ref
    return d[np.argmin(np.abs(d), axis=0), np.arange(len(ref))]


def _coincidences(ref: np.ndarray, test: np.ndarray, tol: float) -> int:
    """Number of one-to-one pairs (ref, test) within ``tol`` (greedy in time order)."""
    if len(ref) == 0 or len(test) == 0:
        return 0
    i = j = n = 0
    while i < len(ref) and j < len(test):
        d = test[j] - ref[i]
        if abs(d) <= tol:
            n += 1
            i += 1
            j += 1
        elif d < 0:
            j += 1
        else:
            i += 1
    return n


def pair_match(expert: np.ndarray, detected: np.ndarray, tolerance_s=0.0005, search_s=0.01):
    """(matches, offset_s) of one expert/detected unit pair after median-offset alignment."""
    off = _nearest_offsets(expert, detected)
    near = off[np.abs(off) <= search_s]
    if len(near) == 0:
        return 0, 0.0
    offset = float(np.median(near))
    return _coincidences(expert, np.sort(detected - offset), tolerance_s), offset


#: EMGlab's criterion for a clearly decomposable MUAP: peak-to-peak > 2.5 x signal RMS
PROMINENT_RATIO = 2.5


def expert_prominence(x: np.ndarray, fs: float, expert: dict, half_s: float = 0.005) -> dict:
    """Peak-to-peak of each expert unit's median waveform / RMS of the signal (detection band)."""
    from edxlab.signal.filters import detection_filter

    y = detection_filter(x, fs)
    rms = float(np.sqrt(np.mean(y * y)))
    h = int(round(half_s * fs))
    out = {}
    for u, t in expert.items():
        i = np.round(np.asarray(t) * fs).astype(np.int64)
        i = i[(i >= h) & (i < len(y) - h)]
        if len(i) == 0 or rms == 0:
            out[u] = 0.0
            continue
        w = np.median(y[i[:, None] + np.arange(-h, h + 1)[None, :]], axis=0)
        out[u] = float(np.ptp(w) / rms)
    return out


def pool(rows: list[dict], units=None) -> dict:
    """Pooled precision/recall/F1 over the score rows of ``units`` (all when None)."""
    sel = [r for r in rows if units is None or r["expert_unit"] in units]
    tp = sum(r["matched"] for r in sel)
    ne = sum(r["n_expert"] for r in sel)
    nd = sum(r["n_detected"] for r in sel)
    return dict(n_units=len(sel), n_expert=ne, n_detected_matched_units=nd, matched=tp,
                precision=tp / nd if nd else 0.0, recall=tp / ne if ne else 0.0,
                f1=2 * tp / (ne + nd) if (ne + nd) else 0.0)


def score_units(expert: dict, detected: dict, tolerance_s: float = 0.0005, search_s: float = 0.01):
    """Per-unit and pooled precision/recall/F1. Returns (rows, pooled dict).

    ``expert`` and ``detected``: {unit: sorted discharge times in seconds}.
    """
    eu = list(expert)
    du = list(detected)
    m = np.zeros((len(eu), len(du)), dtype=np.int64)
    offs = np.zeros((len(eu), len(du)))
    for a, e in enumerate(eu):
        for b, d in enumerate(du):
            m[a, b], offs[a, b] = pair_match(expert[e], detected[d], tolerance_s, search_s)
    pairs = {}
    if m.size:
        ri, ci = linear_sum_assignment(-m)
        pairs = {eu[a]: (du[b], m[a, b], offs[a, b]) for a, b in zip(ri, ci) if m[a, b] > 0}
    rows = []
    tp = n_exp = n_det = 0
    for e in eu:
        ne = len(expert[e])
        n_exp += ne
        if e in pairs:
            d, k, off = pairs[e]
            nd = len(detected[d])
            n_det += nd
            tp += k
            p, r = k / nd, k / ne
            rows.append(dict(expert_unit=e, detected_unit=d, n_expert=ne, n_detected=nd, matched=int(k),
                             offset_ms=off * 1e3, precision=p, recall=r, f1=2 * k / (ne + nd)))
        else:
            rows.append(dict(expert_unit=e, detected_unit=None, n_expert=ne, n_detected=0, matched=0,
                             offset_ms=None, precision=None, recall=0.0, f1=0.0))
    pooled = dict(
        n_expert=n_exp,
        n_detected_matched_units=n_det,
        matched=tp,
        precision=tp / n_det if n_det else 0.0,
        recall=tp / n_exp if n_exp else 0.0,
        f1=2 * tp / (n_exp + n_det) if (n_exp + n_det) else 0.0,
        unmatched_detected_units=len(du) - len(pairs),
    )
    return rows, pooled
