"""Presets that draw the latent truth of a cohort.

- ``registry``: any number of patients, vectorized (numpy) for large benchmark cohorts; every
  scenario appears at enriched but plausible rates.
- ``he2022``: the 59-patient NMOSD cohort of He et al. (Mult Scler Relat Disord 2022) whose
  index studies reproduce the published partition exactly (nmosd_and_cohort_reference.md 1.4),
  plus patients the cohort selection must exclude (see :func:`he2022`).
"""

from __future__ import annotations

import numpy as np

from edxlab.synth.latent import KINDS, Latent
from edxlab.synth.tables import VERTEBRA_INDEX, lesion_segment_mask, segment_mask

NAT = np.datetime64("NaT", "D")
CERVICAL_DAMAGE = segment_mask(["C5", "C6", "C7", "C8"])
THORACIC_DAMAGE = segment_mask([f"T{i}" for i in range(5, 13)])
LUMBOSACRAL_DAMAGE = segment_mask(["L2", "L3", "L4", "L5", "S1"])
FAR_CERVICAL = segment_mask(["C5", "C6", "C7"])
FAR_LUMBOSACRAL = segment_mask(["L3", "L4", "L5", "S1"])
# myelitis onset -> first EMG: the four windows of latent.ah_phase (gaps avoid the 2-4 week
# period when fibrillations may or may not have appeared)
DELAY_WINDOWS = ((7, 13), (28, 90), (91, 365), (366, 2000))


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def pick_run(rng: np.random.Generator, candidates: np.ndarray, max_len: np.ndarray) -> np.ndarray:
    """A contiguous run of segments inside each candidate mask (random start, length <= max_len)."""
    n = len(candidates)
    nseg = 30
    bits = (candidates[:, None] >> np.arange(nseg)[None, :]) & 1
    key = np.where(bits == 1, rng.random((n, nseg)), -1.0)
    start = np.argmax(key, axis=1)
    out = np.zeros(n, dtype=np.int64)
    alive = bits[np.arange(n), start] == 1
    for k in range(int(max_len.max()) if n else 0):
        pos = start + k
        ok = alive & (pos < nseg) & (k < max_len)
        ok &= bits[np.arange(n), np.clip(pos, 0, nseg - 1)] == 1
        out |= np.where(ok, np.int64(1) << np.clip(pos, 0, nseg - 1), 0)
        alive = ok
    return out


def _dates(rng, start: str, end: str, n: int) -> np.ndarray:
    a = np.datetime64(start, "D")
    span = (np.datetime64(end, "D") - a).astype(int)
    return a + rng.integers(0, span, n).astype("timedelta64[D]")


