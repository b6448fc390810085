"""Clinical vignettes of needle EMG interpretation with their exact findings and summaries."""

from __future__ import annotations

import datetime as dt

import polars as pl

from edxlab.interpret.emg import interpret_emg
from edxlab.model.dataset import Dataset
from edxlab.reference.emg_criteria import load_emg_criteria

NEUROGENIC = {"muap_duration": "increased", "muap_amplitude": "increased", "recruitment": "reduced"}
NORMAL_MUAP = {"muap_duration": "normal", "muap_amplitude": "normal", "recruitment": "normal"}


def muscle(name, side="R", fibs="0", psw="0", level=None, **muap):
    row = {"study_id": "s1", "muscle": name, "side": side, "level": level, "fibs": fibs, "psw": psw}
    row.update(NORMAL_MUAP)
    row.update(muap)
    return row


def lesion(kind, nerve, side, site="", length_dependent=False):
    return {"study_id": "s1", "kind": kind, "nerve": nerve, "side": side, "site": site,
            "length_dependent": length_dependent, "severity": "moderate", "evidence": "test"}


def run(emg_rows, lesions=(), mri=(), sensory_normal=None, motor_only=None, criteria=None,
        attacks=(), signs=(), study_date=dt.date(2021, 6, 1)):
    frames = dict(
        patients=pl.DataFrame({"patient_id": ["p1"]}),
        studies=pl.DataFrame({"study_id": ["s1"], "patient_id": ["p1"],
                              "study_date": [study_date], "age_years": [45.0]}),
    )
    if emg_rows:
        frames["emg"] = pl.DataFrame(list(emg_rows), infer_schema_length=None)
    if mri:
        frames["mri"] = pl.DataFrame([{"patient_id": "p1", **m} for m in mri])
    if attacks:
        frames["attacks"] = pl.DataFrame([{"patient_id": "p1", "core_feature": "acute_myelitis",
                                           "onset_date": d} for d in attacks])
    if signs:
        frames["signs"] = pl.DataFrame([{"patient_id": "p1", **s} for s in signs])
    ds = Dataset.from_frames(**frames)
    les = pl.DataFrame(list(lesions), schema={
        "study_id": pl.String, "kind": pl.String, "nerve": pl.String, "side": pl.String,
        "site": pl.String, "length_dependent": pl.Boolean, "severity": pl.String,
        "evidence": pl.String}) if lesions else None
    nerve_findings = None
    if sensory_normal is not None:
        nerve_findings = pl.DataFrame({"study_id": ["s1"], "nerve": ["sural"], "modality": ["sensory"],
                                       "pattern": ["normal" if sensory_normal else "axonal"]})
    study_ncs = None
    if motor_only is not None:
        study_ncs = pl.DataFrame({"study_id": ["s1"], "motor_only_pattern": [motor_only]})
    f = interpret_emg(ds, lesions=les, study_ncs=study_ncs, nerve_findings=nerve_findings,
                      criteria=criteria)
    return f, f.study_emg.row(0, named=True)


def by_muscle(f):
    return {(r["muscle"], r["side"]): r for r in f.muscle_findings.iter_rows(named=True)}


def test_cervical_segmental_anterior_horn_after_myelitis():
    rows = [muscle(m, fibs="2+", psw="1+", **NEUROGENIC) for m in (
        "deltoid", "biceps_brachii", "triceps_brachii", "flexor_carpi_radialis",
        "first_dorsal_interosseous", "abductor_pollicis_brevis")]
    rows.append(muscle("cervical_paraspinal", fibs="1+", level="C6", muap_duration=None,
                       muap_amplitude=None, recruitment=None))
    rows.append(muscle("tibialis_anterior"))
    f, s = run(rows, mri=[{"region": "spinal_cord", "level_from": "C3", "level_to": "C6"}],
               sensory_normal=True, attacks=[dt.date(2021, 3, 1)])
    assert s["active_denervation"] and s["chronic_denervation"] and s["denervation"]
    assert s["denervation_regions"] == ["cervical"]
    assert s["denervation_segments"] == ["C5", "C6", "C7", "C8", "T1"]
    assert s["denervation_explained_by_ncs"] is False
    assert s["lmn_involvement"] is True
    assert s["mri_concordant"] is True
    assert s["denervation_pattern"] == "multisegmental"
    assert s["timing_warning"] is None and s["days_since_attack"] == 92
    assert s["emg_summary"] == (
        "Needle EMG shows active and chronic denervation in C5-T1 myotomes (deltoid, biceps, "
        "triceps, FCR, FDI, APB, C6 paraspinal) with normal sensory responses, consistent with "
        "segmental anterior horn cell involvement, concordant with the C3-C6 cord lesion."
    )
    m = by_muscle(f)
    assert m[("tibialis_anterior", "R")]["finding"] == "normal"
    assert m[("tibialis_anterior", "R")]["explained_by_ncs"] is None
    assert m[("cervical_paraspinal", "R")]["segments"] == ["C6"]
    assert m[("deltoid", "R")]["lmn"] is True
    assert m[("deltoid", "R")]["rules"] == "emg.active.fibs_psw;emg.chronic.neurogenic_muap"
    assert "not explained by any nerve lesion" in m[("deltoid", "R")]["evidence"]


