import numpy as np
import pytest

from edxlab.signal.decompose import decompose
from edxlab.signal.score import score_units
from edxlab.synth.signal import synth_rest, synth_voluntary


def test_generator_truth_and_snr():
    s = synth_voluntary(duration_s=5, n_units=4, snr_db=10, seed=3)
    assert len(s.trains) == 4
    for t in s.trains.values():
        isi = np.diff(t)
        assert isi.min() >= 0.02 and 5 < 1 / np.median(isi) < 16
    assert s.noise_rms_uv > 0
    r = synth_rest(duration_s=5, n_fib=1, n_psw=1, seed=1)
    assert len(r.spontaneous["fibrillation"]) > 3 and len(r.spontaneous["positive_sharp_wave"]) > 3


@pytest.mark.parametrize("snr_db", [10, 20])
def test_decomposition_of_synthetic_trains(snr_db):
    s = synth_voluntary(duration_s=10, n_units=5, snr_db=snr_db, seed=0)
    dec = decompose(s.data, s.fs)
    rows, pooled = score_units(s.trains, dec.trains())
    assert pooled["precision"] > 0.98
    assert pooled["f1"] >= 0.95
