"""Clinical prose for the NCS part of a study's summary, built with vectorized string ops."""

from __future__ import annotations

import polars as pl

from edxlab.interpret.ncs_frames import by_study
from edxlab.interpret.ncs_limits import nerve_table

SITE_TEXT = {
    "wrist": " at the wrist",
    "elbow": " at the elbow",
    "forearm": " in the forearm",
    "axilla": " at the axilla",
    "spiral_groove": " at the spiral groove",
    "fibular_head": " at the fibular head",
    "thigh": " in the thigh",
    "ankle": " at the ankle",
    "popliteal_fossa": " at the popliteal fossa",
    "leg": " in the leg",
    "stylomastoid": "",
    "": "",
}
KIND_ORDER = {"polyneuropathy": 0, "mononeuropathy": 1, "mononeuropathy_multiplex": 2,
              "cranial_neuropathy": 3}


def _and_join(col: pl.Expr) -> pl.Expr:
    """list[str] -> "a, b and c"."""
    return (col.list.join("|").str.replace(r"\|([^|]*)$", " and $1")
            .str.replace_all("|", ", ", literal=True))


def _phrase_join(col: pl.Expr) -> pl.Expr:
    """list[str] of clinical phrases -> prose. Phrases that carry their own comma ("..., moderate
    in severity") are set off with a comma before "and" (two phrases) or semicolons (three or
    more), so each lesion keeps its severity: "A, moderate in severity, and B"."""
    text = col.list.join("|")
    has_comma = col.list.eval(pl.element().str.contains(",", literal=True)).list.any()
    n = col.list.len()
    return (
        pl.when(has_comma & (n == 2))
        .then(text.str.replace("|", ", and ", literal=True))
        .when(has_comma & (n > 2))
        .then(text.str.replace(r"\|([^|]*)$", "; and $1").str.replace_all("|", "; ", literal=True))
        .otherwise(_and_join(col))
    )


def _side_word(c: str = "side") -> pl.Expr:
    return pl.when(pl.col(c) == "L").then(pl.lit("left")).otherwise(pl.lit("right"))


LEG_PLEXUS_WORDS = {
    "sacral_plexus": "sciatic nerve or sacral plexus lesion",
    "lumbar_plexus": "femoral nerve or lumbar plexus lesion",
}
"""A leg lesion the conductions place in one division: they cannot tell the plexus from the
main nerve it forms (needle EMG of the gluteal / hip adductor and paraspinal muscles can)."""


def plexus_words(nerve: str = "nerve", site: str = "site") -> pl.Expr:
    """``brachial plexopathy (lower trunk or medial cord)``, ``sciatic nerve or sacral plexus
    lesion`` ... for plexopathy lesion rows (columns ``nerve``/``site``)."""
    generic = pl.concat_str([
        pl.col(nerve).str.replace("_plexus", "").str.replace_all("_", " "), pl.lit(" plexopathy ("),
        pl.col(site).str.replace_all(";", " or ").str.replace_all("_", " "), pl.lit(")")])
    return (pl.when(pl.col(nerve) == "lumbosacral_plexus")
            .then(pl.col(site).replace_strict(LEG_PLEXUS_WORDS, default=None, return_dtype=pl.String))
            .otherwise(None)).fill_null(generic)


