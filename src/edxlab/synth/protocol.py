"""What the laboratory examined in each study: which limbs, nerves and muscles.

The planner follows the clinical question: the limb with the suspected lesion is always
examined (the weak arm of a cervical cord lesion, both legs of a suspected polyneuropathy, the
face of a facial palsy, the thoracic paraspinals of a thoracic lesion), other limbs at random.
Some routine tests are left out at random ("missing tests"): superficial peroneal sensory,
F-waves, proximal stimulation sites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edxlab.synth.latent import PHASE_NONE, PN_DEMYELINATING, Latent
from edxlab.synth.tables import SEGMENT_INDEX, segment_mask

CERVICAL = segment_mask(["C5", "C6", "C7", "C8", "T1"])
THORACIC = segment_mask([f"T{i}" for i in range(2, 13)])
LUMBOSACRAL = segment_mask(["L2", "L3", "L4", "L5", "S1"])
CERVICAL_PARASPINAL_LEVELS = ("C5", "C6", "C7", "C8")
LUMBOSACRAL_PARASPINAL_LEVELS = ("L3", "L4", "L5", "S1")
THORACIC_PARASPINAL_LEVELS = tuple(f"T{i}" for i in range(3, 13))


@dataclass
class Protocol:
    arm_ncs: np.ndarray  # (S, 2) bool
    leg_ncs: np.ndarray
    face_ncs: np.ndarray  # (S,)
    superficial_peroneal: np.ndarray  # (S, 2)
    palm_mixed: np.ndarray  # (S, 2) median and ulnar palmar mixed comparison
    ulnar_above_elbow: np.ndarray  # (S, 2)
    peroneal_above_fibular_head: np.ndarray  # (S, 2)
    f_median: np.ndarray
    f_ulnar: np.ndarray
    f_tibial: np.ndarray
    f_peroneal: np.ndarray
    arm_emg: np.ndarray  # (S, 2)
    leg_emg: np.ndarray
    foot_emg: np.ndarray
    adm_emg: np.ndarray
    iliopsoas_emg: np.ndarray
    face_emg: np.ndarray  # (S, 2)
    tongue_emg: np.ndarray  # (S, 2) genioglossus
    thoracic_emg: np.ndarray  # (S, 2)
    rectus_emg: np.ndarray  # (S, 2)
    # paraspinal levels examined: (S, 2, n_levels) bool
    cervical_paraspinal: np.ndarray
    lumbosacral_paraspinal: np.ndarray
    thoracic_paraspinal: np.ndarray


def _levels(rng, limb: np.ndarray, damage: np.ndarray, levels: tuple[str, ...], p: float) -> np.ndarray:
    """Paraspinal levels examined on each side of an examined limb: every level of a suspected
    segmental lesion, other levels at random (paraspinals skipped in 20% of other limbs)."""
    S = limb.shape[0]
    out = np.zeros((S, 2, len(levels)), dtype=bool)
    routine = limb & (rng.random((S, 2)) < 0.8)
    for j, lev in enumerate(levels):
        bit = np.int64(1) << SEGMENT_INDEX[lev]
        hit = (damage & bit) != 0
        out[:, :, j] = (limb & hit) | (routine & (rng.random((S, 2)) < p))
    return out


def plan(lat: Latent, rng: np.random.Generator) -> Protocol:
    S = lat.n_studies
    pat = lat.study_patient
    phase = lat.phase()
    damage = np.where((phase != PHASE_NONE)[:, None], lat.ah_mask[pat], 0)
    cts, une, pn = lat.cts[pat], lat.une[pat], lat.pn[pat]
    emg = lat.has_emg[:, None]
    ncs = lat.has_ncs[:, None]
    r = lambda *shape: rng.random(shape or (S, 2))  # noqa: E731

    cerv = (damage & CERVICAL) != 0
    thor = (damage & THORACIC) != 0
    lumb = (damage & LUMBOSACRAL) != 0

    # a screening limb when nothing directs the examination: one side, arm and/or leg
    screen_side = rng.integers(0, 2, S)
    screen = np.zeros((S, 2), dtype=bool)
    screen[np.arange(S), screen_side] = True
    which = rng.random(S)
    screen_arm = screen & (which < 0.55)[:, None]
    screen_leg = screen & (which >= 0.40)[:, None]

    arm_emg = emg & (cerv | (cts == 2) | (une == 2) | screen_arm | (r() < 0.08))
    pn_leg = (pn[:, None] == 2) & ((np.arange(2)[None, :] == screen_side[:, None]) | (r() < 0.5))
    leg_emg = emg & (lumb | pn_leg | screen_leg | (r() < 0.08))
    if lat.arm_emg is not None:
        arm_emg |= lat.arm_emg & emg
    if lat.leg_emg is not None:
        leg_emg |= lat.leg_emg & emg
    thoracic_emg = emg & thor
    foot_emg = leg_emg & (np.isin(pn, (1, 2))[:, None] | (r() < 0.15))
    adm_emg = arm_emg & ((une > 0) | (r() < 0.2))
    iliopsoas_emg = leg_emg & (((damage & segment_mask(["L2"])) != 0) | (r() < 0.3))
    face_emg = emg & (lat.facial == 2)
    bulbar = (lat.bulbar_phase() != PHASE_NONE)[:, None] & lat.xii[pat]
    tongue_emg = emg & (bulbar | (r() < 0.015))
    rectus_emg = thoracic_emg & (((damage & segment_mask([f"T{i}" for i in range(7, 13)])) != 0) & (r() < 0.6))

    arm_ncs = ncs & (arm_emg | (cts > 0) | (une > 0) | (r() < 0.6))
    leg_ncs = ncs & (leg_emg | (pn[:, None] > 0) | (r() < 0.6))
    demy = (pn == PN_DEMYELINATING)[:, None] & ncs  # a demyelinating polyneuropathy: 4 limbs
    arm_ncs |= demy
    leg_ncs |= demy
    nothing = lat.has_ncs & ~(arm_ncs.any(axis=1) | leg_ncs.any(axis=1))
    arm_ncs[nothing, 0] = True
    arm_ncs[nothing, 1] = True
    face_ncs = lat.has_ncs & ((lat.facial > 0).any(axis=1) | (rng.random(S) < 0.08))

    return Protocol(
        arm_ncs=arm_ncs,
        leg_ncs=leg_ncs,
        face_ncs=face_ncs,
        superficial_peroneal=leg_ncs & ((pn[:, None] > 0) | (r() < 0.5)),
        palm_mixed=arm_ncs & ((cts > 0) | (r() < 0.1)),
        ulnar_above_elbow=arm_ncs & ((une > 0) | (r() < 0.85)),
        peroneal_above_fibular_head=leg_ncs & (r() < 0.6),
        f_median=arm_ncs & ((r() < 0.8) | demy),
        f_ulnar=arm_ncs & ((r() < 0.8) | demy),
        f_tibial=leg_ncs & ((r() < 0.8) | demy),
        f_peroneal=leg_ncs & (r() < 0.3) & (pn[:, None] == 0),
        arm_emg=arm_emg,
        leg_emg=leg_emg,
        foot_emg=foot_emg,
        adm_emg=adm_emg,
        iliopsoas_emg=iliopsoas_emg,
        face_emg=face_emg,
        tongue_emg=tongue_emg,
        thoracic_emg=thoracic_emg,
        rectus_emg=rectus_emg,
        cervical_paraspinal=_levels(rng, arm_emg, damage, CERVICAL_PARASPINAL_LEVELS, 0.5),
        lumbosacral_paraspinal=_levels(rng, leg_emg, damage, LUMBOSACRAL_PARASPINAL_LEVELS, 0.5),
        thoracic_paraspinal=_thoracic_levels(rng, thoracic_emg, damage),
    )


def _thoracic_levels(rng, examined: np.ndarray, damage: np.ndarray) -> np.ndarray:
    """Thoracic paraspinals: the damaged levels (at least one) and a neighbour at random."""
    levels = THORACIC_PARASPINAL_LEVELS
    S = examined.shape[0]
    out = np.zeros((S, 2, len(levels)), dtype=bool)
    bits = np.array([np.int64(1) << SEGMENT_INDEX[lv] for lv in levels])
    hit = (damage[:, :, None] & bits[None, None, :]) != 0
    out = examined[:, :, None] & hit
    first = np.argmax(hit, axis=2)
    # one normal level above the lesion, at random
    above = np.clip(first - 2, 0, len(levels) - 1)
    extra = examined & (rng.random((S, 2)) < 0.5) & ~np.take_along_axis(hit, above[:, :, None], 2)[:, :, 0]
    si, sd = np.nonzero(extra)
    out[si, sd, above[si, sd]] = True
    return out
