"""Needle EMG grades consistent with each lesion and its age.

Anterior horn (cord) damage denervates the examined muscles whose main roots lie in the
damaged segments (and the paraspinals at those levels). What the needle shows depends on the
time since the attack (:func:`edxlab.synth.latent.ah_phase`): under 2 weeks only reduced
recruitment; 2 weeks to 3 months fibrillations and positive sharp waves with normal motor
units; 3-12 months fibrillations plus long-duration, high-amplitude, polyphasic motor units;
after a year only the chronic motor unit changes. Paraspinal fibrillations are scored; their
motor units are not. Axonal peripheral lesions (severity 2) denervate the muscles they supply:
abductor pollicis brevis (carpal tunnel), first dorsal interosseous and abductor digiti minimi
(ulnar neuropathy at the elbow), the intrinsic foot muscles (length-dependent polyneuropathy),
orbicularis oculi and frontalis (facial palsy).

Borderline findings a careful reader does not call denervation appear in a documented
minority: fibrillations graded ``+/-``, polyphasia alone, a benign fasciculation, poor
activation in a weak muscle of a patient with myelitis (an upper motor neuron sign).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from edxlab.synth.latent import (
    PHASE_ACTIVE,
    PHASE_ACTIVE_CHRONIC,
    PHASE_CHRONIC,
    PHASE_EARLY,
    PHASE_NONE,
    SIDES,
    Latent,
)
from edxlab.synth.protocol import (
    CERVICAL_PARASPINAL_LEVELS,
    LUMBOSACRAL_PARASPINAL_LEVELS,
    THORACIC_PARASPINAL_LEVELS,
    Protocol,
)
from edxlab.synth.tables import SEGMENT_INDEX, SEGMENTS, labels, muscles, segment_mask

ARM = ("deltoid", "biceps_brachii", "triceps_brachii", "pronator_teres", "extensor_digitorum_communis",
       "first_dorsal_interosseous", "abductor_pollicis_brevis")
LEG = ("vastus_lateralis", "tibialis_anterior", "gluteus_medius", "medial_gastrocnemius")
FOOT = ("extensor_digitorum_brevis", "abductor_hallucis")
FACE = ("orbicularis_oculi", "frontalis")
PARASPINALS = ("cervical_paraspinal", "thoracic_paraspinal", "lumbosacral_paraspinal")


GRADES = ("0", "+/-", "1+", "2+", "3+", "4+")
RECRUITMENT = ("normal", "reduced", "poor_activation")


def _chart():
    """names, roots, main roots (bit masks), region, nerve, distal of the sampled muscles.

    Taken from the engine's innervation chart (``edxlab.reference.innervation``) where it lists
    the muscle, so that generator and engine agree on roots by construction; else from
    ``synth/data/muscles.csv``.
    """
    chart = muscles()
    try:
        from edxlab.reference.innervation import muscles as engine_muscles

        eng = engine_muscles().select(
            "muscle",
            pl.col("roots").list.join(";").alias("e_roots"),
            pl.col("main_roots").list.join(";").alias("e_main"),
            pl.col("nerve").alias("e_nerve"),
            pl.col("region").alias("e_region"),
            pl.col("distal").alias("e_distal"),
        )
        chart = chart.join(eng, on="muscle", how="left").with_columns(
            roots=pl.coalesce("e_roots", "roots"),
            main_roots=pl.coalesce("e_main", "main_roots"),
            nerve=pl.coalesce("e_nerve", "nerve"),
            region=pl.coalesce("e_region", "region"),
            distal=pl.coalesce("e_distal", pl.col("limb") == "foot"),
        )
    except ImportError:
        chart = chart.with_columns(distal=pl.col("limb") == "foot")
    names = np.array(chart["muscle"].to_list())
    roots = np.array([segment_mask(r or "") for r in chart["roots"].to_list()], dtype=np.int64)
    main = np.array([segment_mask(r or "") for r in chart["main_roots"].to_list()], dtype=np.int64)
    region = np.array(chart["region"].to_list())
    nerve = np.array(chart["nerve"].to_list())
    distal = np.array(chart["distal"].fill_null(False).to_list())
    return names, roots, main, region, nerve, distal


def _rows(prot: Protocol, names: np.ndarray):
    """(muscle index, study, side, level) arrays of every muscle examined."""
    index = {m: i for i, m in enumerate(names.tolist())}
    parts = []

    def add(muscles_, flag, level=-1):
        study, side = np.nonzero(flag)
        for name in muscles_:
            parts.append((np.full(len(study), index[name]), study, side, np.full(len(study), level)))

    add(ARM, prot.arm_emg)
    add(("abductor_digiti_minimi",), prot.adm_emg)
    add(LEG, prot.leg_emg)
    add(("iliopsoas",), prot.iliopsoas_emg)
    add(FOOT, prot.foot_emg)
    add(FACE, prot.face_emg)
    add(("genioglossus",), prot.tongue_emg)
    add(("rectus_abdominis",), prot.rectus_emg)
    for name, levels, flags in (
        ("cervical_paraspinal", CERVICAL_PARASPINAL_LEVELS, prot.cervical_paraspinal),
        ("thoracic_paraspinal", THORACIC_PARASPINAL_LEVELS, prot.thoracic_paraspinal),
        ("lumbosacral_paraspinal", LUMBOSACRAL_PARASPINAL_LEVELS, prot.lumbosacral_paraspinal),
    ):
        for j, lev in enumerate(levels):
            add((name,), flags[:, :, j], SEGMENT_INDEX[lev])
    muscle = np.concatenate([p[0] for p in parts])
    study = np.concatenate([p[1] for p in parts])
    side = np.concatenate([p[2] for p in parts])
    level = np.concatenate([p[3] for p in parts])
    order = np.lexsort((level, muscle, side, study))
    return muscle[order], study[order], side[order], level[order]


def needle_emg(lat: Latent, prot: Protocol, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``emg`` table and a per-muscle truth frame (active, chronic, explained, segments)."""
    names, chart_roots, chart_main, chart_region, chart_nerve, chart_distal = _chart()
    mi, study, side, level = _rows(prot, names)
    n = len(mi)

    def is_(*which):
        return np.isin(mi, [int(np.nonzero(names == w)[0][0]) for w in which])

    para = is_(*PARASPINALS)
    lvl = np.where(para, np.int64(1) << np.clip(level, 0, None), 0)
    roots = np.where(para, lvl, chart_roots[mi])
    main = np.where(para, lvl, chart_main[mi])
    region = chart_region[mi]
    distal = chart_distal[mi] & ~para
    pat = lat.study_patient[study]
    phase = lat.phase()[study]
    damage = np.where(phase != PHASE_NONE, lat.ah_mask[pat, side], 0)
    cord = (damage & main) != 0
    limb = ~para

    cts = lat.cts[pat, side]
    une = lat.une[pat, side]
    pn = lat.pn[pat]
    facial = lat.facial[study, side]
    is_apb = is_("abductor_pollicis_brevis")
    is_ulnar_hand = is_("first_dorsal_interosseous", "abductor_digiti_minimi")
    is_foot = is_(*FOOT)
    is_face = is_(*FACE)

    # nuclear (LMN) damage: anterior horn segments, or the hypoglossal nucleus for the tongue
    bphase = lat.bulbar_phase()[study]
    tongue = is_("genioglossus") & lat.xii[pat, side]
    cord = cord | tongue
    phase = np.where(tongue, bphase, phase)
    active = cord & np.isin(phase, (PHASE_ACTIVE, PHASE_ACTIVE_CHRONIC))
    chronic = cord & limb & np.isin(phase, (PHASE_ACTIVE_CHRONIC, PHASE_CHRONIC))
    early = cord & limb & (phase == PHASE_EARLY)
    peripheral = (is_apb & (cts == 2)) | (is_ulnar_hand & (une == 2)) | (is_foot & (pn == 2))
    active |= peripheral | (is_face & (facial == 2))
    chronic |= peripheral
    # what the NCS lesions explain (edx_reference.md 2.12): a focal lesion proximal to the
    # muscle's branch, or a length-dependent polyneuropathy for distal muscles (chart "distal")
    explained_by = (is_apb & (cts > 0)) | (is_ulnar_hand & (une > 0)) | (distal & (pn > 0)) | (is_face & (facial > 0))

    u = rng.random(n)
    fib_grade = np.where(is_face, np.where(u < 0.6, 3, 4), np.select([u < 0.45, u < 0.85], [2, 3], 4))
    fibs = np.where(active, fib_grade, 0)
    borderline_fib = ~active & (rng.random(n) < np.where(chronic, 0.2, 0.02))
    fibs = np.where(borderline_fib, 1, fibs)
    u = rng.random(n)
    psw = np.where(active, np.select([u < 0.15, u < 0.55, u < 0.9], [0, 2, 3], 4), 0)
    psw = np.where(~active & (rng.random(n) < 0.01), 1, psw)
    fasc = np.where(rng.random(n) < np.where(cord, 0.15, 0.01), 2, 0)

    myelitis = ~np.isnat(lat.myelitis_onset[pat])
    poor = limb & ~active & ~chronic & ~early & myelitis & (rng.random(n) < 0.1)
    reduced = limb & (active | chronic | early)
    recruitment = np.where(reduced, 1, np.where(poor, 2, 0))
    amp_up = chronic & (rng.random(n) < 0.8)
    polyphasic = (chronic & (rng.random(n) < 0.7)) | (limb & ~chronic & ~active & (rng.random(n) < 0.03))
    unstable = chronic & active & (rng.random(n) < 0.5)

    size = ("normal", "increased")
    emg = pl.DataFrame(
        {
            "study_id": labels(lat.study_id, study),
            "muscle": labels(names, mi),
            "side": labels(SIDES, side),
            "level": labels(SEGMENTS, np.clip(level, 0, None)),
            "insertional": labels(size, active & (rng.random(n) < 0.7)),
            "fibs": labels(GRADES, fibs),
            "psw": labels(GRADES, psw),
            "fasciculations": labels(GRADES, fasc),
            "crd": np.zeros(n, dtype=bool),
            "myokymia": np.zeros(n, dtype=bool),
            "myotonia": np.zeros(n, dtype=bool),
            "muap_amplitude": labels(size, amp_up),
            "muap_duration": labels(size, chronic),
            "muap_phases": labels(size, polyphasic),
            "muap_stability": labels(("stable", "unstable"), unstable),
            "recruitment": labels(RECRUITMENT, recruitment),
            "_para": para,
        }
    )
    # paraspinals: a level, and motor units not assessed; limb muscles: no level
    limb_cols = ("muap_amplitude", "muap_duration", "muap_phases", "muap_stability", "recruitment")
    emg = emg.with_columns(
        pl.when(pl.col("_para")).then(pl.col("level")).alias("level"),
        *(pl.when(~pl.col("_para")).then(pl.col(c)).alias(c) for c in limb_cols),
    ).drop("_para")
    truth = pl.DataFrame(
        {
            "study": study,
            "side": side,
            "muscle": mi,
            "nerve": labels(sorted(set(chart_nerve.tolist())), np.searchsorted(sorted(set(chart_nerve.tolist())), chart_nerve[mi])),
            "paraspinal": para,
            "xii": is_("genioglossus"),
            "region": labels(sorted(set(region.tolist())), np.searchsorted(sorted(set(region.tolist())), region)),
            "active": (fibs >= 2) | (psw >= 2),
            "chronic": chronic,
            "explained": explained_by,
            "segments": roots,
            "main": main,
        }
    )
    return emg, truth
