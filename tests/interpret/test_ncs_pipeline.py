"""interpret_dataset and `edxlab interpret`: every contract column, CSV conventions, errors."""

from __future__ import annotations

import polars as pl

from edxlab.cli import main
from edxlab.interpret.pipeline import interpret_dataset
from edxlab.io import read_dataset

CONTRACT = ["study_id", "patient_id", "study_date", "ncs_abnormal", "polyneuropathy",
            "mononeuropathies", "cranial_neuropathies", "active_denervation",
            "chronic_denervation", "denervation", "denervation_regions", "denervation_segments",
            "denervation_explained_by_ncs", "lmn_involvement", "mri_concordant", "summary"]


def test_interpret_dataset_has_every_contract_column(example_dir):
    f = interpret_dataset(read_dataset(example_dir))
    assert f.study_findings.columns[:len(CONTRACT)] == CONTRACT
    assert f.study_findings.height == read_dataset(example_dir)["studies"].height
    s05 = f.study_findings.filter(pl.col("study_id") == "S05").row(0, named=True)
    # low right peroneal and tibial CMAPs, absent F-waves, normal SNAPs: pre-ganglionic
    assert (s05["motor_only_pattern"], s05["ncs_abnormal"], s05["polyneuropathy"]) == (True, False, "none")
    s03 = f.study_findings.filter(pl.col("study_id") == "S03").row(0, named=True)
    assert s03["mononeuropathies"] == ["median:R:wrist"]


def test_cli_writes_findings_csv(example_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["interpret", str(example_dir), "--out", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out
    study = pl.read_csv(out / "study_findings.csv", infer_schema=False)
    assert study.columns[:len(CONTRACT)] == CONTRACT
    row = study.filter(pl.col("study_id") == "S03").row(0, named=True)
    assert (row["ncs_abnormal"], row["mononeuropathies"]) == ("true", "median:R:wrist")
    nerves = pl.read_csv(out / "nerve_findings.csv", infer_schema=False)
    for col in ("distal_latency_ms", "distal_latency_limit", "distal_latency_pct_of_limit",
                "distal_latency_source", "amplitude_value", "amplitude_limit", "pattern",
                "rule_ids", "evidence"):
        assert col in nerves.columns


def test_cli_profile_and_criteria_options(example_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["interpret", str(example_dir), "--out", str(out), "--profile",
                 "preston_shapiro_2013", "--criteria", "aan_1991"]) == 0
    nerves = pl.read_csv(out / "nerve_findings.csv", infer_schema=False)
    assert set(nerves["profile"].drop_nulls()) == {"preston_shapiro_2013"}
    assert set(nerves["criteria"]) == {"aan_1991"}


def test_cli_lab_profile_file(example_dir, tmp_path, capsys):
    lab = tmp_path / "our_lab.csv"
    lab.write_text("nerve,modality,measure,bound,limit,unit,source\n"
                   "median,motor,distal_latency,max,3.0,ms,Our lab 2023 (n=150)\n")
    out = tmp_path / "out"
    assert main(["interpret", str(example_dir), "--out", str(out), "--profile", str(lab)]) == 0
    nerves = pl.read_csv(out / "nerve_findings.csv", infer_schema=False)
    med = nerves.filter((pl.col("nerve") == "median") & (pl.col("modality") == "motor"))
    assert set(med["distal_latency_source"]) == {"Our lab 2023 (n=150)"}
    assert set(med["distal_latency_abnormal"]) == {"true"}


def test_cli_unknown_criteria_is_one_line_error(example_dir, tmp_path, capsys):
    assert main(["interpret", str(example_dir), "--out", str(tmp_path), "--criteria", "efns"]) == 1
    err = capsys.readouterr().err
    assert err == ('Error: Criteria set "efns" does not exist; available: aan_1991, '
                   'ean_pns_2021, efns_pns_2010. Did you mean "efns_pns_2010"?\n')


def test_cli_needs_a_dataset_or_a_database(tmp_path, capsys):
    assert main(["interpret", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "Error: Give either a dataset (folder, .xlsx or .json) or --db FILE, not both.\n")


def test_cli_interprets_a_project_database(example_dir, tmp_path, capsys):
    from edxlab import store

    db = tmp_path / "project.duckdb"
    store.import_dataset(example_dir, db)
    assert main(["interpret", "--db", str(db)]) == 0
    assert "Stored the findings of 6 studies in" in capsys.readouterr().out
    con = store.open_store(db, create=False)
    try:
        study = store.read_table(con, "study_findings")
        nerves = store.read_table(con, "nerve_findings")
    finally:
        con.close()
    assert study.columns[:len(CONTRACT)] == CONTRACT
    assert study.filter(pl.col("study_id") == "S05")["motor_only_pattern"].to_list() == [True]
    assert nerves.height > 30


def test_cli_missing_database_is_one_line_error(tmp_path, capsys):
    assert main(["interpret", "--db", str(tmp_path / "nope.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: database ") and "not found" in err
