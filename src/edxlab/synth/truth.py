"""The findings the generator intends: ``truth.csv`` (per study) and ``truth_patients.csv``.

Study truth is computed from what the measurements show, with the rules of spec section 3,
not from the hidden cause: denervation that the needle cannot show yet (an attack under two
weeks old) is not denervation, and cord denervation confined to a muscle that a proven carpal
tunnel syndrome also supplies counts as explained, as a careful reader would sign it.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.synth.latent import KINDS, PN_NAMES, Latent
from edxlab.synth.tables import SEGMENTS, lesion_segment_mask, mask_lists

MRI_MARGIN = 1  # segments either side of the mapped MRI lesion (edx_reference.md 5.4)
TRUTH_COLUMNS = (
    "study_id", "patient_id", "study_date", "ncs_abnormal", "polyneuropathy", "mononeuropathies",
    "cranial_neuropathies", "active_denervation", "chronic_denervation", "denervation",
    "denervation_regions", "denervation_segments", "denervation_explained_by_ncs", "lmn_involvement",
    "mri_concordant",
)
FLAGS = TRUTH_COLUMNS[3:]


def _widen(mask: np.ndarray, margin: int) -> np.ndarray:
    out = mask.copy()
    full = (np.int64(1) << len(SEGMENTS)) - 1
    for k in range(1, margin + 1):
        out |= (mask << k) | (mask >> k)
    return out & full


def _join(*parts: np.ndarray) -> np.ndarray:
    """Element-wise ``;``-join of string arrays, skipping empty strings."""
    out = parts[0]
    for p in parts[1:]:
        sep = np.where((out != "") & (p != ""), ";", "")
        out = np.char.add(np.char.add(out, sep), p)
    return out


def _split(col: str) -> pl.Expr:
    return pl.col(col).str.split(";").list.eval(pl.element().filter(pl.element() != ""))


SEGMENT_MIN_NERVES = 2


def myotome_mask(den: pl.DataFrame, name: str) -> pl.DataFrame:
    """Per study, the bit mask of the myotomes the denervated muscles ``den`` show (spec
    ``denervation_segments``, edx_reference.md 2.11 and 4): a paraspinal muscle gives its level;
    other muscles give their main roots when the muscles belong to at least two nerves; a muscle
    with several main roots keeps those another nerve also has as a main root, else those next
    to another nerve's main root, else all."""
    n_bits = len(SEGMENTS)
    d = den.filter(pl.col("paraspinal")
                   | (pl.col("nerve").n_unique().over("study") >= SEGMENT_MIN_NERVES))
    bit = [(pl.col("main") & (1 << i)) != 0 for i in range(n_bits)]
    per = d.group_by("study").agg(
        *[pl.col("nerve").filter(bit[i]).n_unique().alias(f"_n{i}") for i in range(n_bits)],
        *[pl.col("nerve").filter(bit[i]).first().alias(f"_f{i}") for i in range(n_bits)],
    )
    d = d.join(per, on="study")
    zero = pl.lit(0, pl.Int64)
    shared = pl.sum_horizontal(
        [pl.when(pl.col(f"_n{i}") >= 2).then(pl.lit(1 << i, pl.Int64)).otherwise(zero)
         for i in range(n_bits)])
    other = pl.sum_horizontal(
        [pl.when((pl.col(f"_n{i}") >= 2) | ((pl.col(f"_n{i}") == 1) & (pl.col(f"_f{i}") != pl.col("nerve"))))
         .then(pl.lit(1 << i, pl.Int64)).otherwise(zero) for i in range(n_bits)])
    main = pl.col("main").cast(pl.Int64)
    adjacent = main & ((other * 2) | (other // 2))
    keep = (pl.when((main & shared) != 0).then(main & shared)
            .when(adjacent != 0).then(adjacent).otherwise(main))
    return d.group_by("study").agg(keep.bitwise_or().alias(name))


def study_truth(lat: Latent, muscle_truth: pl.DataFrame, has_mri: np.ndarray) -> pl.DataFrame:
    S = lat.n_studies
    pat = lat.study_patient
    cts, une, pn, facial = lat.cts[pat], lat.une[pat], lat.pn[pat], lat.facial

    # --- nerve conduction (sorted lists: L before R, median before ulnar)
    def lab(hit, text):
        return np.where(hit, text, "")

    mono = _join(lab(cts[:, 0] > 0, "median:L:wrist"), lab(cts[:, 1] > 0, "median:R:wrist"),
                 lab(une[:, 0] > 0, "ulnar:L:elbow"), lab(une[:, 1] > 0, "ulnar:R:elbow"))
    cranial = _join(lab(facial[:, 0] > 0, "facial:L"), lab(facial[:, 1] > 0, "facial:R"))
    ncs_abnormal = (cts > 0).any(1) | (une > 0).any(1) | (pn > 0) | (facial > 0).any(1)

    # --- needle EMG, aggregated from the muscles
    mt = muscle_truth.with_columns(
        denervated=pl.col("active") | pl.col("chronic"),
        explained=pl.col("explained") & pl.Series(lat.has_ncs[muscle_truth["study"].to_numpy()]),
    )
    den = mt.filter(pl.col("denervated"))
    agg = (
        den.group_by("study")
        .agg(
            active=pl.col("active").any(),
            chronic=pl.col("chronic").any(),
            regions=pl.col("region").unique().sort().str.join(";"),
            all_explained=pl.col("explained").all(),
        )
        # denervation a nerve lesion explains is localized to that nerve, not to segments
        .join(myotome_mask(den.filter(~pl.col("explained")), "seg"), on="study", how="left")
        .join(myotome_mask(den.filter(~pl.col("explained")), "unexplained_seg"), on="study", how="left")
        .join(
            den.filter(~pl.col("explained")).group_by("study").agg(
                pl.col("segments").bitwise_or().alias("unexplained_roots"),
                pl.col("xii").any().alias("unexplained_xii")),
            on="study", how="left",
        )
        # MRI concordance looks at the unexplained myotomes, else (a single nerve's muscles) at
        # every root of the unexplained muscles
        .with_columns(
            unexplained_seg=pl.when(pl.col("unexplained_seg").fill_null(0) != 0)
            .then(pl.col("unexplained_seg")).otherwise(pl.col("unexplained_roots"))
        )
    )
    base = pl.DataFrame({"study": np.arange(S)}).join(agg, on="study", how="left").sort("study")
    active = base["active"].fill_null(False).to_numpy()
    chronic = base["chronic"].fill_null(False).to_numpy()
    seg = base["seg"].fill_null(0).to_numpy().astype(np.int64)
    unexplained_seg = base["unexplained_seg"].fill_null(0).to_numpy().astype(np.int64)
    all_explained = base["all_explained"].fill_null(True).to_numpy()
    denervation = active | chronic
    lmn = denervation & ~all_explained
    lesion = _widen(lesion_segment_mask(lat.lesion_from[pat], lat.lesion_to[pat]), MRI_MARGIN)
    # or an unexplained tongue denervation under a medulla lesion (hypoglossal nucleus)
    medulla = ~np.isnat(lat.aps_onset[pat])
    concordant = ((unexplained_seg & lesion) != 0) | (base["unexplained_xii"].fill_null(False).to_numpy() & medulla)

    frame = pl.DataFrame(
        {
            "study_id": lat.study_id,
            "patient_id": lat.patient_id[pat],
            "study_date": lat.study_date,
            "ncs_abnormal": ncs_abnormal,
            "polyneuropathy": np.asarray(PN_NAMES)[pn],
            "mononeuropathies": mono,
            "cranial_neuropathies": cranial,
            "active_denervation": active,
            "chronic_denervation": chronic,
            "denervation": denervation,
            "denervation_regions": base["regions"].fill_null(""),
            "denervation_segments": mask_lists(seg),
            "denervation_explained_by_ncs": ~lmn,
            "lmn_involvement": lmn,
            "mri_concordant": concordant,
            "_ncs": lat.has_ncs,
            "_emg": lat.has_emg,
            "_den": lat.has_emg & denervation,
            "_lmn": lat.has_emg & lmn & has_mri[pat],
        }
    )
    ncs_cols = ("ncs_abnormal", "polyneuropathy", "mononeuropathies", "cranial_neuropathies")
    emg_cols = ("active_denervation", "chronic_denervation", "denervation", "denervation_regions",
                "denervation_segments", "lmn_involvement")
    lists = ("mononeuropathies", "cranial_neuropathies", "denervation_regions")

    def gated(col, gate):
        expr = _split(col) if col in lists else pl.col(col)
        return pl.when(pl.col(gate)).then(expr).alias(col)

    return frame.with_columns(
        *(gated(c, "_ncs") for c in ncs_cols),
        *(gated(c, "_emg") for c in emg_cols),
        gated("denervation_explained_by_ncs", "_den"),
        gated("mri_concordant", "_lmn"),
    ).select(TRUTH_COLUMNS)


def nmosd_criteria(lat: Latent) -> np.ndarray:
    """IPND 2015 status the generator built each patient to meet (spec patient_findings codes)."""
    kind = np.asarray(KINDS)[lat.kind]
    seroneg_ok = _seronegative_rule(lat)
    aqp4 = np.where(lat.kind == 0, "positive", np.where(lat.aqp4_tested, "negative", "not_tested"))
    any_core = ~np.isnat(lat.myelitis_onset) | ~np.isnat(lat.on_onset) | ~np.isnat(lat.aps_onset)
    return np.select(
        [(aqp4 == "positive") & any_core, (aqp4 == "negative") & seroneg_ok, (aqp4 == "not_tested") & seroneg_ok],
        ["aqp4_positive", "aqp4_negative", "aqp4_unknown"],
        "not_met",
    ).astype(object) if len(kind) else np.array([], dtype=object)


def _seronegative_rule(lat: Latent) -> np.ndarray:
    """Two different cores incl. ON, LETM myelitis or APS, each with its MRI requirement.

    The generator gives every optic neuritis an optic-nerve MRI lesion over half the nerve,
    every area postrema syndrome a dorsal medulla lesion; myelitis qualifies when its spinal
    lesion spans >= 3 vertebral segments (LETM).
    """
    myelitis = ~np.isnat(lat.myelitis_onset)
    letm = myelitis & (lat.lesion_from >= 0) & (lat.lesion_to - lat.lesion_from + 1 >= 3)
    on = ~np.isnat(lat.on_onset)
    aps = ~np.isnat(lat.aps_onset)
    n_cores = myelitis.astype(int) + on.astype(int) + aps.astype(int)
    cores_ok = n_cores >= 2
    # every core present must meet its MRI requirement: myelitis needs LETM
    mri_ok = ~myelitis | letm
    return cores_ok & mri_ok & (on | letm | aps)


def mogad(lat: Latent) -> np.ndarray:
    """MOGAD 2023: clear-positive MOG-IgG (titre >= 1:100) with a core demyelinating event."""
    return (lat.mog_titer >= 100) & (lat.kind != 0)
