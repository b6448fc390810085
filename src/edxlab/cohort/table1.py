"""Table 1 (characteristics of the included patients) via tableone, with missing counts."""

from __future__ import annotations

import warnings

import polars as pl

from edxlab.cohort.covariates import ATTACK_TYPES, COMORBIDITIES

#: (column of the analysis frame, Table 1 label, kind) in display order.
#: kind: "mean" (mean (SD)), "median" (median [Q1,Q3]), "cat" (all levels), "yes" (count of yes).
TABLE1_ROWS: tuple[tuple[str, str, str], ...] = (
    ("age_years", "Age at EDX, years", "mean"),
    ("sex", "Sex", "cat"),
    ("disease_duration_years", "Disease duration at EDX, years", "median"),
    ("n_attacks", "Number of attacks", "median"),
    ("days_attack_to_edx", "Days from the last attack to EDX", "median"),
    ("aqp4_igg", "AQP4-IgG", "cat"),
    ("mog_igg", "MOG-IgG", "cat"),
    *((f"attack_{code}", f"Attack type: {label}", "yes") for code, label in ATTACK_TYPES.items()),
    ("lesion_level", "Cord lesion level", "cat"),
    ("letm", "LETM (>= 3 vertebral segments)", "yes"),
    ("central_cord_lesion", "Central grey matter cord lesion", "yes"),
    ("brainstem_lesion", "Brainstem lesion", "yes"),
    ("edss", "EDSS", "median"),
    ("indication_weakness", "EDX indication: weakness", "yes"),
    ("indication_atrophy", "EDX indication: atrophy", "yes"),
    ("indication_hyporeflexia", "EDX indication: hyporeflexia", "yes"),
    *((f"comorbidity_{c}", f"Comorbidity: {c.replace('_', ' ')}", "yes") for c in COMORBIDITIES),
)

TABLE1_SCHEMA = {"variable": pl.String, "level": pl.String, "missing": pl.Int64}


def table1(frame: pl.DataFrame, groupby: str | None = "lmn_involvement", min_cell: int = 0) -> pl.DataFrame:
    """Table 1 of the analysis frame as a Polars frame.

    Columns: variable, level, missing (count of patients with the value unknown), Overall and,
    with ``groupby``, one column per group ("LMN involvement: yes/no"). Comorbidities that
    nobody has are left out. With ``min_cell`` > 0, categorical counts below it read ``<min``.
    """
    from tableone import TableOne

    rows = [r for r in TABLE1_ROWS if r[0] in frame.columns]
    rows = [r for r in rows if not (r[0].startswith("comorbidity_") and not frame[r[0]].fill_null(False).any())]
    cols, labels = [r[0] for r in rows], {r[0]: r[1] for r in rows}
    data = frame.select(cols).with_columns(
        pl.col(c).cast(pl.String).replace({"true": "yes", "false": "no"}) for c, _, kind in rows if kind == "yes"
    )
    if groupby and groupby in frame.columns and frame[groupby].drop_nulls().n_unique() > 1:
        group_label = "LMN involvement" if groupby == "lmn_involvement" else groupby
        data = data.with_columns(
            frame[groupby].cast(pl.String).replace({"true": f"{group_label}: yes", "false": f"{group_label}: no"}).alias("_group")
        )
        by = "_group"
    else:
        by = None
    pdf = data.to_pandas().rename(columns=labels)
    categorical = [labels[c] for c, _, k in rows if k in ("cat", "yes")]
    for col in categorical + (["_group"] if by else []):
        pdf[col] = pdf[col].astype(object)  # plain objects: tableone iterates arrow strings slowly
    nonnormal = [labels[c] for c, _, k in rows if k == "median"]
    yes_vars = {labels[c] for c, _, k in rows if k == "yes"}
    kwargs = dict(
        columns=[labels[c] for c in cols],
        categorical=categorical,
        nonnormal=nonnormal,
        missing=False,
        overall=True,
    )
    if by:
        pdf = pdf[pdf["_group"].notna()]
        kwargs["groupby"] = by
    with warnings.catch_warnings():
        # tableone 0.9 uses pandas indexing that pandas 3 deprecates (Pandas4Warning).
        warnings.simplefilter("ignore")
        t = TableOne(pdf, **kwargs)
    out = t.tableone
    out.columns = [c[-1] if isinstance(c, tuple) else c for c in out.columns]
    value_cols = [str(c) for c in out.columns if c not in ("Missing", "P-Value")]
    missing = {labels[c]: int(frame[c].null_count()) for c in cols}
    records: list[dict] = []
    seen: set[str] = set()
    for (var, level), values in out.iterrows():
        name = next((lab for lab in missing if var == lab or var.startswith(lab + ", ")), var)
        if level in ("None", "nan"):
            continue
        if name in yes_vars:
            if level != "yes":
                continue
            level = ""
        rec = {"variable": var, "level": str(level).replace("_", " "), "missing": None}
        if name in missing and name not in seen:
            rec["missing"] = missing[name]
            seen.add(name)
        for col, v in values.items():
            if col in value_cols:
                rec[str(col)] = "" if v is None else str(v)
        records.append(rec)
    for lab in yes_vars - seen:  # nobody has it: 0 (0.0) in every column, at its place
        at = next(i for i, (c, _, _) in enumerate(rows) if labels[c] == lab)
        before = {labels[c] for c, _, _ in rows[:at]}
        pos = max((i + 1 for i, r in enumerate(records) if any(r["variable"].startswith(b + ",") or r["variable"] == b for b in before)), default=1)
        records.insert(pos, {"variable": f"{lab}, n (%)", "level": "", "missing": missing[lab], **{c: "0 (0.0)" for c in value_cols}})
    schema = {**TABLE1_SCHEMA, **{c: pl.String for c in value_cols}}
    result = pl.DataFrame(records, schema=schema)
    if min_cell > 0:
        def _mask(s: str) -> str:
            head = s.split(" (")[0]
            if " (" in s and head.isdigit() and 0 < int(head) < min_cell:
                return f"<{min_cell}"
            return s

        result = result.with_columns(
            pl.when(pl.col("variable").str.ends_with("n (%)")).then(pl.col(c).map_elements(_mask, return_dtype=pl.String)).otherwise(pl.col(c)).alias(c)
            for c in value_cols
        )
    return result
