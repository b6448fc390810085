"""Unit-level rules of the decomposition (edxlab.signal.decompose) on concrete trains."""

import numpy as np

from edxlab.signal.decompose import Unit, _drop_satellites


def _unit(times, peak):
    return Unit(times_s=np.asarray(times, float), template=np.zeros(3), peak_uv=peak)


def test_a_component_locked_at_two_latencies_to_a_larger_muap_is_not_a_unit():
    """A 600 uV MUAP firing at ~8 Hz whose phases 4.8 ms before and 4.5 ms after its main spike are
    each picked as discharges of a small 'unit' on alternate firings: that unit is a part of the
    large MUAP (a single fixed latency would hold only half of its discharges)."""
    rng = np.random.default_rng(0)
    big = np.cumsum(rng.uniform(0.11, 0.14, 80))
    part = np.where(np.arange(80) % 2 == 0, big - 0.0048, big + 0.0045) + rng.normal(0, 5e-5, 80)
    kept = _drop_satellites([_unit(big, 600.0), _unit(part, 60.0)])
    assert [u.peak_uv for u in kept] == [600.0]


def test_an_independent_small_unit_beside_a_large_one_is_kept():
    rng = np.random.default_rng(1)
    big = np.cumsum(rng.uniform(0.11, 0.14, 80))
    small = np.cumsum(rng.uniform(0.08, 0.12, 100))
    kept = _drop_satellites([_unit(big, 600.0), _unit(small, 60.0)])
    assert len(kept) == 2