def test_conus_lesion_with_motor_only_low_cmaps():
    rows = [muscle(m, fibs="2+", psw="2+") for m in (
        "tibialis_anterior", "extensor_digitorum_brevis", "medial_gastrocnemius",
        "abductor_hallucis", "gluteus_maximus")]
    rows.append(muscle("vastus_lateralis"))
    f, s = run(rows, mri=[{"region": "spinal_cord", "level_from": "T12", "level_to": "L1"}],
               sensory_normal=True, motor_only=True)
    assert s["active_denervation"] is True and s["chronic_denervation"] is False
    assert s["denervation_segments"] == ["L5", "S1"]
    assert s["denervation_regions"] == ["lumbosacral"]
    assert s["lmn_involvement"] is True and s["denervation_explained_by_ncs"] is False
    assert s["mri_concordant"] is True
    assert s["mri_lesions"] == "T12-L1 cord"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in L5-S1 myotomes (TA, gluteus maximus, EDB, "
        "medial gastrocnemius, AH) with low motor and normal sensory responses, consistent with "
        "segmental anterior horn cell involvement, concordant with the T12-L1 cord lesion."
    )


def test_carpal_tunnel_explains_apb_only():
    rows = [muscle("abductor_pollicis_brevis", fibs="1+", psw="1+", **NEUROGENIC),
            muscle("first_dorsal_interosseous"), muscle("pronator_teres")]
    f, s = run(rows, lesions=[lesion("mononeuropathy", "median", "R", "wrist")])
    assert s["denervation"] is True
    assert s["denervation_explained_by_ncs"] is True
    assert s["lmn_involvement"] is False
    assert s["mri_concordant"] is None
    assert s["denervation_segments"] == []
    assert s["denervation_pattern"] == "single_nerve"
    assert s["emg_summary"] == (
        "Needle EMG shows active and chronic denervation in the APB, explained by the right "
        "median neuropathy at the wrist."
    )
    apb = by_muscle(f)[("abductor_pollicis_brevis", "R")]
    assert apb["explained_by"] == "median:R:wrist"
    assert "proximal to the APB branch [emg.explained.focal]" in apb["evidence"]


def test_carpal_tunnel_does_not_explain_pronator_teres_or_other_side():
    rows = [muscle("pronator_teres", fibs="2+"), muscle("abductor_pollicis_brevis", side="L", fibs="2+")]
    f, s = run(rows, lesions=[lesion("mononeuropathy", "median", "R", "wrist")])
    m = by_muscle(f)
    assert m[("pronator_teres", "R")]["explained_by_ncs"] is False
    assert m[("abductor_pollicis_brevis", "L")]["explained_by_ncs"] is False
    assert s["lmn_involvement"] is True and s["denervation_explained_by_ncs"] is False


def test_ulnar_neuropathy_at_elbow_explains_fcu_and_hand():
    rows = [muscle(m, side="L", fibs="2+", psw="2+") for m in (
        "flexor_carpi_ulnaris", "first_dorsal_interosseous", "abductor_digiti_minimi")]
    rows.append(muscle("abductor_pollicis_brevis", side="L"))
    f, s = run(rows, lesions=[lesion("mononeuropathy", "ulnar", "L", "elbow")])
    assert s["denervation_explained_by_ncs"] is True and s["lmn_involvement"] is False
    assert s["denervation_pattern"] == "single_nerve"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the FCU, ADM, FDI, explained by the left ulnar "
        "neuropathy at the elbow."
    )
    # the same denervation with an ulnar lesion at the wrist leaves FCU unexplained
    f, s = run(rows, lesions=[lesion("mononeuropathy", "ulnar", "L", "wrist")])
    m = by_muscle(f)
    assert m[("flexor_carpi_ulnaris", "L")]["explained_by_ncs"] is False
    assert m[("first_dorsal_interosseous", "L")]["explained_by_ncs"] is True
    assert s["denervation_explained_by_ncs"] is False and s["lmn_involvement"] is True


