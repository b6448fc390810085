"""Proportions and CIs against published worked examples; the cohort summary arithmetic."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.cohort.stats import Proportion, cohort_summary, proportion_ci, suppress_counts
from edxlab.errors import ConfigError


# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 1998;17:857-872, table II (methods 3 = Wilson score, 5 = Clopper-Pearson).
@pytest.mark.parametrize(
    ("n", "N", "wilson", "exact"),
    [
        (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
        (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
        (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
        (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
    ],
)
def test_newcombe_1998_worked_examples(n, N, wilson, exact):
    assert proportion_ci(n, N, "wilson") == pytest.approx(wilson, abs=6e-5)
    assert proportion_ci(n, N, "clopper-pearson") == pytest.approx(exact, abs=6e-5)


# He et al. 2022 figures with the CIs of the reference notes (section 1.3).
@pytest.mark.parametrize(
    ("n", "wilson", "exact"),
    [
        (13, (13.4, 34.1), (12.3, 34.7)),
        (7, (5.9, 22.5), (4.9, 22.9)),
        (4, (2.7, 16.2), (1.9, 16.5)),
        (2, (0.9, 11.5), (0.4, 11.7)),
        (9, (8.2, 26.5), (7.2, 27.0)),
    ],
)
def test_he2022_cis(n, wilson, exact):
    w = Proportion("m", n, 59, "wilson").ci
    c = Proportion("m", n, 59, "clopper-pearson").ci
    assert tuple(round(x, 1) for x in w) == wilson
    assert tuple(round(x, 1) for x in c) == exact


def test_proportion_text():
    assert Proportion("denervation", 13, 59).text() == "13/59 (22.0%; 95% CI 13.4-34.1)"


def test_unknown_ci_method_names_the_choices():
    with pytest.raises(ConfigError, match="Unknown confidence-interval method 'wald'; use one of: wilson, clopper-pearson."):
        proportion_ci(1, 2, "wald")


def he2022_patients() -> pl.DataFrame:
    """The 5-cell partition implied by the He et al. abstract (reference notes 1.4)."""
    rows = []

    def add(k, den, ncs, explained, mri=None, regions=("cervical",)):
        for _ in range(k):
            rows.append(
                {
                    "denervation": den,
                    "active_denervation": den,
                    "chronic_denervation": False,
                    "ncs_abnormal": ncs,
                    "denervation_explained_by_ncs": explained,
                    "lmn_involvement": den and not explained,
                    "mri_concordant": mri,
                    "denervation_regions": list(regions) if den else [],
                }
            )

    add(4, True, True, True, regions=("lumbosacral",))
    add(1, True, True, False, mri=False)
    add(4, True, False, False, mri=True)
    add(4, True, False, False, mri=False)
    add(2, False, True, None)
    add(44, False, False, None)
    return pl.DataFrame(rows)


def test_summary_reproduces_the_published_partition():
    s = cohort_summary(he2022_patients())
    got = {r["measure"]: (r["n"], r["N"]) for r in s.iter_rows(named=True)}
    assert got["denervation"] == (13, 59)
    assert got["ncs_abnormal"] == (7, 59)
    assert got["denervation_explained_by_ncs"] == (4, 59)
    assert got["ncs_abnormal_without_denervation"] == (2, 59)
    assert got["lmn_involvement"] == (9, 59)
    assert got["mri_concordant"] == (4, 59)
    assert got["denervation_region_cervical"] == (9, 59)
    assert got["denervation_region_lumbosacral"] == (4, 59)
    row = s.filter(pl.col("measure") == "denervation").row(0, named=True)
    assert (row["percent"], row["ci_low"], row["ci_high"], row["ci_method"]) == (22.0339, 13.3542, 34.1327, "wilson")


def test_summary_denominator_excludes_unknown_values():
    p = pl.DataFrame({"denervation": [True, False, None], "ncs_abnormal": [True, None, None]})
    p = p.with_columns(
        pl.lit(None, pl.Boolean).alias(c)
        for c in ("denervation_explained_by_ncs", "lmn_involvement", "mri_concordant", "active_denervation", "chronic_denervation")
    ).with_columns(pl.lit(None, pl.List(pl.String)).alias("denervation_regions"))
    s = cohort_summary(p)
    got = {r["measure"]: (r["n"], r["N"]) for r in s.iter_rows(named=True)}
    assert got["denervation"] == (1, 2)
    assert got["ncs_abnormal"] == (1, 1)
    assert got["ncs_abnormal_without_denervation"] == (0, 1)


def test_small_cell_suppression():
    s = cohort_summary(he2022_patients(), min_cell=5)
    rows = {r["measure"]: r for r in s.iter_rows(named=True)}
    assert rows["denervation"]["n"] == 13 and not rows["denervation"]["suppressed"]
    assert rows["mri_concordant"]["n"] is None and rows["mri_concordant"]["percent"] is None
    assert rows["mri_concordant"]["suppressed"] and rows["mri_concordant"]["N"] == 59
    # zero is not a small cell
    assert rows["denervation_region_bulbar"]["n"] == 0


def test_suppress_counts_in_tables():
    t = pl.DataFrame({"group": ["a", "b", "c"], "n": [0, 3, 12]})
    assert suppress_counts(t, ["n"], 5)["n"].to_list() == ["0", "<5", "12"]


def test_summary_by_subgroup():
    p = he2022_patients().with_columns(
        aqp4=pl.Series(["positive"] * 30 + ["negative"] * 29)
    )
    s = cohort_summary(p, subgroup="aqp4")
    assert s.filter(pl.col("measure") == "denervation")["N"].to_list() == [30, 29]
