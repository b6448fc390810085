"""How well findings recover the generator's truth, flag by flag."""

from __future__ import annotations

import polars as pl

from edxlab.synth.truth import FLAGS


def _norm(frame: pl.DataFrame, flag: str) -> pl.Expr:
    """A comparable text form: lists as sorted ``;``-joined sets, booleans as true/false."""
    dtype = frame.schema[flag]
    c = pl.col(flag)
    if isinstance(dtype, pl.List):
        return c.list.unique().list.sort().list.join(";")
    return c.cast(pl.String)


def compare(truth: pl.DataFrame, findings: pl.DataFrame, flag: str) -> pl.DataFrame:
    """Per study: the truth and the finding of ``flag`` (as text) and whether they agree.

    Only studies where the truth applies (not empty) are compared; a finding left empty where
    the truth has a value is a disagreement.
    """
    t = truth.select("study_id", _norm(truth, flag).alias("truth"))
    f = findings.select("study_id", _norm(findings, flag).alias("found"))
    return (
        t.filter(pl.col("truth").is_not_null())
        .join(f, on="study_id", how="left")
        .with_columns(agree=pl.col("found").is_not_null() & (pl.col("truth") == pl.col("found")))
    )


def agreement(truth: pl.DataFrame, study_findings: pl.DataFrame, flags=FLAGS) -> pl.DataFrame:
    """One row per study_findings flag: ``flag, n, agree, percent, disagreements``.

    ``n`` counts the studies where the truth applies, ``agree`` those whose finding equals the
    truth (lists compared as sets), ``disagreements`` lists the disagreeing study ids.
    """
    rows = []
    for flag in flags:
        if flag not in truth.columns or flag not in study_findings.columns:
            continue
        cmp = compare(truth, study_findings, flag)
        n = cmp.height
        agree = int(cmp["agree"].sum())
        rows.append(
            {
                "flag": flag,
                "n": n,
                "agree": agree,
                "percent": round(100.0 * agree / n, 2) if n else None,
                "disagreements": cmp.filter(~pl.col("agree"))["study_id"].to_list(),
            }
        )
    return pl.DataFrame(
        rows,
        schema={"flag": pl.String, "n": pl.Int64, "agree": pl.Int64, "percent": pl.Float64,
                "disagreements": pl.List(pl.String)},
    )
