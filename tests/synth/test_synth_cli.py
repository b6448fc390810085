"""`edxlab synth`: files written, reproducible, readable, clear errors."""

from __future__ import annotations

import polars as pl

from edxlab.cli import main
from edxlab.io import read_dataset


def test_registry_cohort_round_trips_through_the_reader(tmp_path, capsys):
    out = tmp_path / "cohort"
    assert main(["synth", "--preset", "registry", "--patients", "40", "--seed", "5", "--out", str(out)]) == 0
    assert "Wrote a synthetic registry cohort" in capsys.readouterr().out
    for name in ("patients.csv", "studies.csv", "ncs.csv", "emg.csv", "truth.csv", "truth_patients.csv", "README.txt"):
        assert (out / name).exists()
    assert (out / "README.txt").read_text().startswith("SYNTHETIC DATA")
    ds = read_dataset(out)
    assert ds["patients"].height == 40
    assert not [i for i in ds.issues if i.severity == "error"]
    truth = pl.read_csv(out / "truth.csv")
    assert truth.height == ds["studies"].height
    # NR survives the trip: absent responses are NR, not empty
    assert ds["ncs"]["amplitude_nr"].sum() == (pl.read_csv(out / "ncs.csv", infer_schema=False)["amplitude"] == "NR").sum()


def test_same_seed_same_cohort(tmp_path):
    for d in ("a", "b"):
        assert main(["synth", "--preset", "registry", "--patients", "15", "--seed", "9", "--out", str(tmp_path / d)]) == 0
    for name in ("ncs.csv", "emg.csv", "truth.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_unknown_preset_and_fixed_size_are_clear_errors(tmp_path, capsys):
    assert main(["synth", "--preset", "big", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == "Error: Unknown preset 'big'; accepted: he2022, registry."
    assert main(["synth", "--patients", "100", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "he2022 preset has a fixed size" in err and "--preset registry" in err


def test_xlsx_format(tmp_path):
    assert main(["synth", "--preset", "registry", "--patients", "5", "--out", str(tmp_path), "--format", "xlsx"]) == 0
    assert (tmp_path / "dataset.xlsx").exists()
    assert read_dataset(tmp_path / "dataset.xlsx")["patients"].height == 5
