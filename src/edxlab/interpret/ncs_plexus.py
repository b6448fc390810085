"""Plexopathy from the nerve conductions: axon-loss responses of several nerves of one limb,
a sensory one among them, sharing a plexus element that no normal response passes through.

The elements each response tests are data (``reference/ncs_plexus.csv``, with sources); the
thresholds are ``[plexopathy]`` of ``ncs_criteria.toml``. A lesion row has kind ``plexopathy``,
nerve ``brachial_plexus`` / ``lumbosacral_plexus``, and the element(s) as its site
(``lower_trunk;medial_cord`` when the data cannot choose between them). Pure and vectorized.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import polars as pl

from edxlab.interpret.ncs_frames import in_keys

ELEMENT_ORDER: tuple[str, ...] = (
    "upper_trunk", "middle_trunk", "lower_trunk", "lateral_cord", "posterior_cord",
    "medial_cord", "lumbar_plexus", "sacral_plexus",
)
"""Order in which the elements of a lesion are listed."""


@cache
def plexus_table() -> pl.DataFrame:
    """nerve, modality, record_site ("" = any), plexus, elements (list), source, spares (list:
    the elements a normal response proves intact, see ``_spares``)."""
    text = resources.files("edxlab.reference").joinpath("ncs_plexus.csv").read_text("utf-8")
    table = pl.read_csv(io.StringIO(text), infer_schema=False).with_columns(
        pl.col("record_site").fill_null(""), pl.col("elements").str.split(";"))
    return table.with_columns(spares=_spares(table))


def _spares(table: pl.DataFrame) -> pl.Series:
    """Per row of ``table``, the elements a normal response spares: its fibres cannot bypass
    them, the one trunk (or the one cord) they pass through; median digit-2 fibres run in the
    upper or middle trunk, so a normal median SNAP spares the lateral cord but neither trunk.
    (Worked out once per table row, not per response.)"""
    level = pl.col("elements").str.extract(r"_(trunk|cord|plexus)$", 1)
    sole = (table.select("elements").with_row_index("_row").explode("elements")
            .with_columns(level.alias("_level"))
            .filter(pl.len().over("_row", "_level") == 1)
            .group_by("_row").agg(pl.col("elements")))
    return (pl.DataFrame({"_row": pl.arange(0, table.height, dtype=pl.UInt32, eager=True)})
            .join(sole, on="_row", how="left", maintain_order="left")["elements"]
            .fill_null([]).alias("spares"))


def _elements(w: pl.DataFrame) -> pl.DataFrame:
    """The responses of ``w`` with the plexus elements they test (record-site row first)."""
    table = plexus_table()
    exact = table.filter(pl.col("record_site") != "").select(
        "nerve", "modality", "record_site", pl.col("plexus").alias("_p1"),
        pl.col("elements").alias("_e1"), pl.col("spares").alias("_s1"))
    generic = table.filter(pl.col("record_site") == "").select(
        "nerve", "modality", pl.col("plexus").alias("_p2"), pl.col("elements").alias("_e2"),
        pl.col("spares").alias("_s2"))
    return (
        w.with_columns(pl.col("record_site").fill_null(""))
        .join(exact, on=["nerve", "modality", "record_site"], how="left")
        .join(generic, on=["nerve", "modality"], how="left")
        .with_columns(pl.coalesce("_p1", "_p2").alias("plexus"),
                      pl.coalesce("_e1", "_e2").alias("elements"),
                      pl.coalesce("_s1", "_s2").alias("spares"))
        .drop("_p1", "_e1", "_s1", "_p2", "_e2", "_s2")
        .filter(pl.col("plexus").is_not_null())
    )


def plexopathies(w: pl.DataFrame, no_poly: pl.DataFrame, localized: pl.DataFrame,
                 crit: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Plexopathy lesions and the nerves they account for.

    The lesion is the set of elements every axon-loss response passes through, less those a
    normal response proves intact (see ``spared``); none left: no plexopathy.

    ``w``: one row per nerve study (study_id, nid, nerve, parent, modality, side, record_site,
    pattern, absent, low_amplitude, amplitude_value, amplitude_limit, evidence); ``no_poly``:
    study_id of the studies without a polyneuropathy;
    ``localized``: study_id, parent, side of nerves with a localized focal lesion.
    Returns (lesions: study_id, kind, nerve, side, site, severity, evidence, rule_ids;
    accounted: study_id, parent, side).
    """
    from edxlab.interpret.ncs_diagnoses import severity_of

    cfg = crit["plexopathy"]
    axon = (pl.col("absent") | pl.col("low_amplitude")).fill_null(False)
    # only studies with axon loss in >= min_nerves nerves can hold one (most studies drop here)
    maybe = (w.lazy().filter(axon).group_by("study_id")
             .agg(pl.col("parent").n_unique().alias("_k"))
             .filter(pl.col("_k") >= int(cfg["min_nerves"])).select("study_id")
             .join(no_poly.lazy(), on="study_id", how="semi").collect())
    # (the columns read below only: a filter gathers every column)
    w = w.lazy().filter(pl.col("study_id").is_in(maybe["study_id"].implode())).select(
        "study_id", "nid", "nerve", "parent", "modality", "side", "record_site", "pattern",
        "absent", "low_amplitude", "amplitude_value", "amplitude_limit", "evidence").collect()
    # (only the axon-loss and the normal responses are read below)
    kept = axon | (pl.col("pattern") == "normal").fill_null(False)
    # (``w`` holds studies without a polyneuropathy only: ``maybe``)
    r = _elements(w.filter(kept & ~pl.col("nerve").is_in(["blink", "facial"])))
    r = (
        r.filter(~in_keys(r, localized, ["study_id", "parent", "side"]))
        .with_columns(
            (pl.col("absent") | pl.col("low_amplitude")).fill_null(False).alias("_axon"),
            (pl.col("pattern") == "normal").alias("_normal"))
    )
    keys = ["study_id", "side", "plexus"]
    ab = r.filter(pl.col("_axon"))
    per = ab.group_by(keys).agg(
        pl.len().alias("_n"),
        pl.col("parent").n_unique().alias("_nerves"),
        (pl.col("modality") != "motor").sum().alias("_sensory"),
    ).filter((pl.col("_nerves") >= int(cfg["min_nerves"]))
             & (pl.col("_sensory") >= int(cfg["min_sensory"])))
    shared = (
        ab.join(per, on=keys, how="semi").explode("elements")
        .group_by([*keys, "elements"]).agg(pl.len().alias("_c"))
        .join(per.select(*keys, "_n"), on=keys)
        .filter(pl.col("_c") == pl.col("_n"))
    )
    # the elements a normal response proves intact (``_spares``)
    spared = (r.filter(pl.col("_normal")).select(*keys, pl.col("spares").alias("elements"))
              .explode("elements").drop_nulls("elements").unique())
    rank = {e: i for i, e in enumerate(ELEMENT_ORDER)}
    site = (
        shared.join(spared, on=[*keys, "elements"], how="anti")
        .with_columns(pl.col("elements").replace_strict(rank, default=99, return_dtype=pl.Int64)
                      .alias("_rank"))
        .sort("_rank")
        .group_by(keys, maintain_order=True).agg(pl.col("elements").str.join(";").alias("site"))
    )
    involved = ab.join(site, on=keys, how="semi")
    severity = severity_of(w, involved)
    sev_rank = {"mild": 0, "moderate": 1, "severe": 2}
    lesions = (
        involved.sort("nid")
        .join(severity, on=["study_id", "parent", "side"], how="left")
        .group_by(keys, maintain_order=True).agg(
            pl.col("nerve_severity").fill_null("moderate")
            .sort_by(pl.col("nerve_severity").fill_null("moderate")
                     .replace_strict(sev_rank, return_dtype=pl.Int64), descending=True)
            .first().alias("severity"),
            pl.col("evidence").drop_nulls().str.join("; ").alias("_ev"))
        .join(site, on=keys)
        .select(
            "study_id", kind=pl.lit("plexopathy"),
            nerve=pl.concat_str(pl.col("plexus"), pl.lit("_plexus")), side=pl.col("side"),
            site=pl.col("site"), severity=pl.col("severity"),
            evidence=pl.concat_str([pl.lit("axon-loss responses of "),
                                    pl.col("_ev"), pl.lit(" share the "),
                                    pl.col("site").str.replace_all(";", " / ").str.replace_all("_", " "),
                                    pl.lit("; responses through other elements are normal")]),
            rule_ids=pl.lit("plexopathy.ncs"),
        )
    )
    accounted = involved.select("study_id", "parent", "side").unique()
    return lesions, accounted
