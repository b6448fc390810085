"""Textbook nerve conduction vignettes with their exact findings and summaries."""

from __future__ import annotations

from ncs_cases import NORMAL_F, mot, normal_rows, nr, run, sen


def replace(rows, nerve, modality, side, new):
    keep = [r for r in rows if not (r["nerve"] == nerve and r["modality"] == modality
                                    and r["side"] == side)]
    return keep + list(new)


def test_normal_study():
    f, s, n = run(normal_rows(), NORMAL_F)
    assert s["ncs_abnormal"] is False
    assert s["polyneuropathy"] == "none"
    assert s["mononeuropathies"] == [] and s["cranial_neuropathies"] == []
    assert s["motor_only_pattern"] is False
    assert s["ncs_summary"] == ("Normal study. There is no electrodiagnostic evidence of a "
                                "peripheral or cranial neuropathy.")
    assert {r["pattern"] for r in n.values()} == {"normal"}
    med = n[("median", "motor", "R")]
    assert (med["distal_latency_ms"], med["distal_latency_limit"]) == (3.6, 4.4)
    assert med["distal_latency_pct_of_limit"] == 82
    assert med["distal_latency_source"].startswith("Preston & Shapiro")
    assert med["cv_ms"] == 55.0 and med["cv_limit"] == 49
    assert med["fwave_ms"] == 27.0 and med["fwave_limit"] == 31
    assert f.lesions.height == 0


