"""Per-segment findings of motor nerves: conduction block, temporal dispersion, focal slowing.

Segments between two stimulation sites come from ``ncs_limits.ncs_segments``. Conduction block
and temporal dispersion use the selected demyelination criteria set and are never counted across
entrapment sites or along the tibial nerve (``cb_excluded``); entrapment segments have their own
rules (ulnar at the elbow: AAEM 1999; peroneal at the fibular head: Buschbacher 1999).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.frames import scattered, scattered_frame
from edxlab.interpret.ncs_frames import NidIndex
from edxlab.interpret.ncs_limits import NERVE_KEY
from edxlab.reference.ncs_criteria import ncs_criteria

SEGMENT_KEY = ["nid", "seg"]


def _fmt(x: pl.Expr, decimals: int = 1) -> pl.Expr:
    return x.round(decimals).cast(pl.String).str.replace(r"\.0$", "")


def _segment_aligned(segs: pl.DataFrame, per_segment: pl.DataFrame) -> pl.DataFrame:
    """``per_segment``'s columns (unique ``nid``, ``seg``) row-aligned to ``segs`` (null where
    absent). A nerve study's segments are consecutive rows of ``segs`` numbered 1..k, so the
    row of (nid, seg) is its first segment's row + seg - 1: found without a join."""
    values = per_segment.drop(SEGMENT_KEY)
    if segs.height == 0 or per_segment.height == 0:
        return values.clear(segs.height)  # all null
    nid, seg = segs["nid"].to_numpy(), segs["seg"].to_numpy()
    want_nid, want_seg = per_segment["nid"].to_numpy(), per_segment["seg"].to_numpy()
    first = np.flatnonzero(seg == 1)
    j = NidIndex(segs["nid"].gather(first)).rows(per_segment["nid"])
    row = np.where(j >= 0, first[np.maximum(j, 0)] if len(first) else -1, -1) + want_seg - 1
    # a (nid, seg) beyond its nerve study's segments is not one of segs' rows
    at = np.clip(row, 0, len(seg) - 1)
    found = (j >= 0) & (row < len(seg)) & (nid[at] == want_nid) & (seg[at] == want_seg)
    return scattered_frame(segs.height, pl.Series(row[found]), values.filter(pl.Series(found)))


