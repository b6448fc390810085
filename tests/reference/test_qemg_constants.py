"""The needle EMG signal constants are data: every one has a numeric value and its source."""

import tomllib
from importlib import resources

import pytest

from edxlab.reference.qemg_constants import qemg_constants
from edxlab.signal import muap

FILES = ["decomposition", "muap_measures"]


@pytest.mark.parametrize("name", FILES)
def test_every_constant_has_a_number_and_a_source(name):
    with (resources.files("edxlab.reference") / "qemg" / f"{name}.toml").open("rb") as fh:
        tables = tomllib.load(fh)
    assert tables
    for key, table in tables.items():
        assert set(table) == {"value", "source"}, key
        assert isinstance(table["value"], (int, float)) and not isinstance(table["value"], bool), key
        assert len(table["source"]) > 20, key


def test_muap_measurements_use_the_pattichis_limits_from_the_data_file():
    c = qemg_constants("muap_measures")
    assert (c["band_uv"], c["quiet_s"], c["baseline_lead_s"]) == (40.0, 0.003, 0.006)
    assert (c["phase_uv"], c["turn_uv"]) == (25.0, 25.0)
    assert (muap.BAND_UV, muap.PHASE_UV, muap.MUAP_HALF_S) == (40.0, 25.0, 0.015)
