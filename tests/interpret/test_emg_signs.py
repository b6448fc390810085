"""Clinical LMN signs, the EDX recommendation and EDX timing after attacks."""

from __future__ import annotations

import datetime as dt

import polars as pl

from edxlab.interpret.signs import attack_timing, patient_signs
from edxlab.model.dataset import Dataset
from edxlab.reference.emg_criteria import load_emg_criteria

CRIT = load_emg_criteria()


def signs_frame(rows):
    return Dataset.from_frames(signs=pl.DataFrame(rows, infer_schema_length=None))["signs"]


def studies(*dates):
    return pl.DataFrame({"study_id": [f"s{i}" for i in range(len(dates))],
                         "patient_id": ["p1"] * len(dates), "study_date": list(dates)},
                        schema={"study_id": pl.String, "patient_id": pl.String, "study_date": pl.Date})


def test_atrophy_and_areflexia_are_lmn_signs_with_roots_as_evidence():
    s = signs_frame([
        {"patient_id": "p1", "exam_date": dt.date(2021, 1, 5), "sign": "atrophy",
         "site": "hand_intrinsics", "side": "R"},
        {"patient_id": "p1", "exam_date": dt.date(2021, 1, 5), "sign": "reflex",
         "site": "biceps_reflex", "side": "R", "grade": 1.0},
    ])
    out = patient_signs(s, studies(), CRIT).row(0, named=True)
    assert out["lmn_suspected"] is True
    assert out["lmn_signs"] == "atrophy hand intrinsics right; reflex biceps reflex grade 1 (C5;C6) right"
    assert out["edx_recommended"] is True
    out = patient_signs(s, studies(dt.date(2021, 2, 1)), CRIT).row(0, named=True)
    assert out["edx_recommended"] is False
    # a study before the sign does not count as following it
    out = patient_signs(s, studies(dt.date(2020, 12, 1)), CRIT).row(0, named=True)
    assert out["edx_recommended"] is True


def test_weakness_with_brisk_reflexes_and_babinski_is_umn_not_lmn():
    s = signs_frame([
        {"patient_id": "p1", "exam_date": dt.date(2021, 1, 5), "sign": "weakness",
         "site": "tibialis_anterior", "side": "L", "grade": 3.0},
        {"patient_id": "p1", "exam_date": dt.date(2021, 1, 5), "sign": "reflex",
         "site": "patellar_reflex", "side": "L", "grade": 4.0},
        {"patient_id": "p1", "exam_date": dt.date(2021, 1, 5), "sign": "babinski", "side": "L"},
    ])
    out = patient_signs(s, studies(), CRIT).row(0, named=True)
    assert out["lmn_suspected"] is False
    assert out["umn_pattern"] is True
    assert out["umn_signs"] == "babinski left; reflex patellar reflex grade 4 (L2;L3;L4) left"
    assert out["edx_recommended"] is False


def test_fasciculation_is_an_lmn_sign():
    s = signs_frame([{"patient_id": "p1", "exam_date": None, "sign": "fasciculation",
                      "site": "deltoid", "side": "bilateral"}])
    out = patient_signs(s, studies(), CRIT).row(0, named=True)
    assert out["lmn_suspected"] is True and out["edx_recommended"] is True


def test_attack_timing_uses_the_latest_attack_before_the_study():
    st = studies(dt.date(2021, 3, 1), dt.date(2021, 6, 1))
    attacks = pl.DataFrame({"patient_id": ["p1", "p1", "p1"],
                            "onset_date": [dt.date(2021, 1, 1), dt.date(2021, 2, 20), dt.date(2021, 7, 1)]})
    out = attack_timing(st, attacks, CRIT).sort("study_id").to_dict(as_series=False)
    assert out["days_since_attack"] == [9, 101]
    assert out["timing_warning"][0].startswith("The study was done 9 days after the onset of an attack")
    assert out["timing_warning"][1] is None
