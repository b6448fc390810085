import numpy as np
import pytest

from edxlab.signal.spontaneous import analyze_rest
from edxlab.synth.signal import synth_rest


def _hits(truth, det, tol=0.002):
    if len(det) == 0:
        return 0
    return int(sum(np.min(np.abs(det - t)) < tol for t in truth))


@pytest.mark.parametrize("seed", [0, 1])
def test_fibrillations_are_found_with_their_regular_firing(seed):
    s = synth_rest(duration_s=10, n_fib=2, seed=seed)
    sp = analyze_rest(s.data, s.fs)
    truth = s.spontaneous["fibrillation"]
    scored = sp.times_s[np.isin(sp.kinds, ["fibrillation", "positive_sharp_wave"])]
    assert _hits(truth, scored) / len(truth) >= 0.9
    assert sp.grade in ("1+", "2+")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_rest_has_no_false_discharges(seed):
    s = synth_rest(duration_s=10, n_fib=0, seed=seed)
    sp = analyze_rest(s.data, s.fs)
    assert sp.counts["fibrillation"] + sp.counts["positive_sharp_wave"] < 1
    assert sp.grade == "0"


def test_end_plate_spikes_are_rejected():
    s = synth_rest(duration_s=10, n_fib=0, n_epn=1, seed=0)
    sp = analyze_rest(s.data, s.fs)
    assert sp.counts["end_plate_spike"] > 50
    assert sp.counts["fibrillation"] == 0
    assert sp.grade == "0"


def test_positive_sharp_waves_are_typed_by_their_long_negative_phase():
    s = synth_rest(duration_s=10, n_fib=0, n_psw=1, seed=2)
    sp = analyze_rest(s.data, s.fs)
    truth = s.spontaneous["positive_sharp_wave"]
    psw = sp.times_s[sp.kinds == "positive_sharp_wave"]
    assert _hits(truth, psw, 0.003) / len(truth) >= 0.9
    assert len(psw) <= 1.2 * len(truth)  # one discharge, one PSW
    assert sp.counts["fibrillation"] <= 2


def _crd_and_fasciculations():
    from edxlab.synth.signal import _place, muap_shape

    fs = 23437.5
    rng = np.random.default_rng(1)
    x = np.zeros(int(10 * fs))
    crd = np.arange(2.0, 4.0, 1 / 30.0)  # an identical complex waveform at exactly 30 Hz for 2 s
    _place(x, fs, crd, muap_shape(fs, 400, 10, rng, extra_phases=3))
    fasc = np.sort(rng.uniform(0.5, 9.5, 6))  # six irregular, slow whole-MUAP discharges
    _place(x, fs, fasc, muap_shape(fs, 600, 11, rng))
    return x + rng.normal(0, 5, len(x)), fs, crd, fasc


def test_complex_repetitive_discharge_and_fasciculations():
    x, fs, crd, fasc = _crd_and_fasciculations()
    sp = analyze_rest(x, fs)
    assert _hits(crd, sp.times_s[sp.kinds == "crd"], 0.006) >= 0.9 * len(crd)  # a complex waveform: any of its spikes
    outside = fasc[(fasc < 1.95) | (fasc > 4.05)]
    assert _hits(outside, sp.times_s[sp.kinds == "fasciculation"]) == len(outside)
    assert sp.counts["fibrillation"] == 0 and sp.grade == "0"
