"""Recordings kept beside the database, so `interpret --db` finds them (store/recordings.py)."""

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from edxlab.cli import app
from edxlab.store.recordings import keep_recordings, recordings_dir

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


def test_recordings_folder_sits_beside_the_database(tmp_path):
    assert recordings_dir(tmp_path / "lab.duckdb") == tmp_path / "lab.recordings"


def test_only_files_in_subfolders_are_recordings(tmp_path):
    ds = tmp_path / "ds"
    (ds / "signals").mkdir(parents=True)
    (ds / "patients.csv").write_text("patient_id\nP1\n")
    (ds / "signals" / "a.hea").write_text("x")
    assert keep_recordings(ds, tmp_path / "rec") == 1
    assert (tmp_path / "rec" / "signals" / "a.hea").read_text() == "x"
    assert not (tmp_path / "rec" / "patients.csv").exists()
    assert keep_recordings(tmp_path / "book.xlsx", tmp_path / "rec2") == 0


def test_interpret_db_measures_the_recordings_imported_with_the_dataset(tmp_path):
    db = tmp_path / "lab.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["import", str(EXAMPLE), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "recording file(s) kept in" in res.output
    res = runner.invoke(app, ["interpret", "--db", str(db), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    muscles = pl.read_csv(tmp_path / "out" / "muscle_findings.csv", infer_schema_length=0)
    measured = muscles.filter(pl.col("measured_classification").is_not_null())
    assert measured.height >= 1
    assert set(measured["measured_classification"]) <= {"normal", "neurogenic", "myopathic"}
