"""Synthetic needle EMG with known ground truth (for tests and benchmarks).

Voluntary recordings: motor unit trains (MUAP shapes built from Gaussian derivatives, firing at
6-14 Hz with an inter-discharge-interval coefficient of variation of ~0.15 and a refractory
limit). Rest recordings: fibrillation potentials (brief, initially positive, 1-5 ms, firing very
regularly at 0.5-15 Hz), positive sharp waves (sharp positive deflection then a long low negative
phase, 10-30 ms) and end-plate spikes (initially negative, firing irregularly). White Gaussian
noise is added at a signal-to-noise ratio defined as 20 log10(RMS of the noiseless EMG / RMS of
the noise) for voluntary signals, or given directly as a noise RMS (uV) for rest signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SynthSignal:
    data: np.ndarray  # uV
    fs: float
    trains: dict[int, np.ndarray] = field(default_factory=dict)  # unit -> discharge times (s), at the peak
    templates: dict[int, np.ndarray] = field(default_factory=dict)
    spontaneous: dict[str, np.ndarray] = field(default_factory=dict)  # kind -> times (s)
    noise_rms_uv: float = 0.0


def _gauss_deriv(t: np.ndarray, sigma: float, order: int) -> np.ndarray:
    g = np.exp(-0.5 * (t / sigma) ** 2)
    if order == 0:
        return g
    if order == 1:
        return -t / sigma * g
    return (1 - (t / sigma) ** 2) * g


def muap_shape(fs: float, amplitude_uv: float, duration_ms: float, rng: np.random.Generator,
               extra_phases: int = 0) -> np.ndarray:
    """A MUAP: a triphasic main spike plus slow initial/terminal phases (and optional extra phases)."""
    h = int(round(0.012 * fs))
    t = np.arange(-h, h + 1) / fs * 1e3  # ms
    sigma = duration_ms / 10.0
    w = -_gauss_deriv(t, 0.25 + 0.1 * rng.random(), 2)  # main spike, initial positive-negative-positive
    w += 0.15 * _gauss_deriv(t + rng.uniform(-0.5, 0.5), 3 * sigma, 1)  # slow far-field phases
    for _ in range(extra_phases):
        w += rng.uniform(0.2, 0.4) * _gauss_deriv(t - rng.uniform(1.0, 3.0) * rng.choice([-1, 1]), 0.2, 1)
    w *= amplitude_uv / np.ptp(w)
    return w


def fibrillation_shape(fs: float, amplitude_uv: float, rng: np.random.Generator) -> np.ndarray:
    """Brief (1-5 ms) biphasic/triphasic spike with an initial positive deflection."""
    h = int(round(0.012 * fs))
    t = np.arange(-h, h + 1) / fs * 1e3
    s = rng.uniform(0.15, 0.3)
    w = _gauss_deriv(t + 0.2, s, 1) * -1  # positive first, then negative
    w = -w if w[np.argmax(np.abs(w) > 0.3 * np.abs(w).max())] < 0 else w
    return w * amplitude_uv / np.ptp(w)


def psw_shape(fs: float, amplitude_uv: float, rng: np.random.Generator) -> np.ndarray:
    """Positive sharp wave: a sharp positive deflection followed by a long, low negative phase."""
    h = int(round(0.03 * fs))
    t = np.arange(-h, h + 1) / fs * 1e3
    tau = rng.uniform(4.0, 7.0)
    w = np.exp(-0.5 * (t / 0.3) ** 2)
    tail = np.where(t > 0.3, -0.35 * (1 - np.exp(-(t - 0.3) / 0.7)) * np.exp(-(t - 0.3) / tau), 0.0)
    w = w + tail
    return w * amplitude_uv / np.ptp(w)


def end_plate_shape(fs: float, amplitude_uv: float, rng: np.random.Generator) -> np.ndarray:
    """End-plate spike: brief, initially negative."""
    return -fibrillation_shape(fs, amplitude_uv, rng)


def _train(rng, duration_s: float, rate_hz: float, cv: float, refractory_s: float = 0.02) -> np.ndarray:
    n = int(duration_s * rate_hz * 1.5) + 5
    isi = np.maximum(rng.normal(1.0 / rate_hz, cv / rate_hz, n), refractory_s)
    t = rng.uniform(0, 1.0 / rate_hz) + np.cumsum(isi)
    return t[t < duration_s - 0.015]


def _place(x: np.ndarray, fs: float, times: np.ndarray, w: np.ndarray) -> np.ndarray:
    h = len(w) // 2
    idx = np.round(times * fs).astype(np.int64)
    idx = idx[(idx - h >= 0) & (idx + h < len(x))]
    for i in idx:
        x[i - h: i + h + 1] += w
    return idx / fs


def synth_voluntary(duration_s: float = 10.0, fs: float = 23437.5, n_units: int = 5, snr_db: float = 20.0,
                    seed: int = 0, amplitudes_uv=None, durations_ms=None, extra_phases=None) -> SynthSignal:
    """A voluntary needle EMG recording of ``n_units`` motor units with known discharge times."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    x = np.zeros(n)
    amps = amplitudes_uv if amplitudes_uv is not None else np.linspace(150, 800, n_units)[rng.permutation(n_units)]
    durs = durations_ms if durations_ms is not None else rng.uniform(8, 12, n_units)
    extra = extra_phases if extra_phases is not None else [0] * n_units
    trains, templates = {}, {}
    for k in range(n_units):
        w = muap_shape(fs, float(amps[k]), float(durs[k]), rng, int(extra[k]))
        t = _train(rng, duration_s, rng.uniform(6, 14), 0.15)
        trains[k + 1] = _place(x, fs, t, w)
        templates[k + 1] = w
    rms = np.sqrt(np.mean(x**2))
    noise = rms / 10 ** (snr_db / 20.0)
    data = x + rng.normal(0, noise, n)
    return SynthSignal(data, fs, trains, templates, {}, noise)


