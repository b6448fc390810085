"""The Dataset container and study ages."""

from __future__ import annotations

import datetime as dt

import polars as pl

from edxlab.model.dataset import Dataset, study_ages
from edxlab.model.schema import TABLE_NAMES, tables


def test_every_table_present_with_canonical_schema():
    ds = Dataset()
    for name in TABLE_NAMES:
        assert dict(ds[name].schema) == tables()[name].polars_schema()
    assert ds["ncs"].schema["amplitude_nr"] == pl.Boolean


def test_from_frames_casts_and_fills():
    ds = Dataset.from_frames(ncs=pl.DataFrame({"study_id": ["S1"], "amplitude": [5]}))
    assert ds["ncs"]["amplitude"].dtype == pl.Float64
    assert ds["ncs"]["amplitude_nr"].to_list() == [False]
    assert ds["ncs"]["nerve"].to_list() == [None]


def test_study_ages_prefers_age_years_then_birth_year():
    ds = Dataset.from_frames(
        patients=pl.DataFrame({"patient_id": ["P1", "P2"], "birth_year": [1970, None]}),
        studies=pl.DataFrame({
            "study_id": ["S1", "S2", "S3"], "patient_id": ["P1", "P1", "P2"],
            "study_date": [dt.date(2020, 5, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1)],
            "age_years": [None, 49.5, None]}),
    )
    ages = study_ages(ds).sort("study_id")
    assert ages.to_dict(as_series=False) == {"study_id": ["S1", "S2", "S3"],
                                             "age_years": [50.0, 49.5, None]}
    assert ages.schema["age_years"] == pl.Float64
