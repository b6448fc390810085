"""Pseudonymization: stable with the same key, no identifier left behind, dates shifted."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.errors import InputError
from edxlab.io import read_dataset
from edxlab.model.dataset import study_ages
from edxlab.store import import_dataset, list_tables, load_dataset, open_store
from edxlab.store.pseudonymize import load_key, pseudonym, pseudonymize

KEY = b"5f2b8c0e9d7a4136b1e0c2f4a8d6e9b3"


def all_text(db) -> str:
    con = open_store(db, create=False, read_only=True)
    try:
        chunks = []
        for name in list_tables(con):
            frame = con.sql(f'SELECT * FROM "{name}"').pl()
            chunks.append(frame.select(pl.all().cast(pl.String)).write_csv())
        return "\n".join(chunks)
    finally:
        con.close()


def test_pseudonyms_are_keyed_hmac_and_stable():
    assert pseudonym(KEY, "patient", "P01") == pseudonym(KEY, "patient", "P01")
    assert pseudonym(KEY, "patient", "P01") != pseudonym(b"another key of 16+ bytes", "patient", "P01")
    assert pseudonym(KEY, "patient", "P01") != pseudonym(KEY, "study", "P01")[0] + "x"
    value = pseudonym(KEY, "study", "S01")
    assert value.startswith("S") and len(value) == 21


def test_no_identifier_left_and_reimport_is_stable(example_dir, tmp_path):
    db = tmp_path / "p.duckdb"
    first = import_dataset(example_dir, db, key=KEY)
    assert first.pseudonymized
    text = all_text(db)
    original = read_dataset(example_dir)
    for identifier in original.patients["patient_id"].to_list() + original.studies["study_id"].to_list():
        assert identifier not in text
    second = import_dataset(example_dir, db, key=KEY)
    assert not second.changed
    assert second.lines()[0] == "5 patients unchanged"


def test_relations_survive_pseudonymization(example_dir):
    ds = pseudonymize(read_dataset(example_dir), KEY)
    assert set(ds["ncs"]["study_id"]) <= set(ds.studies["study_id"])
    assert set(ds.studies["patient_id"]) <= set(ds.patients["patient_id"])
    assert ds["signs"]["note"].null_count() == ds["signs"].height


def test_shift_dates_moves_each_patient_consistently_and_keeps_ages(example_dir, tmp_path):
    original = read_dataset(example_dir)
    shifted = pseudonymize(original, KEY, shift_dates=True)
    plain = pseudonymize(original, KEY)
    assert (shifted.studies["study_date"] != plain.studies["study_date"]).all()
    joined = plain["attacks"].with_row_index().join(shifted["attacks"].with_row_index(), on="index")
    studies = plain.studies.join(shifted.studies, on="study_id")
    per_patient = studies.group_by("patient_id").agg(
        (pl.col("study_date_right") - pl.col("study_date")).dt.total_days().unique().alias("d"))
    assert per_patient["d"].list.len().max() == 1
    shift = dict(zip(per_patient["patient_id"], per_patient["d"].list.first()))
    attack_shift = (joined["onset_date_right"] - joined["onset_date"]).dt.total_days()
    assert attack_shift.to_list() == [shift[p] for p in joined["patient_id"]]
    assert all(-365 <= d <= -1 for d in shift.values())
    ages = study_ages(shifted).join(study_ages(plain), on="study_id")
    assert ages["age_years"].to_list() == ages["age_years_right"].to_list()
    db = tmp_path / "s.duckdb"
    import_dataset(example_dir, db, key=KEY, shift_dates=True)
    con = open_store(db)
    stored = load_dataset(con).studies.sort("study_id")
    con.close()
    assert stored["study_date"].to_list() == shifted.studies.sort("study_id")["study_date"].to_list()


def test_shift_dates_needs_a_key(example_dir, tmp_path):
    with pytest.raises(InputError, match="--shift-dates needs --pseudonymize KEYFILE"):
        import_dataset(example_dir, tmp_path / "x.duckdb", shift_dates=True)


def test_key_file_must_be_long_enough(tmp_path):
    short = tmp_path / "key"
    short.write_text("abc\n")
    with pytest.raises(InputError, match="holds 3 bytes; a pseudonymization key needs at least 16"):
        load_key(short)
    with pytest.raises(InputError, match="not found"):
        load_key(tmp_path / "missing")
    good = tmp_path / "good"
    good.write_bytes(KEY + b"\n")
    assert load_key(good) == KEY