def test_axonal_polyneuropathy_explains_distal_leg_denervation():
    rows = []
    for side in ("L", "R"):
        rows += [muscle(m, side=side, fibs="1+", psw="1+") for m in (
            "tibialis_anterior", "extensor_digitorum_brevis", "medial_gastrocnemius")]
        rows.append(muscle("vastus_lateralis", side=side))
    lesions = [lesion("polyneuropathy", None, side, None, True) for side in ("L", "R")]
    f, s = run(rows, lesions=lesions, sensory_normal=False)
    assert s["denervation_explained_by_ncs"] is True and s["lmn_involvement"] is False
    assert s["denervation_pattern"] == "length_dependent"
    assert s["mri_concordant"] is None
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the TA, EDB, medial gastrocnemius bilaterally, "
        "explained by the polyneuropathy."
    )
    assert by_muscle(f)[("tibialis_anterior", "L")]["explained_by"] == "polyneuropathy"


def test_polyneuropathy_plus_proximal_arm_denervation_is_partly_explained():
    rows = [muscle(m, fibs="1+") for m in ("tibialis_anterior", "extensor_digitorum_brevis")]
    rows += [muscle(m, fibs="2+", psw="2+", **NEUROGENIC) for m in ("deltoid", "biceps_brachii")]
    lesions = [lesion("polyneuropathy", None, side, None, True) for side in ("L", "R")]
    f, s = run(rows, lesions=lesions, sensory_normal=False,
               mri=[{"region": "spinal_cord", "level_from": "C4", "level_to": "C5"}])
    assert s["denervation_explained_by_ncs"] is False
    assert s["lmn_involvement"] is True
    assert s["denervation_segments"] == ["C5"]  # biceps C5-C6 shares C5 with the deltoid
    assert s["lmn_segments"] == ["C5"]
    assert s["denervation_regions"] == ["cervical", "lumbosacral"]
    assert s["mri_concordant"] is True
    assert s["emg_summary"] == (
        "Needle EMG shows active and chronic denervation in the C5 myotome (deltoid, biceps), "
        "not explained by the nerve conduction findings, consistent with a C5 motor root or "
        "segmental anterior horn cell lesion, concordant with the C4-C5 cord lesion. Denervation "
        "in the TA, EDB is "
        "explained by the polyneuropathy."
    )
    m = by_muscle(f)
    assert m[("deltoid", "R")]["explained_by_ncs"] is False
    assert m[("tibialis_anterior", "R")]["explained_by_ncs"] is True


def test_bulbar_tongue_denervation_with_medullary_lesion():
    rows = [muscle("genioglossus", side="midline", fibs="2+", psw="1+"), muscle("masseter", side="L")]
    f, s = run(rows, mri=[{"region": "brainstem", "level_from": "medulla", "level_to": "medulla"}])
    assert s["denervation_regions"] == ["bulbar"]
    assert s["denervation_segments"] == []
    assert s["lmn_involvement"] is True and s["mri_concordant"] is True
    assert s["denervation_pattern"] == "bulbar"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the genioglossus (tongue), consistent with "
        "involvement of the hypoglossal (XII) motor nucleus, concordant with the medulla lesion."
    )
    # a pontine lesion does not hold the XII nucleus
    f, s = run(rows, mri=[{"region": "brainstem", "level_from": "pons", "level_to": "pons"}])
    assert s["mri_concordant"] is False


