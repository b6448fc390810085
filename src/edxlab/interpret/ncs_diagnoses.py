"""Study-level NCS diagnoses: polyneuropathy, mononeuropathies with their site, mononeuropathy
multiplex, cranial neuropathies and the motor-only (pre-ganglionic) pattern.

Input is the per-nerve frame of :mod:`edxlab.interpret.ncs_patterns` and the segment frame of
:mod:`edxlab.interpret.ncs_segments`; output is the ``lesions`` frame (one row per lesion and
side, with rule ids and evidence) and the per-study flags. All thresholds come from
``reference/ncs_criteria.toml``.

``ncs_abnormal`` (decision, documented in docs/design.md): true when the NCS shows a peripheral
or cranial neuropathy (any lesion) or any counted abnormal measure that is *not* explained by the
motor-only pattern. Low CMAPs (and F-wave changes) in motor nerves of a study whose sensory
responses are all normal localize proximal to the dorsal root ganglion (anterior horn cell or
motor root): they are reported (``motor_only_pattern``, summary) but they are not a neuropathy
and do not make ``ncs_abnormal`` true, so that counting ``ncs_abnormal`` answers He et al.'s
"NCS showed a peripheral or cranial neuropathy". Latencies/velocities of a cold limb that are
not interpreted and absent responses where the profile says absence is normal do not count.
"""

from __future__ import annotations

import polars as pl

from edxlab.interpret.ncs_frames import aligned, in_keys, study_counts, with_texts
from edxlab.interpret.ncs_limits import nerve_table
from edxlab.reference.ncs_criteria import ncs_criteria

LESION_SCHEMA: dict[str, pl.DataType] = {
    "study_id": pl.String,
    "kind": pl.String,
    "nerve": pl.String,
    "side": pl.String,
    "site": pl.String,
    "length_dependent": pl.Boolean,
    "severity": pl.String,
    "rule_ids": pl.String,
    "evidence": pl.String,
}
SIDES = ("L", "R")
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}


# inside the interpretation studies are keyed by their integer index (``sidx``, held in the
# ``study_id`` column for speed); ``interpret_ncs`` maps them back to the identifiers
WORK_LESION_SCHEMA = dict(LESION_SCHEMA, study_id=pl.Int64)


def _empty_lesions() -> pl.DataFrame:
    return pl.DataFrame(schema=LESION_SCHEMA)


def _severity_from_amp() -> pl.Expr:
    """Generic severity of a nerve from its distal amplitude (% of LLN): see [severity]."""
    sev = ncs_criteria()["severity"]
    pct = pl.col("amplitude_value") / pl.col("amplitude_limit") * 100
    return (
        pl.when(pl.col("absent") | (pct < sev["severe_below_pct_lln"]).fill_null(False))
        .then(pl.lit("severe"))
        .when((pct < sev["moderate_below_pct_lln"]).fill_null(False) | pl.col("low_amplitude"))
        .then(pl.lit("moderate"))
        .otherwise(pl.lit("mild"))
    )


def _worst(col: str = "severity") -> pl.Expr:
    rank = pl.col(col).replace_strict(SEVERITY_RANK, default=0, return_dtype=pl.Int32)
    return pl.col(col).sort_by(rank, descending=True).first()


