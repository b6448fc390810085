"""Spontaneous activity in a rest recording: fibrillations, positive sharp waves (PSWs),
fasciculations, complex repetitive discharges (CRDs); end-plate spikes are recognized and
rejected (never scored as fibrillations).

Each supra-threshold discharge is measured on the measurement band and typed by its shape
(initial deflection, duration, negative phase); discharges are grouped into trains by the same
template clustering as voluntary decomposition, and the firing of each train refines the type:
fibrillations and PSWs fire regularly, end-plate spikes irregularly, a MUAP-shaped train firing
regularly at >= 4 Hz is a voluntary unit, and an identical complex waveform recurring with almost
constant interval at 5-100 Hz is a CRD. Limits live in ``reference/qemg/criteria.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edxlab.signal.classify import criteria
from edxlab.signal.decompose import decompose
from edxlab.signal.filters import detection_filter, measurement_filter
from edxlab.signal.muap import measure_muap

KINDS = ("fibrillation", "positive_sharp_wave", "fasciculation", "crd", "end_plate_spike", "voluntary")
SCORED = ("fibrillation", "positive_sharp_wave")
EVENT_HALF_S = 0.02


@dataclass
class Spontaneous:
    times_s: np.ndarray
    kinds: np.ndarray
    counts: dict = field(default_factory=dict)
    rates_per_s: dict = field(default_factory=dict)
    generators: int = 0
    grade: str = "0"
    duration_s: float = 0.0


def _event_shape(w: np.ndarray, fs: float, c: int, lim: dict) -> str:
    """Type one discharge by its shape (window ``w`` in uV, alignment sample ``c``)."""
    m = measure_muap(w, fs, c)
    b = int(round(m.begin_ms * fs / 1e3)) + c
    e = int(round(m.end_ms * fs / 1e3)) + c
    seg = w[max(b, 0): e + 1] - np.median(np.concatenate((w[: int(0.003 * fs)], w[-int(0.003 * fs):])))
    if len(seg) < 3:
        return "none"
    amax = np.abs(seg).max()
    first = int(np.nonzero(np.abs(seg) >= 0.3 * amax)[0][0])
    initial_positive = seg[first] > 0
    ipos = int(np.argmax(seg))
    after = seg[ipos:]
    neg_ms = float((after < -0.1 * amax).sum() / fs * 1e3)
    if (initial_positive and m.duration_ms >= lim["psw_min_duration_ms"] and neg_ms >= lim["psw_min_negative_ms"]
            and seg.max() > -seg.min()):
        return "positive_sharp_wave"
    if m.duration_ms <= lim["fib_max_duration_ms"]:
        return "fibrillation" if initial_positive else "end_plate_spike"
    if m.duration_ms >= lim["fasc_min_duration_ms"] and m.amplitude_uv >= lim["fasc_min_amplitude_uv"]:
        return "fasciculation"
    return "none"


def analyze_rest(x: np.ndarray, fs: float, xm: np.ndarray | None = None) -> Spontaneous:
    """Detect and type spontaneous discharges in a rest recording ``x`` (uV)."""
    lim = criteria()["spontaneous"]
    xm = measurement_filter(x, fs) if xm is None else xm
    y = detection_filter(x, fs)
    dec = decompose(x, fs, y, min_discharges=3, threshold_factor=lim["threshold_factor"])
    h = int(round(EVENT_HALF_S * fs))
    times: list[float] = []
    kinds: list[str] = []

    def window(t: float) -> np.ndarray | None:
        i = int(round(t * fs))
        if i - h < 0 or i + h >= len(xm):
            return None
        return xm[i - h: i + h + 1]

    trains = [(u.times_s, True) for u in dec.units] + [(np.atleast_1d(t), False) for t in dec.unassigned_s]
    for ts, is_train in trains:
        ws = [w for w in (window(t) for t in ts) if w is not None]
        if not ws:
            continue
        tm = np.median(np.array(ws), axis=0)
        if np.ptp(tm) < lim["min_amplitude_uv"]:
            continue
        kind = _event_shape(tm, fs, h, lim)
        if kind == "none":
            continue
        if is_train and len(ts) >= 3:
            isi = np.diff(np.sort(ts))
            cv = float(isi.std() / isi.mean()) if isi.mean() > 0 else 0.0
            rate = 1.0 / float(np.median(isi))
            m = measure_muap(tm, fs, h)
            if (cv <= lim["crd_max_cv"] and lim["crd_min_rate_hz"] <= rate <= lim["crd_max_rate_hz"]
                    and m.turns >= lim["crd_min_turns"]):
                kind = "crd"
            elif kind in SCORED and (cv > lim["irregular_cv"] or rate > lim["fib_max_rate_hz"]):
                kind = "end_plate_spike"
            elif kind == "fasciculation" and cv <= lim["regular_cv"] and rate >= lim["voluntary_min_rate_hz"]:
                kind = "voluntary"
        times.extend(float(t) for t in ts)
        kinds.extend([kind] * len(ts))
    order = np.argsort(times)
    t_arr = np.asarray(times, float)[order]
    k_arr = np.asarray(kinds, dtype=object)[order]
    dur = len(x) / fs
    counts = {k: int((k_arr == k).sum()) for k in KINDS}
    rates = {k: counts[k] / dur for k in KINDS}
    # generators of fibrillations/PSWs: regular trains
    gens = 0
    isolated = False
    for ts, is_train in trains:
        sel = np.isin(t_arr, ts)
        if sel.any() and np.isin(k_arr[sel], SCORED).any():
            if is_train:
                gens += 1
            else:
                isolated = True
    # isolated discharges (missed by a train or too few to form one) count only when no train does
    gens += int(isolated and gens == 0)
    g = criteria()["grade"]
    grade = g["labels"][int(np.searchsorted(g["thresholds"], gens, side="right"))]
    return Spontaneous(t_arr, k_arr, counts, rates, gens, grade, dur)