def test_carpal_tunnel_mild():
    rows = replace(normal_rows(), "median", "sensory", "R", [sen("median", "R", 4.0, 28.0, 130.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["ncs_abnormal"] is True
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert s["polyneuropathy"] == "none"
    assert n[("median", "sensory", "R")]["pattern"] == "focal"
    les = f.lesions.row(0, named=True)
    assert (les["kind"], les["nerve"], les["side"], les["site"], les["severity"]) == (
        "mononeuropathy", "median", "R", "wrist", "mild")
    assert "AAEM2002.cts" in les["rule_ids"]
    assert "median sensory peak latency 4 ms (ULN 3.5 ms, 114% of limit)" in les["evidence"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a right "
                                "median neuropathy at the wrist, mild in severity.")


def test_carpal_tunnel_severe():
    rows = replace(normal_rows(), "median", "sensory", "R", [nr(sen("median", "R", 4.0, 28.0, 130.0))])
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 6.8, 2.1, 70.0),
                                                  mot("median", "R", "elbow", 10.9, 2.0, 220.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert f.lesions["severity"].to_list() == ["severe"]
    assert n[("median", "motor", "R")]["pattern"] == "focal"
    assert n[("median", "sensory", "R")]["pattern"] == "absent"
    assert s["polyneuropathy"] == "none"
    assert s["ncs_summary"].startswith("Abnormal study. There is electrodiagnostic evidence of a "
                                       "right median neuropathy at the wrist, severe in severity.")


ULNAR_UNE = [mot("ulnar", "R", "wrist", 2.8, 10.0, 70.0),
             mot("ulnar", "R", "below_elbow", 6.2, 9.8, 200.0),
             mot("ulnar", "R", "above_elbow", 9.0, 7.0, 100.0)]


def test_ulnar_neuropathy_at_the_elbow():
    rows = replace(normal_rows(), "ulnar", "motor", "R", ULNAR_UNE)
    rows = replace(rows, "ulnar", "sensory", "R", [sen("ulnar", "R", 2.8, 12.0, 110.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["ulnar:R:elbow"]
    assert s["polyneuropathy"] == "none"
    uln = n[("ulnar", "motor", "R")]
    assert (uln["pattern"], uln["site"], uln["cv_ms"], uln["cv_segment"]) == (
        "focal", "elbow", 35.7, "below_elbow-above_elbow")
    les = f.lesions.row(0, named=True)
    assert les["rule_ids"] == ("AAEM1999.une.across_elbow_cv;AAEM1999.une.amplitude_drop;"
                               "AAEM1999.une.cv_drop")
    assert "across-elbow CV 35.7 m/s is 23.1 m/s slower than the forearm (limit 10 m/s)" in les["evidence"]
    assert "CMAP drop 29% across the elbow (limit 20%)" in les["evidence"]
    # the low ulnar SNAP makes it moderate
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a right "
                                "ulnar neuropathy at the elbow, moderate in severity.")


def test_ulnar_slowing_across_elbow_within_diffuse_slowing_is_not_une():
    rows = replace(normal_rows(), "ulnar", "motor", "R", [
        mot("ulnar", "R", "wrist", 2.8, 10.0, 70.0), mot("ulnar", "R", "below_elbow", 7.8, 9.8, 200.0),
        mot("ulnar", "R", "above_elbow", 10.2, 9.6, 100.0)])  # forearm 40, elbow 41.7 m/s
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == []
    assert n[("ulnar", "motor", "R")]["pattern"] == "slowing"


def test_peroneal_neuropathy_at_the_fibular_head():
    rows = replace(normal_rows(), "peroneal", "motor", "R", [
        mot("peroneal", "R", "ankle", 4.5, 4.0, 90.0),
        mot("peroneal", "R", "below_fibular_head", 11.1, 3.9, 310.0),
        mot("peroneal", "R", "above_fibular_head", 14.6, 1.5, 100.0)])
    rows += [sen("superficial_peroneal", "R", 3.6, 12.0, 140.0)]
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["peroneal:R:fibular_head"]
    les = f.lesions.row(0, named=True)
    assert (les["site"], les["severity"]) == ("fibular_head", "moderate")  # 62% block
    assert les["rule_ids"] == ("BUSCHBACHER1999.peroneal.across_knee_cv;"
                               "BUSCHBACHER1999.peroneal.amplitude_drop;"
                               "BUSCHBACHER1999.peroneal.cv_drop")
    assert "CMAP drop 62% across the fibular head (limit 25%)" in les["evidence"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a right "
                                "peroneal (fibular) neuropathy at the fibular head, moderate in "
                                "severity.")


def axonal_pn_rows():
    rows = replace(normal_rows(), "sural", "sensory", "R", [nr(sen("sural", "R", 3.5, 15.0, 140.0))])
    rows += [nr(sen("superficial_peroneal", "R", 3.6, 12.0, 140.0))]
    rows = replace(rows, "peroneal", "motor", "R", [mot("peroneal", "R", "ankle", 5.6, 1.0, 90.0),
                                                    mot("peroneal", "R", "below_fibular_head", 13.0, 0.9, 310.0)])
    rows = replace(rows, "tibial", "motor", "R", [mot("tibial", "R", "ankle", 5.0, 2.5, 90.0),
                                                  mot("tibial", "R", "popliteal_fossa", 14.8, 2.2, 400.0)])
    rows = replace(rows, "median", "sensory", "R", [sen("median", "R", 3.3, 15.0, 130.0)])
    return replace(rows, "ulnar", "sensory", "R", [sen("ulnar", "R", 2.9, 14.0, 110.0)])


def test_axonal_length_dependent_polyneuropathy():
    f, s, n = run(axonal_pn_rows(), NORMAL_F)
    assert s["polyneuropathy"] == "axonal"
    assert s["mononeuropathies"] == []
    assert n[("sural", "sensory", "R")]["pattern"] == "absent"
    assert n[("peroneal", "motor", "R")]["pattern"] == "axonal"
    assert n[("median", "motor", "R")]["pattern"] == "normal"
    pn = f.lesions.filter(f.lesions["kind"] == "polyneuropathy")
    assert pn["side"].to_list() == ["L", "R"]
    assert pn["length_dependent"].to_list() == [True, True]
    assert pn["severity"].to_list() == ["moderate", "moderate"]
    assert pn["rule_ids"][0].startswith("ENGLAND2005.dsp")
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a "
                                "length-dependent axonal sensorimotor polyneuropathy, moderate "
                                "in severity.")


def test_sural_normal_means_no_distal_symmetric_polyneuropathy():
    rows = replace(axonal_pn_rows(), "sural", "sensory", "R", [sen("sural", "R", 3.5, 15.0, 140.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["polyneuropathy"] == "none"  # England 2005: the sural must be abnormal


DEMYELINATING = [
    mot("median", "R", "wrist", 6.0, 5.0, 70.0, dur=6.0), mot("median", "R", "elbow", 13.5, 2.0, 220.0, dur=7.0),
    mot("ulnar", "R", "wrist", 4.6, 6.5, 70.0), mot("ulnar", "R", "below_elbow", 11.0, 6.0, 200.0),
    mot("ulnar", "R", "above_elbow", 14.0, 5.8, 100.0),
    mot("peroneal", "R", "ankle", 8.0, 2.5, 90.0), mot("peroneal", "R", "below_fibular_head", 19.0, 2.2, 310.0),
    mot("tibial", "R", "ankle", 7.0, 5.0, 90.0), mot("tibial", "R", "popliteal_fossa", 22.0, 3.0, 400.0),
    nr(sen("median", "R", 3.1, 35.0, 130.0)), sen("ulnar", "R", 3.0, 8.0, 110.0),
    sen("sural", "R", 3.8, 12.0, 140.0),
]
DEMYELINATING_F = [dict(study_id="s1", nerve="median", side="R", min_latency_ms=45.0),
                   dict(study_id="s1", nerve="ulnar", side="R", min_latency_ms=None, min_latency_ms_nr=True),
                   dict(study_id="s1", nerve="tibial", side="R", min_latency_ms=70.0)]


def test_demyelinating_polyneuropathy_with_conduction_block():
    f, s, n = run(DEMYELINATING, DEMYELINATING_F)
    assert s["polyneuropathy"] == "demyelinating"
    assert s["mononeuropathies"] == []  # the forearm block is part of the polyneuropathy
    med = n[("median", "motor", "R")]
    assert med["pattern"] == "demyelinating"
    assert med["conduction_block"] is True
    assert med["demyelinating_features"] == "conduction velocity;F-wave latency;conduction block"
    seg = f.segments.filter((f.segments["nerve"] == "median")).row(0, named=True)
    assert (seg["segment_site"], round(seg["drop_pct"], 1)) == ("forearm", 60.0)
    # the tibial nerve is never assessed for conduction block (40% drop here)
    assert n[("tibial", "motor", "R")]["conduction_block"] is False
    pn = f.lesions.row(0, named=True)
    assert (pn["kind"], pn["length_dependent"]) == ("polyneuropathy", False)
    assert "efns_pns_2010.polyneuropathy" in pn["rule_ids"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a "
                                "demyelinating sensorimotor polyneuropathy with conduction block, "
                                "moderate in severity.")


def test_criteria_sets_are_selectable():
    from edxlab.interpret.config import InterpretConfig

    _, s, n = run(DEMYELINATING, DEMYELINATING_F, config=InterpretConfig(criteria="aan_1991"))
    # AAN 1991: 17% duration increase (> 15%) makes the 60% drop dispersion, not block
    assert n[("median", "motor", "R")]["conduction_block"] is False
    assert n[("median", "motor", "R")]["temporal_dispersion"] is True
    assert s["ncs_summary"].endswith("demyelinating sensorimotor polyneuropathy with temporal "
                                     "dispersion, moderate in severity.")
    # a single demyelinating-range velocity is not enough in any set
    one = replace(normal_rows(), "peroneal", "motor", "R", [
        mot("peroneal", "R", "ankle", 4.5, 5.0, 90.0), mot("peroneal", "R", "below_fibular_head", 15.6, 4.8, 310.0)])
    for name in ("aan_1991", "efns_pns_2010", "ean_pns_2021"):
        _, s, n = run(one, NORMAL_F, config=InterpretConfig(criteria=name))
        assert n[("peroneal", "motor", "R")]["pattern"] == "demyelinating"
        assert s["polyneuropathy"] == "none"


FACIAL = [mot("facial", "L", "stylomastoid", 3.5, 0.4, None), mot("facial", "R", "stylomastoid", 3.4, 2.0, None)]
BLINK_LEFT_FACIAL = [
    dict(study_id="s1", stim_side="L", r1_ms=None, r1_ms_nr=True, r2_ipsi_ms=None, r2_ipsi_ms_nr=True,
         r2_contra_ms=31.0),
    dict(study_id="s1", stim_side="R", r1_ms=10.5, r2_ipsi_ms=30.0, r2_contra_ms=None, r2_contra_ms_nr=True),
]


def test_facial_palsy_with_blink_reflexes():
    f, s, n = run(normal_rows() + FACIAL, NORMAL_F, BLINK_LEFT_FACIAL)
    assert s["cranial_neuropathies"] == ["facial:L"]
    assert s["mononeuropathies"] == [] and s["polyneuropathy"] == "none"
    assert s["blink_pattern"] == "facial_efferent_left"
    fac = n[("facial", "motor", "L")]
    assert (fac["amplitude_value"], fac["amplitude_limit"], fac["side_ratio_value"]) == (0.4, 1.0, 0.2)
    les = f.lesions.row(0, named=True)
    assert (les["kind"], les["nerve"], les["side"], les["site"], les["severity"]) == (
        "cranial_neuropathy", "facial", "L", "stylomastoid", "moderate")
    assert "KIMURA.blink.efferent" in les["rule_ids"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a left "
                                "facial neuropathy, moderate in severity. Blink reflexes show a "
                                "facial (efferent) pattern on the left.")


def test_blink_reflex_trigeminal_afferent_pattern():
    blink = [dict(study_id="s1", stim_side="R", r1_ms=15.5, r2_ipsi_ms=48.0, r2_contra_ms=49.0),
             dict(study_id="s1", stim_side="L", r1_ms=10.4, r2_ipsi_ms=30.0, r2_contra_ms=31.0)]
    f, s, n = run(normal_rows(), NORMAL_F, blink)
    assert s["blink_pattern"] == "trigeminal_afferent_right"
    assert s["cranial_neuropathies"] == ["trigeminal:R"]
    assert n[("blink", "reflex", "R")]["pattern"] == "delayed"
    assert "Blink reflexes show a trigeminal (afferent) pattern on the right." in s["ncs_summary"]


def test_motor_only_pattern_is_not_a_neuropathy():
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 3.9, 2.0, 70.0),
                                                           mot("median", "R", "elbow", 8.1, 1.9, 220.0)])
    rows = replace(rows, "ulnar", "motor", "R", [mot("ulnar", "R", "wrist", 3.0, 3.0, 70.0),
                                                 mot("ulnar", "R", "below_elbow", 6.5, 2.9, 200.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["motor_only_pattern"] is True
    assert s["ncs_abnormal"] is False
    assert (s["polyneuropathy"], s["mononeuropathies"]) == ("none", [])
    assert f.lesions.height == 0
    assert n[("median", "motor", "R")]["pattern"] == "axonal"
    assert s["ncs_summary"] == (
        "There is no electrodiagnostic evidence of a peripheral or cranial neuropathy. Reduced "
        "motor responses of the right median and right ulnar nerves with normal sensory responses "
        "and no demyelinating features form a motor-only pattern: this localizes proximal to the "
        "dorsal root ganglion (anterior horn cell or motor root) and is not a peripheral "
        "neuropathy.")


def test_low_cmaps_with_a_low_snap_are_not_motor_only():
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 3.9, 2.0, 70.0)])
    rows = replace(rows, "ulnar", "motor", "R", [mot("ulnar", "R", "wrist", 3.0, 3.0, 70.0)])
    rows = replace(rows, "ulnar", "sensory", "R", [sen("ulnar", "R", 2.8, 6.0, 110.0)])
    _, s, _ = run(rows, NORMAL_F)
    assert s["motor_only_pattern"] is False
    assert s["ncs_abnormal"] is True
    # low median and ulnar CMAPs and ulnar SNAP, normal median SNAP: the classic lower trunk /
    # medial cord pattern (neurogenic thoracic outlet), not an ulnar neuropathy
    assert s["mononeuropathies"] == []
    assert "a right brachial plexopathy (lower trunk or medial cord)" in s["ncs_summary"]


COLD_LEG = [mot("peroneal", "R", "ankle", 7.0, 5.0, 90.0), mot("peroneal", "R", "below_fibular_head", 14.75, 4.8, 310.0)]


def test_cold_limb_latencies_are_not_interpreted():
    from edxlab.interpret.config import InterpretConfig

    rows = replace(normal_rows(), "peroneal", "motor", "R", COLD_LEG)
    rows = replace(rows, "sural", "sensory", "R", [sen("sural", "R", 4.6, 12.0, 140.0)])
    f, s, n = run(rows, NORMAL_F, temp_upper=33.0, temp_lower=27.0)
    per = n[("peroneal", "motor", "R")]
    assert (per["temp_c"], per["temp_min"], per["temperature_low"]) == (27.0, 30.0, True)
    assert per["distal_latency_abnormal"] is False and per["cold_uninterpreted"] is True
    assert "limb 27 degC, below 30 degC: not interpreted" in per["evidence"]
    assert per["pattern"] == "normal"
    assert s["ncs_abnormal"] is False
    assert s["ncs_summary"] == (
        "Normal study. There is no electrodiagnostic evidence of a peripheral or cranial "
        "neuropathy. Limb temperature was below the reference minimum for the right peroneal "
        "motor and right sural sensory studies; their prolonged latencies or slowed velocities "
        "were not interpreted (warm the limb and repeat).")
    # optional correction (off by default): 7.0 ms - 0.2 ms/degC x 3 degC = 6.4 ms <= 6.5 ms
    f2, s2, n2 = run(rows, NORMAL_F, temp_upper=33.0, temp_lower=27.0,
                     config=InterpretConfig(temperature_correction=True))
    m = f2.measures.filter((f2.measures["nerve"] == "peroneal") & (f2.measures["measure"] == "distal_latency"))
    assert round(m["value_used"][0], 2) == 6.4
    assert n2[("peroneal", "motor", "R")]["distal_latency_abnormal"] is False
    # a cold limb still shows a low amplitude
    low = replace(rows, "peroneal", "motor", "R", [mot("peroneal", "R", "ankle", 7.0, 1.0, 90.0)])
    _, _, n3 = run(low, NORMAL_F, temp_lower=27.0)
    assert n3[("peroneal", "motor", "R")]["amplitude_abnormal"] is True


def elderly_rows():
    rows = replace(normal_rows(), "sural", "sensory", "R", [nr(sen("sural", "R", 3.5, 15.0, 140.0))])
    return rows + [nr(sen("sural", "L", 3.5, 15.0, 140.0))]


def test_elderly_absent_sural_is_normal_at_75_with_the_stratified_profile():
    f, s, n = run(elderly_rows(), NORMAL_F, age=80.0, profile="age_height_stratified")
    sur = n[("sural", "sensory", "R")]
    assert (sur["amplitude_nr"], sur["amplitude_abnormal"], sur["pattern"]) == (True, False, "normal")
    assert sur["amplitude_source"].startswith("Tavee et al., Muscle Nerve 2014")
    assert s["ncs_abnormal"] is False
    assert s["ncs_summary"].startswith("Normal study.")
    # ... but abnormal at 72 (Tavee: absent up to 75 y is abnormal)
    _, s72, n72 = run(elderly_rows(), NORMAL_F, age=72.0, profile="age_height_stratified")
    assert n72[("sural", "sensory", "R")]["pattern"] == "absent"
    assert s72["ncs_abnormal"] is True
    # ... and abnormal with the single cut-off profile at any age
    _, sps, _ = run(elderly_rows(), NORMAL_F, age=80.0)
    assert sps["ncs_abnormal"] is True
    assert sps["ncs_summary"] == (
        "Abnormal study. The nerve conduction abnormalities do not establish a peripheral or "
        "cranial neuropathy. Isolated findings of uncertain significance: left sural sensory "
        "SNAP amplitude absent (NR); right sural sensory SNAP amplitude absent (NR).")


def test_height_adjusts_f_wave_limits():
    fw = [dict(study_id="s1", nerve="tibial", side="R", min_latency_ms=58.0)]
    _, _, tall = run(normal_rows(), fw, height=190.0, profile="age_height_stratified")
    _, _, short = run(normal_rows(), fw, height=155.0, profile="age_height_stratified")
    assert round(tall[("tibial", "motor", "R")]["fwave_limit"], 1) == 62.6  # 56 x 190/170
    assert tall[("tibial", "motor", "R")]["fwave_abnormal"] is False
    assert round(short[("tibial", "motor", "R")]["fwave_limit"], 1) == 51.1
    assert short[("tibial", "motor", "R")]["fwave_abnormal"] is True


def test_distance_differing_from_the_reference_technique_is_flagged():
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 4.6, 9.0, 90.0)])
    rows = replace(rows, "ulnar", "motor", "R", [mot("ulnar", "R", "wrist", 2.8, 10.0, 80.0)])
    _, s, n = run(rows, NORMAL_F)
    med = n[("median", "motor", "R")]
    assert (med["distance_flag"], med["reference_distance_mm"]) == (True, 70.0)
    # flagged too, but normal: not repeated in the summary
    assert n[("ulnar", "motor", "R")]["distance_flag"] is True
    assert "distance 90 mm differs from the reference technique's 70 mm" in med["evidence"]
    assert s["ncs_summary"].endswith(
        "Distal latencies were recorded over distances other than the reference technique's for "
        "the right median motor (90 mm, reference 70 mm) studies; interpret them with caution.")


def test_side_to_side_amplitude_comparison():
    rows = normal_rows() + [sen("median", "L", 3.1, 90.0, 130.0)]
    _, _, n = run(rows, NORMAL_F)
    med = n[("median", "sensory", "R")]
    assert (round(med["side_ratio_value"], 2), med["side_ratio_limit"], med["side_ratio_abnormal"]) == (
        0.39, 0.5, True)
    assert med["pattern"] == "axonal"


def test_mononeuropathy_multiplex():
    rows = replace(normal_rows(), "ulnar", "motor", "R", [mot("ulnar", "R", "wrist", 2.9, 2.0, 70.0)])
    rows = replace(rows, "ulnar", "sensory", "R", [nr(sen("ulnar", "R", 2.7, 25.0, 110.0))])
    rows += [mot("peroneal", "L", "ankle", 4.6, 0.5, 90.0), nr(sen("superficial_peroneal", "L", 3.6, 12.0, 140.0)),
             sen("sural", "L", 3.5, 14.0, 140.0)]
    f, s, _ = run(rows, NORMAL_F)
    assert s["polyneuropathy"] == "none"
    assert s["mononeuropathies"] == ["peroneal:L:", "ulnar:R:"]
    assert set(f.lesions["kind"]) == {"mononeuropathy_multiplex"}
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a "
                                "mononeuropathy multiplex involving the left peroneal (fibular) "
                                "and right ulnar nerves.")


