"""The innervation chart and EMG criteria files: complete, consistent, sourced."""

from __future__ import annotations

import re
from importlib import resources

import polars as pl
import pytest

from edxlab.errors import ConfigError
from edxlab.reference import innervation
from edxlab.reference.emg_criteria import load_emg_criteria

SPEC_MUSCLES = (
    "abductor_pollicis_brevis abductor_digiti_minimi first_dorsal_interosseous flexor_pollicis_longus "
    "pronator_quadratus pronator_teres flexor_carpi_radialis flexor_carpi_ulnaris "
    "flexor_digitorum_superficialis flexor_digitorum_profundus extensor_indicis "
    "extensor_digitorum_communis extensor_carpi_radialis supinator brachioradialis biceps_brachii "
    "triceps_brachii deltoid supraspinatus infraspinatus rhomboid_major serratus_anterior "
    "latissimus_dorsi pectoralis_major trapezius sternocleidomastoid diaphragm iliopsoas "
    "adductor_longus vastus_lateralis vastus_medialis rectus_femoris tensor_fasciae_latae "
    "gluteus_medius gluteus_maximus biceps_femoris_long_head biceps_femoris_short_head "
    "semitendinosus tibialis_anterior extensor_hallucis_longus extensor_digitorum_brevis "
    "peroneus_longus tibialis_posterior flexor_digitorum_longus medial_gastrocnemius "
    "lateral_gastrocnemius soleus abductor_hallucis cervical_paraspinal thoracic_paraspinal "
    "lumbosacral_paraspinal rectus_abdominis genioglossus masseter frontalis orbicularis_oculi "
    "orbicularis_oris mentalis"
).split()


def test_every_spec_muscle_is_charted_with_valid_roots_and_sources():
    m = innervation.muscles()
    assert set(SPEC_MUSCLES) <= set(m["muscle"])
    assert m["muscle"].is_unique().all()
    segs = set(innervation.SEGMENTS)
    keys = set(innervation.sources()["source"])
    for row in m.iter_rows(named=True):
        assert set(row["roots"]) <= segs, row["muscle"]
        assert set(row["main_roots"]) <= set(row["roots"]), row["muscle"]
        assert row["region"] in innervation.REGIONS
        assert row["source"] and set(row["source"]) <= keys, row["muscle"]
        assert row["nerve"] in row["nerve_path"], row["muscle"]
        assert row["roots"] or row["nucleus"] or row["nerve"] == "dorsal_ramus", row["muscle"]


def test_every_muscle_of_the_reader_vocabulary_is_charted():
    from edxlab.model.vocab import vocabulary

    assert set(vocabulary("muscle")) <= set(innervation.muscles()["muscle"])


def test_chart_facts_from_the_reference():
    m = {r["muscle"]: r for r in innervation.muscles().iter_rows(named=True)}
    assert m["abductor_pollicis_brevis"]["roots"] == ["C8", "T1"]
    assert m["abductor_pollicis_brevis"]["main_roots"] == ["T1"]
    assert m["deltoid"]["nerve"] == "axillary" and m["deltoid"]["main_roots"] == ["C5"]
    assert m["genioglossus"]["nucleus"] == "XII" and m["genioglossus"]["region"] == "bulbar"
    assert m["masseter"]["nucleus"] == "V" and m["frontalis"]["nucleus"] == "VII"
    assert m["biceps_femoris_short_head"]["nerve"] == "peroneal"
    # median branch order: pronator teres, FCR, then AIN muscles, then APB
    order = [m[x]["branch_position"] for x in ("pronator_teres", "flexor_carpi_radialis",
                                               "flexor_pollicis_longus", "abductor_pollicis_brevis")]
    assert order == sorted(order) and len(set(order)) == 4


def test_lesion_sites_cover_the_ncs_site_codes_and_order_along_nerves():
    sites = innervation.lesion_sites()
    have = set(zip(sites["nerve"], sites["site"]))
    for code in ("median:wrist median:forearm median:elbow median:axilla ulnar:wrist ulnar:forearm "
                 "ulnar:elbow ulnar:axilla radial:forearm radial:spiral_groove radial:axilla "
                 "peroneal:ankle peroneal:fibular_head peroneal:thigh tibial:ankle "
                 "tibial:popliteal_fossa facial:stylomastoid").split():
        assert tuple(code.split(":")) in have, code
    pos = {(r["nerve"], r["site"]): r["position"] for r in sites.iter_rows(named=True)}
    assert pos[("median", "axilla")] < pos[("median", "elbow")] < pos[("median", "forearm")] < pos[("median", "wrist")]
    muscle_nerves = set(innervation.muscles()["nerve"]) | {"sciatic"}
    assert set(sites["nerve"]) <= muscle_nerves


def test_cord_levels_and_nuclei_are_well_formed():
    cl = innervation.cord_levels()
    assert cl["vertebra"].to_list()[:3] == ["C1", "C2", "C3"]
    assert (cl["seg_from"] <= cl["seg_to"]).all()
    assert cl.filter(pl.col("vertebra") == "C3")["segment_from"].item() == "C4"
    assert cl.filter(pl.col("vertebra") == "T3")["segment_from"].item() == "T5"
    nuc = innervation.brainstem_nuclei()
    assert dict(zip(nuc["nucleus"], nuc["level"]))["XII"] == "medulla"


def test_aliases_map_report_abbreviations():
    a = innervation.muscle_aliases()
    assert a["fdi"] == "first_dorsal_interosseous"
    assert a["ta"] == "tibialis_anterior"
    assert a["apb"] == "abductor_pollicis_brevis"
    assert a["biceps"] == "biceps_brachii"
    assert a["edb"] == "extensor_digitorum_brevis"


def test_criteria_overrides_are_validated_with_clear_messages():
    assert load_emg_criteria({"mri": {"margin": 2}})["mri"]["margin"] == 2
    with pytest.raises(ConfigError, match=re.escape(
            "Unknown option of EMG criteria [mri] 'margn'. Did you mean 'margin'? Accepted: margin, source.")):
        load_emg_criteria({"mri": {"margn": 2}})
    with pytest.raises(ConfigError, match=re.escape(
            "EMG criteria [active] min_grade = '5+' is not a grade; accepted: 0, +/-, 1+, 2+, 3+, 4+.")):
        load_emg_criteria({"active": {"min_grade": "5+"}})
    with pytest.raises(ConfigError, match="Did you mean 'explanation'"):
        load_emg_criteria({"explanaton": {}})


def test_every_criteria_section_names_its_source():
    import tomllib
    raw = tomllib.loads(resources.files("edxlab.reference").joinpath("emg_criteria.toml").read_text())
    for name, section in raw.items():
        if isinstance(section, dict):
            assert section.get("source"), name
