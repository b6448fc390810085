"""The command line: thin parsing, one error translation, exit codes, speed of --help."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from edxlab.cli import main

SRC = Path(__file__).resolve().parents[1] / "src"


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_clean_dataset_exits_0(example_dir, capsys):
    code, out, _ = run(["validate", str(example_dir)], capsys)
    assert code == 0
    assert "No problems found." in out


def test_validate_errors_exit_1_and_list_them(dataset_copy, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    path = dataset_copy(emg=("S01,tibialis_anterior,R", "S01,gastrocnemius_lat,R"))
    code, out, _ = run(["validate", str(path)], capsys)
    assert code == 1
    assert "lateral_gastrocnemius" in out
    assert "1 error, 0 warnings." in out


def test_validate_json_output(dataset_copy, capsys):
    path = dataset_copy(emg=("S01,tibialis_anterior,R", "S01,tibialis_anterior,Rt"))
    code, out, _ = run(["validate", str(path), "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["errors"] == 0 and doc["warnings"] == 1
    assert doc["issues"][0] == {
        "file": "emg.csv", "row": 9, "column": "side", "value": "Rt", "severity": "warning",
        "message": "'Rt' read as R (right); this mapping applies to every row", "rule": "alias"}


def test_missing_dataset_is_one_line_error(tmp_path, capsys):
    code, out, err = run(["validate", str(tmp_path / "nope")], capsys)
    assert code == 1
    assert err.strip() == f"Error: {tmp_path / 'nope'}: no such file or folder"
    assert "Traceback" not in err + out


def test_help_is_fast_and_lazy():
    code = ("import sys, time; t = time.perf_counter(); from edxlab.cli import main; "
            "rc = main(['--help']); "
            "heavy = [m for m in ('polars', 'duckdb', 'pyarrow', 'numpy') if m in sys.modules]; "
            "print(heavy, time.perf_counter() - t, file=sys.stderr)")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=60)
    elapsed = time.perf_counter() - start
    assert "validate" in proc.stdout
    assert proc.stderr.startswith("[]"), proc.stderr
    assert elapsed < 3.0  # interpreter start included; the import itself is well under a second


def test_import_then_reimport_says_unchanged(example_dir, tmp_path, capsys):
    db = tmp_path / "edx.duckdb"
    code, out, _ = run(["import", str(example_dir), "--db", str(db)], capsys)
    assert code == 0 and "5 patients added" in out
    code, out, _ = run(["import", str(example_dir), "--db", str(db)], capsys)
    assert code == 0
    assert f"Nothing changed in {db}:" in out and "  5 patients unchanged" in out


def test_import_with_errors_writes_nothing_and_exits_1(dataset_copy, tmp_path, capsys,
                                                        monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    path = dataset_copy(studies=("S01,P01,2021-02-15", "S01,P01,2099-02-15"))
    db = tmp_path / "edx.duckdb"
    code, out, err = run(["import", str(path), "--db", str(db)], capsys)
    assert code == 1
    assert "study_date 2099-02-15 is in the future" in err
    assert f"Nothing was imported; {db} was not created." in err
    assert not db.exists()
    assert "Traceback" not in out + err


def test_import_pseudonymized_and_export(example_dir, tmp_path, capsys):
    key = tmp_path / "key"
    key.write_text("5f2b8c0e9d7a4136b1e0c2f4a8d6e9b3\n")
    db = tmp_path / "edx.duckdb"
    code, out, _ = run(["import", str(example_dir), "--db", str(db), "--pseudonymize", str(key),
                        "--shift-dates"], capsys)
    assert code == 0 and "(pseudonymized)" in out
    code, out, _ = run(["export", "--db", str(db), "--out", str(tmp_path / "out"),
                        "--format", "json"], capsys)
    assert code == 0 and f"Wrote 1 file to {tmp_path / 'out'} and 2 recording files" in out
    text = (tmp_path / "out" / "dataset.json").read_text()
    assert '"P01"' not in text and '"S01"' not in text


def test_shift_dates_without_key_is_an_error(example_dir, tmp_path, capsys):
    code, _, err = run(["import", str(example_dir), "--db", str(tmp_path / "x.duckdb"),
                        "--shift-dates"], capsys)
    assert code == 1
    assert err.strip() == "Error: --shift-dates needs --pseudonymize KEYFILE"


def test_export_of_missing_database(tmp_path, capsys):
    code, _, err = run(["export", "--db", str(tmp_path / "none.duckdb"), "--out",
                        str(tmp_path / "o")], capsys)
    assert code == 1
    assert "not found; create it with `edxlab import DATASET --db" in err


def test_example_demo_imports_the_example_and_shows_it(tmp_path, capsys, monkeypatch):
    """The foundation's demo (bundled example -> fresh database -> overview tables)."""
    from edxlab.store.console import run_demo

    monkeypatch.setenv("COLUMNS", "200")
    run_demo(str(tmp_path / "demo"))
    out = capsys.readouterr().out
    assert (tmp_path / "demo" / "edxlab.duckdb").is_file()
    assert "Patients" in out and "P01" in out and "positive" in out
    run_demo(str(tmp_path / "demo"))  # a fresh database each time, not a re-import
    out = capsys.readouterr().out
    assert "│ ncs      │   74 │" in out
