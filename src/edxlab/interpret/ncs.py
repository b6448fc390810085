"""Nerve conduction interpretation: ``interpret_ncs(ds, config) -> NcsFindings``.

Stages (each a small module, all pure and vectorized):
``ncs_limits`` (measures vs cited limits) -> ``ncs_segments`` (block, dispersion, focal slowing)
-> ``ncs_patterns`` (per-nerve pattern) -> ``ncs_diagnoses`` (lesions) -> ``ncs_summary`` (prose).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.ncs_diagnoses import (
    LESION_SCHEMA,
    WORK_LESION_SCHEMA,
    _lesion,
    _worst,
    carpal_tunnel,
    cranial_neuropathies,
    median_comparisons,
    polyneuropathy,
    segment_mononeuropathies,
    severity_of,
    studies_with_findings,
    ulnar_at_wrist,
)
from edxlab.frames import scattered_frame
from edxlab.interpret.ncs_frames import aligned, by_study, in_keys
from edxlab.interpret.ncs_limits import (
    measure_limits,
    ncs_segments,
    nerve_attr,
    nerve_codes,
    nerve_table,
    study_covariates,
)
from edxlab.interpret.ncs_patterns import measure_phrases, nerve_patterns
from edxlab.interpret.ncs_plexus import plexopathies
from edxlab.interpret.ncs_segments import segment_findings
from edxlab.interpret.ncs_summary import _and_join, summaries
from edxlab.reference.ncs_criteria import criteria_set, default_criteria_name, ncs_criteria

# entrapment sites: a lesion there is a compression neuropathy, not part of a multiplex
ENTRAPMENT_SITES = {("median", "wrist"), ("ulnar", "elbow"), ("peroneal", "fibular_head"),
                    ("ulnar", "wrist")}

NERVE_FINDINGS_COLUMNS = [
    "study_id", "nerve", "modality", "side", "record_site", "profile", "criteria",
    "distal_latency_ms", "distal_latency_nr", "distal_latency_limit",
    "distal_latency_pct_of_limit", "distal_latency_source", "distal_latency_abnormal",
    "amplitude_value", "amplitude_nr", "amplitude_unit", "amplitude_limit",
    "amplitude_pct_of_limit", "amplitude_source", "amplitude_abnormal",
    "cv_ms", "cv_segment", "cv_limit", "cv_pct_of_limit", "cv_source", "cv_abnormal",
    "fwave_ms", "fwave_nr", "fwave_limit", "fwave_pct_of_limit", "fwave_source", "fwave_abnormal",
    "side_ratio_value", "side_ratio_limit", "side_ratio_source", "side_ratio_abnormal",
    "r1_ms", "r1_nr", "r1_limit", "r1_pct_of_limit", "r1_source", "r1_abnormal",
    "r2_ipsi_ms", "r2_ipsi_nr", "r2_ipsi_limit", "r2_ipsi_pct_of_limit", "r2_ipsi_source",
    "r2_ipsi_abnormal",
    "r2_contra_ms", "r2_contra_nr", "r2_contra_limit", "r2_contra_pct_of_limit",
    "r2_contra_source", "r2_contra_abnormal",
    "temp_c", "temp_min", "temperature_low", "cold_uninterpreted",
    "distance_mm", "reference_distance_mm", "distance_flag",
    "conduction_block", "temporal_dispersion", "demyelinating_features",
    "pattern", "site", "abnormal", "rule_ids", "evidence",
]

BLINK_TEXT = {
    "facial_efferent_left": "Blink reflexes show a facial (efferent) pattern on the left.",
    "facial_efferent_right": "Blink reflexes show a facial (efferent) pattern on the right.",
    "trigeminal_afferent_left": "Blink reflexes show a trigeminal (afferent) pattern on the left.",
    "trigeminal_afferent_right": "Blink reflexes show a trigeminal (afferent) pattern on the right.",
    "nonlocalizing": "Blink reflexes are abnormal without a localizing pattern.",
}

DIAGNOSIS_COLUMNS = [
    "study_id", "sidx", "nid", "nerve", "modality", "side", "record_site", "limb",
    "distal_latency_ms", "distal_latency_abnormal", "amplitude_value", "amplitude_limit",
    "amplitude_abnormal", "amplitude_nr", "side_ratio_value", "side_ratio_abnormal", "absent", "low_amplitude",
    "abnormal", "abnormal_general", "pattern", "n_demyelinating", "n_demyelinating_primary",
    "demy_cv", "demy_dl", "demy_f", "demy_f_absent", "demy_cb", "demy_td",
    "demyelinating_features", "conduction_block", "cold_uninterpreted", "distance_flag",
    "distance_mm", "reference_distance_mm", "rule_ids", "evidence",
]

STUDY_NCS_SCHEMA: dict[str, pl.DataType] = {
    "study_id": pl.String,
    "ncs_abnormal": pl.Boolean,
    "polyneuropathy": pl.String,
    "mononeuropathies": pl.List(pl.String),
    "cranial_neuropathies": pl.List(pl.String),
    "motor_only_pattern": pl.Boolean,
    "blink_pattern": pl.String,
    "ncs_summary": pl.String,
}


@dataclass
class NcsFindings:
    """Frames of the NCS interpretation (see docs/design.md)."""

    nerve_findings: pl.DataFrame
    study_ncs: pl.DataFrame
    lesions: pl.DataFrame
    segments: pl.DataFrame
    measures: pl.DataFrame


def _set(config: InterpretConfig) -> tuple[str, dict]:
    name = config.criteria or default_criteria_name()
    return name, criteria_set(name)


def interpret_ncs(ds, config: InterpretConfig | None = None) -> NcsFindings:
    """Interpret every study's nerve conductions, F-waves and blink reflexes."""
    config = config or InterpretConfig()
    set_name, cset = _set(config)
    crit = ncs_criteria()
    cov = study_covariates(ds, config)
    codes = nerve_codes(ds["ncs"], ds["fwaves"])
    rows = ncs_segments(ds["ncs"], cov, codes)
    m = measure_phrases(measure_limits(ds, cov, config, rows, codes))
    segs = segment_findings(rows, m, cset, set_name)
    w = nerve_patterns(m, segs, rows, cset, set_name)
    # study keys as integers from here on (``sidx`` in the study_id column); mapped back below
    nerve_out = w  # the full per-nerve frame, for the output
    w = w.with_columns(study_id=pl.col("sidx"))
    cranial_in = w.filter(pl.col("nerve").is_in(["facial", "blink"]))
    # the diagnoses only need a few columns: a slim frame keeps every join/filter cheap
    w = w.select(DIAGNOSIS_COLUMNS)
    segs_w = segs.with_columns(study_id=pl.col("nid") // 4096)
    nt = nerve_table().select("nerve", "parent", "distal_site")
    # in nid order (as nerve_patterns returns it): every aggregation below keeps this order,
    # so texts are deterministic
    w = w.with_columns(parent=nerve_attr("parent").fill_null(pl.col("nerve")),
                       nid=pl.col("nid").set_sorted(), study_id=pl.col("study_id").set_sorted())
    n_studies = cov.height  # (the study index runs 0..n_studies-1)
    has_ncs = pl.repeat(False, n_studies, eager=True).alias("has_ncs").scatter(w["study_id"], True)

    # only the studies with something to find go through the diagnoses: the others have no
    # lesion and no per-study row below, so the study frame gives them the normal summary
    comp = median_comparisons(w)
    busy = studies_with_findings(w, segs_w, comp)["study_id"].implode()
    w = w.filter(pl.col("study_id").is_in(busy))  # (the segment rules below pick their own)

    # focal lesions localized by the data
    segmono = segment_mononeuropathies(w, segs_w)
    cts = carpal_tunnel(w, segs_w, segmono, comp)
    entrap = pl.DataFrame({"nerve": [n for n, _ in ENTRAPMENT_SITES],
                           "site": [s for _, s in ENTRAPMENT_SITES], "_entrap": True})
    # an ulnar lesion the segments already place (at the elbow) is not also one at the wrist
    guyon = ulnar_at_wrist(w, segs_w).join(
        segmono.filter(pl.col("nerve") == "ulnar").select("study_id", "side"),
        on=["study_id", "side"], how="anti")
    localized = pl.concat([cts, segmono, guyon]).join(entrap, on=["nerve", "site"], how="left").with_columns(
        pl.col("_entrap").fill_null(False))
    excluded = localized.filter(pl.col("_entrap")).select(
        "study_id", pl.col("nerve").alias("parent"), "side")

    per, pn_lesions = polyneuropathy(w, cset, set_name, excluded)
    pn_kind = per.select("study_id", "polyneuropathy")
    # segment lesions away from entrapment sites are part of a demyelinating polyneuropathy
    localized = localized.join(pn_kind, on="study_id", how="left").filter(
        pl.col("_entrap") | ~pl.col("polyneuropathy").is_in(["demyelinating", "mixed"]).fill_null(False)
    )
    localized_keys = localized.select("study_id", pl.col("nerve").alias("parent"), "side").unique()

    # motor-only (pre-ganglionic) pattern: low CMAPs, every tested SNAP normal, no demyelination
    sens = w.lazy().filter((pl.col("nerve") != "blink") & (pl.col("modality") != "motor")).group_by(
        "study_id").agg(pl.len().alias("n_sensory"), pl.col("abnormal").any().alias("sensory_abnormal")
                        ).collect()
    # (joined on the key columns only, then stacked: w keeps its order and flags)
    w = w.hstack(aligned(w, sens, on="study_id").get_columns()).with_columns(
        _loc=in_keys(w, localized_keys, ["study_id", "parent", "side"]))
    sensory_normal = (pl.col("n_sensory").fill_null(0) > 0) & ~pl.col("sensory_abnormal").fill_null(False)
    w = w.with_columns(
        preganglionic=(
            (pl.col("modality") == "motor") & (pl.col("nerve") != "facial") & sensory_normal
            & pl.col("pattern").is_in(["axonal", "absent", "slowing"]) & ~pl.col("_loc")
        ),
    )
    mo = w.filter(pl.col("preganglionic")).sort("nid").group_by("study_id").agg(
        pl.len().alias("n_pg"),
        pl.concat_str([pl.when(pl.col("side") == "L").then(pl.lit("left ")).otherwise(pl.lit("right ")),
                       pl.col("nerve").str.replace_all("_", " ")]).alias("pg_nerves"),
        pl.col("pattern").is_in(["axonal", "absent"]).any().alias("pg_low"),
    )

    # plexopathy: axon loss in several nerves of one limb, a sensory response among them, through
    # one plexus element no normal response passes (ncs_plexus.py); those nerves are not also
    # non-localized mononeuropathies
    with_poly = pn_kind.filter(pl.col("polyneuropathy").fill_null("none") != "none").select("study_id")
    plexus_lesions, plexus_nerves = plexopathies(
        w, w.select("study_id").unique().join(with_poly, on="study_id", how="anti"),
        localized_keys, crit)

    # non-localized mononeuropathies (no polyneuropathy): motor + sensory of one nerve, or a
    # sensory response absent / below half its limit with the other side's normal
    # other side of the same nerve study: nid with the side bit flipped
    flip = pl.col("nid") + 1 - 2 * (pl.col("nid") % 2)
    amp_pct = pl.col("amplitude_value") / pl.col("amplitude_limit") * 100
    cand = (
        w.filter((pl.col("nerve") != "blink") & (pl.col("nerve") != "facial")
                 & ~pl.col("_loc") & ~pl.col("preganglionic")
                 & (pl.col("absent") | pl.col("low_amplitude")))
        .join(pn_kind, on="study_id", how="left")
        .filter(pl.col("polyneuropathy").fill_null("none") == "none")
        .join(plexus_nerves, on=["study_id", "parent", "side"], how="anti")
    )
    # (looked up for the candidates only)
    other_side = w.lazy().filter(pl.col("nid").is_in(cand.select(flip)["nid"].implode())).select(
        flip.alias("nid"), pl.col("abnormal").alias("other_abnormal")).collect()
    cand = (
        cand.join(other_side, on="nid", how="left")
        .with_columns(
            sens_marked=(pl.col("modality") != "motor")
            & (pl.col("absent")
               | (amp_pct < crit["single_nerve"]["sensory_below_pct_limit"]).fill_null(False))
            & (pl.col("other_abnormal") == False),  # noqa: E712 - null = other side not tested
        )
    )
    # a lesion: motor and sensory responses of the nerve low or absent, or a marked sensory one
    nerve_key = ["study_id", "parent", "side"]
    found = cand.group_by(nerve_key).agg(
        (pl.col("modality") == "motor").any().alias("mot"),
        (pl.col("modality") != "motor").any().alias("sen"),
        pl.col("sens_marked").any().alias("marked"),
    ).filter((pl.col("mot") & pl.col("sen")) | pl.col("marked"))
    # (severity and texts of those nerves only)
    cand = cand.filter(in_keys(cand, found, nerve_key))
    cand = cand.join(severity_of(w, cand), on=nerve_key, how="left").with_columns(
        sev=pl.col("nerve_severity").fill_null("mild"))
    nl = cand.sort("nid").group_by(nerve_key).agg(
        _worst("sev").alias("severity"),
        pl.col("evidence").str.join("; ").alias("evidence"),
        pl.col("rule_ids").str.join(";").alias("rule_ids"),
    )
    nl = nl.join(nt.select(pl.col("nerve").alias("parent"), "distal_site").unique("parent"),
                 on="parent", how="left")
    nonloc = _lesion(nl.with_columns(
        nerve=pl.col("parent"),
        site=pl.when(pl.col("distal_site") == "leg").then(pl.lit("leg")).otherwise(pl.lit("")),
        length_dependent=pl.lit(None, pl.Boolean),
    ), "mononeuropathy")

    monos = pl.concat([localized.select(list(LESION_SCHEMA)), nonloc])
    # mononeuropathy multiplex: >= 2 different nerves with non-entrapment lesions, no PN
    mm_min = crit["mononeuropathy_multiplex"]["min_nerves"]
    monos = monos.join(entrap, on=["nerve", "site"], how="left").with_columns(
        nonentrap=pl.col("_entrap").is_null()).join(pn_kind, on="study_id", how="left")
    n_mm = pl.col("nerve").filter(pl.col("nonentrap")).n_unique().over("study_id")
    monos = monos.with_columns(
        kind=pl.when(pl.col("nonentrap") & (n_mm >= mm_min)
                     & (pl.col("polyneuropathy").fill_null("none") == "none"))
        .then(pl.lit("mononeuropathy_multiplex")).otherwise(pl.lit("mononeuropathy")),
        rule_ids=pl.when(pl.col("nonentrap") & (n_mm >= mm_min))
        .then(pl.concat_str([pl.lit("mononeuropathy_multiplex"), pl.col("rule_ids")],
                            separator=";", ignore_nulls=True))
        .otherwise(pl.col("rule_ids")),
    ).select(list(LESION_SCHEMA))

    cranial, blink = cranial_neuropathies(cranial_in)
    plexus = _lesion(plexus_lesions.with_columns(length_dependent=pl.lit(None, pl.Boolean)),
                     "plexopathy")
    # (the site orders two lesions of one nerve and side, so the order is the same on every run)
    lesions = pl.concat([pn_lesions, monos, plexus, cranial]).cast(WORK_LESION_SCHEMA).sort(
        "study_id", "kind", "nerve", "side", "site", maintain_order=True)

    # study-level frame
    counted = w.filter(pl.col("abnormal") & ~pl.col("preganglionic"))
    abn = counted.group_by("study_id").agg(
        pl.lit(True).alias("abn_measure"),
        pl.col("evidence").filter(~pl.col("_loc")).alias("abn_evidence"),
    )
    cold = w.filter(pl.col("cold_uninterpreted")).sort("nid").group_by("study_id").agg(
        pl.concat_str([pl.when(pl.col("side") == "L").then(pl.lit("left ")).otherwise(pl.lit("right ")),
                       pl.col("nerve").str.replace_all("_", " "), pl.lit(" "), pl.col("modality")])
        .unique(maintain_order=True).alias("cold_nerves"))
    mono_list = lesions.filter(pl.col("kind").is_in(["mononeuropathy", "mononeuropathy_multiplex"])
                               ).group_by("study_id").agg(
        pl.concat_str([pl.col("nerve"), pl.col("side"), pl.col("site")], separator=":")
        .unique().sort().alias("mononeuropathies"))
    cran_list = lesions.filter(pl.col("kind") == "cranial_neuropathy").group_by("study_id").agg(
        pl.concat_str([pl.col("nerve"), pl.col("side")], separator=":").unique().sort()
        .alias("cranial_neuropathies"))
    n_les = lesions.group_by("study_id").agg(pl.len().alias("n_lesions"))
    # the summary mentions a technique difference where it matters: an abnormal distal latency
    tech = w.filter(pl.col("distance_flag") & pl.col("distal_latency_abnormal")).sort("nid").group_by("study_id").agg(
        pl.concat_str([pl.when(pl.col("side") == "L").then(pl.lit("left ")).otherwise(pl.lit("right ")),
                       pl.col("nerve").str.replace_all("_", " "), pl.lit(" "), pl.col("modality"),
                       pl.lit(" ("), pl.col("distance_mm").round(0).cast(pl.Int64).cast(pl.String),
                       pl.lit(" mm, reference "),
                       pl.col("reference_distance_mm").round(0).cast(pl.Int64).cast(pl.String),
                       pl.lit(" mm)")]).alias("tech_nerves"))
    mo_min = crit["motor_only"]["min_nerves"]
    # F-waves absent with the distal response present: proximal conduction failure
    fabsent = w.filter(pl.col("demy_f_absent").fill_null(False)).sort("nid").group_by("study_id").agg(
        pl.concat_str([pl.when(pl.col("side") == "L").then(pl.lit("left ")).otherwise(pl.lit("right ")),
                       pl.col("nerve").str.replace_all("_", " ")]).unique(maintain_order=True)
        .alias("f_absent_nerves"))
    # one row per study, row i = study index i: the per-study aggregates placed by index
    s = (
        by_study(n_studies, per.select("study_id", "polyneuropathy", "length_dependent",
                                       "motor_involved", "sensory_involved", "n_any"),
                 mono_list, cran_list, abn, n_les, mo, cold, blink, tech, fabsent)
        .with_columns(
            has_ncs,
            polyneuropathy=pl.col("polyneuropathy").fill_null("none"),
            mononeuropathies=pl.col("mononeuropathies").fill_null([]),
            cranial_neuropathies=pl.col("cranial_neuropathies").fill_null([]),
            n_lesions=pl.col("n_lesions").fill_null(0),
            n_pg=pl.col("n_pg").fill_null(0),
        )
    )
    s = s.with_columns(
        ncs_abnormal=pl.when(pl.col("has_ncs")).then(
            (pl.col("n_lesions") > 0) | pl.col("abn_measure").fill_null(False)),
        motor_only_pattern=pl.when(pl.col("has_ncs")).then(
            (pl.col("n_pg") >= mo_min) & pl.col("pg_low").fill_null(False)
            & (pl.col("polyneuropathy") == "none")),
    )
    # the sentences, built for the studies that have one of them only
    talk = s.select(pl.arg_where(pl.any_horizontal(
        pl.col("pg_nerves", "abn_evidence", "cold_nerves", "blink_pattern", "tech_nerves")
        .is_not_null())))[:, 0]
    texts = s.select("motor_only_pattern", "n_pg", "pg_nerves", "n_lesions", "abn_evidence",
                     "f_absent_nerves", "cold_nerves", "blink_pattern", "tech_nerves")[talk].select(
        motor_only_text=pl.when(pl.col("motor_only_pattern")).then(pl.concat_str([
            pl.lit("Reduced motor responses of the "), _and_join(pl.col("pg_nerves")),
            pl.lit(" nerves with normal sensory responses and no demyelinating features form a "
                   "motor-only pattern: this localizes proximal to the dorsal root ganglion "
                   "(anterior horn cell or motor root) and is not a peripheral neuropathy.")]))
        .when(pl.col("n_pg") > 0).then(pl.concat_str([
            pl.lit("The abnormal motor response of the "), _and_join(pl.col("pg_nerves")),
            pl.lit(" nerve with normal sensory responses does not indicate a peripheral "
                   "neuropathy; it is consistent with a motor root or anterior horn cell "
                   "process, or a distal motor branch lesion.")])),
        isolated_text=pl.when((pl.col("n_lesions") == 0)
                              & (pl.col("abn_evidence").list.len().fill_null(0) > 0)).then(
            pl.concat_str([pl.lit("Isolated findings of uncertain significance: "),
                           pl.col("abn_evidence").list.join("; "), pl.lit("."),
                           pl.when(pl.col("f_absent_nerves").list.len().fill_null(0)
                                   >= crit["f_absent"]["min_nerves"])
                           .then(pl.concat_str([
                               pl.lit(" F-waves are absent in the "),
                               _and_join(pl.col("f_absent_nerves")),
                               pl.lit(" nerves with their distal motor responses present: "
                                      "proximal conduction failure (roots or proximal nerve "
                                      "segments, as in early Guillain-Barre syndrome) is possible "
                                      "in the right clinical setting.")]))
                           .otherwise(pl.lit(""))])),
        cold_text=pl.when(pl.col("cold_nerves").is_not_null()).then(pl.concat_str([
            pl.lit("Limb temperature was below the reference minimum for the "),
            _and_join(pl.col("cold_nerves")),
            pl.lit(" studies; their prolonged latencies or slowed velocities were not interpreted "
                   "(warm the limb and repeat).")])),
        blink_text=pl.col("blink_pattern").replace_strict(BLINK_TEXT, default=None,
                                                          return_dtype=pl.String),
        technique_text=pl.when(pl.col("tech_nerves").is_not_null()).then(pl.concat_str([
            pl.lit("Distal latencies were recorded over distances other than the reference "
                   "technique's for the "), _and_join(pl.col("tech_nerves")),
            pl.lit(" studies; interpret them with caution.")])),
    )
    extras = s.select("ncs_abnormal", "has_ncs", has_pg=pl.col("n_pg") > 0).hstack(
        scattered_frame(s.height, talk, texts).get_columns())
    pn_info = per.select(
        "study_id",
        pn_type=pl.col("polyneuropathy"),
        pn_fibres=pl.when(pl.col("motor_involved") & pl.col("sensory_involved"))
        .then(pl.lit("sensorimotor"))
        .when(pl.col("motor_involved")).then(pl.lit("motor")).otherwise(pl.lit("sensory")),
    ).join(  # (read by the polyneuropathy phrase only)
        w.lazy().filter(pl.col("study_id").is_in(with_poly["study_id"].implode()))
        .group_by("study_id").agg(
            pl.col("demy_cb").any().alias("pn_cb"),
            pl.col("demy_td").any().alias("pn_td"),
            # multifocal motor neuropathy pattern: conduction block (away from entrapment sites)
            # in enough motor nerves, every tested sensory response normal
            ((pl.col("demy_cb").sum() >= crit["mmn"]["min_nerves"])
             & (pl.col("n_sensory").fill_null(0).first() > 0)
             & ~pl.col("sensory_abnormal").fill_null(False).first()).alias("pn_mmn")).collect(),
        on="study_id", how="left")
    text = summaries(lesions.join(pn_info, on="study_id", how="left"), extras)
    # back to the study identifiers: the study index is their row number in ``cov``
    study_ncs = s.with_columns(cov["study_id"], text).select(list(STUDY_NCS_SCHEMA)).cast(
        STUDY_NCS_SCHEMA)
    lesions = lesions.with_columns(cov["study_id"].gather(lesions["study_id"])).select(
        list(LESION_SCHEMA)).cast(LESION_SCHEMA)

    nf = nerve_out.select("nid", *NERVE_FINDINGS_COLUMNS).sort("nid").drop("nid")
    return NcsFindings(nerve_findings=nf, study_ncs=study_ncs, lesions=lesions, segments=segs,
                       measures=m)
