"""Localization of needle EMG denervation: innervation chart, what the NCS explains, supported
segments, regions and the distribution pattern. Pure and vectorized.

The ``lesions`` frame (from the NCS interpretation, see docs/design.md) has: study_id, kind
(``mononeuropathy``, ``mononeuropathy_multiplex``, ``polyneuropathy``, ``cranial_neuropathy``),
nerve, side (``L``/``R``), site (code of ``reference/innervation/lesion_sites.csv``, empty when
not localizable), length_dependent, severity, evidence.

A denervated muscle is explained when
- a focal lesion of its own nerve lies at a site whose position is proximal to (smaller than) the
  muscle's branch position, or a focal lesion of a parent nerve in its ``nerve_path`` (sciatic for
  the peroneal and tibial muscles) lies anywhere; a focal lesion without a known site explains the
  whole nerve (criteria ``[explanation] unlocalized_lesion = "whole_nerve"``) or nothing
  (``"none"``);
- a cranial neuropathy of its (cranial) nerve is on its side;
- a length-dependent polyneuropathy is on its side and the muscle is ``distal`` in the chart
  (a non-length-dependent polyneuropathy per ``non_length_dependent_polyneuropathy``).
A ``midline`` muscle matches lesions of either side. A ``motor_only_pattern`` is not a lesion and
never explains denervation.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import polars as pl

from edxlab.reference import innervation

LESION_SCHEMA: dict[str, pl.DataType] = {
    "study_id": pl.String, "kind": pl.String, "nerve": pl.String, "side": pl.String,
    "site": pl.String, "length_dependent": pl.Boolean, "severity": pl.String,
    "evidence": pl.String,
}
PARASPINAL_NERVE = "dorsal_ramus"
LEG_PLEXUS: tuple[str, ...] = ("lumbar_plexus", "sacral_plexus", "lumbosacral_plexus")
PATTERNS: tuple[str, ...] = (
    "length_dependent", "bulbar", "single_nerve", "multiple_nerves", "plexus", "single_root",
    "multifocal", "multisegmental",
)
"""Values of ``study_findings.denervation_pattern`` (first matching wins; see study_patterns)."""


def empty_lesions() -> pl.DataFrame:
    return pl.DataFrame(schema=LESION_SCHEMA)


@cache
def chart() -> pl.DataFrame:
    """The innervation chart with its row order (``chart_order``) for listing muscles (cached:
    treat it as read-only, like the innervation frames)."""
    region_rank = {r: i for i, r in enumerate(innervation.REGIONS)}
    main_idx = pl.col("main_roots").list.eval(
        pl.element().replace_strict(innervation.SEGMENT_INDEX, return_dtype=pl.Int64)).list.min()
    # listing order in summaries: region, limb muscles by main root, then paraspinals
    rank = (
        pl.col("region").replace_strict(region_rank, default=9, return_dtype=pl.Int64) * 1000
        + (pl.col("nerve") == PARASPINAL_NERVE).cast(pl.Int64) * 500
        + main_idx.fill_null(0)
    )
    return innervation.muscles().with_row_index("chart_order").with_columns(
        (rank * 1000 + pl.col("chart_order").cast(pl.Int64)).alias("chart_order")
    ).select(
        "muscle", "chart_order", "display", "region", "nerve", "nerve_path", "branch_position",
        "plexus", "roots", "main_roots", "distal", "nucleus",
        pl.col("source").list.join(";").alias("chart_source"),
    )


SCALAR_CHART: tuple[str, ...] = (
    "chart_order", "display", "region", "nerve", "branch_position", "distal", "nucleus",
)
LIST_CHART: tuple[str, ...] = ("nerve_path", "plexus", "roots", "main_roots")


def attach_chart(muscles: pl.DataFrame) -> pl.DataFrame:
    """Join the chart's scalar columns (``SCALAR_CHART``); a paraspinal muscle's display name
    carries its level (``C6 paraspinal``). ``in_chart`` is false for a code the chart does not
    know. List columns are added only where needed (:func:`with_segments`)."""
    ch = chart().select("muscle", *SCALAR_CHART)
    out = muscles.join(ch, on="muscle", how="left", maintain_order="left")
    para = pl.col("nerve") == PARASPINAL_NERVE
    level = pl.col("level").cast(pl.String).str.to_uppercase()
    return out.with_columns(
        pl.col("display").is_not_null().alias("in_chart"),
        pl.when(para & level.is_in(list(innervation.SEGMENTS)))
        .then(pl.concat_str(level, pl.lit(" paraspinal")))
        .otherwise(pl.col("display").fill_null(pl.col("muscle").str.replace_all("_", " ")))
        .alias("display"),
    )


def with_segments(muscles: pl.DataFrame) -> pl.DataFrame:
    """Join the chart's list columns (``LIST_CHART``) and ``segments``: a paraspinal muscle's
    level, otherwise its roots."""
    ch = chart().select("muscle", *LIST_CHART)
    out = muscles.join(ch, on="muscle", how="left", maintain_order="left")
    para = pl.col("nerve") == PARASPINAL_NERVE
    level = pl.col("level").cast(pl.String).str.to_uppercase()
    empty = pl.lit([], dtype=pl.List(pl.String))
    return out.with_columns(
        pl.when(para & level.is_in(list(innervation.SEGMENTS))).then(level.str.split(","))
        .when(para).then(empty)
        .otherwise(pl.col("roots").fill_null(empty))
        .alias("segments"),
        pl.col("nerve_path").fill_null(empty),
        pl.col("plexus").fill_null(empty),
    )


def prepared_lesions(lesions: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    ex = crit["explanation"]
    sites = innervation.lesion_sites().select("nerve", "site", "position")
    les = lesions.select(
        [pl.col(c).cast(t) if c in lesions.columns else pl.lit(None, dtype=t).alias(c)
         for c, t in LESION_SCHEMA.items()]
    ).with_columns(
        pl.col("site").fill_null(""),
        pl.col("length_dependent").fill_null(False),
        pl.col("kind").is_in(ex["focal_kinds"]).alias("is_focal"),
        pl.col("kind").is_in(ex["cranial_kinds"]).alias("is_cranial"),
        pl.col("kind").is_in(ex["polyneuropathy_kinds"]).alias("is_poly"),
        pl.col("kind").is_in(ex.get("plexus_kinds", ["plexopathy"])).alias("is_plexus"),
    )
    les = les.join(sites, on=["nerve", "site"], how="left")
    code = (
        pl.when(pl.col("is_poly")).then(pl.lit("polyneuropathy"))
        .when(pl.col("is_cranial")).then(pl.concat_str(
            pl.col("nerve"), pl.lit(":"), pl.col("side").fill_null("")))
        .when(pl.col("is_plexus")).then(pl.concat_str(  # elements joined by "/": codes are ;-listed
            pl.col("nerve"), pl.lit(":"), pl.col("side").fill_null(""), pl.lit(":"),
            pl.col("site").str.replace_all(";", "/")))
        .otherwise(pl.concat_str(
            pl.col("nerve"), pl.lit(":"), pl.col("side").fill_null(""), pl.lit(":"), pl.col("site")))
    )
    return les.with_columns(code.alias("lesion_code")).rename(
        {"nerve": "lesion_nerve", "side": "lesion_side", "site": "lesion_site",
         "evidence": "lesion_evidence"}
    )


def explain(muscles: pl.DataFrame, lesions: pl.DataFrame, crit: dict[str, Any],
            prepared: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add ``explained_by_ncs`` (bool, null when not denervated), ``explained_by`` (sorted
    ``;`` list of lesion codes: ``median:R:wrist``, ``facial:L``, ``polyneuropathy``) and
    ``explanation`` (evidence text) to muscle rows with chart lists (needs ``row_id``).
    ``prepared``: :func:`prepared_lesions` of ``lesions`` when the caller already has it."""
    ex = crit["explanation"]
    den = muscles.filter(pl.col("denervation")).select(
        "row_id", "study_id", "side", "nerve", "nerve_path", "branch_position", "distal", "region",
        "nucleus", "display",
        pl.col("plexus") if "plexus" in muscles.columns
        else pl.lit([], dtype=pl.List(pl.String)).alias("plexus"),
    )
    les = prepared if prepared is not None else prepared_lesions(lesions, crit)
    pairs = den.join(les, on="study_id", how="inner")
    side_ok = (
        (pl.col("lesion_side") == pl.col("side")) | (pl.col("side") == "midline")
        | pl.col("lesion_side").is_null() | (pl.col("lesion_side") == "")
    )
    own = pl.col("lesion_nerve") == pl.col("nerve")
    parent = pl.col("nerve_path").list.contains(pl.col("lesion_nerve")) & ~own
    localized = pl.col("position").is_not_null()
    unloc_ok = pl.lit(ex["unlocalized_lesion"] == "whole_nerve")
    focal = pl.col("is_focal") & side_ok & (
        (own & localized & (pl.col("position") < pl.col("branch_position")))
        | (own & ~localized & unloc_ok)
        | parent
    )
    cranial = pl.col("is_cranial") & side_ok & own & pl.col("lesion_nerve").is_in(
        ex["cranial_motor_nerves"])
    nld = ex["non_length_dependent_polyneuropathy"]
    limb = pl.col("region").is_in(["cervical", "lumbosacral"]) & (pl.col("nerve") != PARASPINAL_NERVE) \
        & pl.col("nucleus").is_null()
    distal = pl.col("distal").fill_null(False)
    poly = pl.col("is_poly") & side_ok & (
        (pl.col("length_dependent") & distal)
        | (~pl.col("length_dependent") & (distal if nld == "distal" else (limb if nld == "limb" else pl.lit(False))))
    )
    why = (
        pl.when(pl.col("is_poly")).then(pl.concat_str(
            pl.lit("distal muscle in a "),
            pl.when(pl.col("length_dependent")).then(pl.lit("length-dependent ")).otherwise(pl.lit("")),
            pl.lit("polyneuropathy [emg.explained.polyneuropathy]")))
        .when(pl.col("is_cranial")).then(pl.concat_str(
            pl.lit("cranial neuropathy "), pl.col("lesion_code"), pl.lit(" [emg.explained.cranial]")))
        .when(parent).then(pl.concat_str(
            pl.lit("lesion of the parent nerve "), pl.col("lesion_code"),
            pl.lit(" [emg.explained.focal_parent]")))
        .when(localized).then(pl.concat_str(
            pl.lit("focal lesion "), pl.col("lesion_code"), pl.lit(" proximal to the "),
            pl.col("display"), pl.lit(" branch [emg.explained.focal]")))
        .otherwise(pl.concat_str(
            pl.lit("focal lesion "), pl.col("lesion_code"),
            pl.lit(" not localized along the nerve, taken to explain the whole nerve "
                   "[emg.explained.focal_unlocalized]")))
    )
    # a plexopathy explains the muscles whose fibres pass through one of its elements (a
    # lumbar or sacral plexus lesion also those of the lumbosacral trunk/plexus)
    elements = pl.col("lesion_site").str.split(";")
    leg = elements.list.set_intersection(pl.lit(["lumbar_plexus", "sacral_plexus"])).list.len() > 0
    plexus = pl.col("is_plexus") & side_ok & (
        (pl.col("plexus").list.set_intersection(elements).list.len() > 0)
        | (leg & pl.col("plexus").list.contains("lumbosacral_plexus"))
    )
    why = (
        pl.when(pl.col("is_plexus")).then(pl.concat_str(
            pl.lit("plexopathy "), pl.col("lesion_code"), pl.lit(" on the "), pl.col("display"),
            pl.lit("'s path [emg.explained.plexus]")))
        .otherwise(why)
    )
    found = pairs.filter(focal | cranial | poly | plexus).select(
        "row_id", "lesion_code", why.alias("why"))
    hits = _joined(found, "lesion_code", ";", "explained_by").join(
        _joined(found, "why", "; ", "explanation"), on="row_id", how="left")
    out = muscles.join(hits, on="row_id", how="left", maintain_order="left")
    return out.with_columns(
        pl.when(pl.col("denervation")).then(pl.col("explained_by").is_not_null())
        .otherwise(None).alias("explained_by_ncs"),
        pl.when(pl.col("denervation") & pl.col("explained_by").is_null())
        .then(pl.lit("not explained by any nerve lesion shown by the NCS [emg.unexplained]"))
        .otherwise(pl.col("explanation")).alias("explanation"),
    )


