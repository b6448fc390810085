import numpy as np
import pytest

from edxlab.signal.score import score_units


def test_offset_units_are_aligned_then_matched_within_half_a_millisecond():
    a = np.arange(0.1, 10, 0.1)
    b = np.arange(0.05, 10, 0.137)
    expert = {1: a, 2: b}
    detected = {7: b + 0.003, 9: a - 0.002}  # constant offsets of 3 and 2 ms
    rows, pooled = score_units(expert, detected)
    assert {r["expert_unit"]: r["detected_unit"] for r in rows} == {1: 9, 2: 7}
    assert pooled["f1"] == 1.0
    assert abs(rows[0]["offset_ms"] + 2.0) < 1e-6


def test_missed_and_extra_discharges_lower_recall_and_precision():
    a = np.arange(0.1, 10, 0.1)  # 99 discharges
    det = np.concatenate([a[::2], a[1::2][:10] + 0.002])  # half found, 10 more 2 ms off (false)
    rows, pooled = score_units({1: a}, {1: np.sort(det)})
    assert pooled["matched"] == 50
    assert pooled["recall"] == 50 / 99
    assert pooled["precision"] == 50 / 60


def test_unmatched_expert_unit_counts_as_missed():
    rows, pooled = score_units({1: np.arange(0.1, 5, 0.1), 2: np.arange(0.13, 5, 0.2)}, {})
    assert pooled["recall"] == 0 and pooled["f1"] == 0
    assert all(r["detected_unit"] is None for r in rows)


def test_pool_restricts_the_pooled_score_to_chosen_expert_units():
    from edxlab.signal.score import pool

    expert = {1: np.arange(0.1, 5, 0.1), 2: np.arange(0.13, 5, 0.2)}
    rows, pooled = score_units(expert, {7: expert[1] + 0.0002})
    only1 = pool(rows, {1})
    assert only1["n_units"] == 1 and only1["f1"] == 1.0
    assert pool(rows)["f1"] == pytest.approx(pooled["f1"])
    assert pool(rows, {2})["recall"] == 0.0
