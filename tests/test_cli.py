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