def test_study_without_nerve_conductions():
    from ncs_cases import dataset

    from edxlab.interpret.ncs import interpret_ncs

    f = interpret_ncs(dataset())
    row = f.study_ncs.row(0, named=True)
    assert (row["ncs_abnormal"], row["motor_only_pattern"]) == (None, None)
    assert row["ncs_summary"] == "No nerve conduction studies were recorded."


# left arm: median neuropathy at the wrist beside an ulnar neuropathy at the elbow (the ulnar
# SNAP is low from the elbow lesion, so no median-ulnar comparison can be used)
LEFT_CTS = [mot("median", "L", "wrist", 5.2, 7.0, 70.0), mot("median", "L", "elbow", 9.2, 6.7, 220.0),
            sen("median", "L", 4.2, 12.0, 130.0)]
LEFT_UNE = [mot("ulnar", "L", "wrist", 2.9, 8.0, 70.0), mot("ulnar", "L", "below_elbow", 6.3, 7.8, 200.0),
            mot("ulnar", "L", "above_elbow", 9.3, 5.5, 100.0), sen("ulnar", "L", 2.8, 6.0, 110.0)]


def test_carpal_tunnel_beside_ulnar_neuropathy_at_the_elbow():
    f, s, n = run(normal_rows() + LEFT_CTS + LEFT_UNE, NORMAL_F)
    # two entrapments in one limb are two mononeuropathies, not a multiplex (edx_reference 2.9:
    # multiplex = non-contiguous named nerves; entrapment sites never count towards it)
    assert s["mononeuropathies"] == ["median:L:wrist", "ulnar:L:elbow"]
    assert s["polyneuropathy"] == "none"
    assert s["ncs_abnormal"] is True
    assert set(f.lesions["kind"]) == {"mononeuropathy"}
    med = f.lesions.filter(f.lesions["nerve"] == "median").row(0, named=True)
    assert (med["site"], med["severity"]) == ("wrist", "moderate")
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a left "
                                "median neuropathy at the wrist, moderate in severity, and a left "
                                "ulnar neuropathy at the elbow, moderate in severity.")


