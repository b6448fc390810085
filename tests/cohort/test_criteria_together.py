"""The criteria are evaluated as column expressions over all patients at once: a patient's
result must not depend on who else is in the dataset."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from edxlab.cohort.criteria import classify_mogad, classify_nmosd, red_flags
from edxlab.model.dataset import Dataset

D = dt.date(2019, 6, 1)

PATIENTS = [
    # AQP4+ myelitis; AQP4- ON + LETM; AQP4 untested; MOG clear positive with ON; MOG low positive
    # with a supporting feature; double positive; alternative diagnosis not excluded; no attack
    {"patient_id": "a", "aqp4_igg": "positive"},
    {"patient_id": "b", "aqp4_igg": "negative"},
    {"patient_id": "c", "aqp4_igg": "not_tested"},
    {"patient_id": "d", "aqp4_igg": "negative", "mog_igg": "positive", "mog_titer": 1000},
    {"patient_id": "e", "aqp4_igg": "negative", "mog_igg": "low_positive", "mog_titer": 20},
    {"patient_id": "f", "aqp4_igg": "positive", "mog_igg": "positive", "mog_titer": 100, "csf_ocb": "positive"},
    {"patient_id": "g", "aqp4_igg": "negative", "alternative_dx_excluded": False, "comorbidities": ["hiv"]},
    {"patient_id": "h", "mog_igg": "positive"},
]
ATTACKS = [("a", "acute_myelitis"), ("b", "optic_neuritis"), ("b", "acute_myelitis"),
           ("c", "area_postrema"), ("c", "acute_myelitis"), ("d", "optic_neuritis"),
           ("e", "acute_myelitis"), ("f", "acute_myelitis"), ("g", "optic_neuritis"),
           ("g", "acute_brainstem")]
MRI = [
    {"patient_id": "a", "region": "spinal_cord", "level_from": "C4", "level_to": "C5"},
    {"patient_id": "b", "region": "spinal_cord", "level_from": "C3", "level_to": "C7"},
    {"patient_id": "b", "region": "optic_nerve", "optic_over_half": True},
    {"patient_id": "c", "region": "brainstem", "level_from": "medulla", "area_postrema": True},
    {"patient_id": "c", "region": "spinal_cord", "level_from": "C2", "level_to": "C6"},
    {"patient_id": "e", "region": "spinal_cord", "level_from": "T10", "level_to": "L1", "central_gray": True},
    {"patient_id": "g", "region": "brainstem", "level_from": "pons", "periependymal": True},
]


def _dataset(ids: list[str]) -> Dataset:
    keep = set(ids)
    schema = {"mog_titer": pl.Int64, "comorbidities": pl.List(pl.String)}
    return Dataset.from_frames(
        patients=pl.DataFrame([p for p in PATIENTS if p["patient_id"] in keep], schema_overrides=schema),
        attacks=pl.DataFrame(
            [{"patient_id": p, "onset_date": D, "core_feature": f} for p, f in ATTACKS if p in keep],
            schema={"patient_id": pl.String, "onset_date": pl.Date, "core_feature": pl.String}),
        mri=pl.DataFrame([{**m, "mri_date": D} for m in MRI if m["patient_id"] in keep],
                         schema_overrides={"optic_over_half": pl.Boolean, "area_postrema": pl.Boolean,
                                           "central_gray": pl.Boolean, "periependymal": pl.Boolean}),
    )


@pytest.mark.parametrize("classify", [classify_nmosd, classify_mogad, red_flags])
def test_each_patient_classified_as_if_alone(classify):
    ids = [p["patient_id"] for p in PATIENTS]
    together = classify(_dataset(ids))
    alone = pl.concat([classify(_dataset([i])) for i in ids])
    key = ["patient_id", "flag"] if classify is red_flags else ["patient_id"]
    assert_frame_equal(together.sort(key), alone.sort(key))


def test_the_vignettes_get_their_categories():
    nmosd = classify_nmosd(_dataset([p["patient_id"] for p in PATIENTS]))
    mogad = classify_mogad(_dataset([p["patient_id"] for p in PATIENTS]))
    got = dict(zip(nmosd["patient_id"], nmosd["nmosd_criteria"]))
    assert got == {"a": "aqp4_positive", "b": "aqp4_negative", "c": "aqp4_unknown", "d": "not_met",
                   "e": "not_met", "f": "aqp4_positive", "g": "not_met", "h": "not_met"}
    assert dict(zip(mogad["patient_id"], mogad["mogad"])) == {
        "a": False, "b": False, "c": False, "d": True, "e": True, "f": False, "g": False, "h": False}
    evidence = dict(zip(mogad["patient_id"], mogad["mogad_evidence"]))
    assert evidence["e"] == ("meets MOGAD 2023: MOG-IgG low positive (1:20); AQP4-IgG negative; "
                             "supporting features: letm, central_cord, conus")
    assert evidence["f"].endswith("; AQP4-IgG positive (NMOSD by IPND 2015; double positive, retest)")
    assert nmosd.filter(pl.col("patient_id") == "g")["nmosd_evidence"][0].endswith(
        "; alternative diagnoses not excluded")