def test_acute_only_and_chronic_only():
    f, s = run([muscle("deltoid", fibs="3+", psw="2+")])
    assert (s["active_denervation"], s["chronic_denervation"]) == (True, False)
    assert by_muscle(f)[("deltoid", "R")]["finding"] == "active_denervation"
    f, s = run([muscle("deltoid", muap_duration="increased", muap_amplitude="normal",
                       recruitment="reduced")])
    assert (s["active_denervation"], s["chronic_denervation"], s["denervation"]) == (False, True, True)
    assert s["emg_summary"] == "Needle EMG shows chronic denervation in the deltoid."
    # polyphasia instead of reduced recruitment also makes it chronic
    f, s = run([muscle("deltoid", muap_amplitude="increased", muap_phases="increased")])
    assert s["chronic_denervation"] is True
    # large units alone, or reduced recruitment alone, are not chronic denervation
    f, s = run([muscle("deltoid", muap_amplitude="increased")])
    assert s["denervation"] is False
    f, s = run([muscle("deltoid", recruitment="reduced")])
    assert s["denervation"] is False
    assert by_muscle(f)[("deltoid", "R")]["finding"] == "reduced_recruitment"


def test_myopathic_units_are_never_denervation():
    myo = {"muap_duration": "decreased", "muap_amplitude": "decreased", "recruitment": "early",
           "muap_phases": "increased"}
    f, s = run([muscle("deltoid", **myo), muscle("iliopsoas", fibs="1+", **myo)])
    assert s["denervation"] is False and s["lmn_involvement"] is False
    assert s["denervation_explained_by_ncs"] is None
    m = by_muscle(f)
    assert m[("deltoid", "R")]["finding"] == "myopathic"
    assert m[("iliopsoas", "R")]["finding"] == "myopathic_with_fibrillations"
    assert s["emg_summary"] == (
        "Needle EMG shows no active or chronic denervation. Myopathic motor units in the "
        "right deltoid, iliopsoas (not denervation)."
    )
    crit = load_emg_criteria({"myopathic": {"fibs_count": True}})
    f, s = run([muscle("iliopsoas", fibs="1+", **myo)], criteria=crit)
    assert s["active_denervation"] is True and s["chronic_denervation"] is False


def test_equivocal_fibrillations_are_not_counted_by_default():
    f, s = run([muscle("tibialis_anterior", fibs="+/-", psw="0")])
    assert s["active_denervation"] is False and s["denervation"] is False
    assert by_muscle(f)[("tibialis_anterior", "R")]["finding"] == "equivocal_fibrillations"
    assert s["emg_summary"] == (
        "Needle EMG shows no active or chronic denervation. Equivocal (+/-) fibrillation "
        "potentials in the right TA, not counted as active denervation."
    )
    crit = load_emg_criteria({"active": {"equivocal_counts": True}})
    f, s = run([muscle("tibialis_anterior", fibs="+/-")], criteria=crit)
    assert s["active_denervation"] is True


def test_poor_activation_is_central_not_denervation():
    f, s = run([muscle("tibialis_anterior", recruitment="poor_activation"),
                muscle("vastus_lateralis", recruitment="poor_activation", fibs="2+")])
    m = by_muscle(f)
    assert m[("tibialis_anterior", "R")]["finding"] == "poor_activation"
    assert m[("tibialis_anterior", "R")]["denervation"] is False
    # fibrillations still count in a poorly activated muscle
    assert m[("vastus_lateralis", "R")]["finding"] == "active_denervation"
    assert s["emg_summary"].endswith(
        "Poor activation in the right TA (central weakness), not counted as denervation.")


def test_abbreviations_in_input():
    f, s = run([muscle("FDI", fibs="1+"), muscle("TA", fibs="2+"), muscle("APB")])
    names = set(f.muscle_findings["muscle"])
    assert names == {"first_dorsal_interosseous", "tibialis_anterior", "abductor_pollicis_brevis"}
    m = by_muscle(f)
    assert m[("first_dorsal_interosseous", "R")]["nerve"] == "ulnar"
    assert s["denervation_regions"] == ["cervical", "lumbosacral"]


def test_fasciculations_count_only_with_awaji_switch():
    rows = [muscle("deltoid", fasciculations="2+")]
    f, s = run(rows)
    assert s["active_denervation"] is False
    f, s = run(rows, criteria=load_emg_criteria({"active": {"fasciculations_count": True}}))
    assert s["active_denervation"] is True
    assert "counted as active denervation (Awaji)" in by_muscle(f)[("deltoid", "R")]["evidence"]