def test_mild_carpal_tunnel_with_the_ulnar_snap_explained_by_an_elbow_lesion():
    # sensory-only median finding: localized because the low ulnar SNAP has its own cause
    rows = normal_rows() + [mot("median", "L", "wrist", 3.8, 8.0, 70.0),
                            mot("median", "L", "elbow", 7.8, 7.8, 220.0),
                            sen("median", "L", 4.0, 25.0, 130.0)] + LEFT_UNE
    _, s, _ = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["median:L:wrist", "ulnar:L:elbow"]
    assert s["polyneuropathy"] == "none"


def test_median_and_ulnar_sensory_abnormal_without_localization_is_not_cts():
    # prolonged median sensory latency with a low ulnar SNAP and no ulnar lesion at the elbow:
    # no comparison and no self-localizing median motor finding, so no carpal tunnel
    rows = normal_rows() + [mot("median", "L", "wrist", 3.8, 8.0, 70.0),
                            mot("median", "L", "elbow", 7.8, 7.8, 220.0),
                            sen("median", "L", 4.0, 25.0, 130.0),
                            mot("ulnar", "L", "wrist", 2.8, 10.0, 70.0),
                            mot("ulnar", "L", "below_elbow", 6.2, 9.8, 200.0),
                            sen("ulnar", "L", 2.8, 6.0, 110.0)]
    _, s, _ = run(rows, NORMAL_F)
    assert "median:L:wrist" not in s["mononeuropathies"]