def registry(n_patients: int, seed: int) -> Latent:
    rng = np.random.default_rng(seed)
    P = n_patients
    kind = rng.choice(len(KINDS), P, p=[0.66, 0.10, 0.04, 0.12, 0.08])
    female = rng.random(P) < np.array([0.87, 0.85, 0.85, 0.55, 0.6])[kind]
    sex = np.where(female, "F", "M")
    first = _dates(rng, "2012-01-01", "2023-12-31", P)
    age = np.clip(np.where(kind == 3, rng.normal(34, 12, P), rng.normal(44, 13, P)), 18, 85)
    birth_year = first.astype("datetime64[Y]").astype(int) + 1970 - age.astype(int)
    height = np.round(np.clip(np.where(female, rng.normal(162, 6.5, P), rng.normal(175, 7, P)), 145, 200))
    diabetes = rng.random(P) < np.where(age > 55, 0.15, 0.06)
    titers = np.array([100, 160, 320, 640, 1000, 1280])
    mog_titer = np.where(kind == 3, titers[rng.integers(0, len(titers), P)], 0)

    has_myelitis = rng.random(P) < np.array([0.85, 1.0, 1.0, 0.6, 1.0])[kind]
    has_on = rng.random(P) < np.array([0.4, 0.7, 0.7, 0.0, 0.0])[kind]
    has_on |= (kind == 3) & (~has_myelitis | (rng.random(P) < 0.7))
    has_aps = ((kind == 1) | (kind == 2)) & ~has_on
    has_aps |= (kind == 0) & (rng.random(P) < 0.08)
    has_on |= (kind == 0) & ~has_myelitis & ~has_aps  # AQP4-IgG+ NMOSD needs one core feature
    damaged = has_myelitis & (rng.random(P) < np.array([0.32, 0.32, 0.32, 0.2, 0.15])[kind])

    window = rng.choice(4, P, p=[0.12, 0.3, 0.28, 0.3])
    lo = np.array([w[0] for w in DELAY_WINDOWS])[window]
    hi = np.array([w[1] for w in DELAY_WINDOWS])[window]
    delay = rng.integers(lo, hi + 1)
    myelitis_onset = np.where(has_myelitis, first - delay.astype("timedelta64[D]"), NAT)
    on_onset = np.where(has_on, first - rng.integers(30, 3000, P).astype("timedelta64[D]"), NAT)
    aps_onset = np.where(has_aps, first - rng.integers(30, 3000, P).astype("timedelta64[D]"), NAT)

    # spinal lesion: region 0 cervical, 1 thoracic, 2 conus
    region = rng.choice(3, P, p=[0.5, 0.33, 0.17])
    concordant = rng.random(P) < 0.75
    region = np.where(damaged & concordant, rng.choice(3, P, p=[0.55, 0.2, 0.25]), region)
    long_ = np.array([(3, 8), (3, 8), (3, 8), (2, 5), (1, 2)])[kind]
    length = rng.integers(long_[:, 0], long_[:, 1] + 1)
    vc = VERTEBRA_INDEX
    start = np.select(
        [region == 0, region == 1],
        [rng.integers(vc["C2"], vc["C5"] + 1, P), rng.integers(vc["T3"], vc["T7"] + 1, P)],
        rng.integers(vc["T9"], vc["T11"] + 1, P),
    )
    end = np.select(
        [region == 0, region == 1],
        [np.minimum(start + length - 1, vc["T2"]), np.minimum(start + length - 1, vc["T11"])],
        np.maximum(np.minimum(start + length - 1, vc["L1"]), vc["T12"]),
    )
    lesion_from = np.where(has_myelitis, start, -1)
    lesion_to = np.where(has_myelitis, end, -1)

    span = lesion_segment_mask(lesion_from, lesion_to)
    allowed = np.select([region == 0, region == 1], [CERVICAL_DAMAGE, THORACIC_DAMAGE], LUMBOSACRAL_DAMAGE)
    far = np.where(region == 0, FAR_LUMBOSACRAL, FAR_CERVICAL)
    candidates = np.where(concordant, span & allowed, far).astype(np.int64)
    run = pick_run(rng, candidates, rng.integers(1, 4, P))
    run = np.where(damaged, run, 0)
    which = rng.choice(3, P, p=[0.4, 0.4, 0.2])  # L, R, both
    ah_mask = np.stack([np.where(which != 1, run, 0), np.where(which != 0, run, 0)], axis=1)

    # the medulla lesion of an area postrema attack reaches the hypoglossal nucleus in some
    xii_side = rng.integers(0, 2, P)
    xii_hit = has_aps & (rng.random(P) < 0.3)
    xii = np.stack([xii_hit & (xii_side == 0), xii_hit & (xii_side == 1)], axis=1)

    def sided(p, p_both, p_severe):
        has = rng.random(P) < p
        side = rng.integers(0, 2, P)
        both = rng.random(P) < p_both
        sev = np.where(rng.random(P) < p_severe, 2, 1)
        out = np.zeros((P, 2), dtype=np.int8)
        for d in range(2):
            out[:, d] = np.where(has & (both | (side == d)), sev, 0)
        return out

    cts = sided(np.where(diabetes, 0.12, 0.06), 0.4, 0.3)
    une = sided(np.full(P, 0.04), 0.0, 0.3)
    pn = np.where(rng.random(P) < np.where(diabetes, 0.6, 0.015), np.where(rng.random(P) < 0.35, 2, 1), 0)
    pn = np.where((pn == 0) & (rng.random(P) < 0.006), 3, pn)  # coexisting CIDP (demyelinating)
    # From 75 y an absent sural SNAP is normal (Tavee 2014) and the DSP case definition
    # (England 2005: >= 2 nerves, one the sural) can no longer be met: the generator gives
    # polyneuropathies only to patients who stay under 75 during follow-up.
    pn = np.where(age > 70, 0, pn)
    # focal entrapments cannot be localized within a diffuse demyelinating neuropathy (slowed
    # forearm segments): the generator does not combine them
    cts[pn == 3] = 0
    une[pn == 3] = 0

    # studies
    n_st = 1 + (rng.random(P) > 0.6) + (rng.random(P) > 0.9)
    study_patient = np.repeat(np.arange(P), n_st)
    S = len(study_patient)
    order_in_patient = np.arange(S) - np.repeat(np.cumsum(n_st) - n_st, n_st)
    gaps = np.where(order_in_patient == 0, 0, rng.integers(90, 720, S))
    # cumulative gaps within each patient
    cum = np.cumsum(gaps)
    base = np.repeat(cum[np.cumsum(n_st) - n_st], n_st)
    study_date = first[study_patient] + (cum - base).astype("timedelta64[D]")
    kind_st = rng.choice(3, S, p=[0.82, 0.10, 0.08])  # both, NCS only, EMG only
    facial = np.zeros((S, 2), dtype=np.int8)
    fp = rng.random(S) < 0.02
    facial[np.arange(S), rng.integers(0, 2, S)] = np.where(fp, np.where(rng.random(S) < 0.6, 2, 1), 0)

    return Latent(
        patient_id=_ids("SYN-P", P, max(5, len(str(P)))),
        kind=kind,
        sex=sex,
        birth_year=birth_year.astype(np.int64),
        height=height,
        diabetes=diabetes,
        mog_titer=mog_titer.astype(np.int64),
        aqp4_tested=kind != 2,
        myelitis_onset=myelitis_onset,
        lesion_from=lesion_from.astype(np.int64),
        lesion_to=lesion_to.astype(np.int64),
        on_onset=on_onset,
        aps_onset=aps_onset,
        ah_mask=ah_mask.astype(np.int64),
        xii=xii,
        cts=cts,
        une=une,
        pn=pn.astype(np.int8),
        study_id=_ids("SYN-S", S, max(6, len(str(S)))),
        study_patient=study_patient,
        study_date=study_date,
        has_ncs=kind_st != 2,
        has_emg=kind_st != 1,
        facial=facial,
    )



