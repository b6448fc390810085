"""Subgroup comparisons and the logistic model for predictors of LMN involvement.

- Binary subgroup x binary outcome: Fisher's exact test (two-sided) with the conditional
  maximum-likelihood odds ratio and its exact 95% CI (scipy ``odds_ratio``).
- Continuous variable between outcome groups: Mann-Whitney U (two-sided) with the rank-biserial
  correlation r = 2U/(n1 n2) - 1 as effect size (Kerby 2014).
- Logistic regression (statsmodels Logit): odds ratios with Wald 95% CIs; a warning when events
  per variable fall below 10 (Peduzzi et al., J Clin Epidemiol 1996;49:1373).

At n of about 60, subgroup tests are exploratory: the report says so and no p-value is adjusted
silently.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

#: (variable, label, group-true label, group-false label) of the binary subgroups.
BINARY_SUBGROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("aqp4_positive", "AQP4-IgG status", "AQP4-IgG positive", "AQP4-IgG negative or unknown"),
    ("cervical_lesion", "Cervical cord lesion on MRI", "cervical lesion", "no cervical lesion"),
    ("thoracic_lesion", "Thoracic cord lesion on MRI", "thoracic lesion", "no thoracic lesion"),
    ("letm", "LETM (>= 3 vertebral segments)", "LETM", "no LETM"),
    ("edx_within_21_days", "Time from attack to EDX", "EDX <= 21 days after the attack", "EDX > 21 days after the attack"),
)
#: (variable, label) of the continuous variables compared between outcome groups.
CONTINUOUS: tuple[tuple[str, str], ...] = (
    ("days_attack_to_edx", "Days from the last attack to EDX"),
    ("age_years", "Age at EDX (years)"),
    ("disease_duration_years", "Disease duration (years)"),
    ("edss", "EDSS"),
)
OUTCOMES: dict[str, str] = {"lmn_involvement": "LMN involvement", "denervation": "EMG denervation"}

#: Predictors of the logistic model (binary or continuous columns of the analysis frame).
LOGISTIC_PREDICTORS: tuple[tuple[str, str], ...] = (
    ("aqp4_positive", "AQP4-IgG positive"),
    ("cervical_lesion", "Cervical cord lesion"),
    ("letm", "LETM"),
    ("days_attack_to_edx", "Days from the last attack to EDX (per 30 days)"),
)
MIN_EVENTS_PER_VARIABLE = 10
MIN_COMPLETE_CASES = 10

COMPARISON_SCHEMA = {
    "comparison": pl.String,
    "outcome": pl.String,
    "group_a": pl.String,
    "group_b": pl.String,
    "n_a": pl.Int64,
    "N_a": pl.Int64,
    "n_b": pl.Int64,
    "N_b": pl.Int64,
    "summary_a": pl.String,
    "summary_b": pl.String,
    "test": pl.String,
    "statistic": pl.Float64,
    "p_value": pl.Float64,
    "effect": pl.String,
    "effect_value": pl.Float64,
    "effect_ci_low": pl.Float64,
    "effect_ci_high": pl.Float64,
}


def analysis_frame(covariates: pl.DataFrame, patient_findings: pl.DataFrame) -> pl.DataFrame:
    """Included patients with their outcome flags and covariates."""
    flags = patient_findings.filter(pl.col("included")).select("patient_id", *OUTCOMES)
    return flags.join(covariates, on="patient_id", how="left").with_columns(
        edx_within_21_days=pl.col("days_attack_to_edx") <= 21
    )


#: Above this many patients the conditional (exact) OR CI is slow and no better than the
#: sample OR with its Woolf (log) CI.
CONDITIONAL_OR_MAX_N = 1000


def odds_ratio_kind(n: int) -> str:
    return "conditional" if n <= CONDITIONAL_OR_MAX_N else "sample"


def fisher_2x2(a: int, b: int, c: int, d: int) -> tuple[float, float, float, float]:
    """Fisher's exact test on [[a, b], [c, d]]: (p, OR, CI low, CI high); the conditional MLE
    OR with its exact CI up to :data:`CONDITIONAL_OR_MAX_N` patients, the sample OR with the
    Woolf CI above."""
    from scipy.stats import fisher_exact
    from scipy.stats.contingency import odds_ratio

    table = np.array([[a, b], [c, d]])
    p = float(fisher_exact(table).pvalue)
    res = odds_ratio(table, kind=odds_ratio_kind(a + b + c + d))
    ci = res.confidence_interval(0.95)
    return p, float(res.statistic), float(ci.low), float(ci.high)


def mann_whitney(x: list[float], y: list[float]) -> tuple[float, float, float]:
    """Mann-Whitney U of x vs y: (U of x, two-sided p, rank-biserial r = 2U/(n1 n2) - 1)."""
    from scipy.stats import mannwhitneyu

    res = mannwhitneyu(x, y, alternative="two-sided")
    u = float(res.statistic)
    return u, float(res.pvalue), 2 * u / (len(x) * len(y)) - 1


def _median_iqr(v: list[float]) -> str:
    if not v:
        return ""
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:.1f} ({q1:.1f}-{q3:.1f})"


def compare_subgroups(frame: pl.DataFrame) -> pl.DataFrame:
    """All comparisons over the analysis frame (one row per test)."""
    rows = []
    for outcome, outcome_label in OUTCOMES.items():
        for var, label, a_label, b_label in BINARY_SUBGROUPS:
            if var not in frame.columns:
                continue
            f = frame.filter(pl.col(var).is_not_null() & pl.col(outcome).is_not_null())
            ga, gb = f.filter(pl.col(var)), f.filter(~pl.col(var))
            if ga.is_empty() or gb.is_empty():
                continue
            a, c = int(ga[outcome].sum()), int(gb[outcome].sum())
            b, d = ga.height - a, gb.height - c
            p, or_, lo, hi = fisher_2x2(a, b, c, d)
            rows.append(
                {
                    "comparison": label,
                    "outcome": outcome_label,
                    "group_a": a_label,
                    "group_b": b_label,
                    "n_a": a,
                    "N_a": ga.height,
                    "n_b": c,
                    "N_b": gb.height,
                    "summary_a": f"{a}/{ga.height} ({100 * a / ga.height:.1f}%)",
                    "summary_b": f"{c}/{gb.height} ({100 * c / gb.height:.1f}%)",
                    "test": "Fisher's exact",
                    "statistic": None,
                    "p_value": p,
                    "effect": "odds ratio (conditional MLE)"
                    if odds_ratio_kind(f.height) == "conditional"
                    else "odds ratio (sample, Woolf CI)",
                    "effect_value": or_,
                    "effect_ci_low": lo,
                    "effect_ci_high": hi,
                }
            )
        for var, label in CONTINUOUS:
            if var not in frame.columns:
                continue
            f = frame.filter(pl.col(var).is_not_null() & pl.col(outcome).is_not_null())
            x = f.filter(pl.col(outcome))[var].to_list()
            y = f.filter(~pl.col(outcome))[var].to_list()
            if not x or not y:
                continue
            u, p, r = mann_whitney(x, y)
            rows.append(
                {
                    "comparison": label,
                    "outcome": outcome_label,
                    "group_a": f"with {outcome_label}",
                    "group_b": f"without {outcome_label}",
                    "n_a": None,
                    "N_a": len(x),
                    "n_b": None,
                    "N_b": len(y),
                    "summary_a": "median (IQR) " + _median_iqr(x),
                    "summary_b": "median (IQR) " + _median_iqr(y),
                    "test": "Mann-Whitney U",
                    "statistic": u,
                    "p_value": p,
                    "effect": "rank-biserial correlation",
                    "effect_value": r,
                    "effect_ci_low": None,
                    "effect_ci_high": None,
                }
            )
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)


@dataclass
class LogisticResult:
    outcome: str
    n: int
    events: int
    predictors: list[str]
    events_per_variable: float
    table: pl.DataFrame  # term, label, odds_ratio, ci_low, ci_high, p_value
    warnings: list[str] = field(default_factory=list)

    @property
    def fitted(self) -> bool:
        return not self.table.is_empty()


LOGISTIC_SCHEMA = {
    "term": pl.String,
    "label": pl.String,
    "odds_ratio": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
}


def logistic_lmn(frame: pl.DataFrame, outcome: str = "lmn_involvement") -> LogisticResult:
    """Logistic regression of ``outcome`` on :data:`LOGISTIC_PREDICTORS` (complete cases).

    Predictors without variation are dropped (with a note). The model is fitted even with few
    events per variable, with a warning; separation or non-convergence leaves the table empty
    and says why.
    """
    import statsmodels.api as sm

    names = [p for p, _ in LOGISTIC_PREDICTORS if p in frame.columns]
    labels = dict(LOGISTIC_PREDICTORS)
    notes: list[str] = []
    f = frame.select(outcome, *names).drop_nulls()
    kept = []
    for p in names:
        if f[p].cast(pl.Float64).n_unique() < 2:
            notes.append(f"{labels[p]} does not vary among the {f.height} complete cases and was left out.")
        else:
            kept.append(p)
    for p in list(kept):  # quasi-complete separation: a binary predictor with an empty cell
        if f[p].dtype == pl.Boolean:
            cells = f.group_by(p, outcome).len()
            if cells.height < 4:
                notes.append(
                    f"{labels[p]} was left out: a cell of its 2x2 table with the outcome is empty "
                    "(quasi-complete separation; no finite odds ratio)."
                )
                kept.remove(p)
    events = int(f[outcome].sum()) if f.height else 0
    nonevents = f.height - events
    epv = min(events, nonevents) / len(kept) if kept else 0.0
    result = LogisticResult(outcome, f.height, events, kept, epv, pl.DataFrame(schema=LOGISTIC_SCHEMA), notes)
    if not kept or events == 0 or nonevents == 0:
        notes.append("The logistic model was not fitted: no outcome variation or no usable predictor.")
        return result
    if f.height < MIN_COMPLETE_CASES:
        notes.append(
            f"The logistic model was not fitted: {f.height} patients with every predictor known "
            f"(at least {MIN_COMPLETE_CASES} needed)."
        )
        return result
    if epv < 1:
        notes.append(
            f"The logistic model was not fitted: {min(events, nonevents)} events for {len(kept)} predictors "
            "(fewer than one event per variable)."
        )
        return result
    if epv < MIN_EVENTS_PER_VARIABLE:
        notes.append(
            f"Only {epv:.1f} events per variable ({min(events, nonevents)} events, {len(kept)} predictors; "
            f"at least {MIN_EVENTS_PER_VARIABLE} recommended, Peduzzi 1996): the odds ratios are unstable "
            "and may be biased away from 1; treat the model as exploratory."
        )
    x = f.select(
        [(pl.col(p).cast(pl.Float64) / 30.0).alias(p) if p == "days_attack_to_edx" else pl.col(p).cast(pl.Float64) for p in kept]
    ).to_numpy()
    y = f[outcome].cast(pl.Float64).to_numpy()
    exog = sm.add_constant(x, has_constant="add")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(y, exog).fit(disp=0, maxiter=100)
        except Exception as exc:  # perfect separation, singular matrix
            notes.append(f"The logistic model could not be estimated ({type(exc).__name__}: {exc}).")
            return result
    converged = bool(fit.mle_retvals.get("converged", True))
    problems = [str(w.message) for w in caught]
    if not converged or problems or not np.all(np.isfinite(fit.bse)):
        notes.append(
            "The logistic model did not converge to finite estimates (likely complete or quasi-complete "
            "separation with so few events); no odds ratios are reported."
        )
        return result
    ci = fit.conf_int(0.05)
    rows = []
    for i, p in enumerate(kept, start=1):
        rows.append(
            {
                "term": p,
                "label": labels[p],
                "odds_ratio": math.exp(fit.params[i]),
                "ci_low": math.exp(ci[i][0]),
                "ci_high": math.exp(ci[i][1]),
                "p_value": float(fit.pvalues[i]),
            }
        )
    result.table = pl.DataFrame(rows, schema=LOGISTIC_SCHEMA)
    return result
