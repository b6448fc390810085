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


@pytest.mark.parametrize("seed", [0, 1])
def test_decomposition_of_eight_crowded_units(seed):
    """8 units of one MUAP family (amplitudes 150-800 uV) at SNR 10 dB: many superpositions and
    similar shapes; every unit found once (no duplicate or satellite units)."""
    s = synth_voluntary(duration_s=10, n_units=8, snr_db=10, seed=seed)
    dec = decompose(s.data, s.fs)
    rows, pooled = score_units(s.trains, dec.trains())
    assert len(dec.units) == 8
    assert pooled["precision"] > 0.97
    assert pooled["f1"] >= 0.9


def test_five_units_give_five_trains():
    s = synth_voluntary(duration_s=10, n_units=5, snr_db=20, seed=0)
    assert len(decompose(s.data, s.fs).units) == 5


def test_decomposition_at_4_khz():
    """A 4 kHz recording (PhysioNet emgdb rate) is decomposed on its interpolation to >= 20 kHz:
    its spikes are aligned and compared at sub-sample shifts."""
    s = synth_voluntary(duration_s=10, fs=4000.0, n_units=5, snr_db=20, seed=1)
    dec = decompose(s.data, s.fs)
    rows, pooled = score_units(s.trains, dec.trains())
    assert len(dec.units) == 5
    assert pooled["f1"] >= 0.95
