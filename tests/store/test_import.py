"""Import into DuckDB: transactional, idempotent, audited; export is lossless."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.errors import StoreError, ValidationError
from edxlab.io import read_dataset
from edxlab.model.schema import TABLE_NAMES
from edxlab.store import export_dataset, import_dataset, load_dataset, open_store, read_table
from edxlab.store import importer


def snapshot(db) -> dict[str, list]:
    con = open_store(db, create=False, read_only=True)
    try:
        names = [n for n in TABLE_NAMES] + ["edxlab_audit", "edxlab_imports"]
        return {n: read_table(con, n).rows() for n in names}
    finally:
        con.close()


def test_import_then_load_gives_the_read_frames(example_dir, tmp_path):
    db = tmp_path / "edx.duckdb"
    summary = import_dataset(example_dir, db)
    assert summary.tables["patients"].added == 5
    assert summary.tables["ncs"].added == 74
    con = open_store(db)
    ds = load_dataset(con)
    con.close()
    original = read_dataset(example_dir)
    for name in TABLE_NAMES:
        assert ds[name].equals(original[name]), name


def test_reimport_is_idempotent_and_says_so(example_dir, tmp_path):
    db = tmp_path / "edx.duckdb"
    import_dataset(example_dir, db)
    before = snapshot(db)
    summary = import_dataset(example_dir, db)
    assert not summary.changed
    assert summary.lines()[:2] == ["5 patients unchanged", "6 studies unchanged"]
    assert summary.text().startswith("Nothing changed: 5 patients unchanged; 6 studies unchanged;")
    after = snapshot(db)
    for name in TABLE_NAMES:
        assert after[name] == before[name]
    assert after["edxlab_audit"] == []
    assert len(after["edxlab_imports"]) == 2


def test_changed_rows_are_updated_and_audited(example_dir, dataset_copy, tmp_path):
    db = tmp_path / "edx.duckdb"
    import_dataset(example_dir, db)
    changed = dataset_copy(
        ncs=("S01,median,motor,R,wrist,apb,3.4,,6.1", "S01,median,motor,R,wrist,apb,3.6,,6.1"),
        patients=("P04,F,1984,positive,cba_live,negative,,unknown", "P04,F,1984,positive,cba_live,negative,,positive"),
        emg=("S06,deltoid,R,", "S06,deltoid,L,"))
    summary = import_dataset(changed, db)
    assert summary.tables["ncs"].updated == 1 and summary.tables["ncs"].unchanged == 73
    assert summary.tables["patients"].updated == 1
    assert summary.tables["emg"].added == 1  # a new side is a new row (side is part of the key)
    assert "1 ncs row updated" in summary.lines()[2]
    con = open_store(db)
    audit = read_table(con, "edxlab_audit").sort("table_name")
    ncs = load_dataset(con)["ncs"]
    con.close()
    assert audit.select("table_name", "row_key", "column_name", "old_value", "new_value").rows() == [
        ("ncs", "S01|median|motor|R|wrist", "latency_ms", "3.4", "3.6"),
        ("patients", "P04", "csf_ocb", "unknown", "positive"),
    ]
    assert audit["source_hash"].n_unique() == 1 and len(audit["source_hash"][0]) == 64
    row = ncs.filter((pl.col("study_id") == "S01") & (pl.col("stim_site") == "wrist")
                     & (pl.col("nerve") == "median") & (pl.col("side") == "R")
                     & (pl.col("modality") == "motor"))
    assert row["latency_ms"].to_list() == [3.6]


def test_validation_error_writes_nothing(dataset_copy, example_dir, tmp_path):
    bad = dataset_copy(emg=("S01,tibialis_anterior,R", "S01,gastrocnemius_lat,R"))
    db = tmp_path / "new.duckdb"
    with pytest.raises(ValidationError):
        import_dataset(bad, db)
    assert not db.exists()
    existing = tmp_path / "old.duckdb"
    import_dataset(example_dir, existing)
    before = snapshot(existing)
    with pytest.raises(ValidationError):
        import_dataset(bad, existing)
    assert snapshot(existing) == before


@pytest.mark.parametrize("fail_at", ["studies", "emg", "signs"])
def test_failure_mid_import_leaves_database_unchanged(example_dir, dataset_copy, tmp_path,
                                                      monkeypatch, fail_at):
    db = tmp_path / "edx.duckdb"
    import_dataset(example_dir, db)
    before = snapshot(db)
    changed = dataset_copy(ncs=("S01,median,motor,R,wrist,apb,3.4", "S01,median,motor,R,wrist,apb,3.9"),
                           emg=("S06,deltoid,R,", "S06,deltoid,L,"))
    real = importer.merge_table

    def failing(con, name, *args, **kwargs):
        if name == fail_at:
            raise RuntimeError("disk pulled out")
        return real(con, name, *args, **kwargs)

    monkeypatch.setattr(importer, "merge_table", failing)
    with pytest.raises(RuntimeError, match="disk pulled out"):
        import_dataset(changed, db)
    assert snapshot(db) == before


def test_failure_during_first_import_leaves_no_database(example_dir, tmp_path, monkeypatch):
    db = tmp_path / "edx.duckdb"
    real = importer.merge_table

    def failing(con, name, *args, **kwargs):
        if name == "ncs":
            raise RuntimeError("power cut")
        return real(con, name, *args, **kwargs)

    monkeypatch.setattr(importer, "merge_table", failing)
    with pytest.raises(RuntimeError):
        import_dataset(example_dir, db)
    assert not db.exists()


def test_database_error_is_a_store_error_and_rolls_back(example_dir, tmp_path, monkeypatch):
    db = tmp_path / "edx.duckdb"
    import_dataset(example_dir, db)
    before = snapshot(db)
    real = importer.merge_table

    def broken(con, name, *args, **kwargs):
        if name == "mri":
            con.execute("SELECT * FROM no_such_table").fetchall()
        return real(con, name, *args, **kwargs)

    monkeypatch.setattr(importer, "merge_table", broken)
    with pytest.raises(StoreError, match="the import was rolled back; the database is unchanged"):
        import_dataset(example_dir, db)
    assert snapshot(db) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
def test_import_export_import_is_lossless(example_dir, tmp_path, fmt):
    db = tmp_path / "a.duckdb"
    import_dataset(example_dir, db)
    out = tmp_path / f"export_{fmt}"
    files = export_dataset(db, out, fmt)
    assert files
    source = files[0] if fmt in ("xlsx", "json") else out
    db2 = tmp_path / "b.duckdb"
    import_dataset(source, db2)
    first, second = snapshot(db), snapshot(db2)
    for name in TABLE_NAMES:
        assert second[name] == first[name], name


def test_export_writes_interchange_file_names_and_nr(example_dir, tmp_path):
    db = tmp_path / "a.duckdb"
    import_dataset(example_dir, db)
    export_dataset(db, tmp_path / "out", "csv")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{n}.csv" for n in TABLE_NAMES)
    fwaves = (tmp_path / "out" / "fwaves.csv").read_text().splitlines()
    assert fwaves[0] == "study_id,nerve,side,min_latency_ms,persistence_pct,stimuli"
    assert "S05,tibial,R,NR,0.0,10" in fwaves


def test_open_store_refuses_foreign_files(tmp_path):
    import duckdb

    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE x (a INT)").fetchall()
    con.close()
    with pytest.raises(StoreError, match="is a DuckDB database but not an edxlab database"):
        open_store(other)
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        open_store(garbage)


def test_schema_has_primary_keys_and_the_validator_checks_references(tmp_path):
    con = open_store(tmp_path / "s.duckdb")
    rows = con.execute("SELECT table_name, constraint_type FROM duckdb_constraints() "
                       "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()
    con.close()
    assert {t for t, kind in rows if kind == "PRIMARY KEY"} >= {"patients", "studies"}
    assert not [t for t, kind in rows if kind == "FOREIGN KEY"]  # see schema.create_table_sql


def test_corrected_study_and_patient_rows_reimport_as_updates(example_dir, tmp_path):
    """A study's age and a patient's serostatus corrected at the source: both rows are
    referenced by other tables, and the re-import updates them in place (audited)."""
    import shutil

    import polars as pl

    ds = tmp_path / "ds"
    shutil.copytree(example_dir, ds)
    db = tmp_path / "a.duckdb"
    import_dataset(ds, db)
    studies = pl.read_csv(ds / "studies.csv", infer_schema=False)
    studies.with_columns(pl.when(pl.col("study_id") == "S01").then(pl.lit("51"))
                         .otherwise(pl.col("age_years")).alias("age_years")).write_csv(ds / "studies.csv")
    patients = pl.read_csv(ds / "patients.csv", infer_schema=False)
    patients.with_columns(pl.when(pl.col("patient_id") == "P01").then(pl.lit("negative"))
                          .otherwise(pl.col("aqp4_igg")).alias("aqp4_igg")).write_csv(ds / "patients.csv")
    summary = import_dataset(ds, db)
    assert (summary.tables["studies"].updated, summary.tables["patients"].updated) == (1, 1)
    con = open_store(db, create=False, read_only=True)
    try:
        loaded = load_dataset(con)
    finally:
        con.close()
    assert loaded["studies"].filter(pl.col("study_id") == "S01")["age_years"].item() == 51.0
    assert loaded["patients"].filter(pl.col("patient_id") == "P01")["aqp4_igg"].item() == "negative"


def test_a_database_made_with_foreign_keys_is_rebuilt_without_them(example_dir, tmp_path):
    import duckdb

    from edxlab.model.schema import TABLE_NAMES, tables
    from edxlab.store.schema import create_table_sql, quote

    db = tmp_path / "old.duckdb"
    import_dataset(example_dir, db)
    before = snapshot(db)
    con = duckdb.connect(str(db))  # recreate the old schema: the same rows, with foreign keys
    for name in TABLE_NAMES:
        con.execute(f"CREATE TEMP TABLE {quote('c_' + name)} AS SELECT * FROM {quote(name)}")
    for name in reversed(TABLE_NAMES):
        con.execute(f"DROP TABLE {quote(name)}")
    for name in TABLE_NAMES:
        spec = tables()[name]
        sql = create_table_sql(spec)
        fks = [f"FOREIGN KEY ({quote(c.name)}) REFERENCES {c.references.split('.')[0]} "
               f"({c.references.split('.')[1]})" for c in spec.columns.values() if c.references]
        if fks:
            sql = sql[:-2] + ",\n  " + ",\n  ".join(fks) + "\n)"
        con.execute(sql)
        con.execute(f"INSERT INTO {quote(name)} SELECT * FROM {quote('c_' + name)}")
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'").fetchall()[0][0] > 0
    con.close()
    assert not import_dataset(example_dir, db).changed  # opening for an import migrates it
    after = snapshot(db)
    assert {n: after[n] for n in TABLE_NAMES} == {n: before[n] for n in TABLE_NAMES}
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'").fetchall()[0][0] == 0
    con.close()


def test_a_labs_own_columns_are_stored_audited_and_exported(example_dir, tmp_path):
    import shutil

    import polars as pl

    ds = tmp_path / "ds"
    shutil.copytree(example_dir, ds)
    studies = pl.read_csv(ds / "studies.csv", infer_schema=False)
    studies.with_columns(pl.lit("AB").alias("Technician")).write_csv(ds / "studies.csv")
    db = tmp_path / "a.duckdb"
    import_dataset(ds, db)
    con = open_store(db, create=False, read_only=True)
    try:
        loaded = load_dataset(con)["studies"]
    finally:
        con.close()
    assert loaded.columns[-1] == "technician" and set(loaded["technician"]) == {"AB"}
    assert not import_dataset(ds, db).changed  # re-import: unchanged
    studies.with_columns(pl.when(pl.col("study_id") == "S01").then(pl.lit("CD")).otherwise(pl.lit("AB"))
                         .alias("Technician")).write_csv(ds / "studies.csv")
    summary = import_dataset(ds, db)
    assert summary.tables["studies"].updated == 1
    con = open_store(db, create=False, read_only=True)
    try:
        audit = con.execute("SELECT row_key, column_name, old_value, new_value FROM edxlab_audit"
                            ).fetchall()
    finally:
        con.close()
    assert ("S01", "technician", "AB", "CD") in audit
    export_dataset(db, tmp_path / "out", "csv")
    exported = pl.read_csv(tmp_path / "out" / "studies.csv", infer_schema=False)
    assert exported.filter(pl.col("study_id") == "S01")["technician"].item() == "CD"
