"""The needle EMG sentences of the study summary, built vectorized from the muscle findings."""

from __future__ import annotations

import polars as pl

from edxlab.interpret.ncs_summary import plexus_words

_NUCLEUS_NAMES = {
    "V": "trigeminal motor (V)", "VII": "facial (VII)", "XII": "hypoglossal (XII)",
    "XI": "spinal accessory (XI)", "X": "vagal (X)", "IX": "glossopharyngeal (IX)",
}
_SIDE = {"L": "left ", "R": "right "}
#: a muscle's side key: 1 left, 2 right, their sum both sides
_BOTH_SIDES = 3
_NO_DENERVATION = "Needle EMG shows no active or chronic denervation."


def _muscle_lists(parts: list[tuple[pl.DataFrame, pl.Expr, str, bool]]) -> dict[str, pl.DataFrame]:
    """Per study, for each part ``(muscles, mask, name, always_side)``: the selected muscles'
    names in listing order (column ``name``, plus ``name_active``, ``name_chronic`` and
    ``name_nuclei``). Sides are named per muscle (``right deltoid``, ``bilateral TA``) when the list
    has muscles of more than one side; when every muscle is bilateral the list ends
    ``bilaterally``; with ``always_side`` a single side is named once before the list
    (``right deltoid, TA``). All parts are computed in one pass (``_cat`` = the part's name)."""
    sel = pl.concat([
        muscles.filter(mask).select(
            pl.lit(name).alias("_cat"), pl.lit(always_side).alias("_always"),
            "study_id", "display", "chart_order", "level", "nucleus", "active_denervation",
            "chronic_denervation", (pl.col("side") == "L").alias("_l"),
            (pl.col("side") == "R").alias("_r"))
        for muscles, mask, name, always_side in parts
    ])
    group = ["_cat", "study_id"]
    per_muscle = (
        sel.group_by(*group, "chart_order", "level")
        .agg(pl.col("display").first(), pl.col("_l").any(), pl.col("_r").any(),
             pl.col("active_denervation").any(), pl.col("chronic_denervation").any(),
             pl.col("nucleus").first(), pl.col("_always").first())
        .with_columns((pl.col("_l").cast(pl.Int8) + 2 * pl.col("_r").cast(pl.Int8)).alias("_key"))
    )
    keys = per_muscle.filter(pl.col("_key") > 0).group_by(group).agg(
        pl.col("_key").n_unique().alias("_n_keys"), pl.col("_key").first().alias("_key1"))
    word = {1: "left ", 2: "right ", _BOTH_SIDES: "bilateral "}
    mixed = pl.col("_n_keys").fill_null(0) > 1
    named = pl.when(mixed).then(pl.concat_str(
        pl.col("_key").replace_strict(word, default="", return_dtype=pl.String), pl.col("display")
    )).otherwise(pl.col("display"))
    # names gathered as lists and joined afterwards (a string join per group is ~3x slower);
    # nuclei aggregated over the few muscles that have one
    nuclei = per_muscle.filter(pl.col("nucleus").is_not_null()).group_by(group).agg(
        pl.col("nucleus").unique().sort().alias("_nuclei"))
    lists = (
        per_muscle.join(keys, on=group, how="left")
        .with_columns(named.alias("display"))
        .sort(*group, "chart_order", "level", nulls_last=True)
        .group_by(group, maintain_order=True)
        .agg(
            pl.col("display").alias("_list"),
            pl.col("active_denervation").any().alias("_active"),
            pl.col("chronic_denervation").any().alias("_chronic"),
            pl.col("_n_keys").first(), pl.col("_key1").first(), pl.col("_always").first(),
        )
        .join(nuclei, on=group, how="left", maintain_order="left")
        .with_columns(pl.col("_list").list.join(", "),
                      pl.col("_nuclei").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    )
    single = pl.col("_n_keys").fill_null(0) == 1
    suffix = pl.when(single & (pl.col("_key1") == _BOTH_SIDES)).then(pl.lit(" bilaterally")).otherwise(pl.lit(""))
    prefix = pl.when(pl.col("_always") & single & (pl.col("_key1") != _BOTH_SIDES)).then(
        pl.col("_key1").replace_strict(word, default="", return_dtype=pl.String)
    ).otherwise(pl.lit(""))
    lists = lists.with_columns(pl.concat_str(prefix, pl.col("_list"), suffix).alias("_list"))
    return {
        name: lists.filter(pl.col("_cat") == name).select(
            "study_id", pl.col("_list").alias(name), pl.col("_active").alias(f"{name}_active"),
            pl.col("_chronic").alias(f"{name}_chronic"), pl.col("_nuclei").alias(f"{name}_nuclei"))
        for _, _, name, _ in parts
    }


def _kind(active: str, chronic: str) -> pl.Expr:
    a, c = pl.col(active).fill_null(False), pl.col(chronic).fill_null(False)
    return (
        pl.when(a & c).then(pl.lit("active and chronic denervation"))
        .when(a).then(pl.lit("active denervation"))
        .otherwise(pl.lit("chronic denervation"))
    )


def lesion_phrases(lesions: pl.DataFrame) -> pl.DataFrame:
    """study_id, lesion_code -> clinical phrase (``the right median neuropathy at the wrist``)."""
    side = pl.col("lesion_side").replace_strict(_SIDE, default="", return_dtype=pl.String)
    phrase = (
        pl.when(pl.col("is_poly")).then(pl.lit("the polyneuropathy"))
        .when(pl.col("is_plexus")).then(pl.concat_str(
            pl.lit("the "), side, plexus_words("lesion_nerve", "lesion_site")))
        .otherwise(pl.concat_str(
            pl.lit("the "), side, pl.col("lesion_nerve").str.replace_all("_", " "),
            pl.lit(" neuropathy"),
            pl.when(pl.col("is_focal") & (pl.col("lesion_site") != ""))
            .then(pl.concat_str(pl.lit(" at the "), pl.col("lesion_site").str.replace_all("_", " ")))
            .otherwise(pl.lit("")),
        ))
    )
    return lesions.select("study_id", "lesion_code", phrase.alias("phrase")).unique(
        subset=["study_id", "lesion_code"])


def emg_sentences(
    muscles: pl.DataFrame, extras: pl.DataFrame, study: pl.DataFrame, lesions: pl.DataFrame
) -> pl.DataFrame:
    """Per study with denervated or notable muscles (those of ``muscles`` and ``extras``; see
    :func:`quiet_sentence` for the others): ``emg_summary`` text.

    ``muscles``: the denervated muscles (with ``explained_by_ncs``, ``explained_by``);
    ``extras``: the myopathic / poorly activated / equivocal muscles; ``study``: study_id with the study EMG
    columns (``lmn_segments_label``, ``lmn_myotomes_label``, ``lmn_myotomes_n``,
    ``denervation_pattern``,
    ``plexus_element``, ``mri_concordant``, ``mri_lesions``, ``sensory_normal``,
    ``motor_only_pattern``, ``has_lesions``, ``timing_warning``); ``lesions``: prepared lesions
    (see :func:`edxlab.interpret.localize.prepared_lesions`).
    """
    den = pl.col("denervation")
    lists = _muscle_lists([
        (muscles, den & ~pl.col("explained_by_ncs").fill_null(False), "u", False),
        (muscles, den & pl.col("explained_by_ncs").fill_null(False), "e", False),
        (extras, pl.col("finding").str.starts_with("myopathic"), "myo", True),
        (extras, pl.col("poor_activation") & ~den, "poor", True),
        (extras, pl.col("equivocal") & ~pl.col("active_denervation"), "eq", True),
    ])
    unexpl, expl, myo, poor, equiv = (lists[n] for n in ("u", "e", "myo", "poor", "eq"))
    codes = (
        muscles.filter(den & pl.col("explained_by_ncs").fill_null(False))
        .select("study_id", pl.col("explained_by").str.split(";").alias("lesion_code"))
        .explode("lesion_code").unique()
    )
    # phrases of the lesions that explain a muscle only
    phrases = lesion_phrases(lesions.join(codes, on=["study_id", "lesion_code"], how="semi"))
    expl_by = (
        codes.join(phrases, on=["study_id", "lesion_code"], how="left")
        .sort("study_id", "lesion_code")
        .drop_nulls("phrase").unique(["study_id", "phrase"], keep="first", maintain_order=True)
        .group_by("study_id", maintain_order=True)
        .agg(pl.col("phrase").alias("e_by"))
        .with_columns(pl.col("e_by").list.join(" and "))
    )
    s = (
        study.join(unexpl, on="study_id", how="left").join(expl, on="study_id", how="left")
        .join(myo, on="study_id", how="left").join(poor, on="study_id", how="left")
        .join(equiv, on="study_id", how="left").join(expl_by, on="study_id", how="left")
    )
    # the nucleus names are used twice below: computed once
    s = s.with_columns(pl.col("u_nuclei").list.eval(
        pl.element().replace_strict(_NUCLEUS_NAMES, default=pl.element())
    ).list.join(" and ").alias("_nuclei_text"))
    nuclei = pl.col("_nuclei_text")
    nseg = pl.col("lmn_myotomes_n").fill_null(0)
    where = (
        pl.when(nseg > 1).then(pl.concat_str(pl.lit("in "), pl.col("lmn_myotomes_label"),
                                             pl.lit(" myotomes (")))
        .when(nseg == 1).then(pl.concat_str(pl.lit("in the "), pl.col("lmn_myotomes_label"),
                                            pl.lit(" myotome (")))
        .otherwise(pl.lit("in the "))
    )
    close = pl.when(nseg > 0).then(pl.lit(")")).otherwise(pl.lit(""))
    sensory = (
        pl.when(pl.col("motor_only_pattern").fill_null(False))
        .then(pl.lit(" with low motor and normal sensory responses"))
        .when(pl.col("sensory_normal").fill_null(False)).then(pl.lit(" with normal sensory responses"))
        .otherwise(pl.lit(""))
    )
    not_ncs = pl.when(pl.col("has_lesions").fill_null(False)).then(
        pl.lit(", not explained by the nerve conduction findings")).otherwise(pl.lit(""))
    pat = pl.col("denervation_pattern")
    pattern = (
        pl.when(pat == "multisegmental").then(pl.lit(", consistent with segmental anterior horn cell involvement"))
        .when(pat == "single_root").then(pl.concat_str(
            pl.when(pl.col("lmn_myotomes_label").str.contains("^[LS]"))
            .then(pl.lit(", consistent with an ")).otherwise(pl.lit(", consistent with a ")),
            pl.col("lmn_myotomes_label"),
            pl.lit(" motor root or segmental anterior horn cell lesion")))
        .when((pat == "bulbar") & (nuclei != "")).then(pl.concat_str(
            pl.lit(", consistent with involvement of the "), nuclei, pl.lit(" motor nucleus"),
            pl.when(pl.col("u_nuclei").list.len() > 1).then(pl.lit("es")).otherwise(pl.lit(""))))
        .when(pat == "plexus").then(pl.concat_str(
            pl.lit(", consistent with a lesion of the "),
            pl.col("plexus_element").str.replace_all("_", " ")))
        .otherwise(pl.lit(""))
    )
    lesions_txt = pl.col("mri_lesions").str.replace_all(";", " and ")
    mri = (
        pl.when(pl.col("mri_concordant") == True).then(pl.concat_str(  # noqa: E712
            pl.lit(", concordant with the "), lesions_txt, pl.lit(" lesion"),
            pl.when(pl.col("mri_lesions").str.contains(";")).then(pl.lit("s")).otherwise(pl.lit(""))))
        .when(pl.col("mri_concordant") == False).then(  # noqa: E712
            pl.lit(", not concordant with the MRI lesion levels"))
        .otherwise(pl.lit(""))
    )
    lmn_sentence = pl.when(pl.col("u").is_not_null()).then(pl.concat_str(
        pl.lit("Needle EMG shows "), _kind("u_active", "u_chronic"), pl.lit(" "), where,
        pl.col("u"), close, sensory, not_ncs, pattern, mri, pl.lit(".")))
    expl_sentence = (
        pl.when(pl.col("e").is_not_null() & pl.col("u").is_not_null()).then(pl.concat_str(
            pl.lit("Denervation in the "), pl.col("e"), pl.lit(" is explained by "),
            pl.col("e_by"), pl.lit(".")))
        .when(pl.col("e").is_not_null()).then(pl.concat_str(
            pl.lit("Needle EMG shows "), _kind("e_active", "e_chronic"), pl.lit(" in the "),
            pl.col("e"), pl.lit(", explained by "), pl.col("e_by"), pl.lit(".")))
    )
    none_sentence = pl.when(pl.col("u").is_null() & pl.col("e").is_null()).then(
        pl.lit(_NO_DENERVATION))
    extras = [
        pl.when(pl.col("myo").is_not_null()).then(pl.concat_str(
            pl.lit("Myopathic motor units in the "), pl.col("myo"), pl.lit(" (not denervation)."))),
        pl.when(pl.col("poor").is_not_null()).then(pl.concat_str(
            pl.lit("Poor activation in the "), pl.col("poor"),
            pl.lit(" (central weakness), not counted as denervation."))),
        pl.when(pl.col("eq").is_not_null()).then(pl.concat_str(
            pl.lit("Equivocal (+/-) fibrillation potentials in the "), pl.col("eq"),
            pl.lit(", not counted as active denervation."))),
        pl.col("timing_warning"),
    ]
    return s.select(
        "study_id",
        pl.concat_str([lmn_sentence, expl_sentence, none_sentence, *extras], separator=" ",
                      ignore_nulls=True).alias("emg_summary"),
    )


def quiet_sentence(timing_warning: pl.Expr | pl.Series) -> pl.Expr:
    """emg_summary of a study whose muscles are all normal (none denervated, myopathic, poorly
    activated or equivocal), followed by its timing warning."""
    return pl.concat_str([pl.lit(_NO_DENERVATION), timing_warning], separator=" ", ignore_nulls=True)
