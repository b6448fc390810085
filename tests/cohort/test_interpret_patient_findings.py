"""`edxlab interpret` writes patient_findings with the cohort columns (default settings)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from edxlab.cli import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "nmosd_demo"


def test_interpret_writes_cohort_columns(tmp_path):
    assert main(["interpret", str(EXAMPLE), "--out", str(tmp_path)]) == 0
    pf = pl.read_csv(tmp_path / "patient_findings.csv", infer_schema=False)
    assert pf.columns[:8] == [
        "patient_id", "included", "exclusion_reason", "nmosd_criteria", "mogad",
        "lmn_suspected", "edx_recommended", "index_study_id",
    ]
    sf = pl.read_csv(tmp_path / "study_findings.csv", infer_schema=False)
    for r in pf.iter_rows(named=True):
        assert r["included"] in ("true", "false")
        assert r["nmosd_criteria"] in ("aqp4_positive", "aqp4_negative", "aqp4_unknown", "not_met")
        if r["included"] == "true":
            assert r["exclusion_reason"] is None
            # the index study is the patient's first study with needle EMG and NCS, and its
            # flags are carried over unchanged
            s = sf.filter(pl.col("study_id") == r["index_study_id"]).row(0, named=True)
            assert s["patient_id"] == r["patient_id"]
            assert (r["denervation"], r["lmn_involvement"]) == (s["denervation"], s["lmn_involvement"])
        else:
            assert r["exclusion_reason"]