def _joined(frame: pl.DataFrame, col: str, separator: str, name: str) -> pl.DataFrame:
    """Per row_id: the distinct values of ``col``, sorted and joined (gathered as lists and joined
    afterwards: a string join per group is ~3x slower)."""
    return (
        frame.select("row_id", col).unique().sort("row_id", col)
        .group_by("row_id", maintain_order=True).agg(pl.col(col).alias(name))
        .with_columns(pl.col(name).list.join(separator))
    )


def supported_segments(muscles: pl.DataFrame, crit: dict[str, Any], mask: pl.Expr) -> pl.DataFrame:
    """Segments supported by the muscles selected by ``mask`` (study_id, seg, seg_idx): a
    paraspinal muscle supports its level; a root is supported when at least
    ``[segments] min_nerves`` selected muscles innervated by different peripheral nerves share it
    (any of their roots). None at all means muscles of unrelated nerves and roots (multifocal)."""
    min_nerves = int(crit["segments"]["min_nerves"])
    sel = muscles.filter(mask).select("study_id", "nerve", "segments")
    exploded = sel.explode("segments").rename({"segments": "seg"}).filter(pl.col("seg").is_not_null())
    para = exploded.filter(pl.col("nerve") == PARASPINAL_NERVE).select("study_id", "seg")
    roots = (
        exploded.filter(pl.col("nerve") != PARASPINAL_NERVE)
        .group_by("study_id", "seg")
        .agg(pl.col("nerve").n_unique().alias("n"))
        .filter(pl.col("n") >= min_nerves)
        .select("study_id", "seg")
    )
    return (
        pl.concat([para, roots]).unique()
        .with_columns(pl.col("seg").replace_strict(innervation.SEGMENT_INDEX, return_dtype=pl.Int64)
                      .alias("seg_idx"))
    )


