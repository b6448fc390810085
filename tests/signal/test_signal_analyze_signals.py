from pathlib import Path

import polars as pl

from edxlab.model.dataset import Dataset
from edxlab.signal.analyze import analyze_signals

DATA = Path(__file__).resolve().parents[1] / "data"


def test_signals_table_gives_measured_rows_per_muscle():
    ds = Dataset.from_frames(
        source=DATA,
        studies=pl.DataFrame(dict(study_id=["s1", "s2"], patient_id=["p1", "p2"], age_years=[56.0, 57.0])),
        signals=pl.DataFrame(dict(
            study_id=["s1", "s2", "s2"], muscle=["biceps_brachii", "tibialis_anterior", "deltoid"],
            side=["L", "R", "R"],
            file=["emglab_n2001/N2001A01BB01.hea", "emgdb/emg_myopathy.hea", "missing/none.edf"],
            format=["wfdb", "wfdb", None], activation=["minimal", "minimal", None])),
    )
    out = analyze_signals(ds)
    assert out.height == 3
    rows = {r["muscle"]: r for r in out.iter_rows(named=True)}
    assert rows["biceps_brachii"]["measured_classification"] == "neurogenic"
    assert rows["tibialis_anterior"]["measured_classification"] == "myopathic"
    assert rows["deltoid"]["measured_classification"] == "unreadable"
    assert "recording not found" in rows["deltoid"]["measured_reasons"]
    assert set(out["provenance"]) == {"measured"}
    assert rows["biceps_brachii"]["measured_muap_amplitude_uv"] > 350
