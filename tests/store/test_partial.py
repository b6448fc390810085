"""Findings rows of some studies replaced in place (store.partial)."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab import store
from edxlab.errors import InputError
from edxlab.store.partial import add_findings_rows, drop_findings_rows


def test_rows_of_some_studies_are_replaced_and_new_columns_added(tmp_path):
    con = store.open_store(tmp_path / "p.duckdb")
    store.write_findings(con, "study_findings", pl.DataFrame(
        {"study_id": ["S1", "S2"], "patient_id": ["P1", "P2"], "denervation": [True, False]}))
    drop_findings_rows(con, ["S2"], ["P2"])
    add_findings_rows(con, {
        "study_findings": pl.DataFrame({"study_id": ["S2"], "patient_id": ["P2"],
                                        "denervation": [True], "lmn_involvement": [True]}),
        "patient_findings": pl.DataFrame({"patient_id": ["P2"], "included": [True]})})
    rows = store.read_table(con, "study_findings").sort("study_id")
    assert rows.to_dicts() == [
        {"study_id": "S1", "patient_id": "P1", "denervation": True, "lmn_involvement": None},
        {"study_id": "S2", "patient_id": "P2", "denervation": True, "lmn_involvement": True}]
    assert store.read_table(con, "patient_findings").to_dicts() == [
        {"patient_id": "P2", "included": True}]
    con.close()


def test_only_findings_tables_take_rows(tmp_path):
    con = store.open_store(tmp_path / "p.duckdb")
    with pytest.raises(InputError, match="'patients' is not a findings table"):
        add_findings_rows(con, {"patients": pl.DataFrame({"patient_id": ["P1"]})})
    con.close()


def test_tables_are_indexed_on_their_lookup_keys_and_still_take_rows(tmp_path):
    from edxlab.store.partial import index_lookups, missing_lookup_indexes

    con = store.open_store(tmp_path / "p.duckdb")
    store.write_findings(con, "study_findings", pl.DataFrame(
        {"study_id": ["S1", "S2"], "patient_id": ["P1", "P2"], "denervation": [True, False]}))
    missing = missing_lookup_indexes(con)
    assert ("studies", "patient_id") in missing and ("ncs", "study_id") in missing
    assert ("study_findings", "patient_id") in missing
    assert not [t for t, _ in missing if t == "nerve_findings"]   # no such table yet
    created = index_lookups(con)
    assert "edxlab_study_findings_patient_id" in created and "edxlab_emg_study_id" in created
    assert missing_lookup_indexes(con) == [] and index_lookups(con) == []
    drop_findings_rows(con, ["S2"], ["P2"])
    add_findings_rows(con, {"study_findings": pl.DataFrame(
        {"study_id": ["S2"], "patient_id": ["P2"], "denervation": [True]})})
    assert con.execute("SELECT denervation FROM study_findings WHERE study_id = 'S2'"
                       ).fetchall() == [(True,)]
    con.close()
