"""Shared fixtures: real recordings (tests/data) analysed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
N2001_ALS = DATA / "emglab_n2001" / "N2001A01BB01"
N2001_CONTROL = DATA / "emglab_n2001" / "N2001C01BB51"
EMGDB_HEALTHY = DATA / "emgdb" / "emg_healthy"
EMGDB_MYOPATHY = DATA / "emgdb" / "emg_myopathy"


@pytest.fixture(scope="session")
def analyses():
    """analyze_file results of the four real recordings (header facts give muscle and age)."""
    from edxlab.signal.analyze import analyze_file

    return {
        name: analyze_file(str(path) + ".hea")
        for name, path in dict(als=N2001_ALS, control=N2001_CONTROL, healthy=EMGDB_HEALTHY,
                               myopathy=EMGDB_MYOPATHY).items()
    }
