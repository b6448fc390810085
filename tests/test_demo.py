"""`edxlab demo`: the He et al. 2022 figures reproduced end to end on the synthetic cohort."""

from __future__ import annotations

import polars as pl
import pytest
from bs4 import BeautifulSoup

from edxlab.cli import main
from edxlab.cohort.stats import HE2022, PUBLISHED_MEASURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "edxlab-demo"
    capture = pytest.MonkeyPatch()
    import io
    import sys

    buf = io.StringIO()
    capture.setattr(sys, "stdout", buf)
    try:
        rc = main(["demo", "--out", str(out)])
    finally:
        capture.undo()
    return rc, out, buf.getvalue()


def test_demo_runs(demo):
    rc, _, text = demo
    assert rc == 0
    assert "reproduced on SYNTHETIC data (59 patients)" in text
    assert "13/59 (22.0%; 13.4-34.1)" in text  # denervation: published figure and Wilson CI


def test_six_published_measures_recovered(demo):
    _, out, _ = demo
    s = {r["measure"]: (r["n"], r["N"]) for r in pl.read_csv(out / "cohort_summary.csv").iter_rows(named=True)}
    for m in PUBLISHED_MEASURES:
        assert s[m] == HE2022[m], m


def test_attrition_reaches_the_59(demo):
    _, out, _ = demo
    a = pl.read_csv(out / "attrition.csv")
    assert a["n_before"][0] == 76 and a["n_after"][-1] == 59
    assert a["criterion"].to_list()[2] == "MOGAD (2023 criteria) excluded"
    assert (a["n_before"] - a["n_excluded"] == a["n_after"]).all()


def test_agreement_with_truth(demo):
    _, out, _ = demo
    agr = pl.read_csv(out / "agreement.csv")
    assert set(agr["flag"]) >= {"ncs_abnormal", "denervation", "lmn_involvement", "mri_concordant"}
    assert (agr["percent"] >= 95).all()


def test_outputs_present_and_labelled_synthetic(demo):
    _, out, _ = demo
    for name in (
        "dataset/patients.csv", "dataset/README.txt", "edxlab-demo.duckdb", "truth.csv",
        "study_findings.csv", "nerve_findings.csv", "muscle_findings.csv", "patient_findings.csv",
        "cohort_summary.csv", "attrition.csv", "reports/cohort_report.html",
        "reports/cohort_tables.xlsx", "reports/cohort_tables.docx", "reports/figures/segments.png",
    ):
        assert (out / name).exists(), name
    assert (out / "dataset" / "README.txt").read_text().startswith("SYNTHETIC DATA")
    assert not (out / "dataset" / "truth.csv").exists()  # the truth is kept out of the dataset
    soup = BeautifulSoup((out / "reports" / "cohort_report.html").read_text("utf-8"), "html.parser")
    assert soup.find(id="synthetic-label").text.startswith("SYNTHETIC DATA")
    studies = sorted((out / "reports" / "studies").glob("study_*.html"))
    assert len(studies) == 59
    one = BeautifulSoup(studies[0].read_text("utf-8"), "html.parser")
    assert one.find(id="synthetic-label") and one.find(id="ncs")
