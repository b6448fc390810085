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


def test_schema_has_primary_and_foreign_keys(tmp_path):
    con = open_store(tmp_path / "s.duckdb")
    rows = con.execute("SELECT table_name, constraint_type FROM duckdb_constraints() "
                       "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()
    con.close()
    pks = {t for t, kind in rows if kind == "PRIMARY KEY"}
    fks = {t for t, kind in rows if kind == "FOREIGN KEY"}
    assert {"patients", "studies"} <= pks
    assert {"studies", "ncs", "fwaves", "blink", "emg", "signals", "attacks", "mri", "signs"} <= fks
