"""``edxlab interpret`` writes the needle EMG findings; EMG criteria overrides from a file."""

from __future__ import annotations

import polars as pl

from edxlab.cli import main


def run(args, capsys):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_interpret_writes_muscle_and_patient_findings(example_dir, tmp_path, capsys):
    code, out, _ = run(["interpret", example_dir, "--out", tmp_path], capsys)
    assert code == 0
    assert f"Wrote {tmp_path / 'muscle_findings.csv'}" in out
    assert f"Wrote {tmp_path / 'patient_findings.csv'}" in out
    mf = pl.read_csv(tmp_path / "muscle_findings.csv", infer_schema=False)
    row = mf.filter((pl.col("study_id") == "S03") & (pl.col("muscle") == "abductor_pollicis_brevis")).row(0, named=True)
    assert (row["denervation"], row["explained_by_ncs"], row["explained_by"]) == ("true", "true", "median:R:wrist")
    sf = pl.read_csv(tmp_path / "study_findings.csv", infer_schema=False)
    s01 = sf.filter(pl.col("study_id") == "S01").row(0, named=True)
    assert (s01["lmn_involvement"], s01["mri_concordant"], s01["denervation_segments"]) == ("true", "true", "C5;C6;C7")
    pf = pl.read_csv(tmp_path / "patient_findings.csv", infer_schema=False)
    assert set(pf.columns) >= {"patient_id", "lmn_suspected", "edx_recommended"}


def test_emg_criteria_file_overrides_and_errors(example_dir, tmp_path, capsys):
    crit = tmp_path / "awaji.toml"
    crit.write_text("[active]\nequivocal_counts = true\n")
    code, _, _ = run(["interpret", example_dir, "--out", tmp_path / "out", "--emg-criteria", crit], capsys)
    assert code == 0
    mf = pl.read_csv(tmp_path / "out" / "muscle_findings.csv", infer_schema=False)
    left_deltoid = mf.filter((pl.col("study_id") == "S01") & (pl.col("muscle") == "deltoid")
                             & (pl.col("side") == "L")).row(0, named=True)
    assert left_deltoid["finding"] == "active_denervation"
    crit.write_text("[active]\nequivocal = true\n")
    code, _, err = run(["interpret", example_dir, "--out", tmp_path / "out", "--emg-criteria", crit], capsys)
    assert code == 1
    assert err.strip() == (
        f"Error: {crit}: Unknown option of EMG criteria [active] 'equivocal'. Did you mean "
        "'equivocal_counts'? Accepted: equivocal_counts, fasciculations_count, "
        "fasciculations_min_grade, min_grade, source.")


def test_interpret_from_database_stores_emg_findings(example_dir, tmp_path, capsys):
    from edxlab import store

    db = tmp_path / "edx.duckdb"
    assert run(["import", example_dir, "--db", db], capsys)[0] == 0
    code, _, err = run(["interpret", "--db", db, "--out", tmp_path / "out"], capsys)
    assert code == 0, err
    con = store.open_store(db)
    try:
        mf = store.read_table(con, "muscle_findings")
        pf = store.read_table(con, "patient_findings")
    finally:
        con.close()
    assert mf.filter(pl.col("denervation")).height > 0
    assert pf.height == 5
