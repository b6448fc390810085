"""Eligibility steps, index study and the attrition arithmetic."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from edxlab.cohort.selection import CohortSettings, select_cohort
from edxlab.errors import ConfigError

WINDOW = CohortSettings(date_from=dt.date(2016, 1, 1), date_to=dt.date(2019, 12, 31))


def _by_patient(sel):
    return {r["patient_id"]: r for r in sel.patient_findings.iter_rows(named=True)}


def test_exclusion_reasons_and_index_study(cohort):
    ds, sf = cohort
    rows = _by_patient(select_cohort(ds, sf, WINDOW))
    assert rows["p1"]["included"] and rows["p1"]["index_study_id"] == "s1"
    assert rows["p1"]["nmosd_criteria"] == "aqp4_positive"
    assert rows["p2"]["exclusion_reason"] == "does not meet the IPND 2015 criteria for NMOSD"
    assert rows["p3"]["included"] and rows["p3"]["mogad"] and rows["p3"]["nmosd_criteria"] == "aqp4_negative"
    assert rows["p4"]["exclusion_reason"] == "no EDX study between 2016-01-01 and 2019-12-31"
    assert rows["p5"]["exclusion_reason"] == (
        "no study with needle EMG and nerve conduction studies between 2016-01-01 and 2019-12-31"
    )
    # the first complete study in the window is the index study, and its flags are carried
    assert rows["p6"]["index_study_id"] == "s6b"
    assert rows["p6"]["lmn_involvement"] is True and rows["p6"]["denervation_regions"] == ["lumbosacral"]


def test_exclude_mogad(cohort):
    ds, sf = cohort
    settings = CohortSettings(date_from=dt.date(2016, 1, 1), date_to=dt.date(2019, 12, 31), exclude_mogad=True)
    sel = select_cohort(ds, sf, settings)
    rows = _by_patient(sel)
    assert rows["p3"]["exclusion_reason"] == "meets the MOGAD 2023 criteria (MOGAD excluded)"
    assert sel.attrition["criterion"].to_list()[2] == "MOGAD (2023 criteria) excluded"


def test_attrition_arithmetic(cohort):
    ds, sf = cohort
    sel = select_cohort(ds, sf, WINDOW)
    a = sel.attrition
    assert a["n_before"].to_list() == [6, 6, 5, 4]
    assert a["n_after"].to_list() == [6, 5, 4, 3]
    assert (a["n_before"] - a["n_excluded"] == a["n_after"]).all()
    assert (a["n_after"].head(-1) == a["n_before"].tail(-1)).all()
    # each step's exclusions are exactly the patients with that reason
    reasons = sel.patient_findings.group_by("exclusion_reason").len()
    for row in a.tail(-1).iter_rows(named=True):
        n = reasons.filter(pl.col("exclusion_reason") == row["reason"])["len"].sum()
        assert n == row["n_excluded"]
    assert sel.patient_findings["included"].sum() == a["n_after"][-1]


def test_no_window_keeps_old_studies(cohort):
    ds, sf = cohort
    rows = _by_patient(select_cohort(ds, sf, CohortSettings()))
    assert rows["p4"]["included"] and rows["p4"]["index_study_id"] == "s4"
    assert select_cohort(ds, sf, CohortSettings()).attrition["criterion"].to_list() == [
        "Patients in the database",
        "Meet the IPND 2015 criteria for NMOSD",
        "At least one EDX study",
        "A study with needle EMG and nerve conduction studies",
    ]


def test_require_emg_only(cohort):
    ds, sf = cohort
    rows = _by_patient(select_cohort(ds, sf, CohortSettings(require=("emg",))))
    assert rows["p5"]["included"] and rows["p5"]["index_study_id"] == "s5"
    # s5 has no study_findings row: flags unknown, not false
    assert rows["p5"]["denervation"] is None


def test_clinical_lmn_signs_and_edx_recommended(cohort):
    ds, sf = cohort
    rows = _by_patient(select_cohort(ds, sf, CohortSettings()))
    assert rows["p2"]["lmn_suspected"] is True  # biceps reflex grade 1
    assert rows["p2"]["lmn_signs"] == "reflex biceps reflex grade 1 (C5;C6) right"
    assert rows["p2"]["edx_recommended"] is False  # the undated sign: any study counts
    assert rows["p5"]["lmn_suspected"] is False  # weakness alone is not an LMN sign
    assert rows["p1"]["lmn_suspected"] is None  # no examination recorded


def test_settings_errors():
    with pytest.raises(ConfigError, match="Unknown required test 'mri'; use a comma-separated list of: emg, ncs, fwaves, blink."):
        CohortSettings(require=("emg", "mri"))
    with pytest.raises(ConfigError, match="The date window is empty: --from 2020-01-01 is after --to 2019-12-31."):
        CohortSettings(date_from=dt.date(2020, 1, 1), date_to=dt.date(2019, 12, 31))


def test_study_findings_read_back_from_csv_text(cohort):
    ds, sf = cohort
    text = sf.with_columns(
        pl.col(c).list.join(";") for c in ("mononeuropathies", "cranial_neuropathies", "denervation_regions", "denervation_segments")
    ).with_columns(pl.col(c).cast(pl.String).str.to_lowercase() for c in ("ncs_abnormal", "denervation", "lmn_involvement"))
    rows = _by_patient(select_cohort(ds, text, WINDOW))
    assert rows["p6"]["denervation_segments"] == ["L5"] and rows["p6"]["lmn_involvement"] is True
    assert rows["p1"]["mononeuropathies"] == []