def segment_lists(seg: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per study: sorted list (``name``) and its contiguous-range label (``name``_label: C5-C8)."""
    ordered = seg.sort("study_id", "seg_idx")
    # a run starts with each study and wherever the next segment is not adjacent
    sid = pl.col("study_id")
    starts = sid.ne_missing(sid.shift(1)) | (pl.col("seg_idx").diff().fill_null(1) != 1)
    runs = (
        ordered.with_columns(starts.cum_sum().alias("_run"))
        .group_by("_run", maintain_order=True)
        .agg(sid.first(), pl.col("seg").first().alias("a"), pl.col("seg").last().alias("b"),
             pl.len().alias("_n"))
        .with_columns(
            pl.when(pl.col("_n") == 1).then(pl.col("a"))
            .otherwise(pl.concat_str(pl.col("a"), pl.lit("-"), pl.col("b"))).alias("_label"))
    )
    labels = runs.group_by("study_id", maintain_order=True).agg(
        pl.col("_label").str.join(", ").alias(f"{name}_label"),
        pl.col("_n").sum().alias(f"{name}_n"),
    )
    lists = ordered.group_by("study_id", maintain_order=True).agg(pl.col("seg").alias(name))
    return lists.join(labels, on="study_id", how="left")


def study_patterns(
    muscles: pl.DataFrame, seg: pl.DataFrame, mask: pl.Expr, sensory_abnormal: pl.DataFrame | None,
    supported: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Distribution pattern of the muscles selected by ``mask`` per study (``pattern``, and
    ``plexus_element`` when the pattern is ``plexus``).

    In order: all explained by a polyneuropathy -> ``length_dependent``; all bulbar -> ``bulbar``;
    one peripheral nerve -> ``single_nerve``; all explained by a plexopathy of the NCS ->
    ``plexus``; all explained by several focal lesions -> ``multiple_nerves``; several nerves sharing one plexus element, no paraspinal denervation and
    an abnormal sensory response in that limb (``sensory_abnormal``: study_id,
    sensory_abnormal_arm, sensory_abnormal_leg; give none for studies with a polyneuropathy)
    -> ``plexus``; one myotome (``seg``, see :func:`myotomes`) among the roots of every limb
    muscle -> ``single_root``; no ``supported`` segment at all (muscles of different nerves and
    roots, e.g. FDI and TA; ``supported`` defaults to ``seg``) -> ``multifocal``; otherwise
    ``multisegmental``.
    """
    supported = seg if supported is None else supported
    para = pl.col("nerve") == PARASPINAL_NERVE
    sel = muscles.filter(mask).with_columns(para.fill_null(False).alias("_para"))
    per = sel.group_by("study_id").agg(
        (pl.col("region") == "bulbar").fill_null(False).all().alias("_bulbar"),
        pl.col("nerve").filter(~pl.col("_para")).n_unique().alias("_nerves"),
        pl.col("_para").any().alias("_any_para"),
        pl.col("explained_by").fill_null("").str.contains("polyneuropathy").all().alias("_poly"),
        pl.col("explained_by_ncs").fill_null(False).all().alias("_all_expl"),
        pl.col("explained_by").fill_null("").str.contains("_plexus:").all().alias("_plex_lesion"),
        pl.col("explained_by").str.extract(r"_plexus:[^:]*:([a-z_]+)").drop_nulls().first()
        .alias("_plex_site"),
        (~pl.col("_para")).sum().alias("_n_limb"),
    )
    limb = sel.filter(~pl.col("_para"))
    plex = (
        limb.select("study_id", "row_id", "plexus").explode("plexus").drop_nulls("plexus").unique()
        .group_by("study_id", "plexus").agg(pl.len().alias("_c"))
        .join(per.select("study_id", "_n_limb"), on="study_id")
        .filter(pl.col("_c") == pl.col("_n_limb"))
        .group_by("study_id").agg(pl.col("plexus").sort().first().alias("plexus_element"))
    )
    nseg = seg.group_by("study_id").agg(pl.len().alias("_nseg"), pl.col("seg").first().alias("_seg1"))
    one_seg = nseg.filter(pl.col("_nseg") == 1)
    shared = (
        limb.select("study_id", "segments").join(one_seg, on="study_id")
        .group_by("study_id")
        .agg(pl.col("segments").list.contains(pl.col("_seg1")).all().alias("_shared"))
    )
    nsup = supported.group_by("study_id").agg(pl.len().alias("_nsup"))
    per = (
        per.join(plex, on="study_id", how="left")
        .join(nseg.select("study_id", "_nseg"), on="study_id", how="left")
        .join(nsup, on="study_id", how="left")
        .join(shared, on="study_id", how="left")
    )
    plex_limb = pl.when(pl.col("plexus_element").is_in(LEG_PLEXUS)).then(pl.lit("leg")).otherwise(pl.lit("arm"))
    if sensory_abnormal is not None:
        per = per.join(sensory_abnormal.select("study_id", "sensory_abnormal_arm", "sensory_abnormal_leg"),
                       on="study_id", how="left")
        per = per.with_columns(
            pl.when(plex_limb == "leg").then(pl.col("sensory_abnormal_leg"))
            .otherwise(pl.col("sensory_abnormal_arm")).alias("sensory_abnormal"))
    else:
        per = per.with_columns(pl.lit(None, dtype=pl.Boolean).alias("sensory_abnormal"))
    pattern = (
        pl.when(pl.col("_poly")).then(pl.lit("length_dependent"))
        .when(pl.col("_bulbar")).then(pl.lit("bulbar"))
        .when((pl.col("_nerves") <= 1) & ~pl.col("_any_para")).then(pl.lit("single_nerve"))
        .when(pl.col("_plex_lesion")).then(pl.lit("plexus"))
        .when(pl.col("_all_expl")).then(pl.lit("multiple_nerves"))
        .when(~pl.col("_any_para") & pl.col("plexus_element").is_not_null()
              & pl.col("sensory_abnormal").fill_null(False)).then(pl.lit("plexus"))
        .when((pl.col("_nseg") == 1) & pl.col("_shared").fill_null(True)).then(pl.lit("single_root"))
        .when(pl.col("_nsup").fill_null(0) == 0).then(pl.lit("multifocal"))
        .otherwise(pl.lit("multisegmental"))
    )
    return per.select(
        "study_id", pattern.alias("pattern"),
        pl.when(pattern == "plexus").then(pl.coalesce("_plex_site", "plexus_element"))
        .alias("plexus_element"),
    )


def myotomes(muscles: pl.DataFrame, crit: dict[str, Any], mask: pl.Expr) -> pl.DataFrame:
    """The myotomes with denervation among the muscles selected by ``mask`` (study_id, seg,
    seg_idx): what ``denervation_segments``/``lmn_segments`` list and the summary names.

    A denervated paraspinal muscle gives its level. Limb and cranial-nerve muscles give their
    main roots (innervation chart), and only in a study whose selected muscles belong to at least
    ``[segments] min_nerves`` different nerves (the paraspinal dorsal rami count as one): the
    muscles of a single nerve localize to that nerve, not to roots. A muscle with several main
    roots (TA L4-L5, biceps C5-C6) keeps those another selected nerve (or a paraspinal level) also
    has as a main root; when none is shared, those adjacent to another nerve's main root; else all.
    So a C7 radiculopathy (triceps, FCR, EDC) is C7, an L5 radiculopathy L5, and TA with
    gastrocnemius and an S1 paraspinal L5-S1 (edx_reference.md 2.11 and 4).
    """
    min_nerves = int(crit["segments"]["min_nerves"])
    empty = pl.lit([], dtype=pl.List(pl.String))
    para = pl.col("nerve") == PARASPINAL_NERVE
    sel = muscles.filter(mask).select(
        "study_id", "row_id", "nerve",
        pl.when(para).then(pl.col("segments")).otherwise(pl.col("main_roots").fill_null(empty))
        .alias("seg"),
        para.fill_null(False).alias("_para"),
    )
    multi = (sel.group_by("study_id").agg(pl.col("nerve").n_unique().alias("_n"))
             .filter(pl.col("_n") >= min_nerves).select("study_id"))
    cand = (
        sel.explode("seg").drop_nulls("seg")
        .filter(pl.col("_para") | pl.col("study_id").is_in(multi["study_id"].implode()))
        .with_columns(pl.col("seg").replace_strict(innervation.SEGMENT_INDEX, return_dtype=pl.Int64)
                      .alias("seg_idx"))
    )
    nerves_at = cand.group_by("study_id", "seg_idx").agg(pl.col("nerve").unique().alias("_nerves"))
    shifted = pl.concat([nerves_at.with_columns(pl.col("seg_idx") + d) for d in (-1, 1)])
    near = shifted.explode("_nerves").rename({"_nerves": "_other"}).unique()
    marked = (
        cand.join(nerves_at, on=["study_id", "seg_idx"], how="left")
        .with_columns((pl.col("_nerves").list.len() >= 2).alias("_shared"))
        .join(near, on=["study_id", "seg_idx"], how="left")
        .group_by("study_id", "row_id", "seg", "seg_idx", "_shared", maintain_order=True)
        .agg((pl.col("_other").is_not_null() & (pl.col("_other") != pl.col("nerve"))).any()
             .alias("_adjacent"))
        .with_columns(
            pl.col("_shared").any().over("row_id").alias("_row_shared"),
            pl.col("_adjacent").any().over("row_id").alias("_row_adjacent"))
    )
    keep = (
        pl.when(pl.col("_row_shared")).then(pl.col("_shared"))
        .when(pl.col("_row_adjacent")).then(pl.col("_adjacent"))
        .otherwise(pl.lit(True))
    )
    return marked.filter(keep).select("study_id", "seg", "seg_idx").unique()
