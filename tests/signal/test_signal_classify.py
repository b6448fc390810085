from edxlab.signal.classify import classify_muaps, muscle_reference


def test_muscle_codes_and_aliases_find_their_reference_row():
    assert muscle_reference("TA").muscle == "tibialis_anterior"
    assert muscle_reference("Biceps brachii (long head)").muscle == "biceps_brachii"
    assert muscle_reference("FDI").muscle == "first_dorsal_interosseous"
    assert muscle_reference("serratus_anterior").muscle == "generic"


def test_few_units_firing_fast_is_reduced_recruitment():
    r = classify_muaps([900, 700], [12, 11], [3, 3], [22.0, 9.0], "tibialis_anterior", 60, firing_cv=[0.1, 0.15])
    assert r["classification"] == "neurogenic"
    assert r["rules"] == ["neurogenic_reduced_recruitment"]
    assert "firing at 22 Hz" in r["reasons"][0]


def test_irregular_fast_train_does_not_count_for_recruitment():
    r = classify_muaps([500, 450], [10, 10], [3, 3], [22.0, 9.0], "tibialis_anterior", 40, firing_cv=[0.8, 0.15])
    assert r["classification"] == "insufficient"


def test_normal_muaps_of_a_young_biceps():
    r = classify_muaps([350, 420, 300, 500, 380], [9, 10, 9.5, 11, 8.8], [3, 2, 3, 4, 3], [8, 9, 10, 7, 11],
                       "biceps_brachii", 30, firing_cv=[0.1] * 5)
    assert r["classification"] == "normal"
    assert r["reasons"][0].startswith("no rule met: mean MUAP amplitude 390 within")


def test_small_short_polyphasic_muaps_are_myopathic():
    r = classify_muaps([150, 180, 120, 200, 160], [5, 6, 5.5, 6, 5], [5, 6, 4, 5, 3], [12, 14, 13, 11, 15],
                       "deltoid", 45, firing_cv=[0.1] * 5)
    assert r["classification"] == "myopathic"
    assert set(r["rules"]) == {"myopathic_small_short", "myopathic_polyphasic"}


def test_one_large_muap_in_a_small_sample_is_neurogenic():
    """Stalberg's 2 of 20 read proportionally: 1 of 6 MUAPs above the biceps upper limit (ULN of
    the mean, 666 uV at 40 years) is neurogenic; 1 of 12 is not (2 would be needed)."""
    six = classify_muaps([950, 540, 440, 370, 300, 420], [11, 10, 11, 12, 10, 11], [3] * 6, [8] * 6,
                         "biceps_brachii", 40, firing_cv=[0.2] * 6)
    assert six["classification"] == "neurogenic"
    assert six["rules"] == ["neurogenic_large_muaps"]
    assert six["reasons"][0].startswith("1 of 6 MUAPs larger than 666 uV")
    twelve = classify_muaps([950] + [400] * 11, [10] * 12, [3] * 12, [8] * 12, "biceps_brachii", 40,
                            firing_cv=[0.2] * 12)
    assert "neurogenic_large_muaps" not in twelve["rules"]
