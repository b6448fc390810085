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
