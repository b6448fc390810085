import numpy as np

from edxlab.signal.muap import measure_muap

FS = 25000.0


def _t():
    return (np.arange(int(0.03 * FS)) - int(0.015 * FS)) / FS * 1e3  # ms


def test_triphasic_muap_amplitude_phases_turns():
    t = _t()
    w = 500 * (1 - (t / 0.5) ** 2) * np.exp(-0.5 * (t / 0.5) ** 2)  # Mexican hat: +,-,+ ... actually -,+,- phases
    m = measure_muap(w, FS, len(t) // 2)
    assert abs(m.amplitude_uv - np.ptp(w)) < 1
    assert m.phases == 3
    assert m.turns == 3
    assert 2.5 < m.duration_ms < 5


def test_polyphasic_muap_has_five_or_more_phases_and_longer_duration():
    t = _t()
    w = sum(a * np.sin(2 * np.pi * t / 2.0) * np.exp(-0.5 * ((t - c) / 1.2) ** 2) for a, c in [(300, 0), (150, 4)])
    m = measure_muap(w, FS, len(t) // 2)
    assert m.phases >= 5
    assert m.duration_ms > 7


def test_small_muap_still_has_a_duration():
    t = _t()
    w = 60 * -t / 0.4 * np.exp(-0.5 * (t / 0.4) ** 2)
    m = measure_muap(w, FS, len(t) // 2)
    assert m.phases == 2
    assert 1 < m.duration_ms < 5
