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
    """Type one discharge by its own shape (window ``w`` in uV around sample ``c``).

    Initial deflection (first excursion beyond 30% of the peak), duration (outward from the
    main peak to a 3 ms quiet stretch inside max(5% of amplitude, 3 x noise RMS)) and the length
    of the negative phase after the positive peak separate fibrillations (brief, initially
    positive), end-plate spikes (brief, initially negative), PSWs (initially positive, long low
    negative phase) and fasciculations (MUAP-like, long).
    """
    q = max(2, int(round(0.003 * fs)))
    edges = np.concatenate((w[:q], w[-q:]))
    x = w - np.median(edges)
    noise = float(np.std(edges))
    lo, hi = max(0, c - int(0.002 * fs)), min(len(x), c + int(0.002 * fs) + 1)
    peak = lo + int(np.argmax(np.abs(x[lo:hi])))
    amp = float(x.max() - x.min())
    band = max(0.05 * amp, 3.0 * noise)
    bad = (np.abs(x) > band).astype(np.int64)
    cs = np.concatenate(([0], np.cumsum(bad)))
    i = np.arange(len(x))
    quiet_before = (cs[i + 1] - cs[np.maximum(i + 1 - q, 0)]) == 0  # x[i-q+1..i] quiet
    quiet_after = (cs[np.minimum(i + q, len(x))] - cs[i]) == 0  # x[i..i+q-1] quiet
    left = np.nonzero(quiet_before[: peak + 1])[0]
    right = np.nonzero(quiet_after[peak:])[0]
    begin = int(left[-1]) if len(left) else 0
    end = int(peak + right[0]) if len(right) else len(x) - 1
    seg = x[begin: end + 1]
    if len(seg) < 3 or amp < lim["min_amplitude_uv"]:
        return "none"
    dur_ms = (end - begin) / fs * 1e3
    amax = np.abs(seg).max()
    first = int(np.nonzero(np.abs(seg) >= 0.3 * amax)[0][0])
    initial_positive = seg[first] > 0
    # main spike: where abs(x) stays above 30% of the peak, within 5 ms of it
    r = int(0.005 * fs)
    base = max(0, peak - r)
    near = np.nonzero(np.abs(x[base: peak + r + 1]) >= max(0.3 * amax, 4.0 * noise))[0]
    # the connected part containing the peak (gaps up to 1 ms bridged: zero crossings of the spike)
    groups = np.split(near, np.nonzero(np.diff(near) > max(1, int(0.001 * fs)))[0] + 1)
    grp = next((g for g in groups if len(g) and g[0] <= peak - base <= g[-1]), near)
    spike_ms = (grp[-1] - grp[0]) / fs * 1e3 if len(grp) else 0.0
    ipos = int(np.argmax(seg))
    neg_ms = float((seg[ipos:] < -max(0.1 * amax, 3.0 * noise)).sum() / fs * 1e3)
    if (initial_positive and neg_ms >= lim["psw_min_negative_ms"] and -seg[ipos:].min() < lim["psw_max_negative_fraction"] * seg.max()
            and dur_ms >= lim["psw_min_duration_ms"]):
        return "positive_sharp_wave"
    brief = "fibrillation" if initial_positive else "end_plate_spike"
    if spike_ms <= lim["fib_max_spike_ms"] and dur_ms <= lim["fib_max_duration_ms"]:
        return brief
    if dur_ms >= lim["fasc_min_duration_ms"] and amp >= lim["fasc_min_amplitude_uv"]:
        return "fasciculation"
    if spike_ms <= lim["fib_max_spike_ms"]:  # a brief spike whose duration an overlap lengthened
        return brief
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
    crd_spans: list[tuple[float, float]] = []
    from_train: list[bool] = []
    for ts, is_train in trains:
        ts = np.sort(ts)
        ws = [window(t) for t in ts]
        keep = np.array([w is not None for w in ws])
        if not keep.any():
            continue
        ts = ts[keep]
        ws = [w for w in ws if w is not None]
        ev_kinds = [_event_shape(w, fs, h, lim) for w in ws]
        if is_train and len(ts) >= 3:
            isi = np.diff(ts)
            med = float(np.median(isi))
            # regularity of the intervals, ignoring pauses (a missed discharge doubles an interval)
            core = isi[isi <= 1.5 * med]
            cv = float(core.std() / core.mean()) if len(core) > 1 and core.mean() > 0 else 1.0
            exact = float(np.mean(np.abs(isi - med) <= lim["crd_max_cv"] * med))
            rate = 1.0 / med
            tm = np.median(np.array(ws), axis=0)
            m = measure_muap(tm, fs, h)
            # within a train the median template (free of overlapping discharges) decides
            # between a brief spike and a whole MUAP
            tkind = _event_shape(tm, fs, h, lim)
            if tkind in ("fibrillation", "fasciculation"):
                ev_kinds = [tkind if k in ("fibrillation", "fasciculation") else k for k in ev_kinds]
            if (exact >= lim["crd_min_exact_fraction"] and lim["crd_min_rate_hz"] <= rate <= lim["crd_max_rate_hz"]
                    and m.turns >= lim["crd_min_turns"]):
                ev_kinds = ["crd"] * len(ts)
                crd_spans.append((ts[0] - med, ts[-1] + med))
            elif cv <= lim["regular_cv"] and rate >= lim["voluntary_min_rate_hz"]:
                ev_kinds = ["voluntary" if k == "fasciculation" else k for k in ev_kinds]
            elif rate > lim["fib_max_rate_hz"] and cv > lim["irregular_cv"]:
                # fast irregular brief spikes: end-plate spikes whatever their first deflection
                ev_kinds = ["end_plate_spike" if k == "fibrillation" else k for k in ev_kinds]
        for t, k in zip(ts, ev_kinds):
            if k != "none":
                times.append(float(t))
                kinds.append(k)
                from_train.append(is_train and len(ts) >= 3)
    # isolated detections inside a CRD burst are parts of its complex waveform
    for a, b in crd_spans:
        for j, t in enumerate(times):
            if a <= t <= b and not from_train[j]:
                kinds[j] = "crd"
    order = np.argsort(times)
    t_arr = np.asarray(times, float)[order]
    k_arr = np.asarray(kinds, dtype=object)[order]
    # one discharge may be detected at two of its peaks: keep the first detection of each
    # discharge (events closer than the spacing of a spike's own peaks)
    if len(t_arr):
        gap = lim["same_discharge_ms"] / 1e3
        psw_gap = lim["psw_min_duration_ms"] / 1e3  # later peaks of a PSW's long negative phase
        keep = np.ones(len(t_arr), bool)
        last, last_kind = t_arr[0], k_arr[0]
        for j in range(1, len(t_arr)):
            if t_arr[j] - last < (psw_gap if last_kind in ("positive_sharp_wave", "crd") else gap):
                keep[j] = False
            else:
                last, last_kind = t_arr[j], k_arr[j]
        t_arr, k_arr = t_arr[keep], k_arr[keep]
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