def peroneal_rows(ankle, below, above):
    return replace(normal_rows(), "peroneal", "motor", "R", [
        mot("peroneal", "R", "ankle", 4.5, ankle, 90.0),
        mot("peroneal", "R", "below_fibular_head", 11.1, below, 310.0),
        mot("peroneal", "R", "above_fibular_head", 13.1, above, 100.0)])


def test_amplitude_drop_of_exactly_the_limit_is_not_flagged():
    # 4.4 -> 3.3 mV is a drop of exactly 25% (25.00000000000001 in floating point): Buschbacher's
    # limit is "> 25%", so it is within normal limits
    f, s, n = run(peroneal_rows(4.5, 4.4, 3.3), NORMAL_F)
    seg = f.segments.filter((f.segments["nerve"] == "peroneal")
                            & (f.segments["segment_site"] == "fibular_head")).row(0, named=True)
    assert seg["drop_pct"] == 25.0 and seg["pfh_amp"] is False
    assert s["mononeuropathies"] == [] and s["ncs_abnormal"] is False
    assert n[("peroneal", "motor", "R")]["pattern"] == "normal"
    # 26% is beyond it
    _, s2, _ = run(peroneal_rows(4.5, 4.4, 3.25), NORMAL_F)
    assert s2["mononeuropathies"] == ["peroneal:R:fibular_head"]


def test_drops_are_not_judged_on_a_tiny_distal_cmap():
    # distal CMAP 0.8 mV: a 50% drop across the fibular head (0.8 -> 0.4 mV) or a 60% forearm
    # drop is not localizing (EFNS/PNS 2010: distal CMAP > 1 mV and >= 20% LLN)
    f, s, n = run(peroneal_rows(0.8, 0.8, 0.4), NORMAL_F)
    assert "peroneal:R:fibular_head" not in s["mononeuropathies"]
    seg = f.segments.filter(f.segments["nerve"] == "peroneal")
    assert seg["pfh_amp"].to_list() == [False, False]
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 3.6, 1.0, 70.0),
                                                           mot("median", "R", "elbow", 7.6, 0.4, 220.0)])
    f, s, n = run(rows, NORMAL_F)
    assert n[("median", "motor", "R")]["conduction_block"] is False
    assert all(not m.startswith("median:R:forearm") for m in s["mononeuropathies"])
    # the same drop on a 5 mV CMAP is a conduction block
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 3.6, 5.0, 70.0),
                                                           mot("median", "R", "elbow", 7.6, 2.0, 220.0)])
    f, s, n = run(rows, NORMAL_F)
    assert n[("median", "motor", "R")]["conduction_block"] is True
    assert s["mononeuropathies"] == ["median:R:forearm"]


def test_aan_1991_block_needs_more_than_20_percent():
    from edxlab.interpret.config import InterpretConfig

    # 5.0 -> 4.0 mV = exactly 20%: AAN 1991 says "> 20% drop"
    rows = replace(normal_rows(), "median", "motor", "R", [mot("median", "R", "wrist", 3.6, 5.0, 70.0),
                                                           mot("median", "R", "elbow", 7.6, 4.0, 220.0)])
    _, _, n = run(rows, NORMAL_F, config=InterpretConfig(criteria="aan_1991"))
    assert n[("median", "motor", "R")]["conduction_block"] is False


