"""Per-nerve patterns: normal, axonal, demyelinating, focal, slowing, absent (blink: delayed).

One row per nerve study (study, nerve, modality, side) with each measure's value, limit, % of
limit, source and abnormal flag, the demyelinating-range features of the selected criteria set
(amplitude-dependent rule), segment findings, the pattern, its rule ids and evidence text.

Patterns (precedence top-down):
- ``absent``: no response where one is expected.
- ``demyelinating``: a motor feature in the demyelinating range away from entrapment sites
  (CV, distal latency, F-wave, conduction block, temporal dispersion, distal CMAP duration).
- ``focal``: conduction block/slowing confined to a segment, an entrapment-site rule (ulnar at
  the elbow, peroneal at the fibular head), or a prolonged distal latency of a nerve whose distal
  segment is an entrapment site (median at the wrist) - the site is given in ``site``.
- ``axonal``: low amplitude (or below the side-to-side limit) with velocities and latencies short
  of the demyelinating range.
- ``slowing``: latency/velocity outside the limit, not in the demyelinating range, amplitude
  normal and not localized (non-specific).
- ``normal``. Blink reflex rows: ``normal``, ``delayed`` or ``absent``.
"""

from __future__ import annotations

import polars as pl

from edxlab.frames import scattered_frame
from edxlab.interpret.ncs_frames import NidIndex, sorted_by, with_texts
from edxlab.interpret.ncs_limits import NERVE_KEY, nerve_attr, rule_id

LABELS = {
    ("distal_latency", "motor"): "distal latency",
    ("distal_latency", "sensory"): "peak latency",
    ("distal_latency", "mixed"): "peak latency",
    ("amplitude", "motor"): "CMAP amplitude",
    ("amplitude", "sensory"): "SNAP amplitude",
    ("amplitude", "mixed"): "mixed nerve amplitude",
    ("cv", None): "conduction velocity",
    ("fwave_latency", None): "F-wave minimal latency",
    ("side_amplitude_ratio", None): "amplitude relative to the other side",
    ("r1", None): "R1",
    ("r2_ipsi", None): "ipsilateral R2",
    ("r2_contra", None): "contralateral R2",
}
NERVE_MEASURES = {
    "distal_latency": "distal_latency",
    "amplitude": "amplitude",
    "cv": "cv",
    "fwave_latency": "fwave",
    "side_amplitude_ratio": "side_ratio",
    "r1": "r1",
    "r2_ipsi": "r2_ipsi",
    "r2_contra": "r2_contra",
}


def _label() -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for (m, mod), lab in LABELS.items():
        cond = pl.col("measure") == m
        if mod is not None:
            cond = cond & (pl.col("modality") == mod)
        expr = pl.when(cond).then(pl.lit(lab)).otherwise(expr)
    return expr


def _num(x: pl.Expr) -> pl.Expr:
    """Compact number text: 2 decimals for values below 10, else 1 decimal, no trailing .0."""
    r = pl.when(x.abs() < 10).then(x.round(2)).otherwise(x.round(1))
    return r.cast(pl.String).str.strip_suffix(".0")


PHRASE_INPUTS = [
    "nid", "profile", "nerve", "modality", "side", "measure", "segment_label", "value", "nr",
    "unit", "bound", "limit", "pct_of_limit", "value_used", "abnormal", "cold",
    "cold_uninterpreted", "temp_c", "temp_min", "distance_mm", "ref_distance_mm", "distance_flag",
]
"""The measures columns a phrase (and its rule id) is built from."""


def measure_phrases(m: pl.DataFrame) -> pl.DataFrame:
    """Add ``rule_id`` and ``phrase``: the limit's rule id and the evidence text of an
    outside-limit measure (null otherwise). Built only for the rows that need them (abnormal or
    cold: a few percent), gathered by row number, then scattered back in place."""
    rows = (m["abnormal"] | m["cold_uninterpreted"]).arg_true()
    absent = m["nid"].filter((m["measure"] == "amplitude") & m["nr"])
    done = _phrases(m.select(pl.col(PHRASE_INPUTS).gather(rows)).with_columns(
        _amp_absent=pl.col("nid").is_in(absent.implode()), rule_id=rule_id()))
    return m.hstack(scattered_frame(m.height, rows, done.select("rule_id", "phrase")).get_columns())