def test_radial_spiral_groove_spares_triceps_and_peroneal_fibular_head_spares_bfsh():
    rows = [muscle("brachioradialis", fibs="2+"), muscle("extensor_indicis", fibs="2+"),
            muscle("triceps_brachii", fibs="2+")]
    f, s = run(rows, lesions=[lesion("mononeuropathy", "radial", "R", "spiral_groove")])
    m = by_muscle(f)
    assert m[("brachioradialis", "R")]["explained_by_ncs"] is True
    assert m[("extensor_indicis", "R")]["explained_by_ncs"] is True
    assert m[("triceps_brachii", "R")]["explained_by_ncs"] is False
    rows = [muscle("tibialis_anterior", fibs="2+"), muscle("biceps_femoris_short_head", fibs="2+")]
    f, s = run(rows, lesions=[lesion("mononeuropathy", "peroneal", "R", "fibular_head")])
    m = by_muscle(f)
    assert m[("tibialis_anterior", "R")]["explained_by_ncs"] is True
    assert m[("biceps_femoris_short_head", "R")]["explained_by_ncs"] is False


def test_unlocalized_lesion_explains_whole_nerve_unless_configured():
    rows = [muscle("triceps_brachii", side="L", fibs="2+")]
    les = [lesion("mononeuropathy", "radial", "L", "")]
    f, s = run(rows, lesions=les)
    assert s["denervation_explained_by_ncs"] is True
    assert by_muscle(f)[("triceps_brachii", "L")]["explained_by"] == "radial:L:"
    f, s = run(rows, lesions=les,
               criteria=load_emg_criteria({"explanation": {"unlocalized_lesion": "none"}}))
    assert s["denervation_explained_by_ncs"] is False


def test_facial_neuropathy_explains_facial_muscles():
    rows = [muscle("orbicularis_oculi", side="L", fibs="2+"), muscle("mentalis", side="L", fibs="1+")]
    f, s = run(rows, lesions=[lesion("cranial_neuropathy", "facial", "L", "")])
    assert s["denervation_explained_by_ncs"] is True
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the orbicularis oculi, mentalis, explained by the "
        "left facial neuropathy."
    )


def test_mri_not_concordant_and_without_mri():
    rows = [muscle("deltoid", fibs="2+"), muscle("biceps_brachii", fibs="2+")]
    f, s = run(rows, mri=[{"region": "spinal_cord", "level_from": "T6", "level_to": "T8"}])
    assert s["mri_concordant"] is False
    assert s["emg_summary"].endswith("not concordant with the MRI lesion levels.")
    f, s = run(rows)
    assert s["mri_concordant"] is None


def test_study_soon_after_attack_warns():
    f, s = run([muscle("deltoid")], attacks=[dt.date(2021, 5, 20)])
    assert s["days_since_attack"] == 12
    assert s["emg_summary"] == (
        "Needle EMG shows no active or chronic denervation. The study was done 12 days after the "
        "onset of an attack (< 21 days): fibrillation potentials may not have appeared yet, so "
        "their absence does not exclude acute denervation."
    )


def test_study_without_emg_has_empty_emg_columns():
    f, s = run([])
    assert s["denervation"] is None and s["lmn_involvement"] is None
    assert s["denervation_explained_by_ncs"] is None and s["emg_summary"] is None
    assert f.muscle_findings.height == 0


def test_upper_trunk_plexus_pattern_needs_abnormal_arm_sensory_and_no_paraspinals():
    rows = [muscle(m, fibs="2+", psw="2+") for m in ("deltoid", "biceps_brachii", "infraspinatus")]
    frames_nf = pl.DataFrame({"study_id": ["s1", "s1"], "nerve": ["lateral_antebrachial_cutaneous", "sural"],
                              "modality": ["sensory", "sensory"], "pattern": ["axonal", "normal"]})
    ds = Dataset.from_frames(
        patients=pl.DataFrame({"patient_id": ["p1"]}),
        studies=pl.DataFrame({"study_id": ["s1"], "patient_id": ["p1"],
                              "study_date": [dt.date(2021, 6, 1)], "age_years": [45.0]}),
        emg=pl.DataFrame(rows))
    s = interpret_emg(ds, nerve_findings=frames_nf).study_emg.row(0, named=True)
    assert s["denervation_pattern"] == "plexus"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the C5 myotome (infraspinatus, deltoid, biceps), "
        "consistent with a lesion of the upper trunk."
    )
    # normal sensory responses and cervical paraspinal denervation: a root / anterior horn pattern
    rows.append(muscle("cervical_paraspinal", level="C5", fibs="1+"))
    f, s = run(rows, sensory_normal=True)
    assert s["denervation_pattern"] == "single_root"
    assert "in the C5 myotome (" in s["emg_summary"]
    f, s = run([muscle("deltoid", fibs="2+"), muscle("rhomboid_major", fibs="1+"), muscle("cervical_paraspinal", level="C5", fibs="1+")],
               sensory_normal=True)
    assert s["denervation_segments"] == ["C5"]
    assert s["denervation_pattern"] == "single_root"
    assert "consistent with a C5 motor root or segmental anterior horn cell lesion" in s["emg_summary"]


