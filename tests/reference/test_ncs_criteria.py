"""NCS criteria as data: every set and rule carries its source; the sets differ where they should."""

from __future__ import annotations

import pytest

from edxlab.errors import NotFoundError
from edxlab.reference.ncs_criteria import criteria_names, criteria_set, default_criteria_name, ncs_criteria

KEYS = {"label", "source", "low_cmap_pct_lln", "cv_max_pct_lln", "cv_max_pct_lln_low_cmap",
        "dl_min_pct_uln", "dl_min_pct_uln_low_cmap", "f_min_pct_uln", "f_min_pct_uln_low_cmap",
        "f_absent_counts", "f_absent_min_cmap_pct_lln", "cb_min_drop_pct",
        "cb_max_duration_increase_pct", "cb_min_distal_cmap_pct_lln",
        "td_min_duration_increase_pct", "distal_duration_ms", "polyneuropathy_rule",
        "cb_drop_strict", "cb_duration_strict"}


def test_three_selectable_sets_with_sources():
    assert criteria_names() == ["aan_1991", "ean_pns_2021", "efns_pns_2010"]
    assert default_criteria_name() == "efns_pns_2010"
    for name in criteria_names():
        cset = criteria_set(name)
        assert set(cset) == KEYS
        assert len(cset["source"]) > 30


def test_amplitude_dependent_thresholds():
    aan = criteria_set("aan_1991")
    assert (aan["cv_max_pct_lln"], aan["cv_max_pct_lln_low_cmap"]) == (80, 70)
    assert (aan["dl_min_pct_uln"], aan["dl_min_pct_uln_low_cmap"]) == (125, 150)
    assert (aan["f_min_pct_uln"], aan["f_min_pct_uln_low_cmap"]) == (120, 150)
    efns = criteria_set("efns_pns_2010")
    assert (efns["cb_min_drop_pct"], efns["td_min_duration_increase_pct"]) == (50, 30)
    assert efns["distal_duration_ms"] == {"median": 6.6, "ulnar": 6.7, "peroneal": 7.6, "tibial": 8.8}
    assert criteria_set("ean_pns_2021")["cb_min_drop_pct"] == 30


def test_focal_rules_are_cited():
    crit = ncs_criteria()
    assert (crit["une"]["across_elbow_cv_min"], crit["une"]["across_elbow_cv_drop_max"],
            crit["une"]["across_elbow_amp_drop_max_pct"]) == (50, 10, 20)
    assert crit["peroneal_fibular_head"]["across_knee_amp_drop_max_pct"] == 25
    assert crit["dsp"]["required_nerve"] == "sural"
    for section in ("cts", "une", "peroneal_fibular_head", "dsp", "motor_only", "facial", "blink",
                    "temperature", "severity", "mononeuropathy_multiplex"):
        text = " ".join(str(v) for k, v in crit[section].items() if "source" in k)
        assert len(text) > 30, section


def test_unknown_set():
    with pytest.raises(NotFoundError, match='Criteria set "AAN" does not exist'):
        criteria_set("AAN")
