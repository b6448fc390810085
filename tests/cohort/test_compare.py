"""Subgroup tests, effect sizes, the logistic model's warnings, Table 1."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from edxlab.cohort.compare import analysis_frame, compare_subgroups, fisher_2x2, logistic_lmn, mann_whitney
from edxlab.cohort.covariates import patient_covariates
from edxlab.cohort.selection import CohortSettings, select_cohort
from edxlab.cohort.table1 import table1


def test_fisher_lady_tasting_tea():
    # Fisher's tea-tasting table; R fisher.test: p = 0.4857, OR 6.408309 (95% CI 0.2117-621.9)
    p, or_, lo, hi = fisher_2x2(3, 1, 1, 3)
    assert p == pytest.approx(0.4857, abs=1e-4)
    assert or_ == pytest.approx(6.4083, abs=1e-3)
    assert lo == pytest.approx(0.2117, abs=1e-3)
    # the likelihood is flat out there: scipy's root finder lands within 1% of R's 621.93
    assert hi == pytest.approx(621.9, rel=1e-2)


def test_mann_whitney_complete_separation():
    u, p, r = mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert u == 0.0
    assert p == pytest.approx(0.1)  # exact: 2 of 20 orderings
    assert r == -1.0


def _frame(cohort):
    ds, sf = cohort
    sel = select_cohort(ds, sf, CohortSettings())
    return analysis_frame(patient_covariates(ds, sel.patient_findings), sel.patient_findings)


def test_covariates_at_index_study(cohort):
    f = {r["patient_id"]: r for r in _frame(cohort).iter_rows(named=True)}
    assert set(f) == {"p1", "p3", "p4", "p6"}
    assert f["p1"]["days_attack_to_edx"] == 28.0  # attack 2017-02-01, EDX 2017-03-01
    assert f["p6"]["days_attack_to_edx"] == 703.0  # the 2018 attack came after the index study
    assert f["p1"]["lesion_level"] == "cervical only" and f["p1"]["letm"] is True
    assert f["p4"]["lesion_level"] is None and f["p4"]["letm"] is None  # no MRI: unknown
    assert f["p1"]["edx_within_21_days"] is False


def test_compare_aqp4_status(cohort):
    c = compare_subgroups(_frame(cohort))
    row = c.filter((pl.col("comparison") == "AQP4-IgG status") & (pl.col("outcome") == "LMN involvement")).row(0, named=True)
    assert (row["n_a"], row["N_a"], row["n_b"], row["N_b"]) == (2, 3, 0, 1)
    assert row["test"] == "Fisher's exact" and row["p_value"] == pytest.approx(1.0)
    mw = c.filter((pl.col("test") == "Mann-Whitney U") & (pl.col("comparison") == "Days from the last attack to EDX"))
    assert mw["N_a"].to_list() == [2, 2]


def _synthetic(n: int, events: int, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=bool)
    y[:events] = True
    return pl.DataFrame(
        {
            "lmn_involvement": y,
            "aqp4_positive": rng.random(n) < np.where(y, 0.8, 0.5),
            "cervical_lesion": rng.random(n) < np.where(y, 0.7, 0.4),
            "letm": rng.random(n) < 0.6,
            "days_attack_to_edx": rng.integers(5, 400, n).astype(float),
        }
    )


def test_logistic_warns_when_events_per_variable_are_few():
    res = logistic_lmn(_synthetic(59, 9))
    assert res.events == 9 and res.predictors == ["aqp4_positive", "cervical_lesion", "letm", "days_attack_to_edx"]
    assert res.warnings[0].startswith("Only 2.2 events per variable (9 events, 4 predictors; at least 10 recommended")
    assert res.fitted and res.table["term"].to_list() == res.predictors
    assert (res.table["ci_low"] < res.table["odds_ratio"]).all() and (res.table["odds_ratio"] < res.table["ci_high"]).all()


def test_logistic_enough_events_no_warning():
    res = logistic_lmn(_synthetic(400, 120))
    assert res.warnings == [] and res.fitted
    assert res.events_per_variable == 30.0


def test_logistic_separating_binary_predictor_is_left_out():
    f = pl.DataFrame(
        {
            "lmn_involvement": [True] * 5 + [False] * 15,
            "aqp4_positive": [True] * 5 + [False] * 15,
            "cervical_lesion": [True, False] * 10,
        }
    )
    res = logistic_lmn(f)
    assert res.warnings[0] == (
        "AQP4-IgG positive was left out: a cell of its 2x2 table with the outcome is empty "
        "(quasi-complete separation; no finite odds ratio)."
    )
    assert res.fitted and res.table["term"].to_list() == ["cervical_lesion"]


def test_logistic_continuous_separation_is_reported_not_raised():
    f = pl.DataFrame(
        {
            "lmn_involvement": [True] * 5 + [False] * 15,
            "days_attack_to_edx": [10.0, 20.0, 30.0, 40.0, 50.0] + [200.0 + 10 * i for i in range(15)],
        }
    )
    res = logistic_lmn(f)
    assert not res.fitted
    assert "did not converge" in res.warnings[-1] or "could not be estimated" in res.warnings[-1]


def test_table1_rows_and_missing_counts(cohort):
    t = table1(_frame(cohort))
    assert t.columns == ["variable", "level", "missing", "Overall", "LMN involvement: no", "LMN involvement: yes"]
    rows = {(r["variable"], r["level"]): r for r in t.iter_rows(named=True)}
    assert rows[("n", "")]["Overall"] == "4"
    assert rows[("Sex, n (%)", "F")]["Overall"] == "3 (75.0)"
    assert rows[("LETM (>= 3 vertebral segments), n (%)", "")]["missing"] == 1
    assert rows[("Attack type: Area postrema syndrome, n (%)", "")]["Overall"] == "0 (0.0)"
    assert rows[("MOG-IgG, n (%)", "negative")]["missing"] == 1


def test_table1_small_cells(cohort):
    t = table1(_frame(cohort), min_cell=2)
    rows = {(r["variable"], r["level"]): r for r in t.iter_rows(named=True)}
    assert rows[("Sex, n (%)", "M")]["Overall"] == "<2"
    assert rows[("Sex, n (%)", "F")]["Overall"] == "3 (75.0)"
