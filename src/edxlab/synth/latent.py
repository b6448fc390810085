"""The latent truth of a synthetic cohort: who has which disease, lesion and neuropathy.

A :class:`Latent` holds plain numpy arrays, one entry per patient or per study. Presets
(:mod:`edxlab.synth.presets`) fill it; the measurement modules (:mod:`~edxlab.synth.ncs`,
:mod:`~edxlab.synth.emg`) turn it into the values a laboratory would record, and
:mod:`~edxlab.synth.truth` into the findings a careful neurophysiologist would sign.

Codes used in the arrays
------------------------
kind (patients): see :data:`KINDS`.
Side axis: index 0 = ``L``, 1 = ``R``.
Severity of peripheral lesions: 0 none; 1 nerve conduction abnormal, no denervation;
2 axonal lesion with denervation of the muscles it supplies.
Anterior horn (cord) damage: bit mask over :data:`edxlab.synth.tables.SEGMENTS` per side, with
the onset date of the attack that caused it. Its EMG phase in a study follows the time since
onset (:func:`ah_phase`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# polyneuropathy codes (pn): none; length-dependent axonal (NCS only); axonal with denervation
# of the intrinsic foot muscles; demyelinating (CIDP-like, uniform slowing)
PN_NONE, PN_AXONAL, PN_AXONAL_SEVERE, PN_DEMYELINATING = 0, 1, 2, 3
PN_NAMES = ("none", "axonal", "axonal", "demyelinating")
KINDS: tuple[str, ...] = ("aqp4_positive", "aqp4_negative", "aqp4_unknown", "mogad", "not_met")
SIDES: tuple[str, str] = ("L", "R")

# EMG phase of anterior horn damage, by days since the attack (edx_reference.md 3.3):
# fibrillations appear after ~2-3 weeks; chronic reinnervation after ~3 months; after a year
# the fibrillations have mostly gone and only chronic motor unit changes remain.
PHASE_NONE, PHASE_EARLY, PHASE_ACTIVE, PHASE_ACTIVE_CHRONIC, PHASE_CHRONIC = 0, 1, 2, 3, 4
EARLY_DAYS = 14
CHRONIC_DAYS = 91
LATE_DAYS = 366


def ah_phase(days: np.ndarray, has_damage: np.ndarray) -> np.ndarray:
    days = np.asarray(days)
    phase = np.select(
        [days < 0, days < EARLY_DAYS, days < CHRONIC_DAYS, days < LATE_DAYS],
        [PHASE_NONE, PHASE_EARLY, PHASE_ACTIVE, PHASE_ACTIVE_CHRONIC],
        PHASE_CHRONIC,
    )
    return np.where(has_damage, phase, PHASE_NONE).astype(np.int8)


@dataclass
class Latent:
    # --- patients (length P)
    patient_id: np.ndarray
    kind: np.ndarray  # int index into KINDS
    sex: np.ndarray  # 'F' / 'M'
    birth_year: np.ndarray
    height: np.ndarray
    diabetes: np.ndarray  # bool
    mog_titer: np.ndarray  # int (0 = negative / not applicable)
    aqp4_tested: np.ndarray  # bool
    # attacks: myelitis (with its spinal lesion), optic neuritis, area postrema
    myelitis_onset: np.ndarray  # datetime64[D], NaT when none
    lesion_from: np.ndarray  # vertebral index, -1 when none
    lesion_to: np.ndarray
    on_onset: np.ndarray  # datetime64[D], NaT when none
    aps_onset: np.ndarray  # datetime64[D], NaT when none
    # lesions the patient carries
    ah_mask: np.ndarray  # (P, 2) int64, anterior horn damage from the myelitis attack
    cts: np.ndarray  # (P, 2) int8
    une: np.ndarray  # (P, 2) int8
    pn: np.ndarray  # (P,) int8, polyneuropathy code (PN_*)
    # --- studies (length S)
    study_id: np.ndarray
    study_patient: np.ndarray  # index into patients
    study_date: np.ndarray  # datetime64[D]
    has_ncs: np.ndarray
    has_emg: np.ndarray
    facial: np.ndarray  # (S, 2) int8, facial palsy present at this study
    # optional: forced protocol choices (None = drawn by the protocol planner)
    # hypoglossal (XII) nucleus damage from the area postrema / medulla attack: (P, 2) bool
    xii: np.ndarray | None = None
    arm_emg: np.ndarray | None = None  # (S, 2) bool
    leg_emg: np.ndarray | None = None
    notes: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.xii is None:
            self.xii = np.zeros((len(self.patient_id), 2), dtype=bool)

    @property
    def n_patients(self) -> int:
        return len(self.patient_id)

    @property
    def n_studies(self) -> int:
        return len(self.study_id)

    def study_age(self) -> np.ndarray:
        year = self.study_date.astype("datetime64[Y]").astype(np.int64) + 1970
        doy = (self.study_date - self.study_date.astype("datetime64[Y]")).astype(np.int64)
        return np.round((year - self.birth_year[self.study_patient]) + doy / 365.25 - 0.5, 1)

    def phase(self) -> np.ndarray:
        """EMG phase of the cord damage at each study (PHASE_*)."""
        onset = self.myelitis_onset[self.study_patient]
        has = (self.ah_mask[self.study_patient] != 0).any(axis=1) & ~np.isnat(onset)
        days = np.where(np.isnat(onset), -1, (self.study_date - onset).astype("timedelta64[D]").astype(np.int64))
        return ah_phase(days, has)

    def bulbar_phase(self) -> np.ndarray:
        """EMG phase of the hypoglossal nucleus damage at each study (from the medulla attack)."""
        onset = self.aps_onset[self.study_patient]
        has = self.xii[self.study_patient].any(axis=1) & ~np.isnat(onset)
        days = np.where(np.isnat(onset), -1, (self.study_date - onset).astype("timedelta64[D]").astype(np.int64))
        return ah_phase(days, has)
