"""The he2022 preset: the published partition of He et al. 2022 and the patients outside it."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.synth import generate, he2022_measures


@pytest.fixture(scope="module", params=[0, 2022])
def cohort(request):
    return generate("he2022", seed=request.param)


def test_index_studies_reproduce_the_published_partition(cohort):
    assert he2022_measures(cohort) == {
        "N": 59, "denervation": 13, "ncs_abnormal": 7, "denervation_explained_by_ncs": 4,
        "ncs_abnormal_without_denervation": 2, "lmn_involvement": 9, "mri_concordant": 4,
    }


def test_partition_cells_are_consistent(cohort):
    """13 = 4 explained + 1 abnormal-not-explaining + 8 normal NCS; 7 = 4 + 1 + 2; LMN = 13 - 4."""
    idx = cohort.truth_patients.filter(pl.col("he2022_cohort"))["index_study_id"]
    t = cohort.truth.filter(pl.col("study_id").is_in(idx.implode()))
    cells = t.group_by("denervation", "ncs_abnormal", "denervation_explained_by_ncs").len()
    got = {(r["denervation"], r["ncs_abnormal"], r["denervation_explained_by_ncs"]): r["len"]
           for r in cells.iter_rows(named=True)}
    assert got == {(True, True, True): 4, (True, True, False): 1, (True, False, False): 8,
                   (False, True, None): 2, (False, False, None): 44}
    # every MRI-concordant study is an LMN study
    assert t.filter(pl.col("mri_concordant").fill_null(False) & ~pl.col("lmn_involvement")).height == 0


def test_patients_outside_the_cohort_give_each_attrition_step_work(cohort):
    tp = cohort.truth_patients
    cats = dict(tp.group_by("he2022_category").len().iter_rows())
    assert cats["X_mogad"] == 6 and cats["X_not_met"] == 3 and cats["X_ncs_only"] == 4
    assert cats["X_emg_only"] == 1 and cats["X_outside_window"] == 3
    assert tp.filter(pl.col("he2022_cohort")).height == 59
    # MOGAD: clear-positive MOG-IgG, AQP4-IgG negative; 4 of them also meet the seronegative rule
    mogad = tp.filter(pl.col("he2022_category") == "X_mogad")
    assert mogad["mogad"].all()
    assert mogad.filter(pl.col("nmosd_criteria") == "aqp4_negative").height == 4
    pts = cohort.tables["patients"].join(mogad.select("patient_id"), on="patient_id")
    assert (pts["mog_titer"] >= 100).all() and (pts["aqp4_igg"] == "negative").all()
    assert tp.filter(pl.col("he2022_category") == "X_not_met")["nmosd_criteria"].to_list() == ["not_met"] * 3
    # the 59 meet IPND 2015: 45 AQP4-IgG positive, 10 negative, 4 untested
    crit = dict(tp.filter(pl.col("he2022_cohort")).group_by("nmosd_criteria").len().iter_rows())
    assert crit == {"aqp4_positive": 45, "aqp4_negative": 10, "aqp4_unknown": 4}


def test_index_study_is_first_in_window_with_both_tests(cohort):
    st = cohort.tables["studies"]
    has = {
        "emg": set(cohort.tables["emg"]["study_id"].unique()),
        "ncs": set(cohort.tables["ncs"]["study_id"].unique()),
    }
    tp = cohort.truth_patients.filter(pl.col("he2022_cohort"))
    earlier = 0
    for pid, index in tp.select("patient_id", "index_study_id").iter_rows():
        rows = st.filter(pl.col("patient_id") == pid).sort("study_date")
        both = [s for s in rows["study_id"] if s in has["emg"] and s in has["ncs"]]
        assert both[0] == index
        earlier += rows["study_id"][0] != index
    assert earlier >= 3  # some patients have an earlier NCS-only study in the window


def test_seronegative_patients_have_the_mri_the_criteria_require(cohort):
    tp = cohort.truth_patients.filter(pl.col("nmosd_criteria").is_in(["aqp4_negative", "aqp4_unknown"]))
    mri = cohort.tables["mri"].join(tp.select("patient_id"), on="patient_id")
    spinal = mri.filter(pl.col("region") == "spinal_cord")
    order = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + ["L1"]
    length = spinal.select(
        (pl.col("level_to").replace_strict(order, list(range(len(order))))
         - pl.col("level_from").replace_strict(order, list(range(len(order)))) + 1).alias("n"))["n"]
    assert (length >= 3).all()  # LETM
    attacks = cohort.tables["attacks"].join(tp.select("patient_id"), on="patient_id")
    with_on = set(attacks.filter(pl.col("core_feature") == "optic_neuritis")["patient_id"])
    optic = set(mri.filter((pl.col("region") == "optic_nerve") & pl.col("optic_over_half"))["patient_id"])
    assert with_on and with_on <= optic


def test_everything_is_labelled_synthetic(cohort):
    assert cohort.tables["patients"]["patient_id"].str.starts_with("SYN-").all()
    assert cohort.tables["studies"]["study_id"].str.starts_with("SYN-").all()
    assert (cohort.tables["signs"]["note"] == "synthetic").all()
