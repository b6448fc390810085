"""Patients, studies, attacks, MRI lesions and clinical signs of a synthetic cohort."""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.synth.latent import PHASE_ACTIVE_CHRONIC, PHASE_CHRONIC, PHASE_NONE, SIDES, Latent
from edxlab.synth.tables import SEGMENT_INDEX, VERTEBRAE

# segment -> (a muscle that weakens, the reflex it reduces) for the clinical signs
SEGMENT_SIGNS = {
    "C5": ("deltoid", "biceps_reflex"),
    "C6": ("biceps_brachii", "brachioradialis_reflex"),
    "C7": ("triceps_brachii", "triceps_reflex"),
    "C8": ("first_dorsal_interosseous", "finger_flexor_reflex"),
    "T1": ("abductor_pollicis_brevis", None),
    "L2": ("iliopsoas", None),
    "L3": ("vastus_lateralis", "patellar_reflex"),
    "L4": ("tibialis_anterior", "patellar_reflex"),
    "L5": ("tibialis_anterior", None),
    "S1": ("medial_gastrocnemius", "achilles_reflex"),
}


def patients(lat: Latent, rng: np.random.Generator) -> pl.DataFrame:
    P = lat.n_patients
    aqp4 = np.where(lat.kind == 0, "positive", np.where(lat.aqp4_tested, "negative", "not_tested"))
    assay = np.where(rng.random(P) < 0.6, "cba_fixed", "cba_live")
    mog_tested = (lat.kind == 3) | (rng.random(P) < 0.75)
    mog = np.where(lat.mog_titer >= 100, "positive", np.where(mog_tested, "negative", "not_tested"))
    ocb = np.where(rng.random(P) < 0.3, "unknown", np.where(rng.random(P) < 0.12, "positive", "negative"))
    return pl.DataFrame(
        {
            "patient_id": lat.patient_id,
            "sex": lat.sex,
            "birth_year": lat.birth_year,
            "aqp4_igg": aqp4,
            "aqp4_assay": assay,
            "mog_igg": mog,
            "mog_titer": lat.mog_titer,
            "csf_ocb": ocb,
            "alternative_dx_excluded": np.ones(P, dtype=bool),
            "comorbidities": _comorbidities(lat, rng),
            "edss": np.round(rng.uniform(1.5, 7.0, P) * 2) / 2,
        },
    ).with_columns(
        pl.col("comorbidities").str.split(";").list.eval(pl.element().filter(pl.element() != "")),
        pl.when(pl.col("mog_titer") > 0).then(pl.col("mog_titer")).alias("mog_titer"),
        pl.when(pl.Series(lat.aqp4_tested)).then(pl.col("aqp4_assay")).alias("aqp4_assay"),
    )


OTHER_NEUROPATHY_CAUSES = ("b12_deficiency", "alcohol", "hypothyroidism", "chemotherapy")


def _comorbidities(lat: Latent, rng: np.random.Generator) -> np.ndarray:
    """``;``-joined comorbidities: diabetes; another cause for a polyneuropathy without
    diabetes; hypothyroidism in a few others (NMOSD coexists with autoimmune thyroid disease)."""
    P = lat.n_patients
    other = np.asarray(OTHER_NEUROPATHY_CAUSES)[rng.integers(0, len(OTHER_NEUROPATHY_CAUSES), P)]
    cause = np.where((lat.pn > 0) & ~lat.diabetes, other, "")
    cause = np.where(lat.pn == 3, "other", cause)  # CIDP
    cause = np.where((cause == "") & (rng.random(P) < 0.04), "hypothyroidism", cause)
    sep = np.where(lat.diabetes & (cause != ""), ";", "")
    return np.char.add(np.char.add(np.where(lat.diabetes, "diabetes", ""), sep), cause)


def attacks(lat: Latent) -> pl.DataFrame:
    parts = []
    for col, feature in ((lat.myelitis_onset, "acute_myelitis"), (lat.on_onset, "optic_neuritis"),
                         (lat.aps_onset, "area_postrema")):
        has = ~np.isnat(col)
        parts.append(pl.DataFrame({"patient_id": lat.patient_id[has], "onset_date": col[has],
                                   "core_feature": np.full(int(has.sum()), feature)}))
    return pl.concat(parts).sort("patient_id", "onset_date")