def _lesion(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.with_columns(kind=pl.lit(kind)).select(list(LESION_SCHEMA)).cast(
        WORK_LESION_SCHEMA)


# ----------------------------------------------------------------------------------------------
# which studies have something to diagnose
# ----------------------------------------------------------------------------------------------

NERVE_FINDING_FLAGS = ("abnormal", "abnormal_general", "absent", "low_amplitude",
                       "cold_uninterpreted", "demy_f_absent")
"""Per-nerve flags that start a diagnosis or a sentence of the summary: the rules below and in
``ncs.py`` / ``ncs_plexus.py`` read a nerve only when one of these is set (or its pattern is not
normal, or it has evidence text)."""
SEGMENT_FINDING_FLAGS = ("focal", "conduction_block", "temporal_dispersion", "focal_slowing",
                         "cv_abnormal", "cv_demyelinating")
"""Per-segment flags the rules read (a focal segment is a lesion on its own)."""
CRANIAL_NERVES = ("facial", "blink")
"""Nerves whose rules also compare values within limits (facial side ratio, blink side
differences): their studies always go through the diagnoses."""


def studies_with_findings(w: pl.DataFrame, segs: pl.DataFrame,
                          comp: pl.DataFrame) -> pl.DataFrame:
    """The studies (``study_id``, unique) the diagnoses can find something in: a nerve with a
    finding flag set, a non-normal pattern or evidence text, a flagged segment, an abnormal
    median comparison (``median_comparisons``) or a cranial nerve. Any other study is normal:
    no lesion, nothing counted, no sentence beyond the normal summary (``interpret_ncs`` builds
    it without running the diagnoses). Unknown (null) flags count as set."""
    nerve = (pl.any_horizontal(pl.col(c) for c in NERVE_FINDING_FLAGS)
             | (pl.col("pattern") != "normal") | (pl.col("evidence") != "")
             | pl.col("nerve").is_in(CRANIAL_NERVES)).fill_null(True)
    segment = pl.any_horizontal(pl.col(c) for c in SEGMENT_FINDING_FLAGS).fill_null(True)
    return pl.concat([w.lazy().filter(nerve).select("study_id"),
                      segs.lazy().filter(segment).select("study_id"),
                      comp.lazy().select("study_id")]).unique().collect()


# ----------------------------------------------------------------------------------------------
# focal neuropathies
# ----------------------------------------------------------------------------------------------

def median_comparisons(w: pl.DataFrame) -> pl.DataFrame:
    """Abnormal internal comparisons of the median nerve (median minus ulnar/radial latency,
    same study, side and record site; limits [cts]): study_id, side, comp_ev (their evidence).
    They can show a carpal tunnel syndrome with every latency within its own limit."""
    cts = ncs_criteria()["cts"]
    pairs = (  # name, modality, other nerve, record site (None: any), limit
        ("palm", "mixed", "ulnar", None, cts["palm_mixed_diff_ms"]),
        ("ring finger", "sensory", "ulnar", "digit4", cts["ring_finger_diff_ms"]),
        ("thumb", "sensory", "radial", "digit1", cts["thumb_diff_ms"]),
    )
    # (the responses compared, taken once, split by nerve)
    lat = w.lazy().filter(pl.col("nerve").is_in(["median", *sorted({p[2] for p in pairs})])
                          & pl.col("modality").is_in(sorted({p[1] for p in pairs}))).select(
        "study_id", "side", "nerve", "modality", "record_site", "distal_latency_ms").collect()
    by_nerve = lat.partition_by("nerve", as_dict=True)
    empty = lat.clear()
    comps = []
    for name, mod, other, rec, lim in pairs:
        a = by_nerve.get(("median",), empty).filter(pl.col("modality") == mod)
        b = by_nerve.get((other,), empty).filter(pl.col("modality") == mod)
        if rec is not None:
            a = a.filter(pl.col("record_site") == rec)
            b = b.filter(pl.col("record_site") == rec)
        d = a.join(b.select("study_id", "side", pl.col("distal_latency_ms").alias("o")),
                   on=["study_id", "side"]).with_columns(
            diff=pl.col("distal_latency_ms") - pl.col("o")).filter(pl.col("diff") >= lim)
        comps.append(d.select(
            "study_id", "side",
            pl.concat_str([pl.lit(f"median-{other} {name} latency difference "),
                           pl.col("diff").round(2).cast(pl.String),
                           pl.lit(f" ms (limit {lim} ms)")]).alias("comp_ev")))
    return pl.concat(comps).group_by("study_id", "side").agg(pl.col("comp_ev").str.join("; "))


def carpal_tunnel(w: pl.DataFrame, segs: pl.DataFrame | None = None,
                  localized: pl.DataFrame | None = None,
                  comp: pl.DataFrame | None = None) -> pl.DataFrame:
    """Median neuropathy at the wrist, per side, graded mild/moderate/severe (AAEM 2002).

    An abnormal ulnar sensory response on the same side blocks the diagnosis (the median
    findings could be part of a generalized process) unless a median-ulnar comparison is
    abnormal, or the median findings localize on their own (prolonged median motor and sensory
    distal latencies, or a prolonged palm-wrist latency, with a normal median forearm velocity
    in ``segs``), or the ulnar abnormality is explained by an ulnar lesion at the elbow in
    ``localized`` (the segment lesions; see [cts] in the criteria file). ``comp``: the
    abnormal internal comparisons (``median_comparisons(w)``, computed here when not given).
    """
    comp = median_comparisons(w) if comp is None else comp
    # only a side with a prolonged or absent median response, or an abnormal comparison, can
    # hold one: the rest of the rule reads that side's median and ulnar nerves only
    w = w.lazy().filter(pl.col("nerve").is_in(["median", "ulnar"])).select(
        "study_id", "side", "nerve", "modality", "distal_latency_abnormal", "absent",
        "amplitude_abnormal", "n_demyelinating", "abnormal", "evidence", "rule_ids").collect()
    sides = pl.concat([
        w.filter((pl.col("nerve") == "median")
                 & (pl.col("distal_latency_abnormal") | pl.col("absent")).fill_null(True))
        .select("study_id", "side"), comp.select("study_id", "side")]).unique()
    w = w.join(sides, on=["study_id", "side"], how="semi")
    med = w.filter(pl.col("nerve") == "median")
    msens = med.filter(pl.col("modality") != "motor")
    sens = with_texts(msens.group_by("study_id", "side").agg(
        (pl.col("distal_latency_abnormal") | pl.col("absent")).any().alias("sens_abn"),
        pl.col("distal_latency_abnormal").any().alias("sens_lat_abn"),
        (pl.col("distal_latency_abnormal") & (pl.col("modality") == "mixed")).any()
        .alias("palm_lat_abn"),
        (pl.col("absent") & (pl.col("modality") == "sensory")).any().alias("sens_absent"),
    ), msens, ["study_id", "side"], pl.col("abnormal"),
        sens_ev=(pl.col("evidence"), "; "), sens_rules=(pl.col("rule_ids"), ";"))
    mot = med.filter(pl.col("modality") == "motor").select(
        "study_id", "side",
        pl.col("distal_latency_abnormal").alias("dl_abn"),
        pl.col("absent").alias("cmap_absent"),
        (pl.col("absent") | pl.col("amplitude_abnormal")).alias("cmap_low"),
        (pl.col("n_demyelinating") > 0).alias("forearm_demy"),
        pl.when(pl.col("abnormal")).then(pl.col("evidence")).alias("mot_ev"),
        pl.when(pl.col("abnormal")).then(pl.col("rule_ids")).alias("mot_rules"),
    )
    uln = w.filter((pl.col("nerve") == "ulnar") & (pl.col("modality") != "motor")).group_by(
        "study_id", "side").agg((pl.col("distal_latency_abnormal") | pl.col("absent")
                                 | pl.col("amplitude_abnormal")).any().alias("ulnar_abn"))
    keys = med.select("study_id", "side").unique()
    d = (keys.join(sens, on=["study_id", "side"], how="left")
         .join(mot, on=["study_id", "side"], how="left")
         .join(comp, on=["study_id", "side"], how="left")
         .join(uln, on=["study_id", "side"], how="left"))
    own = [pl.lit(False).alias("forearm_normal"), pl.lit(False).alias("ulnar_explained")]
    if segs is not None:
        fa = segs.filter((pl.col("nerve") == "median") & ~pl.col("entrapment")
                         & pl.col("cv").is_not_null()).join(
            sides, on=["study_id", "side"], how="semi").group_by("study_id", "side").agg(
            (~pl.col("cv_abnormal") & ~pl.col("cv_cold")).all().alias("forearm_normal"))
        d = d.join(fa, on=["study_id", "side"], how="left")
        own[0] = pl.col("forearm_normal")
    if localized is not None:
        ue = localized.filter((pl.col("nerve") == "ulnar") & (pl.col("site") == "elbow")).select(
            "study_id", "side", ulnar_explained=pl.lit(True)).unique()
        d = d.join(ue, on=["study_id", "side"], how="left")
        own[1] = pl.col("ulnar_explained")
    d = d.with_columns(own)
    f = lambda c: pl.col(c).fill_null(False)  # noqa: E731
    comp_abn = pl.col("comp_ev").is_not_null()
    # an absent CMAP has no latency to localize: without an abnormal median sensory response or
    # comparison it does not place the lesion at the wrist (root, plexus or anterior horn cell
    # lesions abolish the APB response too)
    median_abn = f("sens_abn") | (f("dl_abn") & ~f("cmap_absent")) | comp_abn
    self_localized = f("forearm_normal") & ((f("dl_abn") & f("sens_lat_abn")) | f("palm_lat_abn"))
    d = d.filter(median_abn & ~f("forearm_demy")
                 & (~f("ulnar_abn") | comp_abn | self_localized | f("ulnar_explained")))
    return _lesion(d.with_columns(
        nerve=pl.lit("median"), site=pl.lit("wrist"), length_dependent=pl.lit(None, pl.Boolean),
        severity=pl.when(f("sens_absent") | f("cmap_low")).then(pl.lit("severe"))
        .when(f("dl_abn")).then(pl.lit("moderate")).otherwise(pl.lit("mild")),
        # a part with no text (e.g. no abnormal sensory response when the comparison alone
        # localizes) is left out, not joined as an empty string
        rule_ids=pl.concat_str([pl.lit("AAEM2002.cts"), *_texts("sens_rules", "mot_rules")],
                               separator=";", ignore_nulls=True),
        evidence=pl.concat_str(_texts("sens_ev", "mot_ev", "comp_ev"),
                               separator="; ", ignore_nulls=True),
    ), "mononeuropathy")


def _texts(*names: str) -> list[pl.Expr]:
    """The named text columns with empty strings as null (left out of a concat_str)."""
    return [pl.when(pl.col(n) != "").then(pl.col(n)) for n in names]


def ulnar_at_wrist(w: pl.DataFrame, segs: pl.DataFrame | None = None) -> pl.DataFrame:
    """Ulnar neuropathy at the wrist (Guyon canal), per side: the ulnar motor distal latency
    prolonged while the ulnar forearm velocity (``segs``) and the median motor distal latency of
    the same side are normal, so the slowing is focal and distal (see [ulnar_wrist])."""
    uln = w.filter((pl.col("nerve") == "ulnar") & (pl.col("modality") == "motor")
                   & pl.col("distal_latency_abnormal").fill_null(False)).select(
        "study_id", "side",
        (pl.col("absent") | pl.col("amplitude_abnormal")).fill_null(False).alias("cmap_low"),
        (pl.col("n_demyelinating") > 0).fill_null(False).alias("demy"),
        pl.col("evidence").alias("mot_ev"), pl.col("rule_ids").alias("mot_rules"))
    if uln.height == 0 or segs is None:
        return _lesion(uln.clear().with_columns(
            nerve=pl.lit(""), site=pl.lit(""), length_dependent=pl.lit(None, pl.Boolean),
            severity=pl.lit(""), rule_ids=pl.lit(""), evidence=pl.lit("")), "mononeuropathy")
    sides = uln.select("study_id", "side")
    median_ok = w.lazy().filter((pl.col("nerve") == "median") & (pl.col("modality") == "motor")
                                & ~pl.col("distal_latency_abnormal").fill_null(True)).select(
        "study_id", "side").join(sides.lazy(), on=["study_id", "side"], how="semi").unique().collect()
    forearm_ok = segs.filter((pl.col("nerve") == "ulnar") & ~pl.col("entrapment")
                             & pl.col("cv").is_not_null()).join(
        sides, on=["study_id", "side"], how="semi").group_by("study_id", "side").agg(
        (~pl.col("cv_abnormal") & ~pl.col("cv_cold")).all().alias("_ok")).filter(pl.col("_ok"))
    d = (uln.join(median_ok, on=["study_id", "side"], how="semi")
         .join(forearm_ok.select("study_id", "side"), on=["study_id", "side"], how="semi"))
    return _lesion(d.with_columns(
        nerve=pl.lit("ulnar"), site=pl.lit("wrist"), length_dependent=pl.lit(None, pl.Boolean),
        severity=pl.when(pl.col("cmap_low")).then(pl.lit("severe")).otherwise(pl.lit("moderate")),
        rule_ids=pl.concat_str([pl.lit("ulnar_wrist"), pl.col("mot_rules")], separator=";",
                               ignore_nulls=True),
        evidence=pl.concat_str([pl.col("mot_ev"), pl.lit(
            "normal ulnar forearm velocity and median motor distal latency: focal slowing at "
            "the wrist")], separator="; ", ignore_nulls=True),
    ), "mononeuropathy")


def nerve_severity(w: pl.DataFrame) -> pl.DataFrame:
    """Severity of a lesion of a nerve (study, parent nerve, side) from its motor and sensory
    responses: severe = CMAP below half its LLN or absent, or absent SNAP with a low CMAP;
    moderate = low CMAP or low/absent SNAP; mild = conduction slowing/block only."""
    base = w.filter(pl.col("nerve") != "blink").with_columns(
        pl.col("parent").fill_null(pl.col("nerve")) if "parent" in w.columns
        else pl.col("nerve").alias("parent"))
    mot = (base.filter(pl.col("modality") == "motor").with_columns(sev=_severity_from_amp())
           .group_by("study_id", "parent", "side").agg(_worst("sev").alias("m_sev")))
    sen = base.filter(pl.col("modality") != "motor").group_by("study_id", "parent", "side").agg(
        pl.col("absent").any().alias("s_absent"), pl.col("low_amplitude").any().alias("s_low"))
    d = mot.join(sen, on=["study_id", "parent", "side"], how="full", coalesce=True)
    f = lambda c: pl.col(c).fill_null(False)  # noqa: E731
    return d.select(
        "study_id", "parent", "side",
        nerve_severity=pl.when((pl.col("m_sev") == "severe").fill_null(False)
                               | (f("s_absent") & (pl.col("m_sev") == "moderate").fill_null(False)))
        .then(pl.lit("severe"))
        .when((pl.col("m_sev") == "moderate").fill_null(False) | f("s_absent") | f("s_low"))
        .then(pl.lit("moderate")).otherwise(pl.lit("mild")),
    )


def severity_of(w: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """``nerve_severity`` of the (study_id, parent, side) ``keys`` only, from their rows alone
    (``parent``: the nerve's parent, filled; the nerve itself when ``w`` has no such column)."""
    keys = keys.select("study_id", "parent", "side").unique()
    rows = (w.lazy().filter(pl.col("study_id").is_in(keys["study_id"].implode()))
            .select("study_id", "nerve", "parent" if "parent" in w.columns else pl.col("nerve")
                    .alias("parent"), "side", "modality", "amplitude_value", "amplitude_limit",
                    "absent", "low_amplitude")
            .join(keys.lazy(), on=["study_id", "parent", "side"], how="semi").collect())
    return nerve_severity(rows)


def segment_mononeuropathies(w: pl.DataFrame, segs: pl.DataFrame) -> pl.DataFrame:
    """Focal lesions localized by a segment: ulnar at the elbow, peroneal at the fibular head,
    conduction block or focal slowing elsewhere. A block of half the CMAP or more makes the
    lesion at least moderate."""
    foc = segs.filter(pl.col("focal"))
    moderate_drop = ncs_criteria()["focal_drop"]["moderate_drop_pct"]
    # severity only of the studies with a focal segment (a lookup for ``foc`` below)
    sev = severity_of(w, foc.select("study_id", pl.col("nerve").alias("parent"), "side")
                      ).rename({"parent": "nerve"})
    d = (
        foc.join(sev, on=["study_id", "nerve", "side"], how="left").sort(["nid", "seg"])
        .with_columns(sev=pl.when((pl.col("nerve_severity").fill_null("mild") == "mild")
                                  & (pl.col("drop_pct") >= moderate_drop).fill_null(False))
                      .then(pl.lit("moderate")).otherwise(pl.col("nerve_severity").fill_null("mild")))
        .group_by("study_id", "nerve", "side", "segment_site")
        .agg(
            _worst("sev").alias("severity"),
            pl.col("rule_ids").str.join(";").str.split(";").list.unique().list.sort()
            .list.join(";").alias("rule_ids"),
            pl.col("evidence").str.join("; ").alias("evidence"),
        )
        .with_columns(site=pl.col("segment_site"), length_dependent=pl.lit(None, pl.Boolean))
    )
    return _lesion(d, "mononeuropathy")


def _blink_wide(w: pl.DataFrame) -> pl.DataFrame:
    """Per study: the six blink responses (abnormal flags) by stimulated side, with side-to-side
    difference rules (Kimura)."""
    bcfg = ncs_criteria()["blink"]
    b = w.filter(pl.col("nerve") == "blink")
    cols = []
    for s in SIDES:
        bs = b.filter(pl.col("side") == s).select(
            "study_id",
            pl.col("r1_ms").alias(f"r1_{s}"), pl.col("r2_ipsi_ms").alias(f"r2i_{s}"),
            pl.col("r2_contra_ms").alias(f"r2c_{s}"),
            (pl.col("r1_abnormal") | pl.col("r1_nr")).alias(f"r1_{s}_abn"),
            (pl.col("r2_ipsi_abnormal") | pl.col("r2_ipsi_nr")).alias(f"r2i_{s}_abn"),
            (pl.col("r2_contra_abnormal") | pl.col("r2_contra_nr")).alias(f"r2c_{s}_abn"),
            pl.col("evidence").alias(f"ev_{s}"),
        )
        cols.append(bs)
    wide = cols[0].join(cols[1], on="study_id", how="full", coalesce=True)
    out = []
    for s, o in (("L", "R"), ("R", "L")):
        out += [
            (pl.col(f"r1_{s}_abn").fill_null(False)
             | ((pl.col(f"r1_{s}") - pl.col(f"r1_{o}")) > bcfg["r1_side_diff_max_ms"]).fill_null(False)
             ).alias(f"a_r1_{s}"),
            (pl.col(f"r2i_{s}_abn").fill_null(False)
             | ((pl.col(f"r2i_{s}") - pl.col(f"r2c_{s}")) > bcfg["r2_ipsi_contra_diff_max_ms"]).fill_null(False)
             | ((pl.col(f"r2i_{s}") - pl.col(f"r2i_{o}")) > bcfg["r2_side_diff_max_ms"]).fill_null(False)
             ).alias(f"a_r2i_{s}"),
            (pl.col(f"r2c_{s}_abn").fill_null(False)
             | ((pl.col(f"r2c_{s}") - pl.col(f"r2i_{s}")) > bcfg["r2_ipsi_contra_diff_max_ms"]).fill_null(False)
             | ((pl.col(f"r2c_{s}") - pl.col(f"r2c_{o}")) > bcfg["r2_side_diff_max_ms"]).fill_null(False)
             ).alias(f"a_r2c_{s}"),
        ]
    wide = wide.with_columns(out)
    res = []
    for s, o in (("L", "R"), ("R", "L")):
        rec_s = [pl.col(f"a_r1_{s}"), pl.col(f"a_r2i_{s}"), pl.col(f"a_r2c_{o}")]
        rec_o = [pl.col(f"a_r1_{o}"), pl.col(f"a_r2i_{o}"), pl.col(f"a_r2c_{s}")]
        stim_s = [pl.col(f"a_r1_{s}"), pl.col(f"a_r2i_{s}"), pl.col(f"a_r2c_{s}")]
        stim_o = [pl.col(f"a_r1_{o}"), pl.col(f"a_r2i_{o}"), pl.col(f"a_r2c_{o}")]
        res += [
            ((pl.col(f"a_r1_{s}") | pl.col(f"a_r2i_{s}")) & pl.col(f"a_r2c_{o}")
             & ~pl.any_horizontal(rec_o)).alias(f"efferent_{s}"),
            (pl.col(f"a_r2i_{s}") & pl.col(f"a_r2c_{s}") & ~pl.any_horizontal(stim_o)
             ).alias(f"afferent_{s}"),
        ]
        del rec_s, stim_s
    any_abn = pl.any_horizontal([pl.col(f"a_{r}_{s}") for r in ("r1", "r2i", "r2c") for s in SIDES])
    wide = wide.with_columns(res).with_columns(blink_abnormal=any_abn)
    return wide.with_columns(
        blink_pattern=pl.when(pl.col("efferent_L")).then(pl.lit("facial_efferent_left"))
        .when(pl.col("efferent_R")).then(pl.lit("facial_efferent_right"))
        .when(pl.col("afferent_L")).then(pl.lit("trigeminal_afferent_left"))
        .when(pl.col("afferent_R")).then(pl.lit("trigeminal_afferent_right"))
        .when(pl.col("blink_abnormal")).then(pl.lit("nonlocalizing"))
        .otherwise(pl.lit("normal"))
    )


def cranial_neuropathies(w: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Facial (CMAP low, < 50% of the other side, or blink efferent pattern) and trigeminal
    (blink afferent pattern) neuropathies; also returns the per-study blink pattern."""
    fcfg = ncs_criteria()["facial"]
    fac = w.filter((pl.col("nerve") == "facial") & (pl.col("modality") == "motor"))
    fac = fac.with_columns(
        ratio_low=(pl.col("side_ratio_value") < fcfg["side_ratio_min"]).fill_null(False),
    ).with_columns(
        facial_abn=pl.col("absent") | pl.col("amplitude_abnormal") | pl.col("ratio_low")
        | pl.col("distal_latency_abnormal"),
        severity=pl.when(pl.col("absent")
                         | (pl.col("side_ratio_value") < fcfg["severe_ratio_max"]).fill_null(False))
        .then(pl.lit("severe"))
        .when(pl.col("amplitude_abnormal") | pl.col("ratio_low")).then(pl.lit("moderate"))
        .otherwise(pl.lit("mild")),
    )
    fac = fac.with_columns(
        rule_ids=pl.concat_str([pl.col("rule_ids"), pl.when(pl.col("ratio_low")).then(
            pl.lit("facial.side_ratio"))], separator=";", ignore_nulls=True),
        evidence=pl.concat_str([pl.col("evidence"), pl.when(pl.col("ratio_low") & ~pl.col(
            "side_ratio_abnormal")).then(pl.concat_str([
                pl.lit("facial CMAP "), (pl.col("side_ratio_value") * 100).round(0).cast(pl.Int64)
                .cast(pl.String), pl.lit(f"% of the other side (limit {int(fcfg['side_ratio_min'] * 100)}%)")]))],
            separator="; ", ignore_nulls=True),
    )
    blink = _blink_wide(w)
    parts = [fac.filter(pl.col("facial_abn")).select(
        "study_id", "side", "severity", "rule_ids", "evidence", nerve=pl.lit("facial"))]
    for s in SIDES:
        side_name = "left" if s == "L" else "right"
        eff = blink.filter(pl.col(f"efferent_{s}")).select(
            "study_id", side=pl.lit(s), severity=pl.lit("mild"),
            rule_ids=pl.lit("KIMURA.blink.efferent"),
            evidence=pl.concat_str([pl.lit(f"blink reflex: responses recorded on the {side_name} "
                                          "delayed or absent with either side stimulated (facial "
                                          "efferent pattern): "),
                                    pl.concat_str([pl.col("ev_L"), pl.col("ev_R")],
                                                  separator="; ", ignore_nulls=True)]),
            nerve=pl.lit("facial"))
        aff = blink.filter(pl.col(f"afferent_{s}")).select(
            "study_id", side=pl.lit(s), severity=pl.lit("mild"),
            rule_ids=pl.lit("KIMURA.blink.afferent"),
            evidence=pl.concat_str([pl.lit(f"blink reflex: all responses to {side_name} "
                                          "supraorbital stimulation delayed or absent, normal "
                                          "from the other side (trigeminal afferent pattern): "),
                                    pl.col(f"ev_{s}").fill_null("")]),
            nerve=pl.lit("trigeminal"))
        parts += [eff, aff]
    d = pl.concat(parts, how="vertical_relaxed").group_by("study_id", "nerve", "side").agg(
        _worst("severity").alias("severity"),
        pl.col("rule_ids").str.join(";"),
        pl.col("evidence").str.join("; "),
    ).with_columns(
        site=pl.when(pl.col("nerve") == "facial").then(pl.lit("stylomastoid")).otherwise(pl.lit("")),
        length_dependent=pl.lit(None, pl.Boolean),
    )
    return _lesion(d, "cranial_neuropathy"), blink.select("study_id", "blink_pattern")


# ----------------------------------------------------------------------------------------------
# generalized
# ----------------------------------------------------------------------------------------------

def _demyelinating_met(w: pl.DataFrame, cset: dict) -> pl.DataFrame:
    """Per study: whether the selected set's demyelination criteria are met, with evidence."""
    # every rule counts motor nerves with a demyelinating-range feature: a study without one
    # meets none (absent here: not met, n_any 0)
    cols = ["study_id", "nerve", "side", "n_demyelinating", "n_demyelinating_primary",
            "demyelinating_features", "demy_cv", "demy_cb", "demy_td", "demy_dl", "demy_f",
            "demy_f_absent"]
    mot = (w.lazy().filter(pl.col("modality") == "motor").select(cols)
           .filter((pl.col("n_demyelinating") > 0).fill_null(True).any().over("study_id"))
           .collect())
    rule = cset["polyneuropathy_rule"]
    agg = with_texts(mot.group_by("study_id").agg(
        (pl.col("n_demyelinating_primary") > 0).sum().alias("n_primary"),
        (pl.col("n_demyelinating") > 0).sum().alias("n_any"),
        pl.col("demy_cv").sum().alias("n_cv"),
        (pl.col("demy_cb") | pl.col("demy_td")).sum().alias("n_cbtd"),
        pl.col("demy_dl").sum().alias("n_dl"),
        (pl.col("demy_f") | pl.col("demy_f_absent")).sum().alias("n_f"),
        pl.col("demy_f_absent").sum().alias("n_f_absent"),
    ), mot, "study_id", pl.col("n_demyelinating") > 0,
        demy_evidence=(pl.concat_str([pl.col("nerve"), pl.lit(" "), pl.col("side"), pl.lit(": "),
                                      pl.col("demyelinating_features").str.replace_all(";", ", ")]),
                       "; "))
    if rule == "aan_3_of_4":
        met = ((pl.col("n_cv") >= 2).cast(pl.Int32) + (pl.col("n_cbtd") >= 1).cast(pl.Int32)
               + (pl.col("n_dl") >= 2).cast(pl.Int32) + (pl.col("n_f") >= 2).cast(pl.Int32)) >= 3
    elif rule == "two_nerves_or_one_plus_other":
        met = (pl.col("n_primary") >= 2) | ((pl.col("n_primary") >= 1) & (pl.col("n_any") >= 2))
    elif rule == "two_nerves":
        met = (pl.col("n_primary") >= 2) | ((pl.col("n_f_absent") >= 2) & (pl.col("n_any") >= 3))
    else:  # pragma: no cover - guarded by the criteria file
        raise ValueError(rule)
    return agg.with_columns(demyelinating_met=met)


def polyneuropathy(w: pl.DataFrame, cset: dict, set_name: str,
                   excluded: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Polyneuropathy per study: DSP (England 2005) typed axonal/demyelinating/mixed, or a
    demyelinating polyneuropathy by the selected set (sural sparing allowed).

    ``excluded``: (study_id, parent, side) of nerves explained by a focal lesion.
    Returns (per-study frame, lesion rows).
    """
    dsp = ncs_criteria()["dsp"]
    # the columns read below only (a filter gathers every column)
    cols = ["nid", "study_id", "nerve", "side", "modality", "limb", "abnormal", "abnormal_general",
            "amplitude_nr", "absent", "low_amplitude", "evidence", "rule_ids"]
    nw = w.lazy().filter(pl.col("nerve") != "blink").select(
        *cols, *(["parent"] if "parent" in w.columns else [])).collect()
    if "parent" not in nw.columns:
        nw = nw.join(nerve_table().select("nerve", "parent"), on="nerve", how="left")
    # in nid order (``w`` is), so the texts below are deterministic
    nw = nw.sort("nid")
    nw = nw.with_columns(gen=pl.col("abnormal_general")
                         & ~in_keys(nw, excluded, ["study_id", "parent", "side"]))
    req = dsp["required_nerve"]
    eld = dsp["elderly_fallback"]
    # (each string compared once)
    nw = nw.with_columns(_sural=pl.col("nerve") == req, _motor=pl.col("modality") == "motor",
                         _lower=pl.col("limb") == "lower", _upper=pl.col("limb") == "upper")
    gen, sural, motor = pl.col("gen"), pl.col("_sural"), pl.col("_motor")
    lower, upper = pl.col("_lower"), pl.col("_upper")
    n = study_counts(
        nw, sural_abn=gen & sural, sural_tested=sural,
        sural_absent_normal=sural & pl.col("amplitude_nr").fill_null(False) & ~pl.col("abnormal"),
        substitute=gen & pl.col("nerve").is_in(eld["substitute_nerves"]),
        lower=lower & gen.is_not_null(), gen_lower=lower & gen,
        upper=upper & gen.is_not_null(), gen_upper=upper & gen,
        motor=gen & motor, sensory=gen & ~motor, motor_absent=pl.col("absent") & motor)
    # abnormal nerves (parents) counted once
    nerves = (nw.lazy().filter(gen).group_by("study_id")
              .agg(pl.col("parent").n_unique().alias("n_nerves")).collect())
    share = lambda limb: pl.when(pl.col(limb) > 0).then(  # noqa: E731 - of the limb's nerves
        pl.col(f"gen_{limb}") / pl.col(limb))
    per = n.select(
        "study_id", "sural_abn", "sural_tested", "sural_absent_normal",
        substitute_abn=pl.col("substitute") > 0, fl=share("lower"), fu=share("upper"),
        motor_involved=pl.col("motor") > 0, sensory_involved=pl.col("sensory") > 0,
        motor_absent=pl.col("motor_absent") > 0,
    )
    per = per.hstack(aligned(per, nerves, on="study_id").fill_null(0).get_columns())
    per = with_texts(per, nw, "study_id", pl.col("gen"),
                     pn_evidence=(pl.col("evidence"), "; "), pn_rules=(pl.col("rule_ids"), ";"))
    demy = _demyelinating_met(w, cset)
    per = per.join(demy, on="study_id", how="left").with_columns(
        pl.col("demyelinating_met").fill_null(False), pl.col("n_any").fill_null(0))
    dsp_met = ((pl.col("sural_abn") >= 1) & (pl.col("sural_abn") == pl.col("sural_tested"))
               & (pl.col("n_nerves") >= dsp["min_nerves"]))
    # every tested sural absent but normal for age: a lower-limb nerve stands in for it
    elderly = ((pl.col("sural_tested") >= 1)
               & (pl.col("sural_absent_normal") == pl.col("sural_tested"))
               & pl.col("substitute_abn") & (pl.col("n_nerves") >= eld["min_nerves"]))
    per = per.with_columns(dsp_elderly=elderly).with_columns(
        dsp_met=dsp_met | pl.col("dsp_elderly")).with_columns(
        polyneuropathy=pl.when(pl.col("demyelinating_met")).then(pl.lit("demyelinating"))
        .when(pl.col("dsp_met") & (pl.col("n_any") > 0)).then(pl.lit("mixed"))
        .when(pl.col("dsp_met")).then(pl.lit("axonal"))
        .otherwise(pl.lit("none")),
        length_dependent=(pl.col("fl").fill_null(0) > pl.col("fu").fill_null(0))
        | (pl.col("dsp_met") & pl.col("fu").is_null()),
        pn_severity=pl.when(pl.col("motor_absent")).then(pl.lit("severe"))
        .when(pl.col("motor_involved")).then(pl.lit("moderate")).otherwise(pl.lit("mild")),
    )
    pn = per.filter(pl.col("polyneuropathy") != "none")
    rules = pl.concat_str([
        pl.when(pl.col("dsp_met")).then(pl.lit("ENGLAND2005.dsp")),
        pl.when(pl.col("dsp_elderly")).then(pl.lit("TAVEE2014.dsp_elderly_sural")),
        pl.when(pl.col("demyelinating_met")).then(pl.lit(f"{set_name}.polyneuropathy")),
        pl.col("pn_rules")], separator=";", ignore_nulls=True)
    ev = pl.concat_str([
        pl.when(pl.col("dsp_met") & ~pl.col("dsp_elderly")).then(pl.concat_str([
            pl.lit("abnormal in "), pl.col("n_nerves").cast(pl.String),
            pl.lit(" nerves including the sural (England 2005)")])),
        pl.when(pl.col("dsp_elderly")).then(pl.concat_str([
            pl.lit("abnormal in "), pl.col("n_nerves").cast(pl.String),
            pl.lit(" nerves including a lower-limb nerve standing in for the sural, absent but "
                   "normal for age (England 2005; Tavee 2014)")])),
        pl.when(pl.col("demyelinating_met")).then(pl.concat_str([
            pl.lit(f"demyelinating features ({set_name}): "), pl.col("demy_evidence")])),
        pl.col("pn_evidence")], separator="; ", ignore_nulls=True)
    les = pn.select("study_id", "length_dependent", severity="pn_severity", rule_ids=rules,
                    evidence=ev, nerve=pl.lit(""), site=pl.lit(""))
    les = les.join(pl.DataFrame({"side": list(SIDES)}), how="cross")
    return per, _lesion(les, "polyneuropathy")