# --------------------------------------------------------------------------------------------
# he2022
# --------------------------------------------------------------------------------------------
HE2022_WINDOW = ("2016-01-01", "2019-12-31")

# The index studies of the 59 cohort patients reproduce the partition derived from the abstract
# (nmosd_and_cohort_reference.md 1.4): EMG denervation 13 = 4 explained by the NCS + 1 with an
# abnormal NCS that does not explain it + 8 with a normal NCS; abnormal NCS 7 = 4 + 1 + 2
# without denervation; 44 normal. LMN involvement = 13 - 4 = 9, of which 4 lie within the cord
# segments of an MRI lesion.
HE2022_PARTITION = {
    "denervation": 13,
    "ncs_abnormal": 7,
    "denervation_explained_by_ncs": 4,
    "ncs_abnormal_without_denervation": 2,
    "lmn_involvement": 9,
    "mri_concordant": 4,
    "N": 59,
}


def _cohort_specs() -> list[dict]:
    """One dict per cohort patient: category, lesions, and days from myelitis to the index EDX."""
    cervical = ("C3", "C6")
    specs = [
        # A: denervation explained by the NCS (4)
        dict(cat="A", lesion=cervical, delay=400, cts=(0, 2)),
        dict(cat="A", lesion=("T4", "T8"), delay=300, une=(2, 0)),
        dict(cat="A", lesion=("C4", "C7"), delay=700, pn=2, diabetes=True),
        dict(cat="A", lesion=cervical, delay=250, facial=(2, 0)),
        # B: denervation with an abnormal NCS that does not explain it (1)
        dict(cat="B", lesion=("T4", "T8"), delay=150, cts=(0, 1), damage=(("C5", "C6"), "R")),
        # C: denervation with a normal NCS, 4 within the MRI lesion, 4 elsewhere (8)
        dict(cat="C", lesion=("C3", "C7"), delay=40, damage=(("C6", "C7"), "R"), concordant=True),
        dict(cat="C", lesion=("C4", "T1"), delay=150, damage=(("C8",), "L"), concordant=True),
        dict(cat="C", lesion=("T10", "L1"), delay=200, damage=(("L4", "L5"), "R"), concordant=True),
        dict(cat="C", lesion=("T5", "T9"), delay=60, damage=(("T8", "T9"), "R"), concordant=True),
        dict(cat="C", lesion=("T3", "T7"), delay=500, damage=(("C5", "C6"), "L")),
        dict(cat="C", lesion=("C2", "C4"), delay=120, damage=(("L4", "L5", "S1"), "R")),
        dict(cat="C", lesion=("T9", "T12"), delay=45, damage=(("C7",), "R")),
        dict(cat="C", lesion=("T4", "T7"), delay=800, damage=(("C6", "C7"), "both")),
        # D: abnormal NCS without denervation (2)
        dict(cat="D", lesion=cervical, delay=200, cts=(1, 0)),
        dict(cat="D", lesion=("T6", "T10"), delay=600, pn=1, diabetes=True),
    ]
    # E: normal NCS and EMG (44); three examined too early for fibrillations (reduced
    # recruitment only), which a careful reader does not call denervation
    lesions = [("C2", "C5"), ("C4", "C7"), ("T2", "T6"), ("T5", "T10"), ("C5", "T1"), ("T8", "T11")]
    for i in range(44):
        spec = dict(cat="E", lesion=lesions[i % len(lesions)], delay=60 + 37 * i)
        if i < 3:
            spec.update(delay=8 + 2 * i, damage=((("C5", "C6"), ("L4",), ("C7", "C8"))[i], "L" if i % 2 else "R"))
        if i in (10, 20, 30):  # AQP4-IgG+ with optic neuritis and area postrema only (no myelitis)
            spec.update(lesion=None, delay=None, on=True, aps=True)
        specs.append(spec)
    # serostatus: 45 AQP4+, 10 AQP4- meeting the seronegative rule (ON + LETM), 4 untested
    # meeting it (APS + LETM)
    k = 0
    for spec in specs:
        spec.setdefault("kind", 0)
        if spec["lesion"] is not None and _length(spec["lesion"]) >= 3 and spec["cat"] in ("C", "E") and k < 14:
            spec["kind"] = 1 if k < 10 else 2
            spec["on"] = spec["kind"] == 1
            spec["aps"] = spec["kind"] == 2
            k += 1
    return specs


