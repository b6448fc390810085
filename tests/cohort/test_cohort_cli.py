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


def test_cohort_tables_are_stored_in_the_database(tmp_path):
    from pathlib import Path

    import polars as pl

    from edxlab import store

    db = tmp_path / "lab.duckdb"
    store.import_dataset(Path(__file__).parents[2] / "examples" / "nmosd_demo", db)
    out = tmp_path / "cohort"
    assert main(["cohort", "--db", str(db), "--out", str(out)]) == 0
    con = store.open_store(db, create=False, read_only=True)
    try:
        stored = {name: store.read_table(con, name) for name in (
            "patient_findings", "cohort_summary", "cohort_attrition", "study_findings")}
    finally:
        con.close()
    csv = pl.read_csv(out / "patient_findings.csv")
    assert (stored["patient_findings"].sort("patient_id")["included"].to_list()
            == csv.sort("patient_id")["included"].to_list())
    assert stored["cohort_summary"].height == pl.read_csv(out / "cohort_summary.csv").height
    assert stored["cohort_attrition"]["n_after"].to_list() == pl.read_csv(out / "attrition.csv")["n_after"].to_list()
    # findings computed for the cohort are kept too: the same study_findings as `interpret`
    assert sorted(stored["study_findings"]["study_id"].to_list()) == ["S01", "S02", "S03", "S04", "S05", "S06"]
    # a narrower window replaces the stored cohort
    assert main(["cohort", "--db", str(db), "--out", str(out), "--from", "2030-01-01"]) == 0
    con = store.open_store(db, create=False, read_only=True)
    try:
        assert store.read_table(con, "patient_findings")["included"].sum() == 0
    finally:
        con.close()