def test_polyneuropathy_at_80_with_absent_but_normal_surals():
    # Tavee 2014: absent surals are normal at >= 75, so England's "one of them the sural" cannot
    # hold; the abnormal peroneal/tibial/superficial peroneal nerves stand in for it
    rows = axonal_pn_rows() + [nr(sen("sural", "L", 3.5, 15.0, 140.0))]
    f, s, n = run(rows, NORMAL_F, age=80.0, profile="age_height_stratified")
    assert n[("sural", "sensory", "R")]["pattern"] == "normal"
    assert s["polyneuropathy"] == "axonal"
    assert s["mononeuropathies"] == [] and s["ncs_abnormal"] is True
    pn = f.lesions.row(0, named=True)
    assert pn["rule_ids"].startswith("ENGLAND2005.dsp;TAVEE2014.dsp_elderly_sural;")
    assert pn["evidence"].startswith(
        "abnormal in 4 nerves including a lower-limb nerve standing in for the sural, absent but "
        "normal for age (England 2005; Tavee 2014)")
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a "
                                "length-dependent axonal sensorimotor polyneuropathy, moderate "
                                "in severity.")
    # an absent sural alone stays normal at 80; upper-limb nerves alone do not stand in
    _, s1, _ = run(elderly_rows(), NORMAL_F, age=80.0, profile="age_height_stratified")
    assert (s1["polyneuropathy"], s1["ncs_abnormal"]) == ("none", False)
    arms = replace(elderly_rows(), "median", "sensory", "R", [sen("median", "R", 3.3, 15.0, 130.0)])
    arms = replace(arms, "ulnar", "sensory", "R", [sen("ulnar", "R", 2.9, 14.0, 110.0)])
    _, s2, _ = run(arms, NORMAL_F, age=80.0, profile="age_height_stratified")
    assert s2["polyneuropathy"] == "none"


def test_isolated_low_sural_is_not_a_polyneuropathy():
    rows = replace(normal_rows(), "sural", "sensory", "R", [sen("sural", "R", 3.5, 4.0, 140.0)])
    _, s, n = run(rows, NORMAL_F)
    assert n[("sural", "sensory", "R")]["amplitude_abnormal"] is True
    assert s["polyneuropathy"] == "none"


def test_bilateral_carpal_tunnel_is_two_mononeuropathies():
    rows = replace(normal_rows(), "median", "sensory", "R", [sen("median", "R", 4.2, 20.0, 130.0)])
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 5.0, 8.0, 70.0),
                                                  mot("median", "R", "elbow", 9.0, 7.8, 220.0)])
    rows += [mot("median", "L", "wrist", 3.8, 9.0, 70.0), mot("median", "L", "elbow", 7.8, 8.6, 220.0),
             sen("median", "L", 4.0, 28.0, 130.0), sen("ulnar", "L", 2.7, 25.0, 110.0),
             mot("ulnar", "L", "wrist", 2.8, 10.0, 70.0), mot("ulnar", "L", "below_elbow", 6.2, 9.8, 200.0)]
    f, s, _ = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["median:L:wrist", "median:R:wrist"]
    assert s["polyneuropathy"] == "none"
    assert set(f.lesions["kind"]) == {"mononeuropathy"}
    assert f.lesions["severity"].to_list() == ["mild", "moderate"]
    assert s["ncs_summary"] == ("Abnormal study. There is electrodiagnostic evidence of a left "
                                "median neuropathy at the wrist, mild in severity, and a right "
                                "median neuropathy at the wrist, moderate in severity.")


def test_pure_sensory_polyneuropathy_reads_an_axonal():
    rows = normal_rows()
    for nerve, lat, amp, dist in (("median", 3.1, 35.0, 130.0), ("ulnar", 2.7, 25.0, 110.0),
                                  ("sural", 3.5, 15.0, 140.0)):
        rows = replace(rows, nerve, "sensory", "R", [nr(sen(nerve, "R", lat, amp, dist))])
    f, s, n = run(rows + [nr(sen("radial", "R", 2.3, 30.0, 100.0))], NORMAL_F)
    assert s["polyneuropathy"] == "axonal"
    assert {k for k, r in n.items() if r["pattern"] == "absent"} == {
        ("median", "sensory", "R"), ("ulnar", "sensory", "R"), ("radial", "sensory", "R"),
        ("sural", "sensory", "R")}
    # the radial SNAP as absent as the sural: not length-dependent, a neuronopathy pattern
    assert s["ncs_summary"].startswith(
        "Abnormal study. There is electrodiagnostic evidence of an axonal sensory polyneuropathy, "
        "not length-dependent (a sensory neuronopathy pattern: consider a dorsal root "
        "ganglionopathy), ")


LOWER_TRUNK = [mot("ulnar", "R", "wrist", 2.9, 3.0, 70.0), mot("ulnar", "R", "below_elbow", 6.4, 2.9, 200.0),
               mot("ulnar", "R", "above_elbow", 8.2, 2.8, 100.0),
               mot("median", "R", "wrist", 3.7, 3.5, 70.0), mot("median", "R", "elbow", 7.8, 3.4, 220.0),
               sen("ulnar", "R", 2.7, 4.0, 110.0),
               nr(sen("medial_antebrachial_cutaneous", "R", 2.0, 10.0, 120.0, stim="elbow",
                      record="forearm"))]


def _lower_trunk_rows(extra=()):
    rows = normal_rows()
    for nerve, modality in (("ulnar", "motor"), ("median", "motor"), ("ulnar", "sensory")):
        rows = replace(rows, nerve, modality, "R", [])
    return rows + LOWER_TRUNK + list(extra)


def test_lower_trunk_plexopathy_is_one_plexus_lesion_not_an_ulnar_neuropathy():
    f, s, n = run(_lower_trunk_rows(), NORMAL_F)
    assert s["mononeuropathies"] == [] and s["polyneuropathy"] == "none"
    les = f.lesions.row(0, named=True)
    assert (les["kind"], les["nerve"], les["side"], les["site"], les["severity"]) == (
        "plexopathy", "brachial_plexus", "R", "lower_trunk;medial_cord", "moderate")
    assert les["rule_ids"] == "plexopathy.ncs"
    # the median SNAP (digit 2: upper/middle trunk, lateral cord) is normal: spared elements
    assert s["ncs_summary"].startswith(
        "Abnormal study. There is electrodiagnostic evidence of a right brachial plexopathy "
        "(lower trunk or medial cord), moderate in severity.")