def test_trigeminal_afferent_lesion_does_not_explain_masseter():
    rows = [muscle("masseter", side="L", fibs="2+")]
    f, s = run(rows, lesions=[lesion("cranial_neuropathy", "trigeminal", "L", "")])
    assert s["denervation_explained_by_ncs"] is False and s["lmn_involvement"] is True


def test_sides_are_named_when_a_list_has_both_sides_and_myotomes_cover_every_muscle():
    rows = [muscle("tibialis_anterior", fibs="1+", **NEUROGENIC),
            muscle("medial_gastrocnemius", fibs="2+"), muscle("medial_gastrocnemius", side="L", fibs="1+"),
            muscle("abductor_hallucis", fibs="2+"),
            muscle("lumbosacral_paraspinal", level="S1", fibs="1+"),
            muscle("deltoid", side="L", fibs="+/-")]
    f, s = run(rows, sensory_normal=True)
    # S1: gastrocnemius, AH and the paraspinal; TA (main roots L4, L5) keeps L5, next to S1
    assert s["denervation_segments"] == ["L5", "S1"]
    assert s["emg_summary"] == (
        "Needle EMG shows active and chronic denervation in L5-S1 myotomes (right TA, bilateral "
        "medial gastrocnemius, right AH, right S1 paraspinal) with normal sensory responses, "
        "consistent with segmental anterior horn cell involvement. Equivocal (+/-) fibrillation "
        "potentials in the left deltoid, not counted as active denervation."
    )


def test_brain_or_optic_mri_alone_leaves_concordance_empty():
    rows = [muscle("deltoid", fibs="2+"), muscle("biceps_brachii", fibs="2+")]
    f, s = run(rows, mri=[{"region": "optic_nerve", "level_from": None, "level_to": None}])
    assert s["lmn_involvement"] is True and s["mri_concordant"] is None


def test_c7_radiculopathy_pattern_with_normal_neighbours():
    rows = [muscle(m, fibs="2+", psw="1+") for m in (
        "triceps_brachii", "flexor_carpi_radialis", "extensor_digitorum_communis")]
    rows += [muscle("cervical_paraspinal", level="C7", fibs="1+"),
             muscle("brachioradialis"), muscle("deltoid"), muscle("first_dorsal_interosseous")]
    f, s = run(rows, sensory_normal=True)
    # C7: the main root of triceps, FCR and EDC and the paraspinal level
    assert s["denervation_segments"] == ["C7"]
    assert s["denervation_pattern"] == "single_root"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the C7 myotome (triceps, FCR, EDC, C7 paraspinal) "
        "with normal sensory responses, consistent with a C7 motor root or segmental anterior horn "
        "cell lesion."
    )
    # triceps (C6-C8) and FCR (C6-C7) share C6 too, but C7 is the main root of both
    f, s = run(rows[:2], sensory_normal=True)
    assert (s["denervation_segments"], s["denervation_pattern"]) == (["C7"], "single_root")


def test_s1_radiculopathy_is_one_root_although_gluteus_and_hamstring_reach_l5_and_s2():
    rows = [muscle(m, fibs="2+", **NEUROGENIC) for m in (
        "medial_gastrocnemius", "gluteus_maximus", "biceps_femoris_long_head")]
    rows += [muscle("lumbosacral_paraspinal", level="S1", fibs="1+"),
             muscle("tibialis_anterior"), muscle("vastus_lateralis")]
    f, s = run(rows, sensory_normal=True)
    assert s["denervation_segments"] == ["S1"]
    assert s["denervation_pattern"] == "single_root"
    assert "in the S1 myotome (" in s["emg_summary"]
    assert "consistent with an S1 motor root or segmental anterior horn cell lesion" in s["emg_summary"]


