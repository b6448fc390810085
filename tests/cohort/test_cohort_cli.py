"""`edxlab cohort` option errors speak the user's language (no traceback)."""

from __future__ import annotations

from edxlab.cli import main


def test_bad_date(tmp_path, capsys):
    rc = main(["cohort", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path), "--from", "2016-13-01"])
    assert rc == 1
    assert capsys.readouterr().err.strip() == "Error: --from '2016-13-01' is not a date; write it as YYYY-MM-DD (e.g. 2016-01-01)."


def test_bad_required_test(tmp_path, capsys):
    rc = main(["cohort", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path), "--require", "emg,mri"])
    assert rc == 1
    assert "--require 'mri' is not a test; use a comma-separated list of: emg, ncs, fwaves, blink." in capsys.readouterr().err


def test_bad_ci(tmp_path, capsys):
    rc = main(["cohort", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path), "--ci", "wald"])
    assert rc == 1
    assert "Unknown confidence-interval method 'wald'; use one of: wilson, clopper-pearson." in capsys.readouterr().err


def test_missing_database(tmp_path, capsys):
    rc = main(["cohort", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path)])
    assert rc == 1
    assert "does not exist; import a dataset first (edxlab import DATASET --db" in capsys.readouterr().err


def test_empty_window(tmp_path, capsys):
    rc = main(["cohort", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path), "--from", "2020-01-01", "--to", "2019-01-01"])
    assert rc == 1
    assert "The date window is empty: --from 2020-01-01 is after --to 2019-01-01." in capsys.readouterr().err