def test_radial_motor_response_separates_lower_trunk_from_medial_cord():
    normal_eip = [mot("radial", "R", "forearm", 2.4, 4.0, 60.0)]
    f, s, n = run(_lower_trunk_rows(normal_eip), NORMAL_F)
    assert f.lesions["site"].to_list() == ["medial_cord"]  # posterior-cord EIP spared
    low_eip = [mot("radial", "R", "forearm", 2.4, 1.0, 60.0)]
    f, s, n = run(_lower_trunk_rows(low_eip), NORMAL_F)
    assert f.lesions["site"].to_list() == ["lower_trunk"]


def test_upper_trunk_plexopathy():
    """LABC absent and radial SNAP low; the normal median digit-2 SNAP (upper or middle trunk,
    lateral cord) spares only the lateral cord."""
    rows = normal_rows() + [
        nr(sen("lateral_antebrachial_cutaneous", "R", 2.0, 15.0, 120.0, stim="elbow", record="forearm")),
        sen("radial", "R", 2.3, 6.0, 100.0)]
    f, s, n = run(rows, NORMAL_F)
    assert f.lesions.select("kind", "site").rows() == [("plexopathy", "upper_trunk")]
    assert "a right brachial plexopathy (upper trunk)" in s["ncs_summary"]


def test_normal_sensory_responses_make_it_root_not_plexus():
    """C8 radiculopathy: low ulnar and median CMAPs, normal ulnar SNAP and MABC."""
    rows = _lower_trunk_rows()
    rows = replace(rows, "ulnar", "sensory", "R", [sen("ulnar", "R", 2.7, 25.0, 110.0)])
    rows = replace(rows, "medial_antebrachial_cutaneous", "sensory", "R", [
        sen("medial_antebrachial_cutaneous", "R", 2.0, 12.0, 120.0, stim="elbow", record="forearm")])
    f, s, n = run(rows, NORMAL_F)
    assert "plexopathy" not in f.lesions["kind"].to_list()
    assert s["motor_only_pattern"] is True


def test_absent_f_waves_alone_point_to_proximal_conduction_failure():
    """Early Guillain-Barre syndrome: normal distal conductions, F-waves absent in 3 nerves."""
    absent_f = [dict(study_id="s1", nerve=n, side="R", min_latency_ms=None, min_latency_ms_nr=True)
                for n in ("median", "ulnar", "tibial")]
    f, s, n = run(normal_rows(), absent_f)
    assert s["ncs_abnormal"] is True and s["polyneuropathy"] == "none" and f.lesions.height == 0
    assert s["ncs_summary"].endswith(
        "F-waves are absent in the right median, right ulnar and right tibial nerves with their "
        "distal motor responses present: proximal conduction failure (roots or proximal nerve "
        "segments, as in early Guillain-Barre syndrome) is possible in the right clinical setting.")
    one = [absent_f[0]] + NORMAL_F[1:]
    f, s, n = run(normal_rows(), one)
    assert "proximal conduction failure" not in s["ncs_summary"]


def test_equal_segment_velocities_name_the_distal_segment_every_time():
    rows = replace(normal_rows(), "ulnar", "motor", "R", [
        mot("ulnar", "R", "wrist", 2.8, 10.0, 70.0), mot("ulnar", "R", "below_elbow", 6.8, 9.8, 200.0),
        mot("ulnar", "R", "above_elbow", 8.8, 9.6, 100.0)])  # forearm and across elbow both 50 m/s
    picks = set()
    for _ in range(3):
        f, s, n = run(rows, NORMAL_F)
        u = n[("ulnar", "motor", "R")]
        picks.add((u["cv_ms"], u["cv_segment"]))
    assert picks == {(50.0, "wrist-below_elbow")}


def test_one_leg_sacral_division_axon_loss_is_a_sciatic_or_sacral_plexus_lesion():
    """Right peroneal and tibial CMAPs, sural and superficial peroneal SNAPs low; the left leg
    normal, so not a polyneuropathy; the conductions cannot tell sciatic nerve from plexus."""
    rows = replace(normal_rows(), "peroneal", "motor", "R", [
        mot("peroneal", "R", "ankle", 4.7, 1.0, 90.0), mot("peroneal", "R", "below_fibular_head", 11.5, 0.9, 310.0),
        mot("peroneal", "R", "above_fibular_head", 13.5, 0.9, 100.0)])
    rows = replace(rows, "tibial", "motor", "R", [mot("tibial", "R", "ankle", 4.4, 3.0, 90.0),
                                                 mot("tibial", "R", "popliteal_fossa", 12.8, 2.7, 400.0)])
    rows = replace(rows, "sural", "sensory", "R", [sen("sural", "R", 3.6, 4.0, 140.0)])
    rows += [sen("superficial_peroneal", "R", 3.4, 3.0, 140.0),
             mot("peroneal", "L", "ankle", 4.5, 5.0, 90.0), mot("peroneal", "L", "below_fibular_head", 11.1, 4.8, 310.0),
             mot("tibial", "L", "ankle", 4.2, 12.0, 90.0), mot("tibial", "L", "popliteal_fossa", 12.4, 10.0, 400.0),
             sen("sural", "L", 3.5, 15.0, 140.0), sen("superficial_peroneal", "L", 3.4, 12.0, 140.0)]
    f, s, n = run(rows, NORMAL_F)
    assert s["polyneuropathy"] == "none" and s["mononeuropathies"] == []
    assert f.lesions.select("kind", "nerve", "side", "site").rows() == [
        ("plexopathy", "lumbosacral_plexus", "R", "sacral_plexus")]
    assert s["ncs_summary"].startswith(
        "Abnormal study. There is electrodiagnostic evidence of a right sciatic nerve or sacral "
        "plexus lesion, moderate in severity.")


