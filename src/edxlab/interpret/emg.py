"""Needle EMG interpretation: muscle findings, the EMG/LMN columns of study findings and the
clinical LMN columns of patient findings (interchange format section 3). Pure: frames in,
frames out.

Entry point: :func:`interpret_emg`. It needs the NCS results only through three optional frames
(see docs/design.md): ``lesions`` (what the NCS shows along each nerve), ``study_ncs``
(``motor_only_pattern``) and ``nerve_findings`` (``modality``, ``pattern``: whether the sensory
responses are normal, for the summary and the plexus pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from edxlab.frames import scattered, scattered_frame
from edxlab.interpret import localize, mri as mri_mod, signs as signs_mod
from edxlab.interpret.emg_classify import KEY_COLUMNS, observation_kinds
from edxlab.interpret.emg_summary import emg_sentences, quiet_sentence
from edxlab.model.dataset import Dataset
from edxlab.reference.emg_criteria import load_emg_criteria

STUDY_COLUMNS: tuple[str, ...] = (
    "active_denervation", "chronic_denervation", "denervation", "denervation_regions",
    "denervation_segments", "denervation_explained_by_ncs", "lmn_involvement", "mri_concordant",
)
"""Contract columns of study_findings owned by the EMG interpretation (spec section 3)."""

EXTRA_STUDY_COLUMNS: tuple[str, ...] = (
    "denervation_pattern", "lmn_segments", "mri_lesions", "mri_evidence", "days_since_attack",
    "timing_warning", "emg_summary",
)
"""Additional study_findings columns (extensions, not in the v1 contract)."""

MUSCLE_COLUMNS: tuple[str, ...] = (
    "study_id", "patient_id", "muscle", "side", "level", "region", "nerve", "plexus", "segments",
    "main_roots", "nucleus", "distal", "fibs", "psw", "fasciculations", "muap_duration",
    "muap_amplitude", "muap_phases", "recruitment", "finding", "active_denervation",
    "chronic_denervation", "denervation", "myopathic", "poor_activation", "equivocal",
    "explained_by_ncs", "explained_by", "lmn", "rules", "evidence", "source",
)
"""Columns of muscle_findings (one row per muscle examined)."""

_LIST = pl.List(pl.String)


@dataclass
class EmgFindings:
    muscle_findings: pl.DataFrame
    study_emg: pl.DataFrame
    patient_emg: pl.DataFrame


ARM_SENSORY = ("median", "ulnar", "radial", "dorsal_ulnar_cutaneous",
               "lateral_antebrachial_cutaneous", "medial_antebrachial_cutaneous")
LEG_SENSORY = ("sural", "superficial_peroneal", "saphenous", "peroneal", "tibial")


def _sensory_status(nerve_findings: pl.DataFrame | None) -> pl.DataFrame:
    """Per study: ``sensory_normal`` (sensory/mixed responses tested, all normal) and
    ``sensory_abnormal_arm`` / ``sensory_abnormal_leg`` (an abnormal response in that limb)."""
    schema = {"study_id": pl.String, "sensory_normal": pl.Boolean,
              "sensory_abnormal_arm": pl.Boolean, "sensory_abnormal_leg": pl.Boolean}
    if nerve_findings is None or not {"study_id", "nerve", "modality", "pattern"} <= set(
            nerve_findings.columns):
        return pl.DataFrame(schema=schema)
    abnormal = pl.col("pattern").fill_null("normal") != "normal"
    sensory = nerve_findings.select("study_id", "nerve", "modality", "pattern").filter(
        pl.col("modality").is_in(["sensory", "mixed"]))
    # most responses are normal: aggregate the abnormal ones only
    found = sensory.filter(abnormal).group_by("study_id").agg(
        pl.col("nerve").is_in(ARM_SENSORY).any().alias("sensory_abnormal_arm"),
        pl.col("nerve").is_in(LEG_SENSORY).any().alias("sensory_abnormal_leg"),
    )
    return distinct_studies(sensory).join(found, on="study_id", how="left").select(
        "study_id",
        pl.col("sensory_abnormal_arm").is_null().alias("sensory_normal"),
        pl.col("sensory_abnormal_arm").fill_null(False),
        pl.col("sensory_abnormal_leg").fill_null(False),
    )


def distinct_studies(frame: pl.DataFrame) -> pl.DataFrame:
    """The distinct study_id of a frame (rows of a study are usually adjacent: drop repeats of
    the previous row first, which is cheaper than hashing every row; an order-keeping unique is
    also the cheaper one)."""
    sid = pl.col("study_id")
    return frame.select(sid.filter(sid.ne_missing(sid.shift(1))).unique(maintain_order=True))


def _rows_at(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """The rows of ``frame`` at positions ``rows`` (UInt32; null gives a null row): one take of
    the frame, cheaper than a gather expression per column."""
    return frame[rows]


def _muscle_evidence(emg_evidence: pl.Expr, explanation: pl.Expr) -> pl.Expr:
    """muscle_findings.evidence: the classification's evidence and what explains the denervation
    (``""`` when neither; a kind's text is ``""`` when no rule fired)."""
    own = pl.when(emg_evidence != "").then(emg_evidence)
    return pl.concat_str([own, explanation], separator="; ", ignore_nulls=True).alias("evidence")


def _study_positions(studies: pl.DataFrame, frame: pl.DataFrame) -> pl.Series:
    """The row in ``studies`` of each row's study_id of ``frame`` (null when not a study;
    study_id is the key of studies)."""
    index = studies.select("study_id").with_row_index("_sidx")
    return frame.select("study_id").join(index, on="study_id", how="left",
                                         maintain_order="left")["_sidx"]


def _placed(frame: pl.DataFrame, studies: pl.DataFrame, sidx: pl.Series | None = None
            ) -> pl.DataFrame:
    """``frame`` (one row per study_id, a subset of the studies) as one row per study in the
    order of ``studies``: null rows for the studies ``frame`` lacks (one gather, no join).
    ``sidx``: the row of each study in ``studies`` when known (else looked up)."""
    sidx = sidx if sidx is not None else _study_positions(studies, frame)
    known = sidx.is_not_null()
    return scattered_frame(studies.height, sidx.filter(known), frame.filter(known))


_QUIET_STUDY: dict[str, pl.Expr] = {
    "active_denervation": pl.lit(False), "chronic_denervation": pl.lit(False),
    "denervation": pl.lit(False), "lmn_involvement": pl.lit(False),
    "denervation_regions": pl.lit([], dtype=_LIST), "denervation_segments": pl.lit([], dtype=_LIST),
    "lmn_segments": pl.lit([], dtype=_LIST),
}
"""The study columns of a study with EMG rows but no denervated muscle: no denervation, empty
lists (the other study columns are null). They fill the listed studies without denervation and
every quiet study (:func:`_aligned_study_emg`) alike."""


def _without_denervation(*names: str) -> list[pl.Expr]:
    """The columns ``names`` with a study without denervated muscles given ``_QUIET_STUDY``."""
    return [pl.col(c).fill_null(_QUIET_STUDY[c]) for c in names]


def _aligned_study_emg(studies: pl.DataFrame, listed: pl.DataFrame, timing: pl.DataFrame,
                       w_sidx: pl.Series) -> pl.DataFrame:
    """study_emg in the order of ``studies``: the rows of ``listed`` (studies with denervated or
    notable muscles; ``sidx`` their row in ``studies``, ``w_sidx`` that of each muscle's study),
    the quiet values for the other studies with EMG rows (``_QUIET_STUDY`` and the
    no-denervation sentence), and the timing columns alone for the studies without EMG."""
    columns = [*STUDY_COLUMNS, *EXTRA_STUDY_COLUMNS, "plexus_element",
               "denervation_segments_label", "lmn_segments_label", "lmn_myotomes_label"]
    has_emg = scattered(studies.height, w_sidx.drop_nulls(),
                        pl.repeat(True, w_sidx.len() - w_sidx.null_count(), eager=True)
                        ).fill_null(False)
    placed = _placed(listed.select("study_id", *columns), studies, listed["sidx"])
    placed_timing = _placed(timing.select("study_id", "days_since_attack", "timing_warning"), studies)
    quiet = has_emg & placed["study_id"].is_null()
    warning = placed_timing["timing_warning"]
    return placed.with_columns(
        studies["study_id"],
        *[pl.when(quiet).then(v).otherwise(pl.col(c)).alias(c) for c, v in _QUIET_STUDY.items()],
        placed_timing["days_since_attack"],
        warning,
    ).with_columns(
        pl.when(quiet).then(quiet_sentence(warning)).otherwise(pl.col("emg_summary"))
        .fill_null(warning).alias("emg_summary"),
    ).select("study_id", *columns)


def _kind_chart(kinds: pl.DataFrame, crit: dict[str, Any]) -> pl.DataFrame:
    """The chart's output columns of each kind: plexus, main_roots, ``segments`` (a paraspinal
    muscle's level, else the chart roots) and ``source``."""
    chart_out = localize.chart().select(
        "muscle", "plexus", "main_roots", "roots",
        pl.concat_str(pl.lit(f"criteria emg_criteria.toml v{crit['version']}; innervation chart "),
                      pl.col("chart_source")).alias("source"))
    return kinds.join(chart_out, on="muscle", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("nerve") == localize.PARASPINAL_NERVE)
        .then(pl.col("level").cast(pl.String).str.to_uppercase().str.split(","))
        .otherwise(pl.col("roots")).alias("segments"),
        pl.col("source").fill_null(
            f"criteria emg_criteria.toml v{crit['version']}; muscle not in the innervation chart"),
    ).drop("roots")


