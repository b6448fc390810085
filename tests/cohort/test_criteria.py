"""Clinical vignettes for IPND 2015 (NMOSD), MOGAD 2023 and the red flags."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from edxlab.cohort.criteria import classify_mogad, classify_nmosd, lesion_features, red_flags
from edxlab.model.dataset import Dataset

D = dt.date(2018, 3, 1)


def _ds(patient: dict, attacks: list[str], lesions: list[dict]) -> Dataset:
    patient = {"patient_id": "p1", **patient}
    frames = {"patients": pl.DataFrame([patient])}
    if attacks:
        frames["attacks"] = pl.DataFrame(
            {"patient_id": ["p1"] * len(attacks), "onset_date": [D] * len(attacks), "core_feature": attacks}
        )
    if lesions:
        frames["mri"] = pl.DataFrame([{"patient_id": "p1", "mri_date": D, **les} for les in lesions])
    return Dataset.from_frames(**frames)


def _nmosd(patient, attacks, lesions) -> dict:
    return classify_nmosd(_ds(patient, attacks, lesions)).row(0, named=True)


def _mogad(patient, attacks, lesions) -> dict:
    return classify_mogad(_ds(patient, attacks, lesions)).row(0, named=True)


SHORT_CORD = {"region": "spinal_cord", "level_from": "C4", "level_to": "C5"}
LETM_C3_C7 = {"region": "spinal_cord", "level_from": "C3", "level_to": "C7", "central_gray": True}
AREA_POSTREMA = {"region": "brainstem", "level_from": "medulla", "area_postrema": True}
OPTIC_LONG = {"region": "optic_nerve", "optic_over_half": True}


# --- IPND 2015 ------------------------------------------------------------------------------


def test_aqp4_positive_with_one_core_short_myelitis_meets():
    # One core (myelitis) is enough when AQP4-IgG is positive; LETM is not required.
    r = _nmosd({"aqp4_igg": "positive"}, ["acute_myelitis"], [SHORT_CORD])
    assert r["nmosd_criteria"] == "aqp4_positive"
    assert r["nmosd_cores"] == ["AM"]
    assert r["nmosd_evidence"].startswith("meets IPND 2015: AQP4-IgG positive with 1 core")


def test_aqp4_positive_without_core_not_met():
    r = _nmosd({"aqp4_igg": "positive"}, ["other"], [])
    assert r["nmosd_criteria"] == "not_met"


def test_seronegative_on_plus_letm_myelitis_meets():
    r = _nmosd({"aqp4_igg": "negative"}, ["optic_neuritis", "acute_myelitis"], [LETM_C3_C7, OPTIC_LONG])
    assert r["nmosd_criteria"] == "aqp4_negative"
    assert r["nmosd_cores_mri"] == ["AM", "ON"]


def test_seronegative_short_myelitis_fails_mri_requirement():
    # Same two cores, but the cord lesion spans 2 vertebral segments: the myelitis core does not
    # meet its MRI requirement, leaving one core only.
    r = _nmosd({"aqp4_igg": "negative"}, ["optic_neuritis", "acute_myelitis"], [SHORT_CORD, OPTIC_LONG])
    assert r["nmosd_criteria"] == "not_met"
    assert r["nmosd_cores"] == ["AM", "ON"]
    assert r["nmosd_cores_mri"] == ["ON"]
    assert "MRI requirement not met for AM" in r["nmosd_evidence"]


def test_seronegative_two_attacks_of_same_core_not_enough():
    r = _nmosd({"aqp4_igg": "negative"}, ["acute_myelitis"], [LETM_C3_C7])
    assert r["nmosd_criteria"] == "not_met"


def test_unknown_serostatus_aps_plus_myelitis_from_one_attack_meets():
    # "One or more" attacks: two cores with the same onset date count.
    r = _nmosd({"aqp4_igg": "not_tested"}, ["area_postrema", "acute_myelitis"], [AREA_POSTREMA, LETM_C3_C7])
    assert r["nmosd_criteria"] == "aqp4_unknown"


def test_seronegative_needs_a_key_core():
    # Brainstem + cerebral syndromes with their lesions: two cores but neither ON, LETM myelitis
    # nor area postrema syndrome.
    lesions = [
        {"region": "brainstem", "level_from": "pons", "periependymal": True},
        {"region": "brain", "nmosd_typical": True},
    ]
    r = _nmosd({"aqp4_igg": "negative"}, ["acute_brainstem", "cerebral"], lesions)
    assert r["nmosd_criteria"] == "not_met"
    assert "none is optic neuritis, acute myelitis with LETM or area postrema syndrome" in r["nmosd_evidence"]


def test_cord_atrophy_over_three_segments_meets_myelitis_requirement():
    atrophy = {"region": "spinal_cord", "level_from": "T2", "level_to": "T5", "atrophy": True}
    r = _nmosd({"aqp4_igg": "negative"}, ["optic_neuritis", "acute_myelitis"], [atrophy, OPTIC_LONG])
    assert r["nmosd_criteria"] == "aqp4_negative"


def test_alternative_diagnosis_not_excluded_is_not_met():
    r = _nmosd({"aqp4_igg": "positive", "alternative_dx_excluded": False}, ["acute_myelitis"], [LETM_C3_C7])
    assert r["nmosd_criteria"] == "not_met"
    assert r["nmosd_evidence"].endswith("alternative diagnoses not excluded")


def test_cerebral_syndrome_without_typical_lesion_is_not_a_core():
    r = _nmosd({"aqp4_igg": "positive"}, ["cerebral"], [{"region": "brain", "nmosd_typical": False}])
    assert r["nmosd_criteria"] == "not_met"


def test_letm_span_counts_both_ends():
    f = lesion_features(_ds({}, [], [{"region": "spinal_cord", "level_from": "T11", "level_to": "L1"}]))
    assert f["letm"].to_list() == [True]
    assert f["conus_lesion"].to_list() == [True]
    f = lesion_features(_ds({}, [], [{"region": "spinal_cord", "level_from": "C7", "level_to": "T1"}]))
    assert f["letm"].to_list() == [False]


# --- MOGAD 2023 -----------------------------------------------------------------------------


def test_mog_clear_positive_needs_nothing_else():
    r = _mogad({"aqp4_igg": "not_tested", "mog_igg": "positive", "mog_titer": 100}, ["optic_neuritis"], [])
    assert r["mogad"] is True
    assert r["mog_result"] == "clear_positive"


def test_mog_low_positive_with_supporting_feature_and_aqp4_negative():
    r = _mogad({"aqp4_igg": "negative", "mog_igg": "positive", "mog_titer": 40}, ["optic_neuritis"], [OPTIC_LONG])
    assert r["mogad"] is True
    assert r["mog_result"] == "low_positive"
    assert r["mogad_supporting"] == ["optic_nerve_over_half"]


def test_mog_low_positive_without_supporting_feature_not_met():
    r = _mogad({"aqp4_igg": "negative", "mog_igg": "low_positive"}, ["acute_myelitis"], [SHORT_CORD])
    assert r["mogad"] is False
    assert r["mogad_evidence"] == "does not meet MOGAD 2023: MOG-IgG low positive; AQP4-IgG negative; no supporting feature"


def test_mog_low_positive_with_aqp4_unknown_not_met():
    r = _mogad({"aqp4_igg": "unknown", "mog_igg": "positive", "mog_titer": 20}, ["acute_myelitis"], [LETM_C3_C7])
    assert r["mogad"] is False


def test_mog_positive_without_core_event_not_met():
    r = _mogad({"aqp4_igg": "negative", "mog_igg": "positive", "mog_titer": 1000}, ["other"], [])
    assert r["mogad"] is False
    assert "no core demyelinating event" in r["mogad_evidence"]


def test_aqp4_mog_double_positive_stays_nmosd_with_red_flag():
    ds = _ds({"aqp4_igg": "positive", "mog_igg": "positive", "mog_titer": 160}, ["acute_myelitis"], [LETM_C3_C7])
    assert classify_mogad(ds)["mogad"].to_list() == [False]
    assert classify_nmosd(ds)["nmosd_criteria"].to_list() == ["aqp4_positive"]
    assert red_flags(ds)["flag"].to_list() == ["aqp4_mog_double_positive"]


@pytest.mark.parametrize(
    ("patient", "lesions", "flags"),
    [
        ({"csf_ocb": "positive"}, [LETM_C3_C7], ["csf_ocb"]),
        ({}, [SHORT_CORD], ["short_cord_lesion"]),
        ({"comorbidities": ["hiv", "diabetes"]}, [LETM_C3_C7], ["chronic_infection"]),
        ({"csf_ocb": "negative"}, [LETM_C3_C7], []),
    ],
)
def test_red_flags(patient, lesions, flags):
    out = red_flags(_ds({"aqp4_igg": "positive", **patient}, ["acute_myelitis"], lesions))
    assert out["flag"].to_list() == flags
