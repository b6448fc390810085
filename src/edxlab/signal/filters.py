"""Zero-phase filters for needle EMG (forward-backward Butterworth second-order sections).

Needle EMG is not surface EMG: a concentric needle records MUAP spikes with energy up to several
kHz, so the analysis bands are those of quantitative needle EMG (Pattichis et al. 1995): a
detection band emphasizing the MUAP's main spike and a broad measurement band (3 Hz - 10 kHz)
that keeps the slow initial and terminal phases on which MUAP duration depends. Every filter is
applied forward and backward (``sosfiltfilt``) so that no phase shift moves a MUAP's onset.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

#: measurement band (Hz): the acquisition band of Pattichis 1995 (3 Hz - 10 kHz)
MEASURE_BAND = (3.0, 10000.0)
#: detection band (Hz): removes the slow far-field and baseline so that spikes stand out
DETECT_BAND = (100.0, 8000.0)


def _band(x: np.ndarray, fs: float, lo: float, hi: float, order: int) -> np.ndarray:
    nyq = fs / 2.0
    hi = min(hi, 0.9 * nyq)
    if hi <= lo * 1.5:
        sos = sps.butter(order, lo, "highpass", fs=fs, output="sos")
    else:
        sos = sps.butter(order, [lo, hi], "bandpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, x)


def measurement_filter(x: np.ndarray, fs: float) -> np.ndarray:
    """3 Hz - 10 kHz (capped at 0.9 x Nyquist), 2nd order, zero phase: for MUAP measurements."""
    return _band(np.asarray(x, np.float64), fs, MEASURE_BAND[0], MEASURE_BAND[1], 2)


def detection_filter(x: np.ndarray, fs: float, band: tuple[float, float] = DETECT_BAND) -> np.ndarray:
    """First-order band-pass (default 100 Hz - 8 kHz), forward and backward: for spike detection."""
    return _band(np.asarray(x, np.float64), fs, band[0], band[1], 1)


def robust_threshold(y: np.ndarray, factor: float = 4.0) -> tuple[float, float]:
    """EMGlab's robust noise floor (McGill et al. 2005).

    Sort abs(y); the running RMS of the smaller values estimates the noise; the threshold is the
    largest amplitude still below ``factor`` x that running RMS. Returns (threshold, noise_rms).
    Falls back to the 90th percentile of abs(y) when no value qualifies.
    """
    a = np.abs(y)
    if len(a) > 400_000:  # the order statistics of a regular subsample suffice
        a = a[:: len(a) // 200_000 + 1]
    s = np.sort(a)
    rr = np.sqrt(np.cumsum(s * s) / np.arange(1, len(s) + 1))
    ok = np.nonzero(s < factor * rr)[0]
    if len(ok) == 0:
        thr = float(np.percentile(s, 90))
        return thr, thr / factor
    k = ok[-1]
    return float(s[k]), float(rr[k])