def interpret_emg(
    ds: Dataset,
    lesions: pl.DataFrame | None = None,
    study_ncs: pl.DataFrame | None = None,
    nerve_findings: pl.DataFrame | None = None,
    criteria: dict[str, Any] | None = None,
) -> EmgFindings:
    """Interpret the needle EMG of every study in ``ds``.

    ``criteria`` is the output of :func:`load_emg_criteria` (default criteria when None).
    Studies without EMG rows get null (not applicable) EMG columns.
    """
    crit = criteria if criteria is not None else load_emg_criteria()
    studies = ds.studies.select("study_id", "patient_id", "study_date")
    lesions = lesions if lesions is not None else localize.empty_lesions()
    prepared = localize.prepared_lesions(lesions, crit)

    # classification and chart look-ups once per distinct observation (kinds), then one gather
    rows, kinds = observation_kinds(ds["emg"], crit)
    kinds = _kind_chart(localize.attach_chart(kinds), crit).sort("kind_id")
    # w: one row per muscle examined, with its kind's columns (the observations are the row's own)
    unused = ("kind_id", "fibs_rank", "psw_rank", "fasc_rank", "reduced_recruitment", "in_chart",
              "level", "emg_evidence", *KEY_COLUMNS)
    kinds = kinds.with_columns(_muscle_evidence(pl.col("emg_evidence"), pl.lit(None, pl.String)))
    w = rows.drop("kind_id").with_row_index("row_id").hstack(
        _rows_at(kinds.drop(unused), rows["kind_id"]).get_columns())
    w = w.with_columns(_study_positions(studies, w).alias("sidx"))
    # d: the denervated muscles, with chart lists; everything about localization works on d
    d = localize.explain(
        localize.with_segments(w.select(
            "row_id", "study_id", "sidx", "muscle", "side", "level", "active_denervation",
            "chronic_denervation", "denervation", *localize.SCALAR_CHART).filter(
                pl.col("denervation"))),
        lesions, crit, prepared,
    )
    d = d.with_columns((~pl.col("explained_by_ncs")).alias("lmn"))
    den = pl.col("denervation")
    unexpl = pl.col("lmn")

    sensory = _sensory_status(nerve_findings)
    has_poly = prepared.filter(pl.col("is_poly")).select("study_id").unique()
    plexus_sensory = sensory.join(has_poly, on="study_id", how="anti")
    # segments: the myotomes of the denervated muscles that no nerve lesion explains (denervation
    # a focal neuropathy or polyneuropathy explains is localized to its nerve, not to segments);
    # they feed both segment columns, the summary, the pattern and MRI concordance. The roots
    # shared by muscles of different nerves only decide whether a pattern is multifocal.
    seg_lmn = localize.myotomes(d, crit, unexpl)
    patterns = localize.study_patterns(
        d, seg_lmn, unexpl, plexus_sensory, localize.supported_segments(d, crit, unexpl)
    ).join(
        localize.study_patterns(d, seg_lmn, den, plexus_sensory,
                                localize.supported_segments(d, crit, den)).rename(
            {"pattern": "_pattern_all", "plexus_element": "_plex_all"}),
        on="study_id", how="full", coalesce=True,
    ).select(
        "study_id",
        pl.col("pattern").fill_null(pl.col("_pattern_all")).alias("denervation_pattern"),
        pl.col("plexus_element").fill_null(pl.col("_plex_all")).alias("plexus_element"),
    )

    # every denervated muscle is in d: the studies' flags come from d alone
    per_den = d.group_by("study_id").agg(
        pl.col("active_denervation").any(),
        pl.col("chronic_denervation").any(),
        pl.col("denervation").any(),
        pl.col("region").drop_nulls().unique().sort().alias("denervation_regions"),
        pl.col("explained_by_ncs").all().alias("denervation_explained_by_ncs"),
        pl.col("lmn").any().alias("lmn_involvement"),
    )
    # the study columns are computed for the studies with denervated or notable muscles only
    # (listed); the other studies with EMG get the values of a study without such muscles
    extras = w.select("study_id", "sidx", "side", "level", "display", "chart_order", "nucleus",
                      "finding", "active_denervation", "chronic_denervation", "denervation", "myopathic",
                      "poor_activation", "equivocal").filter(
        pl.col("myopathic") | pl.col("poor_activation") | pl.col("equivocal"))
    listed = pl.concat([d.select("study_id", "sidx"), extras.select("study_id", "sidx")]).unique()
    per = listed.join(per_den, on="study_id", how="left").with_columns(_without_denervation(
        "active_denervation", "chronic_denervation", "denervation", "lmn_involvement",
        "denervation_regions"))

    all_lists = localize.segment_lists(seg_lmn, "denervation_segments")
    lmn_lists = localize.segment_lists(seg_lmn, "lmn_segments").with_columns(
        pl.col("lmn_segments_label").alias("lmn_myotomes_label"),
        pl.col("lmn_segments_n").alias("lmn_myotomes_n"))

    # MRI concordance: the unexplained myotomes, else every root/level of the unexplained
    # muscles; cranial nuclei of unexplained bulbar muscles (XI: its cord segments C1-C5).
    from edxlab.reference import innervation

    xi = innervation.brainstem_nuclei().filter(pl.col("segment_from").is_not_null())
    cand = d.filter(unexpl).select("study_id", "segments", "nucleus")
    cand_roots = cand.explode("segments").drop_nulls("segments").select(
        "study_id", pl.col("segments").alias("seg"))
    cand_xi = (
        cand.join(xi.select("nucleus", "segment_from", "segment_to"), on="nucleus", how="inner")
        .with_columns(
            pl.int_ranges(
                pl.col("segment_from").replace_strict(innervation.SEGMENT_INDEX, return_dtype=pl.Int64),
                pl.col("segment_to").replace_strict(innervation.SEGMENT_INDEX, return_dtype=pl.Int64) + 1,
            ).alias("seg_idx"))
        .explode("seg_idx").select("study_id", "seg_idx")
    )
    fallback = cand_roots.join(seg_lmn.select("study_id").unique(), on="study_id", how="anti")
    unexpl_segs = pl.concat([
        seg_lmn.select("study_id", "seg_idx"),
        fallback.with_columns(pl.col("seg").replace_strict(
            innervation.SEGMENT_INDEX, return_dtype=pl.Int64).alias("seg_idx")).select("study_id", "seg_idx"),
        cand_xi,
    ]).unique()
    unexpl_nuc = cand.select("study_id", "nucleus").drop_nulls().unique()
    lmn_studies = per.filter(pl.col("lmn_involvement")).select("study_id").join(
        studies.select("study_id", "patient_id"), on="study_id", how="inner")
    conc = mri_mod.concordance(unexpl_segs, unexpl_nuc, lmn_studies, ds["mri"], crit)
    timing = signs_mod.attack_timing(studies, ds["attacks"], crit)

    ncs_cols = pl.DataFrame(schema={"study_id": pl.String, "motor_only_pattern": pl.Boolean})
    if study_ncs is not None and "motor_only_pattern" in study_ncs.columns:
        ncs_cols = study_ncs.select("study_id", pl.col("motor_only_pattern").cast(pl.Boolean))
    has_lesions = prepared.select("study_id").unique().with_columns(pl.lit(True).alias("has_lesions"))

    study = (
        per.join(all_lists, on="study_id", how="left")
        .join(lmn_lists, on="study_id", how="left")
        .join(patterns, on="study_id", how="left")
        .join(conc, on="study_id", how="left")
        .join(timing, on="study_id", how="left")
        .join(sensory, on="study_id", how="left")
        .join(ncs_cols, on="study_id", how="left")
        .join(has_lesions, on="study_id", how="left")
        .with_columns(_without_denervation("denervation_segments", "lmn_segments"))
    )
    summary = emg_sentences(d, extras, study, prepared)
    study = study.join(summary, on="study_id", how="left")
    study_emg = _aligned_study_emg(studies, study, timing, w["sidx"])

    # d's columns are scattered into place by row_id; patient_id is gathered by study position
    explained = [scattered(w.height, d["row_id"], d[c])
                 for c in ("explained_by_ncs", "explained_by", "lmn")]
    d_evidence = pl.DataFrame([w["evidence"].gather(d["row_id"]), d["explanation"]]).select(
        _muscle_evidence(pl.col("evidence"), pl.col("explanation")))["evidence"]
    muscle_findings = w.with_columns(
        *explained,
        studies["patient_id"].gather(w["sidx"]),
        w["evidence"].scatter(d["row_id"], d_evidence) if d.height else w["evidence"],
    ).select(MUSCLE_COLUMNS)

    patient_emg = signs_mod.patient_signs(ds["signs"], studies, crit)
    patient_emg = ds.patients.select("patient_id").join(patient_emg, on="patient_id", how="left")
    patient_emg = patient_emg.with_columns(pl.col("edx_recommended").fill_null(False))
    return EmgFindings(muscle_findings=muscle_findings, study_emg=study_emg, patient_emg=patient_emg)