def test_multiregion_denervation_lists_every_region_s_myotomes():
    """ALS-like: tongue, arm, thoracic paraspinal and leg; no segment is left out."""
    rows = [muscle(m, fibs="2+", **NEUROGENIC) for m in (
        "genioglossus", "biceps_brachii", "first_dorsal_interosseous", "vastus_lateralis",
        "tibialis_anterior")]
    rows.append(muscle("thoracic_paraspinal", level="T8", fibs="2+"))
    f, s = run(rows, sensory_normal=True)
    assert s["denervation_regions"] == ["bulbar", "cervical", "lumbosacral", "thoracic"]
    # biceps C5-C6 (neither shared), FDI C8, T8, and L4 shared by the quadriceps and TA
    assert s["denervation_segments"] == ["C5", "C6", "C8", "T8", "L4"]
    assert s["denervation_pattern"] == "multisegmental"
    assert "in C5-C6, C8, T8, L4 myotomes (genioglossus (tongue), biceps, FDI" in s["emg_summary"]


def test_muscles_of_unrelated_nerves_and_roots_are_multifocal():
    rows = [muscle("first_dorsal_interosseous", fibs="2+"), muscle("tibialis_anterior", fibs="1+")]
    f, s = run(rows, sensory_normal=True)
    assert s["denervation_pattern"] == "multifocal"
    assert s["denervation_segments"] == ["C8", "L4", "L5"]


def test_l5_radiculopathy_with_normal_quadriceps_and_gastrocnemius():
    rows = [muscle(m, side="L", fibs="2+") for m in (
        "tibialis_anterior", "tibialis_posterior", "gluteus_medius", "peroneus_longus")]
    rows += [muscle("lumbosacral_paraspinal", side="L", level="L5", fibs="1+"),
             muscle("vastus_lateralis", side="L"), muscle("medial_gastrocnemius", side="L")]
    f, s = run(rows, sensory_normal=True)
    assert s["denervation_segments"] == ["L5"]  # TA (L4-L5) keeps the shared L5
    assert s["denervation_pattern"] == "single_root"
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the L5 myotome (TA, gluteus medius, peroneus "
        "longus, tibialis posterior, L5 paraspinal) with normal sensory responses, consistent "
        "with an L5 motor root or segmental anterior horn cell lesion.")


def test_thoracic_denervation_and_thoracic_cord_lesion():
    rows = [muscle("thoracic_paraspinal", level="T8", fibs="2+"),
            muscle("thoracic_paraspinal", level="T9", fibs="1+"),
            muscle("rectus_abdominis", fibs="1+")]
    f, s = run(rows, mri=[{"region": "spinal_cord", "level_from": "T6", "level_to": "T7"}])
    assert s["denervation_regions"] == ["thoracic"]
    assert s["denervation_segments"] == ["T8", "T9"]
    assert s["mri_concordant"] is True  # T6-T7 vertebrae = T8-T9 cord segments
    assert s["mri_lesions"] == "T6-T7 cord"


def test_bilateral_carpal_tunnel_supports_no_segment_and_multiplex_explains():
    rows = [muscle("abductor_pollicis_brevis", fibs="1+"),
            muscle("abductor_pollicis_brevis", side="L", fibs="1+")]
    f, s = run(rows, lesions=[lesion("mononeuropathy", "median", "R", "wrist"),
                              lesion("mononeuropathy", "median", "L", "wrist")])
    assert s["denervation_segments"] == [] and s["denervation_explained_by_ncs"] is True
    assert s["emg_summary"] == (
        "Needle EMG shows active denervation in the APB bilaterally, explained by the left median "
        "neuropathy at the wrist and the right median neuropathy at the wrist.")
    rows = [muscle("tibialis_anterior", fibs="2+"), muscle("first_dorsal_interosseous", side="L", fibs="2+")]
    f, s = run(rows, lesions=[lesion("mononeuropathy_multiplex", "peroneal", "R", "fibular_head"),
                              lesion("mononeuropathy_multiplex", "ulnar", "L", "elbow")])
    assert s["denervation_explained_by_ncs"] is True and s["denervation_pattern"] == "multiple_nerves"


def test_trapezius_denervation_is_concordant_with_an_upper_cervical_lesion():
    rows = [muscle("trapezius", fibs="2+"), muscle("sternocleidomastoid", fibs="1+")]
    f, s = run(rows, mri=[{"region": "spinal_cord", "level_from": "C1", "level_to": "C2"}])
    assert s["lmn_involvement"] is True
    assert s["mri_concordant"] is True  # spinal accessory nucleus, cord C1-C5
