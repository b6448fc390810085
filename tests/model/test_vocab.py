"""Vocabularies: every vocabulary named in tables.toml exists; aliases of EMG reports map."""

from __future__ import annotations

import pytest

from edxlab.model.schema import tables
from edxlab.model.vocab import normalize, segment_order, site_order, vocabulary, vocabulary_names


def test_every_vocab_in_tables_toml_exists():
    named = {c.vocab for t in tables().values() for c in t.columns.values() if c.vocab}
    assert named <= set(vocabulary_names())
    for name in named:
        assert len(vocabulary(name)) >= 2, name


def test_no_alias_points_two_ways():
    """An alias that normalizes to another code of the same vocabulary would shadow it."""
    for name in vocabulary_names():
        vocab = vocabulary(name)
        codes = {normalize(c) for c in vocab}
        for code, entry in vocab.codes.items():
            for alias in entry.get("aliases", []):
                assert normalize(alias) not in codes - {normalize(code)}, (name, alias)


@pytest.mark.parametrize("typed,code", [
    ("APB", "abductor_pollicis_brevis"), ("ADM", "abductor_digiti_minimi"),
    ("FDI", "first_dorsal_interosseous"), ("EDB", "extensor_digitorum_brevis"),
    ("AH", "abductor_hallucis"), ("TA", "tibialis_anterior"),
    ("EDC", "extensor_digitorum_communis"), ("EIP", "extensor_indicis"),
    ("FCR", "flexor_carpi_radialis"), ("FCU", "flexor_carpi_ulnaris"),
    ("FPL", "flexor_pollicis_longus"), ("VL", "vastus_lateralis"), ("VM", "vastus_medialis"),
    ("MG", "medial_gastrocnemius"), ("biceps", "biceps_brachii"), ("triceps", "triceps_brachii"),
    ("Lumbar paraspinals", "lumbosacral_paraspinal"),
])
def test_muscle_abbreviations(typed, code):
    match = vocabulary("muscle").lookup(typed)
    assert match is not None and match.code == code and match.alias


def test_spelled_out_code_is_not_an_alias():
    match = vocabulary("muscle").lookup(" Abductor pollicis-brevis ")
    assert (match.code, match.alias) == ("abductor_pollicis_brevis", False)


@pytest.mark.parametrize("typed,code", [("peroneal/fibular", "peroneal"), ("fibular", "peroneal"),
                                        ("Superficial fibular", "superficial_peroneal")])
def test_nerve_aliases(typed, code):
    assert vocabulary("nerve").lookup(typed).code == code


@pytest.mark.parametrize("typed,code", [("L", "L"), ("Lt", "L"), ("left", "L"), ("r", "R"),
                                        ("Rt", "R"), ("right", "R")])
def test_sides(typed, code):
    assert vocabulary("side").lookup(typed).code == code


def test_emg_side_adds_midline_and_keeps_sides():
    assert list(vocabulary("emg_side")) == ["L", "R", "midline"]


@pytest.mark.parametrize("typed,grade", [("0", "0"), ("+/-", "+/-"), ("1+", "1+"), ("1", "1+"),
                                         ("2", "2+"), ("4", "4+"), ("3+", "3+")])
def test_grades_and_numbers(typed, grade):
    match = vocabulary("grade").lookup(typed)
    assert (match.code, match.alias) == (grade, False)


def test_present_means_1plus_only_for_fasciculations():
    assert vocabulary("fasciculation_grade").lookup("present").code == "1+"
    assert vocabulary("grade").lookup("present") is None


def test_segments_c1_to_s5_in_order():
    codes = list(vocabulary("segment"))
    assert codes[:3] == ["C1", "C2", "C3"] and codes[-1] == "S5" and len(codes) == 30
    assert segment_order("C8") < segment_order("T1") < segment_order("L1") < segment_order("S1")


def test_site_order_is_distal_to_proximal():
    assert site_order("wrist") < site_order("elbow") < site_order("axilla")
    assert site_order("ankle") < site_order("below_fibular_head") < site_order("above_fibular_head")


def test_did_you_mean_prefers_the_matching_head():
    assert vocabulary("muscle").suggest("gastrocnemius_lat")[0] == "lateral_gastrocnemius"
    assert vocabulary("muscle").suggest("gastrocnemius_med")[0] == "medial_gastrocnemius"
    assert vocabulary("nerve").suggest("medain")[0] == "median"


def test_spec_muscle_list_is_covered():
    spec = """abductor_pollicis_brevis, abductor_digiti_minimi, first_dorsal_interosseous,
    flexor_pollicis_longus, pronator_quadratus, pronator_teres, flexor_carpi_radialis,
    flexor_carpi_ulnaris, flexor_digitorum_superficialis, flexor_digitorum_profundus,
    extensor_indicis, extensor_digitorum_communis, extensor_carpi_radialis, supinator,
    brachioradialis, biceps_brachii, triceps_brachii, deltoid, supraspinatus, infraspinatus,
    rhomboid_major, serratus_anterior, latissimus_dorsi, pectoralis_major, trapezius,
    sternocleidomastoid, diaphragm, iliopsoas, adductor_longus, vastus_lateralis,
    vastus_medialis, rectus_femoris, tensor_fasciae_latae, gluteus_medius, gluteus_maximus,
    biceps_femoris_long_head, biceps_femoris_short_head, semitendinosus, tibialis_anterior,
    extensor_hallucis_longus, extensor_digitorum_brevis, peroneus_longus, tibialis_posterior,
    flexor_digitorum_longus, medial_gastrocnemius, lateral_gastrocnemius, soleus,
    abductor_hallucis, cervical_paraspinal, thoracic_paraspinal, lumbosacral_paraspinal,
    rectus_abdominis, genioglossus, masseter, frontalis, orbicularis_oculi, orbicularis_oris,
    mentalis"""
    codes = {c.strip() for c in spec.split(",")}
    assert codes <= set(vocabulary("muscle"))


def test_spec_nerves_and_sites_are_covered():
    nerves = {"median", "ulnar", "dorsal_ulnar_cutaneous", "radial", "lateral_antebrachial_cutaneous",
              "medial_antebrachial_cutaneous", "peroneal", "superficial_peroneal", "tibial", "sural",
              "saphenous", "femoral", "facial", "spinal_accessory", "phrenic"}
    assert nerves <= set(vocabulary("nerve"))
    sites = {"wrist", "elbow", "axilla", "apb", "digit1", "digit2", "digit3", "digit4", "digit5",
             "palm", "below_elbow", "above_elbow", "adm", "fdi", "eip", "forearm", "snuffbox",
             "ankle", "below_fibular_head", "above_fibular_head", "edb", "tibialis_anterior",
             "lateral_leg", "lateral_ankle", "popliteal_fossa", "ah", "calf", "lateral_malleolus",
             "inguinal", "rectus_femoris", "stylomastoid", "nasalis", "orbicularis_oculi",
             "orbicularis_oris", "mentalis", "frontalis", "trapezius", "diaphragm"}
    assert sites <= set(vocabulary("site"))
