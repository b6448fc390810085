import json
from pathlib import Path

import polars as pl

from edxlab.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def test_signal_analyze_writes_all_outputs(tmp_path, capsys):
    out = tmp_path / "res"
    rc = main(["signal", "analyze", str(DATA / "emgdb" / "emg_myopathy.hea"), "--muscle", "TA", "--age", "57",
               "--out", str(out)])
    assert rc == 0
    for name in ("units.csv", "discharges.csv", "spontaneous.csv", "summary.json", "figure.png"):
        assert (out / name).stat().st_size > 0
    units = pl.read_csv(out / "units.csv")
    assert units.columns[:7] == ["unit", "n_discharges", "firing_rate_hz", "amplitude_uv", "duration_ms", "phases",
                                 "turns"]
    s = json.loads((out / "summary.json").read_text())
    assert s["classification"] == "myopathic"
    assert s["clipped_samples"] == 0
    assert s["reference"]["muscle"] == "tibialis_anterior"
    assert pl.read_csv(out / "discharges.csv").height == units["n_discharges"].sum()
    assert "myopathic" in capsys.readouterr().out


def test_signal_analyze_rest_reports_spontaneous_activity(tmp_path):
    from scipy.io import wavfile

    from edxlab.synth.signal import synth_rest

    s = synth_rest(duration_s=5, n_fib=1, seed=4)
    wavfile.write(tmp_path / "rest.wav", int(s.fs // 1), s.data.astype("float32"))
    rc = main(["signal", "analyze", str(tmp_path / "rest.wav"), "--activation", "rest", "--out", str(tmp_path / "o")])
    assert rc == 0
    summ = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summ["spontaneous"]["grade"] == "1+"
    assert summ["spontaneous"]["counts"]["fibrillation"] > 5
    kinds = pl.read_csv(tmp_path / "o" / "spontaneous.csv")["kind"].unique().to_list()
    assert "fibrillation" in kinds


def test_signal_score_prints_pooled_f1(capsys):
    base = DATA / "emglab_n2001" / "N2001C01BB51"
    rc = main(["signal", "score", f"{base}.hea", "--annotations", f"{base}.eaf"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "pooled: precision" in out and "F1" in out


def test_missing_recording_is_a_clear_error(tmp_path, capsys):
    rc = main(["signal", "analyze", str(tmp_path / "nope.edf"), "--out", str(tmp_path / "o")])
    assert rc == 1
    assert "nope.edf: recording not found." in capsys.readouterr().err