def _length(lesion: tuple[str, str]) -> int:
    return VERTEBRA_INDEX[lesion[1]] - VERTEBRA_INDEX[lesion[0]] + 1


def _extra_specs() -> list[dict]:
    """Patients the cohort steps must exclude, and why."""
    out = []
    for i, (lesion, titer) in enumerate(((("C3", "C7"), 320), (("T10", "L1"), 160), (("C2", "C6"), 1280),
                                         (("T3", "T8"), 640), (("T11", "L1"), 100), (("C4", "C5"), 200))):
        spec = dict(cat="X_mogad", kind=3, lesion=lesion, delay=90 + 60 * i, on=i < 4, mog_titer=titer)
        if i == 1:
            spec["damage"] = (("L4", "L5"), "L")
        out.append(spec)
    for i in range(4):
        out.append(dict(cat="X_ncs_only", lesion=("C3", "C6"), delay=120 + 30 * i, study="ncs"))
    out.append(dict(cat="X_emg_only", lesion=("T4", "T7"), delay=200, study="emg"))
    for date in ("2015-06-10", "2020-03-15", "2021-01-20"):
        out.append(dict(cat="X_outside_window", lesion=("C4", "C7"), delay=150, date=date))
    for i in range(3):
        out.append(dict(cat="X_not_met", kind=4, lesion=(("C5", "C6"), ("T6", "T7"), ("C3", "C4"))[i], delay=100 + 50 * i))
    return out


