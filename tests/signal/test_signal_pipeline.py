"""Recordings in signals.csv feed muscle_findings: measured columns beside the examiner's grades."""

import datetime as dt
from pathlib import Path

import polars as pl

from edxlab.interpret.config import InterpretConfig
from edxlab.interpret.pipeline import interpret_dataset
from edxlab.model.dataset import Dataset
from edxlab.signal.analyze import measured_signals

DATA = Path(__file__).resolve().parents[1] / "data"


def test_measured_classification_beside_grades_with_disagreement():
    ds = Dataset.from_frames(
        source=DATA,
        patients=pl.DataFrame(dict(patient_id=["p1"], sex=["M"])),
        studies=pl.DataFrame(dict(study_id=["s1"], patient_id=["p1"], study_date=[dt.date(2001, 8, 1)],
                                  age_years=[56.0])),
        emg=pl.DataFrame(dict(study_id=["s1", "s1"], muscle=["biceps_brachii", "tibialis_anterior"],
                              side=["L", "R"], fibs=["0", "0"], psw=["0", "0"],
                              muap_duration=["normal", "normal"], muap_amplitude=["normal", "normal"],
                              recruitment=["normal", "normal"])),
        signals=pl.DataFrame(dict(study_id=["s1"], muscle=["biceps_brachii"], side=["L"],
                                  file=["emglab_n2001/N2001A01BB01.hea"], format=["wfdb"],
                                  activation=["minimal"])),
    )
    # interpret/ is pure: it does not analyse the listed recording itself, the caller does
    plain = interpret_dataset(ds, InterpretConfig())
    assert "measured_classification" not in plain.muscle_findings.columns
    f = interpret_dataset(ds, InterpretConfig(), measured=measured_signals(ds))
    m = {r["muscle"]: r for r in f.muscle_findings.iter_rows(named=True)}
    bb = m["biceps_brachii"]
    assert bb["measured_classification"] == "neurogenic"
    assert bb["measured_provenance"] == "measured"
    assert bb["measured_disagreement"] == "MUAPs measured neurogenic, graded normal"
    assert bb["measured_muap_amplitude_uv"] > 350
    ta = m["tibialis_anterior"]
    assert ta["measured_classification"] is None and ta["measured_disagreement"] is None

