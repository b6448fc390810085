"""A small cohort with one patient per eligibility path (and its study_findings)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from edxlab.model.dataset import Dataset

d = dt.date


def small_cohort() -> tuple[Dataset, pl.DataFrame]:
    patients = pl.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "sex": ["F", "F", "M", "F", "M", "F"],
            "birth_year": [1970, 1980, 1990, 1965, 1975, 1985],
            "aqp4_igg": ["positive", "negative", "negative", "positive", "positive", "positive"],
            "mog_igg": ["negative", "negative", "positive", None, None, "negative"],
            "mog_titer": [None, None, 1000, None, None, None],
            "edss": [3.5, 2.0, 1.0, 6.0, None, 4.0],
            "comorbidities": [[], ["diabetes"], [], [], [], []],
        }
    )
    attacks = pl.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p3", "p4", "p5", "p6", "p6"],
            "onset_date": [d(2017, 2, 1), d(2017, 1, 1), d(2016, 5, 1), d(2017, 9, 1), d(2014, 1, 1), d(2018, 1, 1), d(2015, 3, 1), d(2018, 3, 1)],
            "core_feature": ["acute_myelitis", "acute_myelitis", "optic_neuritis", "acute_myelitis", "acute_myelitis", "acute_myelitis", "optic_neuritis", "acute_myelitis"],
        }
    )
    mri = pl.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p3", "p6"],
            "region": ["spinal_cord", "spinal_cord", "spinal_cord", "optic_nerve", "spinal_cord"],
            "level_from": ["C3", "T4", "T2", None, "T6"],
            "level_to": ["C7", "T5", "T8", None, "T9"],
            "optic_over_half": [None, None, None, True, None],
        }
    )
    studies = pl.DataFrame(
        {
            "study_id": ["s1", "s2", "s3", "s4", "s5", "s6a", "s6b"],
            "patient_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p6"],
            "study_date": [d(2017, 3, 1), d(2017, 2, 1), d(2017, 10, 1), d(2015, 6, 1), d(2018, 2, 1), d(2018, 5, 1), d(2017, 2, 1)],
            "age_years": [47.0, 37.0, 27.0, 50.0, 43.0, 33.0, 32.0],
            "indication": [["weakness", "atrophy"], ["weakness"], ["hyporeflexia"], ["weakness"], ["atrophy"], ["weakness"], ["weakness"]],
        }
    )
    all_studies = ["s1", "s2", "s3", "s4", "s5", "s6a", "s6b"]
    ncs_studies = ["s1", "s2", "s3", "s4", "s6a", "s6b"]
    ncs = pl.DataFrame(
        {"study_id": ncs_studies, "nerve": "median", "modality": "motor", "side": "R", "stim_site": "wrist", "record_site": "apb", "latency_ms": 3.5, "amplitude": 8.0}
    )
    emg = pl.DataFrame({"study_id": all_studies, "muscle": "deltoid", "side": "R", "fibs": "0", "psw": "0"})
    signs = pl.DataFrame(
        {"patient_id": ["p2", "p5"], "sign": ["reflex", "weakness"], "site": ["biceps_reflex", "deltoid"], "side": ["R", "R"], "grade": [1.0, 3.0]}
    )
    ds = Dataset.from_frames(patients=patients, attacks=attacks, mri=mri, studies=studies, ncs=ncs, emg=emg, signs=signs)
    sf = pl.DataFrame(
        {
            "study_id": ["s1", "s2", "s3", "s4", "s6a", "s6b"],
            "ncs_abnormal": [False, True, False, False, True, False],
            "polyneuropathy": ["none", "axonal", "none", "none", "none", "none"],
            "mononeuropathies": [[], [], [], [], ["median:R:wrist"], []],
            "cranial_neuropathies": [[], [], [], [], [], []],
            "active_denervation": [True, False, False, False, True, False],
            "chronic_denervation": [True, False, False, False, False, True],
            "denervation": [True, False, False, False, True, True],
            "denervation_regions": [["cervical"], [], [], [], ["cervical"], ["lumbosacral"]],
            "denervation_segments": [["C6", "C7"], [], [], [], ["C8", "T1"], ["L5"]],
            "denervation_explained_by_ncs": [False, None, None, None, True, False],
            "lmn_involvement": [True, False, False, False, False, True],
            "mri_concordant": [True, None, None, None, None, False],
        }
    ).with_columns(
        pl.col(c).cast(pl.List(pl.String))
        for c in ("mononeuropathies", "cranial_neuropathies", "denervation_regions", "denervation_segments")
    )
    return ds, sf