def _phrases(m: pl.DataFrame) -> pl.DataFrame:
    """The evidence text of each row, built in stages (each piece computed once). Numbers are
    formatted only on the rows whose text shows them (``when``/``then`` computes every branch
    on every row, and number formatting is the costly part)."""
    is_ratio = pl.col("measure") == "side_amplitude_ratio"

    def num(x: pl.Expr, shown: pl.Expr) -> pl.Expr:
        return _num(pl.when(shown).then(x))

    ratio, plain = is_ratio & ~pl.col("nr"), ~is_ratio & ~pl.col("nr")
    value_txt = pl.when(is_ratio).then(
        pl.concat_str([num(pl.col("value") * 100, ratio), pl.lit("% (limit "),
                       num(pl.col("limit") * 100, ratio), pl.lit("%)")])
    ).otherwise(
        pl.concat_str([num(pl.col("value"), plain), pl.lit(" "), pl.col("unit"), pl.lit(" ("),
                       pl.when(pl.col("bound") == "max").then(pl.lit("ULN ")).otherwise(pl.lit("LLN ")),
                       num(pl.col("limit"), plain), pl.lit(" "), pl.col("unit"), pl.lit(", "),
                       num(pl.col("pct_of_limit"), plain), pl.lit("% of limit)")])
    )
    txt, phrase = pl.col("_txt"), pl.col("_phrase")
    base = pl.col("_base")
    is_cold = pl.col("cold_uninterpreted")
    is_corrected = pl.col("abnormal") & pl.col("cold") & (pl.col("value_used") != pl.col("value"))
    is_far = pl.col("distance_flag")
    m = _with_base(m).with_columns(
        _txt=pl.when(pl.col("nr")).then(pl.concat_str([base, pl.lit("absent (NR)")]))
        .otherwise(pl.concat_str([base, value_txt])))
    m = m.hstack(_remarks(m, is_cold, is_corrected, is_far).get_columns())
    m = m.with_columns(_phrase=(
        pl.when(is_cold).then(pl.concat_str([txt, pl.col("_cold")]))
        .when(is_corrected).then(pl.concat_str([txt, pl.col("_corrected")]))
        .when(pl.col("abnormal")).then(txt)
    ))
    m = m.with_columns(_phrase=pl.when(is_far & phrase.is_not_null()).then(
        pl.concat_str([phrase, pl.col("_far")])).otherwise(phrase))
    # an absent response is said once (by its amplitude), not again for its latency
    return m.with_columns(
        phrase=pl.when(pl.col("nr") & (pl.col("measure") != "amplitude") & pl.col("_amp_absent")
                       & (pl.col("nerve") != "blink")).then(None).otherwise(phrase),
    ).drop("_base", "_txt", "_phrase", "_cold", "_corrected", "_far")


def _remarks(m: pl.DataFrame, is_cold: pl.Expr, is_corrected: pl.Expr,
             is_far: pl.Expr) -> pl.DataFrame:
    """The temperature and distance remarks of a phrase (``_cold``, ``_corrected``, ``_far``;
    null where none), built on the few rows that have one and scattered back."""
    rows = m.select(is_cold | is_corrected | is_far).to_series().arg_true()
    remarks = m.select(pl.all().gather(rows)).select(
        _cold=pl.when(is_cold).then(pl.concat_str([
            pl.lit(" - limb "), _num(pl.col("temp_c")), pl.lit(" degC, below "),
            _num(pl.col("temp_min")), pl.lit(" degC: not interpreted")])),
        _corrected=pl.when(is_corrected).then(pl.concat_str([
            pl.lit(" - corrected for limb temperature "), _num(pl.col("temp_c")),
            pl.lit(" degC")])),
        _far=pl.when(is_far).then(pl.concat_str([
            pl.lit(" - distance "), _num(pl.col("distance_mm")),
            pl.lit(" mm differs from the reference technique's "),
            _num(pl.col("ref_distance_mm")), pl.lit(" mm")])),
    )
    return scattered_frame(m.height, rows, remarks)


PHRASE_KEY = ["nerve", "side", "modality", "measure", "segment_label"]
"""What the start of a phrase (``_base``) depends on."""