def synth_rest(duration_s: float = 10.0, fs: float = 23437.5, n_fib: int = 2, n_psw: int = 0, n_epn: int = 0,
               noise_rms_uv: float = 5.0, seed: int = 0, fib_amplitude_uv=(50.0, 200.0)) -> SynthSignal:
    """A rest recording with ``n_fib`` fibrillation and ``n_psw`` PSW generators (regular firing)
    and ``n_epn`` end-plate spike sources (irregular firing); 0/0/0 gives clean rest."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    x = np.zeros(n)
    sp: dict[str, list] = {"fibrillation": [], "positive_sharp_wave": [], "end_plate_spike": []}
    for _ in range(n_fib):
        w = fibrillation_shape(fs, rng.uniform(*fib_amplitude_uv), rng)
        sp["fibrillation"].append(_place(x, fs, _train(rng, duration_s, rng.uniform(1, 12), 0.02, 0.03), w))
    for _ in range(n_psw):
        w = psw_shape(fs, rng.uniform(80, 300), rng)
        sp["positive_sharp_wave"].append(_place(x, fs, _train(rng, duration_s, rng.uniform(1, 8), 0.02, 0.05), w))
    for _ in range(n_epn):
        w = end_plate_shape(fs, rng.uniform(50, 200), rng)
        t = np.sort(rng.uniform(0.02, duration_s - 0.02, int(duration_s * rng.uniform(10, 30))))
        t = t[np.concatenate(([True], np.diff(t) > 0.005))]
        sp["end_plate_spike"].append(_place(x, fs, t, w))
    data = x + rng.normal(0, noise_rms_uv, n)
    out = {k: np.sort(np.concatenate(v)) if v else np.zeros(0) for k, v in sp.items()}
    return SynthSignal(data, fs, {}, {}, out, noise_rms_uv)
