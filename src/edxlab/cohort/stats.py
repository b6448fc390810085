"""Proportions with 95% confidence intervals, the cohort summary, small-cell suppression.

CIs come from statsmodels ``proportion_confint``: Wilson score by default (near-nominal coverage
at small n; Agresti & Coull, Am Stat 1998;52:119), Clopper-Pearson ("exact", conservative) on
request. Percentages and CI bounds are given in percent (0-100).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from edxlab.errors import ConfigError

#: CLI names -> statsmodels ``proportion_confint`` method names.
CI_METHODS: dict[str, str] = {"wilson": "wilson", "clopper-pearson": "beta"}
CI_LABELS: dict[str, str] = {"wilson": "Wilson score", "clopper-pearson": "Clopper-Pearson exact"}

REGIONS = ("bulbar", "cervical", "thoracic", "lumbosacral")

#: The He et al. (Mult Scler Relat Disord 2022;59:103544) measures, in the order of the abstract.
PUBLISHED_MEASURES = (
    "denervation",
    "ncs_abnormal",
    "denervation_explained_by_ncs",
    "ncs_abnormal_without_denervation",
    "lmn_involvement",
    "mri_concordant",
)

#: Published n/N of He et al. 2022 (abstract).
HE2022 = {
    "denervation": (13, 59),
    "ncs_abnormal": (7, 59),
    "denervation_explained_by_ncs": (4, 59),
    "ncs_abnormal_without_denervation": (2, 59),
    "lmn_involvement": (9, 59),
    "mri_concordant": (4, 59),
}

MEASURE_LABELS = {
    "denervation": "EMG denervation (active and/or chronic)",
    "ncs_abnormal": "Abnormal NCS (peripheral or cranial neuropathy)",
    "denervation_explained_by_ncs": "Denervation explained by the NCS",
    "ncs_abnormal_without_denervation": "Abnormal NCS without denervation",
    "lmn_involvement": "LMN involvement (denervation not explained by NCS)",
    "mri_concordant": "Denervation matching an MRI cord/brainstem lesion",
    "active_denervation": "Active denervation (fibrillations / positive sharp waves)",
    "chronic_denervation": "Chronic neurogenic MUAP changes",
    **{f"denervation_region_{r}": f"Denervation in the {r} region" for r in REGIONS},
}


def check_ci_method(method: str) -> str:
    if method not in CI_METHODS:
        raise ConfigError(
            f"Unknown confidence-interval method {method!r}; use one of: {', '.join(CI_METHODS)}."
        )
    return method


def proportion_ci(n: int, N: int, method: str = "wilson", alpha: float = 0.05) -> tuple[float, float]:
    """Two-sided (1 - alpha) CI of n/N as fractions; (nan, nan) when N is 0."""
    from statsmodels.stats.proportion import proportion_confint

    check_ci_method(method)
    if N == 0:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(n, N, alpha=alpha, method=CI_METHODS[method])
    return float(max(lo, 0.0)), float(min(hi, 1.0))


@dataclass(frozen=True)
class Proportion:
    measure: str
    n: int
    N: int
    ci_method: str = "wilson"

    @property
    def percent(self) -> float:
        return 100.0 * self.n / self.N if self.N else float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        lo, hi = proportion_ci(self.n, self.N, self.ci_method)
        return 100.0 * lo, 100.0 * hi

    def text(self) -> str:
        """``13/59 (22.0%; 95% CI 13.4-34.1)`` as manuscripts write it."""
        if not self.N:
            return f"{self.n}/{self.N}"
        lo, hi = self.ci
        return f"{self.n}/{self.N} ({self.percent:.1f}%; 95% CI {lo:.1f}-{hi:.1f})"


def _true(col: str) -> pl.Expr:
    return pl.col(col).fill_null(False)


def _measure_exprs() -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """measure -> (numerator expression, denominator expression) over patient_findings rows."""
    den_known = pl.col("denervation").is_not_null()
    both_known = den_known & pl.col("ncs_abnormal").is_not_null()
    out = {
        "denervation": (_true("denervation"), den_known),
        "ncs_abnormal": (_true("ncs_abnormal"), pl.col("ncs_abnormal").is_not_null()),
        "denervation_explained_by_ncs": (
            _true("denervation") & _true("denervation_explained_by_ncs"),
            den_known,
        ),
        "ncs_abnormal_without_denervation": (
            _true("ncs_abnormal") & (pl.col("denervation") == False),  # noqa: E712
            both_known,
        ),
        "lmn_involvement": (_true("lmn_involvement"), pl.col("lmn_involvement").is_not_null()),
        # He et al. report the MRI match over the whole cohort (4/59): patients without LMN
        # involvement or without MRI count as not concordant.
        "mri_concordant": (_true("mri_concordant"), pl.col("lmn_involvement").is_not_null()),
        "active_denervation": (_true("active_denervation"), pl.col("active_denervation").is_not_null()),
        "chronic_denervation": (_true("chronic_denervation"), pl.col("chronic_denervation").is_not_null()),
    }
    for region in REGIONS:
        out[f"denervation_region_{region}"] = (
            pl.col("denervation_regions").list.contains(region).fill_null(False),
            den_known,
        )
    return out


SUMMARY_SCHEMA = {
    "measure": pl.String,
    "n": pl.Int64,
    "N": pl.Int64,
    "percent": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "ci_method": pl.String,
    "suppressed": pl.Boolean,
}


def cohort_summary(
    patients: pl.DataFrame, ci_method: str = "wilson", min_cell: int = 0, subgroup: str | None = None
) -> pl.DataFrame:
    """``cohort_summary.csv``: one row per measure over the given (included) patient rows.

    ``patients`` has the study_findings flags of each patient's index study (patient_findings).
    With ``min_cell`` > 0, a row whose count or complement lies between 1 and ``min_cell`` - 1 is
    suppressed (n, percent and CI empty, ``suppressed`` true). With ``subgroup``, the summary is
    computed per value of that column (a ``subgroup`` column is added first).
    """
    check_ci_method(ci_method)
    if subgroup is not None:
        parts = []
        for key, part in patients.group_by(subgroup, maintain_order=True):
            s = cohort_summary(part, ci_method, min_cell)
            parts.append(s.select(pl.lit(str(key[0])).alias("subgroup"), pl.all()))
        return pl.concat(parts) if parts else pl.DataFrame(schema={"subgroup": pl.String, **SUMMARY_SCHEMA})
    exprs = _measure_exprs()
    counts = patients.select(
        *[num.filter(den).sum().alias(f"{m}__n") for m, (num, den) in exprs.items()],
        *[den.sum().alias(f"{m}__N") for m, (num, den) in exprs.items()],
    ).row(0, named=True)
    rows = []
    for measure in exprs:
        n, N = int(counts[f"{measure}__n"] or 0), int(counts[f"{measure}__N"] or 0)
        p = Proportion(measure, n, N, ci_method)
        lo, hi = p.ci if N else (None, None)
        suppressed = min_cell > 0 and N > 0 and (0 < n < min_cell or 0 < N - n < min_cell)
        rows.append(
            {
                "measure": measure,
                "n": None if suppressed else n,
                "N": N,
                "percent": None if suppressed or not N else round(p.percent, 4),
                "ci_low": None if suppressed or lo is None else round(lo, 4),
                "ci_high": None if suppressed or hi is None else round(hi, 4),
                "ci_method": ci_method,
                "suppressed": suppressed,
            }
        )
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA)


def suppress_counts(frame: pl.DataFrame, columns: list[str], min_cell: int) -> pl.DataFrame:
    """Blank every count in ``columns`` that lies between 1 and ``min_cell`` - 1 (as text ``<N``).

    For tables exported outside the research team (comparison tables, Table 1 counts).
    """
    if min_cell <= 0:
        return frame
    return frame.with_columns(
        pl.when((pl.col(c) > 0) & (pl.col(c) < min_cell))
        .then(pl.lit(f"<{min_cell}"))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in columns
    )