def lesion_phrases(lesions: pl.DataFrame) -> pl.DataFrame:
    """One phrase per lesion group (polyneuropathy sides merged; multiplex merged)."""
    labels = nerve_table().select("nerve", pl.col("label").alias("nerve_label"))
    les = lesions.join(labels, on="nerve", how="left").with_columns(
        pl.col("nerve_label").fill_null(pl.col("nerve").str.replace_all("_", " ")))
    sev = pl.concat_str([pl.lit(", "), pl.col("severity"), pl.lit(" in severity")])
    mono = les.filter(pl.col("kind") == "mononeuropathy").select(
        "study_id", "kind",
        phrase=pl.concat_str([
            pl.lit("a "), _side_word(), pl.lit(" "), pl.col("nerve_label"), pl.lit(" neuropathy"),
            pl.col("site").replace_strict(SITE_TEXT, default="", return_dtype=pl.String),
            pl.when(pl.col("site") == "").then(pl.lit(" (site not localizable)"))
            .otherwise(pl.lit("")),
            sev]),
        order=pl.lit(1),
    )
    cran = les.filter(pl.col("kind") == "cranial_neuropathy").select(
        "study_id", "kind",
        phrase=pl.concat_str([
            pl.lit("a "), _side_word(), pl.lit(" "), pl.col("nerve_label"),
            pl.when(pl.col("nerve") == "trigeminal").then(pl.lit(" (afferent)"))
            .otherwise(pl.lit("")),
            pl.lit(" neuropathy"), sev]),
        order=pl.lit(3),
    )
    plexus = les.filter(pl.col("kind") == "plexopathy").select(
        "study_id", "kind",
        phrase=pl.concat_str([pl.lit("a "), _side_word(), pl.lit(" "), plexus_words(), sev]),
        order=pl.lit(1),
    )
    mm = les.filter(pl.col("kind") == "mononeuropathy_multiplex").sort(
        "study_id", "nerve", "side").group_by("study_id").agg(
        pl.concat_str([_side_word(), pl.lit(" "), pl.col("nerve_label"),
                       pl.col("site").replace_strict(SITE_TEXT, default="",
                                                     return_dtype=pl.String)]).alias("parts"),
        pl.col("severity").first(),
    ).select(
        "study_id", kind=pl.lit("mononeuropathy_multiplex"),
        phrase=pl.concat_str([pl.lit("a mononeuropathy multiplex involving the "),
                              _and_join(pl.col("parts")), pl.lit(" nerves")]),
        order=pl.lit(2),
    )
    pn = les.filter((pl.col("kind") == "polyneuropathy") & (pl.col("side") == "L")).select(
        "study_id", "kind",
        phrase=pl.concat_str([
            pl.lit("a "),
            pl.when(pl.col("length_dependent")).then(pl.lit("length-dependent ")).otherwise(pl.lit("")),
            pl.col("pn_type").replace_strict(
                {"axonal": "axonal", "demyelinating": "demyelinating",
                 "mixed": "mixed axonal and demyelinating"}, default="", return_dtype=pl.String),
            pl.lit(" "), pl.col("pn_fibres"), pl.lit(" polyneuropathy"),
            # upper-limb SNAPs as affected as the lower, motor spared: not a dying-back pattern
            pl.when(~pl.col("length_dependent").fill_null(True) & (pl.col("pn_fibres") == "sensory")
                    & (pl.col("pn_type") == "axonal"))
            .then(pl.lit(", not length-dependent (a sensory neuronopathy pattern: consider a "
                         "dorsal root ganglionopathy)"))
            .otherwise(pl.lit("")),
            pl.when(pl.col("pn_cb") & pl.col("pn_td"))
            .then(pl.lit(" with conduction block and temporal dispersion"))
            .when(pl.col("pn_cb")).then(pl.lit(" with conduction block"))
            .when(pl.col("pn_td")).then(pl.lit(" with temporal dispersion"))
            .otherwise(pl.lit("")),
            pl.when(pl.col("pn_mmn").fill_null(False) & (pl.col("pn_type") == "demyelinating")
                    & (pl.col("pn_fibres") == "motor"))
            .then(pl.lit(" and normal sensory responses (the pattern of multifocal motor "
                         "neuropathy)"))
            .otherwise(pl.lit("")),
            sev]),
        order=pl.lit(0),
    ) if "pn_type" in les.columns else mono.clear()
    return pl.concat([pn, mono, plexus, mm, cran], how="vertical_relaxed").with_columns(
        pl.col("phrase").str.replace(r"^a ([aeiou])", "an $1"))  # "an axonal sensory ..."


def summaries(lesions: pl.DataFrame, extras: pl.DataFrame) -> pl.Series:
    """ncs_summary of each study (row i of ``extras`` is study index i). ``extras``:
    ncs_abnormal, has_ncs, motor_only_text, isolated_text, cold_text, blink_text (null when not
    applicable), has_pg."""
    # the lesion sentence is built on the studies with a lesion only (a when/then computes its
    # branches on every row)
    ph = lesion_phrases(lesions).sort("study_id", "order", "phrase").group_by("study_id").agg(
        pl.col("phrase")).with_columns(lesion_txt=pl.concat_str([
            pl.lit("There is electrodiagnostic evidence of "), _phrase_join(pl.col("phrase")),
            pl.lit(".")]))
    d = extras.hstack(by_study(extras.height, ph).get_columns())
    lesion_txt = pl.col("lesion_txt")
    first = (
        pl.when(~pl.col("has_ncs").fill_null(False))
        .then(pl.lit("No nerve conduction studies were recorded."))
        .when(pl.col("phrase").list.len().fill_null(0) > 0)
        .then(pl.concat_str([pl.lit("Abnormal study. "), lesion_txt]))
        .when(pl.col("has_pg").fill_null(False) & ~pl.col("ncs_abnormal").fill_null(False))
        .then(pl.lit("There is no electrodiagnostic evidence of a peripheral or cranial "
                     "neuropathy."))
        .when(pl.col("ncs_abnormal").fill_null(False))
        .then(pl.lit("Abnormal study. The nerve conduction abnormalities do not establish a "
                     "peripheral or cranial neuropathy."))
        .otherwise(pl.lit("Normal study. There is no electrodiagnostic evidence of a peripheral "
                          "or cranial neuropathy."))
    )
    text = pl.concat_str([first, pl.col("blink_text"), pl.col("motor_only_text"),
                          pl.col("isolated_text"), pl.col("cold_text"), pl.col("technique_text")],
                         separator=" ", ignore_nulls=True)
    return d.select(ncs_summary=text).to_series()