def he2022(seed: int) -> Latent:
    """The He et al. 2022 cohort (59 NMOSD patients) plus 17 patients outside it.

    Cohort steps that reach the 59 (all dates inside 2016-01-01 .. 2019-12-31):
    NMOSD by IPND 2015 (3 patients fail it: AQP4-IgG negative, one short myelitis), MOGAD
    excluded (6 clear MOG-IgG positive patients, 4 of whom also meet the seronegative IPND
    rule), a study with both EMG and NCS in the window (4 NCS-only, 1 EMG-only, 3 with studies
    only in 2015, 2020 or 2021). The index study is the first in the window with both EMG and
    NCS: three cohort patients have an earlier NCS-only study, and some have follow-up studies.
    """
    rng = np.random.default_rng(seed)
    specs = _cohort_specs() + _extra_specs()
    P = len(specs)
    index_dates = _dates(rng, "2016-03-01", "2019-09-30", P)
    patients = []
    studies = []  # (patient, date, ncs, emg, facial, role)
    for p, spec in enumerate(specs):
        date = np.datetime64(spec["date"], "D") if "date" in spec else index_dates[p]
        spec["index_date"] = date
        kind = spec.get("study", "both")
        studies.append((p, date, kind != "emg", kind != "ncs", spec.get("facial", (0, 0)), "index"))
        if spec["cat"] in ("C", "E") and p % 7 == 3:  # an earlier NCS-only study in the window
            studies.append((p, max(date - np.timedelta64(40, "D"), np.datetime64("2016-01-05")), True, False, (0, 0), "earlier"))
        if spec["cat"] in ("A", "C", "E") and p % 5 == 1:  # a follow-up study
            studies.append((p, date + np.timedelta64(int(rng.integers(120, 500)), "D"), True, True, (0, 0), "follow_up"))
        patients.append(spec)
    studies.sort(key=lambda s: (s[0], s[1]))

    kind = np.array([s.get("kind", 0) for s in specs])
    female = rng.random(P) < np.where(kind == 3, 0.55, 0.88)
    age = np.clip(np.where(kind == 3, rng.normal(34, 11, P), rng.normal(43, 12, P)), 18, 78)
    index = np.array([s["index_date"] for s in specs])
    diabetes = np.array([s.get("diabetes", False) for s in specs])
    age = np.where(diabetes, np.clip(age, 52, 68), age)
    delay = np.array([s.get("delay") if s.get("delay") is not None else -1 for s in specs])
    lesion = [s.get("lesion") for s in specs]
    has_my = np.array([le is not None for le in lesion])
    myelitis_onset = np.where(has_my, index - np.maximum(delay, 0).astype("timedelta64[D]"), NAT)
    on = np.array([bool(s.get("on")) for s in specs])
    aps = np.array([bool(s.get("aps")) for s in specs])
    ah = np.zeros((P, 2), dtype=np.int64)
    for p, s in enumerate(specs):
        if "damage" in s:
            segs, side = s["damage"]
            m = segment_mask(list(segs))
            ah[p, 0] = m if side in ("L", "both") else 0
            ah[p, 1] = m if side in ("R", "both") else 0

    def sided(key):
        return np.array([s.get(key, (0, 0)) for s in specs], dtype=np.int8)

    st_pat = np.array([s[0] for s in studies])
    lat = Latent(
        patient_id=_ids("SYN-HE", P, 3),
        kind=kind,
        sex=np.where(female, "F", "M"),
        birth_year=(index.astype("datetime64[Y]").astype(int) + 1970 - age.astype(int)).astype(np.int64),
        height=np.round(np.clip(np.where(female, rng.normal(161, 6, P), rng.normal(172, 6.5, P)), 148, 192)),
        diabetes=diabetes,
        mog_titer=np.array([s.get("mog_titer", 0) for s in specs], dtype=np.int64),
        aqp4_tested=kind != 2,
        myelitis_onset=myelitis_onset,
        lesion_from=np.array([VERTEBRA_INDEX[le[0]] if le else -1 for le in lesion], dtype=np.int64),
        lesion_to=np.array([VERTEBRA_INDEX[le[1]] if le else -1 for le in lesion], dtype=np.int64),
        on_onset=np.where(on, index - rng.integers(200, 2500, P).astype("timedelta64[D]"), NAT),
        aps_onset=np.where(aps, index - rng.integers(200, 2500, P).astype("timedelta64[D]"), NAT),
        ah_mask=ah,
        cts=sided("cts"),
        une=sided("une"),
        pn=np.array([s.get("pn", 0) for s in specs], dtype=np.int8),
        study_id=_ids("SYN-HE-S", len(studies), 3),
        study_patient=st_pat,
        study_date=np.array([s[1] for s in studies], dtype="datetime64[D]"),
        has_ncs=np.array([s[2] for s in studies]),
        has_emg=np.array([s[3] for s in studies]),
        facial=np.array([s[4] for s in studies], dtype=np.int8),
    )
    lat.notes["category"] = np.array([s["cat"] for s in specs])
    lat.notes["study_role"] = np.array([s[5] for s in studies])
    lat.notes["window"] = HE2022_WINDOW
    return lat