def mri(lat: Latent, rng: np.random.Generator) -> pl.DataFrame:
    P = lat.n_patients
    parts = []
    spinal = lat.lesion_from >= 0
    n = int(spinal.sum())
    v = np.asarray(VERTEBRAE)
    nmosd_like = lat.kind[spinal] < 3
    parts.append(pl.DataFrame({
        "patient_id": lat.patient_id[spinal],
        "mri_date": lat.myelitis_onset[spinal] + rng.integers(1, 10, n).astype("timedelta64[D]"),
        "region": np.full(n, "spinal_cord"),
        "level_from": v[lat.lesion_from[spinal]],
        "level_to": v[lat.lesion_to[spinal]],
        "central_gray": np.where(nmosd_like, rng.random(n) < 0.8, rng.random(n) < 0.5),
        "enhancing": rng.random(n) < 0.6,
    }))
    on = ~np.isnat(lat.on_onset)
    k = int(on.sum())
    parts.append(pl.DataFrame({
        "patient_id": lat.patient_id[on],
        "mri_date": lat.on_onset[on] + rng.integers(1, 10, k).astype("timedelta64[D]"),
        "region": np.full(k, "optic_nerve"),
        "optic_over_half": np.ones(k, dtype=bool),
        "enhancing": np.ones(k, dtype=bool),
    }))
    aps = ~np.isnat(lat.aps_onset)
    k = int(aps.sum())
    parts.append(pl.DataFrame({
        "patient_id": lat.patient_id[aps],
        "mri_date": lat.aps_onset[aps] + rng.integers(1, 10, k).astype("timedelta64[D]"),
        "region": np.full(k, "brainstem"),
        "level_from": np.full(k, "medulla"),
        "level_to": np.full(k, "medulla"),
        "area_postrema": np.ones(k, dtype=bool),
        "periependymal": np.ones(k, dtype=bool),
    }))
    del P
    return pl.concat(parts, how="diagonal").sort("patient_id", "mri_date")


def studies(lat: Latent, rng: np.random.Generator, phase: np.ndarray) -> pl.DataFrame:
    S = lat.n_studies
    pat = lat.study_patient
    damage = np.where((phase != PHASE_NONE)[:, None], lat.ah_mask[pat], 0).any(axis=1)
    myelitis = ~np.isnat(lat.myelitis_onset[pat])
    sensory = (lat.cts[pat] > 0).any(1) | (lat.une[pat] > 0).any(1) | (lat.pn[pat] > 0)
    codes = np.char.add(np.char.add(np.char.add(
        np.where(damage | myelitis, "weakness;", ""),
        np.where(np.isin(phase, (PHASE_ACTIVE_CHRONIC, PHASE_CHRONIC)) & damage, "atrophy;", "")),
        np.where(damage, "hyporeflexia;", "")),
        np.where(sensory, "sensory", ""),
    )
    codes = np.where(codes == "", "other", codes)
    return pl.DataFrame(
        {
            "study_id": lat.study_id,
            "patient_id": lat.patient_id[pat],
            "study_date": lat.study_date,
            "age_years": np.round(lat.study_age(), 1),
            "height_cm": np.round(lat.height[pat], 0),
            "temp_upper_c": np.round(rng.uniform(32.2, 34.5, S), 1),
            "temp_lower_c": np.round(rng.uniform(30.6, 33.0, S), 1),
            "indication": codes,
        },
    ).with_columns(pl.col("indication").str.split(";").list.eval(pl.element().filter(pl.element() != "")))


def signs(lat: Latent, rng: np.random.Generator, phase: np.ndarray) -> pl.DataFrame:
    """Examination findings at each EMG study: LMN signs in the damaged segments, UMN signs below
    a myelitis, absent ankle jerks in polyneuropathy, thenar atrophy in severe carpal tunnel."""
    pat = lat.study_patient
    parts = []

    def add(study, sign, site, side, grade):
        k = len(study)
        if k == 0:
            return
        parts.append(pl.DataFrame({
            "patient_id": lat.patient_id[pat[study]],
            "exam_date": lat.study_date[study],
            "sign": np.full(k, sign),
            "site": np.full(k, site) if isinstance(site, str) or site is None else site,
            "side": side,
            "grade": grade,
            "note": np.full(k, "synthetic"),
        }, schema_overrides={"site": pl.String, "grade": pl.Float64}))

    exam = lat.has_emg
    damage = np.where((phase != PHASE_NONE)[:, None], lat.ah_mask[pat], 0)
    for seg, (muscle, reflex) in SEGMENT_SIGNS.items():
        bit = np.int64(1) << SEGMENT_INDEX[seg]
        study, side = np.nonzero(((damage & bit) != 0) & exam[:, None])
        sides = np.asarray(SIDES)[side]
        add(study, "weakness", muscle, sides, rng.integers(3, 5, len(study)).astype(float))
        late = np.isin(phase[study], (PHASE_ACTIVE_CHRONIC, PHASE_CHRONIC))
        add(study[late], "atrophy", muscle, sides[late], np.full(int(late.sum()), np.nan))
        if reflex:
            add(study, "reflex", reflex, sides, rng.integers(0, 2, len(study)).astype(float))
    myel = np.nonzero(exam & ~np.isnat(lat.myelitis_onset[pat]) & (rng.random(lat.n_studies) < 0.7))[0]
    add(myel, "babinski", None, np.full(len(myel), "bilateral"), np.full(len(myel), np.nan))
    pn = np.nonzero(exam & (lat.pn[pat] > 0))[0]
    add(pn, "reflex", "achilles_reflex", np.full(len(pn), "bilateral"), np.zeros(len(pn)))
    for d, s in enumerate(SIDES):
        cts = np.nonzero(exam & (lat.cts[pat, d] == 2))[0]
        add(cts, "atrophy", "abductor_pollicis_brevis", np.full(len(cts), s), np.full(len(cts), np.nan))
    if not parts:
        return pl.DataFrame()
    out = pl.concat(parts).with_columns(pl.col("grade").fill_nan(None))
    return out.unique(["patient_id", "exam_date", "sign", "site", "side"], keep="first", maintain_order=True)
