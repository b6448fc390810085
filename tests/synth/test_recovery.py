"""edxlab recovers the generator's truth: a 2,000-patient registry cohort through the real
interpretation pipeline, every study_findings flag >= 95% agreement (acceptance target)."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.interpret.pipeline import interpret_dataset
from edxlab.synth import agreement, generate
from edxlab.synth.truth import FLAGS


@pytest.fixture(scope="module")
def recovered():
    cohort = generate("registry", 2000, seed=7)
    findings = interpret_dataset(cohort.dataset())
    return cohort, findings.study_findings


def test_every_flag_agrees_with_the_truth_in_at_least_95_percent(recovered):
    cohort, sf = recovered
    a = agreement(cohort.truth, sf)
    assert a["flag"].to_list() == list(FLAGS)
    low = a.filter(pl.col("percent") < 95).select("flag", "percent").rows()
    assert low == [], f"flags below 95% agreement: {low}"
    # the cohort exercises every finding, not only normal studies
    t = cohort.truth
    assert t["lmn_involvement"].sum() > 200 and t["denervation_explained_by_ncs"].sum() > 50
    assert t["mri_concordant"].sum() > 100 and (~t["mri_concordant"].drop_nulls()).sum() > 50
    assert (t["polyneuropathy"] == "axonal").sum() > 50 and t["cranial_neuropathies"].list.len().sum() > 20


def test_he2022_cohort_is_recovered_exactly_on_the_index_studies():
    cohort = generate("he2022", seed=2022)
    sf = interpret_dataset(cohort.dataset()).study_findings
    idx = cohort.truth_patients.filter(pl.col("he2022_cohort"))["index_study_id"].implode()
    a = agreement(cohort.truth.filter(pl.col("study_id").is_in(idx)), sf)
    assert a.filter(pl.col("agree") < pl.col("n")).select("flag", "disagreements").rows() == []