def test_ulnar_neuropathy_at_the_wrist_from_focal_distal_motor_slowing():
    """Guyon canal, deep motor branch: prolonged ulnar motor distal latency and low CMAP, normal
    forearm velocity, ulnar SNAP and median distal latency."""
    rows = replace(normal_rows(), "ulnar", "motor", "R", [
        mot("ulnar", "R", "wrist", 4.9, 3.0, 70.0), mot("ulnar", "R", "below_elbow", 8.3, 2.9, 200.0),
        mot("ulnar", "R", "above_elbow", 10.3, 2.9, 100.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["ulnar:R:wrist"] and s["motor_only_pattern"] is False
    les = f.lesions.row(0, named=True)
    assert (les["site"], les["severity"]) == ("wrist", "severe")
    assert les["rule_ids"].startswith("ulnar_wrist")
    # the same latency with a prolonged median distal latency too is not a focal ulnar lesion
    rows = replace(rows, "median", "motor", "R", [mot("median", "R", "wrist", 5.2, 9.0, 70.0),
                                                  mot("median", "R", "elbow", 9.2, 8.6, 220.0)])
    f, s, n = run(rows, NORMAL_F)
    assert "ulnar:R:wrist" not in s["mononeuropathies"]


def test_femoral_neuropathy_from_side_to_side_cmap_and_absent_saphenous():
    """No reference limit for the femoral CMAP: it is low against the other side (21%); with
    the saphenous SNAP absent (an NR row among rows with no NR flag at all) it is a lumbar-
    division lesion, not a saphenous neuropathy."""
    rows = normal_rows() + [
        mot("femoral", "R", "inguinal", 7.0, 1.5, None, record="rectus_femoris"),
        mot("femoral", "L", "inguinal", 6.5, 7.0, None, record="rectus_femoris"),
        nr(sen("saphenous", "R", 3.5, 5.0, 140.0, stim="leg", record="medial_ankle")),
        sen("saphenous", "L", 3.5, 6.0, 140.0, stim="leg", record="medial_ankle")]
    f, s, n = run(rows, NORMAL_F)
    fem = n[("femoral", "motor", "R")]
    assert (round(fem["side_ratio_value"], 2), fem["side_ratio_abnormal"], fem["pattern"]) == (
        0.21, True, "axonal")
    assert s["mononeuropathies"] == []
    assert "a right femoral nerve or lumbar plexus lesion" in s["ncs_summary"]


def _mmn_rows():
    """Conduction block in the right median and ulnar forearm segments (CMAP 8.5 -> 2.5 mV and
    9.5 -> 3.0 mV), normal distal latencies and sensory responses."""
    rows = replace(normal_rows(), "median", "motor", "R", [
        mot("median", "R", "wrist", 3.7, 8.5, 70.0), mot("median", "R", "elbow", 8.0, 2.5, 220.0)])
    return replace(rows, "ulnar", "motor", "R", [
        mot("ulnar", "R", "wrist", 2.9, 9.5, 70.0), mot("ulnar", "R", "below_elbow", 7.4, 3.0, 200.0),
        mot("ulnar", "R", "above_elbow", 9.3, 2.9, 100.0)])


def test_conduction_block_in_two_motor_nerves_with_normal_snaps_is_the_mmn_pattern():
    """AAEM 2003: conduction block in >= 2 motor nerves away from entrapment sites with normal
    sensory conduction (ncs_criteria.toml [mmn])."""
    f, s, n = run(_mmn_rows(), NORMAL_F)
    assert s["polyneuropathy"] == "demyelinating" and s["motor_only_pattern"] is False
    assert n[("median", "motor", "R")]["pattern"] == "demyelinating"
    assert s["ncs_summary"] == (
        "Abnormal study. There is electrodiagnostic evidence of a demyelinating motor "
        "polyneuropathy with conduction block and normal sensory responses (the pattern of "
        "multifocal motor neuropathy), moderate in severity.")


def test_conduction_blocks_with_an_abnormal_snap_are_not_the_mmn_pattern():
    rows = replace(_mmn_rows(), "ulnar", "sensory", "R", [sen("ulnar", "R", 2.7, 4.0, 110.0)])
    f, s, n = run(rows, NORMAL_F)
    assert s["polyneuropathy"] in ("demyelinating", "mixed")
    assert "multifocal motor neuropathy" not in s["ncs_summary"]


def test_sensory_nerve_stimulated_at_two_sites_without_a_motor_nerve():
    """A median SNAP (digit 2) stimulated at the wrist and the elbow, no motor nerve tested:
    the forearm sensory velocity is 230 mm / (7.0 - 3.1) ms = 59 m/s, and there is no motor
    segment to judge for block or focal slowing."""
    f, s, n = run([sen("median", "R", 3.1, 35.0, 130.0),
                   sen("median", "R", 7.0, 20.0, 230.0, stim="elbow")])
    assert f.segments.height == 0
    median = n[("median", "sensory", "R")]
    assert median["cv_ms"] == 59.0 and median["cv_segment"] == "wrist-elbow"


def test_absent_median_cmap_with_a_normal_snap_is_not_carpal_tunnel():
    """An absent APB response has no latency to localize; with the median SNAP normal it is a
    motor root / anterior horn cell / distal motor branch finding, not a lesion at the wrist.
    With the SNAP absent too it is a severe carpal tunnel syndrome."""
    rows = replace(normal_rows(), "median", "motor", "R", [
        nr(mot("median", "R", "wrist", 3.6, 9.0, 70.0)), nr(mot("median", "R", "elbow", 7.6, 8.6, 220.0))])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == []
    assert s["ncs_summary"] == (
        "There is no electrodiagnostic evidence of a peripheral or cranial neuropathy. The abnormal "
        "motor response of the right median nerve with normal sensory responses does not indicate "
        "a peripheral neuropathy; it is consistent with a motor root or anterior horn cell "
        "process, or a distal motor branch lesion.")
    rows = replace(rows, "median", "sensory", "R", [nr(sen("median", "R", 3.1, 35.0, 130.0))])
    f, s, n = run(rows, NORMAL_F)
    assert s["mononeuropathies"] == ["median:R:wrist"]
    assert f.lesions.row(0, named=True)["severity"] == "severe"
