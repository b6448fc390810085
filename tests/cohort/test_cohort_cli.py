"""`edxlab cohort` option errors speak the user's language (no traceback)."""

from __future__ import annotations

import pytest

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


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from pathlib import Path

    from edxlab import store

    path = tmp_path_factory.mktemp("db") / "demo.duckdb"
    store.import_dataset(Path(__file__).parents[2] / "examples" / "nmosd_demo", path)
    return path


def test_cohort_from_database(db, tmp_path, capsys):
    import polars as pl

    out = tmp_path / "cohort"
    rc = main(["cohort", "--db", str(db), "--out", str(out), "--from", "2021-01-01", "--to", "2022-12-31", "--ci", "clopper-pearson"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Cohort selection" in text and "IPND 2015" in text
    s = pl.read_csv(out / "cohort_summary.csv")
    assert set(s["ci_method"]) == {"clopper-pearson"}
    a = pl.read_csv(out / "attrition.csv")
    pf = pl.read_csv(out / "patient_findings.csv")
    assert a["n_after"][-1] == pf["included"].sum() == s.filter(pl.col("measure") == "denervation")["N"].item()
    for name in ("cohort_report.html", "cohort_tables.xlsx", "cohort_tables.docx", "figures/segments.svg"):
        assert (out / name).exists()


def test_study_reports_from_database(db, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["report", "study", "--db", str(db), "--out", str(out), "--study", "S03"]) == 0
    assert [p.name for p in out.iterdir()] == ["study_S03.html"]
    assert main(["report", "study", "--db", str(db), "--out", str(out), "--study", "S99"]) == 1
    assert "Study 'S99' is not in the database." in capsys.readouterr().err


def test_min_cell_export_is_aggregate_only(db, tmp_path, capsys):
    import polars as pl

    out = tmp_path / "export"
    assert main(["cohort", "--db", str(db), "--out", str(out), "--min-cell", "5"]) == 0
    assert "no patient-level table was written" in capsys.readouterr().out
    assert not (out / "patient_findings.csv").exists() and not (out / "red_flags.csv").exists()
    s = pl.read_csv(out / "cohort_summary.csv", schema_overrides={"n": pl.Int64, "N": pl.Int64})
    assert s["suppressed"].any()
    shown = s.filter(~pl.col("suppressed"))
    assert ((shown["n"] == 0) | (shown["n"] >= 5)).all()
    assert ((shown["N"] - shown["n"] == 0) | (shown["N"] - shown["n"] >= 5)).all()
