"""agreement(): flag-by-flag comparison of findings with the truth."""

from __future__ import annotations

import polars as pl

from edxlab.synth import agreement


def _frame(rows):
    return pl.DataFrame(rows, schema={"study_id": pl.String, "denervation": pl.Boolean,
                                      "denervation_segments": pl.List(pl.String),
                                      "mri_concordant": pl.Boolean})


def test_agreement_counts_lists_as_sets_and_missing_findings_as_disagreements():
    truth = _frame([
        {"study_id": "S1", "denervation": True, "denervation_segments": ["C5", "C6"], "mri_concordant": True},
        {"study_id": "S2", "denervation": False, "denervation_segments": [], "mri_concordant": None},
        {"study_id": "S3", "denervation": True, "denervation_segments": ["L5"], "mri_concordant": False},
        {"study_id": "S4", "denervation": False, "denervation_segments": [], "mri_concordant": None},
    ])
    found = _frame([
        {"study_id": "S1", "denervation": True, "denervation_segments": ["C6", "C5"], "mri_concordant": True},
        {"study_id": "S2", "denervation": True, "denervation_segments": ["T8"], "mri_concordant": True},
        {"study_id": "S3", "denervation": True, "denervation_segments": ["L5", "S1"], "mri_concordant": None},
        {"study_id": "S4", "denervation": False, "denervation_segments": [], "mri_concordant": None},
    ])
    a = {r["flag"]: r for r in agreement(truth, found).iter_rows(named=True)}
    assert a["denervation"] == {"flag": "denervation", "n": 4, "agree": 3, "percent": 75.0,
                                "disagreements": ["S2"]}
    assert a["denervation_segments"]["disagreements"] == ["S2", "S3"]
    # mri_concordant applies where the truth has a value (S1, S3); an empty finding disagrees
    assert (a["mri_concordant"]["n"], a["mri_concordant"]["agree"]) == (2, 1)
    assert a["mri_concordant"]["disagreements"] == ["S3"]