def _with_base(m: pl.DataFrame) -> pl.DataFrame:
    """Add ``_base``, the start of each phrase ("left median motor distal latency (wrist-elbow)
    "). It depends on ``PHRASE_KEY`` only, so it is built once per distinct key (a few dozen)
    and joined back."""
    seg = pl.when(pl.col("segment_label") != "").then(
        pl.concat_str([pl.lit(" ("), pl.col("segment_label").str.replace_all("_", " ", literal=True),
                       pl.lit(")")])).otherwise(pl.lit(""))
    side = pl.when(pl.col("side") == "L").then(pl.lit("left")).otherwise(pl.lit("right"))
    label = pl.col("_label")
    base = pl.when(pl.col("nerve") == "blink").then(
        pl.concat_str([pl.lit("blink reflex ("), side, pl.lit(" stimulation) "), label,
                       pl.lit(" ")])
    ).otherwise(pl.concat_str([side, pl.lit(" "),
                               pl.col("nerve").str.replace_all("_", " ", literal=True),
                               pl.lit(" "), pl.col("modality"), pl.lit(" "), label, seg,
                               pl.lit(" ")]))
    keys = m.select(PHRASE_KEY).unique().with_columns(_label=_label()).select(
        *PHRASE_KEY, _base=base)
    return m.join(keys, on=PHRASE_KEY, how="left", nulls_equal=True, maintain_order="left")


def _nerve_keys(lm: pl.LazyFrame) -> pl.DataFrame:
    """The key columns of each nerve study (``nid`` order, sorted flag set) from its first row:
    its distal latency (nerve conduction rows come first), else its F-wave, else its blink R1.
    The rows are filtered, not gathered by row number: a gather from the measures frame (many
    chunks) is ~10x slower."""
    k = (lm.filter(pl.col("measure").is_in(["distal_latency", "fwave_latency", "r1"]))
         .select("nid", "sidx", *NERVE_KEY, pl.col("profile").alias("_profile"),
                 pl.col("temp_c").alias("_temp"), pl.col("temp_min").alias("_tmin"),
                 pl.col("limb").alias("_limb"))
         .filter(pl.col("nid").is_first_distinct()).collect())
    return (k.rechunk() if k["nid"].is_sorted() else k.sort("nid")).with_columns(
        pl.col("nid").set_sorted())


def _wide(m: pl.DataFrame) -> tuple[pl.DataFrame, NidIndex]:
    """One row per nerve study (``nid`` order) with every measure's columns, and its index."""
    # only the needed columns of the (long, wide) measures frame are ever gathered: filtering
    # a lazy projection is cheap, gathering every column of it is not
    lm = m.lazy()
    keys = _nerve_keys(lm)
    index = NidIndex(keys["nid"])
    parts = []
    for measure, p in NERVE_MEASURES.items():
        sub = lm.filter(pl.col("measure") == measure)
        cols = [
            pl.col("value").alias(f"{p}_value" if p in ("amplitude", "side_ratio") else f"{p}_ms"
                                  if p != "cv" else "cv_ms"),
            pl.col("limit").alias(f"{p}_limit"),
            pl.col("pct_of_limit").alias(f"{p}_pct_of_limit"),
            pl.col("source").cast(pl.String).alias(f"{p}_source"),
            pl.col("abnormal").alias(f"{p}_abnormal"),
        ]
        if measure in ("distal_latency", "amplitude", "fwave_latency", "r1", "r2_ipsi",
                       "r2_contra"):
            cols.append(pl.col("nr").alias(f"{p}_nr"))
        if measure == "amplitude":
            cols += [pl.col("unit").alias("amplitude_unit"),
                     pl.col("record_site"), pl.col("profile"), pl.col("temp_c"),
                     pl.col("temp_min"), pl.col("limb")]
        if measure == "distal_latency":
            cols += [pl.col("distance_mm"), pl.col("ref_distance_mm").alias("reference_distance_mm"),
                     pl.col("distance_flag")]
        if measure == "cv":
            cols.append(pl.col("segment_label").alias("cv_segment"))
        if measure == "cv":
            # the slowest segment; among equal velocities the abnormal (or cold) one, then the
            # first in segment order: stable sorts, so the pick is the same on every run
            late = ~(pl.col("abnormal") | pl.col("cold_uninterpreted"))
            part = (sub.select("nid", *cols, _late=late).collect()
                    .sort(["nid", "cv_ms", "_late"], maintain_order=True)
                    .filter(pl.col("nid").is_first_distinct()).drop("_late"))
        else:
            part = sub.select("nid", *cols).collect()
        parts.append(index.align(part))
    out = keys.hstack([c for p in parts for c in p.get_columns()])

    def nids(cond: str) -> pl.Expr:
        # filters the nid column only, not the whole frame
        return pl.col("nid").is_in(m["nid"].filter(m[cond]).unique().implode())

    flags = keys.select(
        "nid",
        nids("cold").alias("temperature_low"),
        nids("cold_uninterpreted").alias("cold_uninterpreted"),
        nids("outside").alias("any_outside"),
    )
    # texts joined as lists (a string join per group is slow)
    text = lm.select("nid", "phrase", "rule_id", "abnormal").filter(
        pl.col("phrase").is_not_null()).group_by("nid").agg(
        pl.col("phrase").alias("measure_evidence"),
        # (null for a normal measure, left out of the join: a filter inside an aggregation runs
        # group by group)
        pl.when(pl.col("abnormal")).then(pl.col("rule_id")).alias("measure_rules"),
    ).with_columns(pl.col("measure_evidence").list.join("; "),
                   pl.col("measure_rules").list.join(";")).collect()
    wide = out.hstack(flags.drop("nid").get_columns()).hstack(index.align(text).get_columns())
    # from the amplitude row, else (F-wave or blink only) from the first row: filled only
    # where one is missing (a string coalesce copies the whole column)
    first_row = {"profile": "_profile", "temp_c": "_temp", "temp_min": "_tmin", "limb": "_limb"}
    wide = wide.with_columns(pl.coalesce(c, k).alias(c) for c, k in first_row.items()
                             if wide[c].null_count() > 0).drop(first_row.values())
    return wide, index