def segment_findings(rows: pl.DataFrame, measures: pl.DataFrame, cset: dict,
                     set_name: str) -> pl.DataFrame:
    """One row per motor segment with its flags, rule ids and evidence text."""
    crit = ncs_criteria()
    une, per, fdrop = crit["une"], crit["peroneal_fibular_head"], crit["focal_drop"]
    ndec = fdrop["drop_decimals"]
    # rows are in (nid, order) order, so the segments come sorted by (nid, seg)
    segs = rows.lazy().filter((pl.col("rank") > 0) & (pl.col("modality") == "motor")).select(
        pl.col("nid").set_sorted(), *NERVE_KEY,
        pl.col("rank").alias("seg"),
        "segment_site", "segment_label", "entrapment", "cb_excluded",
        pl.coalesce(pl.col("amp_drop_pct"), pl.col("area_drop_pct")).round(ndec).alias("drop_pct"),
        pl.col("duration_increase_pct").round(ndec),
    ).collect()
    # filter only the needed columns of the (wide, long) measures frame
    cv = measures.lazy().select(*SEGMENT_KEY, "measure", "value", "limit", "abnormal",
                         "cold_uninterpreted").filter(
        (pl.col("measure") == "cv") & (pl.col("seg") > 0)).select(
        *SEGMENT_KEY,
        pl.col("value").alias("cv"),
        pl.col("limit").alias("cv_limit"),
        pl.col("abnormal").alias("cv_abnormal"),
        pl.col("cold_uninterpreted").alias("cv_cold"),
    ).collect()
    amp = measures.lazy().select("nid", "measure", "value", "limit").filter(
        (pl.col("measure") == "amplitude") & ((pl.col("nid") // 2) % 4 == 0)).select(  # motor
        "nid",
        pl.col("value").alias("distal_amp"),
        pl.col("limit").alias("amp_lln"),
    ).collect()
    s = segs.hstack(_segment_aligned(segs, cv).get_columns()).hstack(
        NidIndex(amp["nid"]).gathered(segs["nid"], amp.drop("nid")).get_columns())
    s = (
        s.with_columns(_same=(pl.col("nid") == pl.col("nid").shift(1)).fill_null(False))
        .with_columns(prev_cv=pl.when(pl.col("_same")).then(pl.col("cv").shift(1)),
                      prev_cv_abnormal=pl.when(pl.col("_same")).then(pl.col("cv_abnormal").shift(1)))
        .drop("_same")
    )
    amp_pct_lln = pl.col("distal_amp") / pl.col("amp_lln") * 100
    low_cmap = (amp_pct_lln < cset["low_cmap_pct_lln"]).fill_null(False)
    cv_demy_pct = pl.when(low_cmap).then(cset["cv_max_pct_lln_low_cmap"]).otherwise(
        cset["cv_max_pct_lln"])
    cv_drop = pl.col("prev_cv") - pl.col("cv")
    drop, dur = pl.col("drop_pct"), pl.col("duration_increase_pct")
    is_une = (pl.col("nerve") == "ulnar") & (pl.col("segment_site") == "elbow")
    is_pfh = (pl.col("nerve") == "peroneal") & (pl.col("segment_site") == "fibular_head")
    ok_cold = ~pl.col("cv_cold").fill_null(False)

    # absolute slowing across an entrapment site counts when the segment below conducts normally
    # (otherwise it is part of a diffuse slowing)
    prev_ok = pl.col("prev_cv").is_null() | ~pl.col("prev_cv_abnormal").fill_null(False)
    une_cv = (is_une & ok_cold & prev_ok
              & (pl.col("cv") < une["across_elbow_cv_min"]).fill_null(False))
    une_drop_cv = is_une & ok_cold & (cv_drop > une["across_elbow_cv_drop_max"]).fill_null(False)
    # drop-based rules need a distal CMAP large enough to judge a drop ([focal_drop])
    drop_ok = ((amp_pct_lln >= fdrop["min_distal_cmap_pct_lln"])
               & (pl.col("distal_amp") > fdrop["min_distal_cmap_mv"])).fill_null(False)
    cb_drop = (drop > cset["cb_min_drop_pct"]) if cset["cb_drop_strict"] else (
        drop >= cset["cb_min_drop_pct"])
    une_amp = is_une & drop_ok & (drop > une["across_elbow_amp_drop_max_pct"]).fill_null(False)
    pfh_cv = is_pfh & prev_ok & pl.col("cv_abnormal").fill_null(False)
    pfh_drop_cv = is_pfh & ok_cold & (cv_drop > per["across_knee_cv_drop_max"]).fill_null(False)
    pfh_amp = is_pfh & drop_ok & (drop > per["across_knee_amp_drop_max_pct"]).fill_null(False)
    other_entrap = pl.col("entrapment") & ~is_une & ~is_pfh
    oe_cv = other_entrap & prev_ok & pl.col("cv_abnormal").fill_null(False)
    oe_amp = other_entrap & drop_ok & cb_drop.fill_null(False)

    distal_ok = (amp_pct_lln >= cset["cb_min_distal_cmap_pct_lln"]).fill_null(False) & drop_ok
    cb_allowed = ~pl.col("cb_excluded") & ~pl.col("entrapment")
    dur_lim = cset["cb_max_duration_increase_pct"]
    dur_ok = (dur < dur_lim) if cset["cb_duration_strict"] else (dur <= dur_lim)
    cb = (
        cb_allowed & distal_ok
        & cb_drop.fill_null(False)
        & (dur.is_null() | dur_ok.fill_null(True))
    )
    td = cb_allowed & (dur > cset["td_min_duration_increase_pct"]).fill_null(False)
    cv_demy = (
        ~pl.col("entrapment") & ok_cold
        & (pl.col("cv") < pl.col("cv_limit") * cv_demy_pct / 100).fill_null(False)
    )
    s = s.with_columns(
        une_cv=une_cv, une_cv_drop=une_drop_cv, une_amp=une_amp,
        pfh_cv=pfh_cv, pfh_cv_drop=pfh_drop_cv, pfh_amp=pfh_amp,
        entrap_cv=oe_cv, entrap_amp=oe_amp,
        conduction_block=cb, temporal_dispersion=td, cv_demyelinating=cv_demy,
        cv_abnormal=pl.col("cv_abnormal").fill_null(False),
        cv_cold=pl.col("cv_cold").fill_null(False),
    )
    # focal slowing away from entrapment sites: this segment slow, every other segment normal
    n_slow = pl.col("cv_abnormal").cast(pl.Int32).sum().over("nid")
    n_seg = pl.col("cv").count().over("nid")
    s = s.with_columns(
        focal_slowing=(~pl.col("entrapment") & pl.col("cv_abnormal") & (n_slow == 1)
                       & (n_seg >= 2)),
    )
    s = s.with_columns(
        entrapment_focal=pl.any_horizontal("une_cv", "une_cv_drop", "une_amp", "pfh_cv",
                                           "pfh_cv_drop", "pfh_amp", "entrap_cv", "entrap_amp"),
    ).with_columns(
        focal=pl.col("entrapment_focal") | pl.col("conduction_block") | pl.col("focal_slowing"),
    )
    seg_txt = pl.concat_str([pl.col("nerve"), pl.lit(" "), pl.col("segment_label").str.replace_all("_", " "), pl.lit(" segment")])
    pieces = [
        ("une_cv", "AAEM1999.une.across_elbow_cv",
         pl.concat_str([seg_txt, pl.lit(": across-elbow CV "), _fmt(pl.col("cv")),
                        pl.lit(f" m/s < {une['across_elbow_cv_min']} m/s")])),
        ("une_cv_drop", "AAEM1999.une.cv_drop",
         pl.concat_str([seg_txt, pl.lit(": across-elbow CV "), _fmt(pl.col("cv")),
                        pl.lit(" m/s is "), _fmt(cv_drop),
                        pl.lit(f" m/s slower than the forearm (limit {une['across_elbow_cv_drop_max']} m/s)")])),
        ("une_amp", "AAEM1999.une.amplitude_drop",
         pl.concat_str([seg_txt, pl.lit(": CMAP drop "), _fmt(drop, 0),
                        pl.lit(f"% across the elbow (limit {une['across_elbow_amp_drop_max_pct']}%)")])),
        ("pfh_cv", "BUSCHBACHER1999.peroneal.across_knee_cv",
         pl.concat_str([seg_txt, pl.lit(": CV "), _fmt(pl.col("cv")), pl.lit(" m/s < LLN "),
                        _fmt(pl.col("cv_limit"), 0), pl.lit(" m/s")])),
        ("pfh_cv_drop", "BUSCHBACHER1999.peroneal.cv_drop",
         pl.concat_str([seg_txt, pl.lit(": across-knee CV "), _fmt(pl.col("cv")),
                        pl.lit(" m/s is "), _fmt(cv_drop),
                        pl.lit(f" m/s slower than the leg (limit {per['across_knee_cv_drop_max']} m/s)")])),
        ("pfh_amp", "BUSCHBACHER1999.peroneal.amplitude_drop",
         pl.concat_str([seg_txt, pl.lit(": CMAP drop "), _fmt(drop, 0),
                        pl.lit(f"% across the fibular head (limit {per['across_knee_amp_drop_max_pct']}%)")])),
        ("entrap_cv", "entrapment.cv",
         pl.concat_str([seg_txt, pl.lit(": CV "), _fmt(pl.col("cv")), pl.lit(" m/s < LLN "),
                        _fmt(pl.col("cv_limit"), 0), pl.lit(" m/s")])),
        ("entrap_amp", "entrapment.amplitude_drop",
         pl.concat_str([seg_txt, pl.lit(": CMAP drop "), _fmt(drop, 0), pl.lit("%")])),
        ("conduction_block", f"{set_name}.conduction_block",
         pl.concat_str([seg_txt, pl.lit(": conduction block, CMAP drop "), _fmt(drop, 0),
                        pl.lit(f"% (limit {cset['cb_min_drop_pct']}%)")])),
        ("temporal_dispersion", f"{set_name}.temporal_dispersion",
         pl.concat_str([seg_txt, pl.lit(": temporal dispersion, duration +"), _fmt(dur, 0),
                        pl.lit(f"% (limit {cset['td_min_duration_increase_pct']}%)")])),
        ("focal_slowing", "segment.focal_slowing",
         pl.concat_str([seg_txt, pl.lit(": focal slowing, CV "), _fmt(pl.col("cv")),
                        pl.lit(" m/s < LLN "), _fmt(pl.col("cv_limit"), 0), pl.lit(" m/s")])),
        ("cv_demyelinating", f"{set_name}.cv",
         pl.concat_str([seg_txt, pl.lit(": CV "), _fmt(pl.col("cv")),
                        pl.lit(" m/s in the demyelinating range (< "), _fmt(cv_demy_pct, 0),
                        pl.lit("% of LLN)")])),
    ]
    flags = [f for f, _, _ in pieces]
    hit = pl.any_horizontal(flags)
    # texts are built for the flagged segments only, then put back in place
    s = s.with_row_index("_srow")
    done = s.lazy().filter(hit).select(
        "_srow",
        rule_ids=pl.concat_str([pl.when(pl.col(f)).then(pl.lit(r)) for f, r, _ in pieces],
                               separator=";", ignore_nulls=True),
        evidence=pl.concat_str([pl.when(pl.col(f)).then(t) for f, _, t in pieces],
                               separator="; ", ignore_nulls=True),
    ).collect()
    return s.drop("_srow").with_columns(
        scattered(s.height, done["_srow"], done["rule_ids"]).fill_null(""),
        scattered(s.height, done["_srow"], done["evidence"]).fill_null(""),
    )