def _focal_sites(w: pl.DataFrame) -> pl.Series:
    """The site of each focal nerve (its focal segment's, else its distal entrapment site); ""
    for the others. Looked up for the focal nerves only (a few)."""
    rows = w.select(pl.arg_where(pl.col("pattern") == "focal"))[:, 0]
    site = w.select("nid", "segment_focal", "focal_segment_site", "distal_focal")[rows].select(
        pl.when(pl.col("segment_focal")).then(pl.col("focal_segment_site"))
        .when(pl.col("distal_focal")).then(nerve_attr("distal_site"))
        .otherwise(pl.lit("")).fill_null(""))[:, 0]
    return pl.repeat("", w.height, dtype=pl.String, eager=True).alias("site").scatter(rows, site)


def nerve_patterns(m: pl.DataFrame, segs: pl.DataFrame, rows: pl.DataFrame, cset: dict,
                   set_name: str) -> pl.DataFrame:
    """The per-nerve frame (see module docstring). ``m`` = measures with phrases."""
    w, index = _wide(m)
    w = w.with_columns(distal_entrapment=nerve_attr("distal_entrapment").fill_null(False))
    # distal CMAP duration (for the EFNS/EAN distal duration criterion)
    dur = rows.lazy().filter(pl.col("rank") == 0).select("nid", pl.col("duration_ms").alias(
        "distal_duration_ms")).collect()
    w = w.hstack(index.align(dur).get_columns())
    sl = sorted_by(segs, "nid", "seg")
    sagg = sl.group_by("nid").agg(
        pl.col("conduction_block").any().alias("conduction_block"),
        pl.col("temporal_dispersion").any().alias("temporal_dispersion"),
        pl.col("cv_demyelinating").any().alias("seg_cv_demyelinating"),
        (pl.col("cv_abnormal") & ~pl.col("entrapment")).any().alias("seg_cv_abnormal_nonentrap"),
        pl.col("segment_site").filter(pl.col("focal")).first().alias("focal_segment_site"),
        pl.col("focal").any().alias("segment_focal"),
        pl.col("entrapment_focal").any().alias("entrapment_focal"),
        ((pl.col("conduction_block") | pl.col("temporal_dispersion")
          | pl.col("focal_slowing"))).any().alias("nonentrapment_focal"),
    ).collect()
    # texts are joined over the few segments that have one (string joins per group are slow)
    sagg = with_texts(sagg, sl, "nid", (pl.col("rule_ids") != "") | (pl.col("evidence") != ""),
                      segment_rules=(pl.col("rule_ids").filter(pl.col("rule_ids") != ""), ";"),
                      segment_evidence=(pl.col("evidence").filter(pl.col("evidence") != ""), "; "))
    w = w.hstack(index.align(sagg).get_columns())
    for c in ("conduction_block", "temporal_dispersion", "seg_cv_demyelinating",
              "seg_cv_abnormal_nonentrap", "segment_focal", "entrapment_focal",
              "nonentrapment_focal"):
        w = w.with_columns(pl.col(c).fill_null(False))
    for c in ("distal_latency_abnormal", "amplitude_abnormal", "cv_abnormal", "fwave_abnormal",
              "side_ratio_abnormal", "r1_abnormal", "r2_ipsi_abnormal", "r2_contra_abnormal",
              "amplitude_nr", "distal_latency_nr", "fwave_nr", "temperature_low",
              "cold_uninterpreted", "distance_flag"):
        w = w.with_columns(pl.col(c).fill_null(False))

    motor = pl.col("modality") == "motor"
    amp_pct = pl.col("amplitude_value") / pl.col("amplitude_limit") * 100
    low_cmap = (amp_pct < cset["low_cmap_pct_lln"]).fill_null(False)
    absent = (pl.col("amplitude_nr") | pl.col("distal_latency_nr")) & pl.col("amplitude_abnormal")
    dl_thr = pl.when(low_cmap).then(cset["dl_min_pct_uln_low_cmap"]).otherwise(cset["dl_min_pct_uln"])
    f_thr = pl.when(low_cmap).then(cset["f_min_pct_uln_low_cmap"]).otherwise(cset["f_min_pct_uln"])
    dur_lim = pl.col("nerve").replace_strict(
        cset.get("distal_duration_ms", {}), default=None, return_dtype=pl.Float64)
    w = w.with_columns(
        demy_dl=(motor & ~pl.col("distal_entrapment") & pl.col("distal_latency_abnormal")
                 & (pl.col("distal_latency_pct_of_limit") >= dl_thr)).fill_null(False),
        demy_cv=(motor & pl.col("seg_cv_demyelinating")),
        demy_f=(motor & pl.col("fwave_abnormal") & ~pl.col("fwave_nr").fill_null(False)
                & (pl.col("fwave_pct_of_limit") >= f_thr)).fill_null(False),
        demy_f_absent=(motor & pl.col("fwave_nr") & pl.col("fwave_abnormal")
                       & pl.lit(bool(cset["f_absent_counts"]))
                       & (amp_pct >= cset["f_absent_min_cmap_pct_lln"])).fill_null(False),
        demy_cb=motor & pl.col("conduction_block"),
        demy_td=motor & pl.col("temporal_dispersion"),
        demy_duration=(motor & (pl.col("distal_duration_ms") >= dur_lim)).fill_null(False),
        low_amplitude=((pl.col("amplitude_abnormal") & ~absent) | pl.col("side_ratio_abnormal")),
        absent=absent,
    )
    demy_names = {
        "demy_dl": "distal latency", "demy_cv": "conduction velocity", "demy_f": "F-wave latency",
        "demy_f_absent": "absent F-waves", "demy_cb": "conduction block",
        "demy_td": "temporal dispersion", "demy_duration": "distal CMAP duration",
    }
    w = w.with_columns(
        n_demyelinating=pl.sum_horizontal([pl.col(c).cast(pl.Int32) for c in demy_names]),
        # the primary features of the counting rules (absent F-waves only support)
        n_demyelinating_primary=pl.sum_horizontal(
            [pl.col(c).cast(pl.Int32) for c in demy_names if c != "demy_f_absent"]),
    )
    # the features' names, joined only for the few nerves that have one ("" otherwise)
    demy_rows = w.select(pl.arg_where(pl.col("n_demyelinating") > 0))[:, 0]
    features = w[demy_rows].select(pl.concat_str(
        [pl.when(pl.col(c)).then(pl.lit(n)) for c, n in demy_names.items()],
        separator=";", ignore_nulls=True))[:, 0]
    w = w.with_columns(demyelinating_features=pl.repeat("", w.height, dtype=pl.String, eager=True)
                       .scatter(demy_rows, features))
    distal_focal = (pl.col("distal_entrapment") & pl.col("distal_latency_abnormal")
                    & ~pl.col("absent"))
    latency_slow = (pl.col("distal_latency_abnormal") | pl.col("cv_abnormal")
                    | (pl.col("fwave_abnormal") & ~pl.col("fwave_nr").fill_null(False)))
    is_blink = pl.col("nerve") == "blink"
    blink_abn = pl.col("r1_abnormal") | pl.col("r2_ipsi_abnormal") | pl.col("r2_contra_abnormal")
    blink_nr = (pl.col("r1_nr") | pl.col("r2_ipsi_nr") | pl.col("r2_contra_nr")).fill_null(False)
    pattern = (
        pl.when(is_blink).then(
            pl.when(blink_abn & blink_nr).then(pl.lit("absent"))
            .when(blink_abn).then(pl.lit("delayed")).otherwise(pl.lit("normal")))
        .when(pl.col("absent")).then(pl.lit("absent"))
        # absent F-waves alone only support demyelination (EFNS/PNS I-D, EAN/PNS 2021)
        .when(pl.col("n_demyelinating_primary") > 0).then(pl.lit("demyelinating"))
        .when(pl.col("segment_focal") | distal_focal).then(pl.lit("focal"))
        .when(pl.col("low_amplitude")).then(pl.lit("axonal"))
        .when(latency_slow).then(pl.lit("slowing"))
        .otherwise(pl.lit("normal"))
    )
    w = w.with_columns(pattern=pattern, distal_focal=distal_focal)
    site = _focal_sites(w)
    abnormal_any = (
        pl.col("distal_latency_abnormal") | pl.col("amplitude_abnormal") | pl.col("cv_abnormal")
        | pl.col("fwave_abnormal") | pl.col("side_ratio_abnormal") | blink_abn
        | pl.col("segment_focal") | pl.col("temporal_dispersion") | (pl.col("n_demyelinating") > 0)
    )
    # abnormalities not explained by an entrapment site (these count toward polyneuropathy)
    general = (
        ((pl.col("amplitude_abnormal") | pl.col("side_ratio_abnormal")) & ~pl.col("distal_focal"))
        | pl.col("seg_cv_abnormal_nonentrap") | pl.col("fwave_abnormal")
        | (pl.col("distal_latency_abnormal") & ~pl.col("distal_entrapment"))
        | pl.col("nonentrapment_focal") | (pl.col("n_demyelinating") > 0)
        | (pl.col("cv_abnormal") & (pl.col("modality") != "motor"))
    )
    demy_rules = pl.concat_str(
        [pl.when(pl.col(c)).then(pl.lit(f"{set_name}.{c.removeprefix('demy_')}"))
         for c in demy_names], separator=";", ignore_nulls=True)
    demy_txt = pl.when(pl.col("n_demyelinating") > 0).then(pl.concat_str([
        pl.lit("demyelinating range ("), pl.lit(set_name), pl.lit("): "),
        pl.col("demyelinating_features").str.replace_all(";", ", ")]))
    w = w.with_columns(
        site=site,
        abnormal=abnormal_any.fill_null(False),
        abnormal_general=general.fill_null(False),
        criteria=pl.lit(set_name),
    )
    # rule ids and evidence text only where there is something to say
    say = (pl.col("abnormal") | (pl.col("measure_evidence").fill_null("") != "")
           | (pl.col("segment_evidence").fill_null("") != ""))
    w = w.with_columns(_say=say)
    txt = w.lazy().filter(pl.col("_say")).select(
        "nid",
        # (empty parts left out: a nerve with one rule id needs no splitting below)
        rule_ids=pl.concat_str([pl.when(r != "").then(r) for r in (
            pl.col("measure_rules"), pl.col("segment_rules"), demy_rules)],
            separator=";", ignore_nulls=True),
        evidence=pl.concat_str([
            pl.when(pl.col("measure_evidence") != "").then(pl.col("measure_evidence")),
            pl.when(pl.col("segment_evidence") != "").then(pl.col("segment_evidence")),
            demy_txt], separator="; ", ignore_nulls=True),
    ).collect()
    # unique sorted ids; an empty id (from ";;") sorts first and is stripped with its ";" (a
    # single id is already so: only the lists of several are split and sorted)
    several = txt.select(pl.arg_where(pl.col("rule_ids").str.contains(";", literal=True)))[:, 0]
    txt = txt.with_columns(txt["rule_ids"].scatter(several, txt["rule_ids"].gather(several)
                                                   .str.split(";").list.unique().list.sort()
                                                   .list.join(";").str.strip_prefix(";")))
    t = index.align(txt)
    w = w.with_columns(
        rule_ids=pl.when(pl.col("_say")).then(t["rule_ids"]).otherwise(pl.lit("")),
        evidence=pl.when(pl.col("_say")).then(t["evidence"]).otherwise(pl.lit("")),
    ).drop("_say")  # in nid order
    return w
