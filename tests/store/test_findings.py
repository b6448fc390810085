"""Generic findings tables: write_findings / read_table for interpret, cohort and web."""

from __future__ import annotations

import polars as pl
import pytest

from edxlab.errors import InputError, NotFoundError
from edxlab.store import open_store, read_table, write_findings


@pytest.fixture
def con(tmp_path):
    connection = open_store(tmp_path / "f.duckdb")
    yield connection
    connection.close()


def test_write_and_read_back_with_types(con):
    frame = pl.DataFrame({"study_id": ["S1", "S2"], "lmn_involvement": [True, None],
                          "denervation_segments": [["C5", "C6"], []], "pct": [87.5, None]})
    write_findings(con, "study_findings", frame)
    assert read_table(con, "study_findings").equals(frame)


def test_write_replaces_previous_version(con):
    write_findings(con, "cohort_summary", pl.DataFrame({"measure": ["a"], "n": [1]}))
    write_findings(con, "cohort_summary", pl.DataFrame({"measure": ["b", "c"], "n": [2, 3]}))
    assert read_table(con, "cohort_summary")["measure"].to_list() == ["b", "c"]


def test_dataset_tables_are_protected_and_names_checked(con):
    with pytest.raises(InputError, match="'ncs' is a dataset table"):
        write_findings(con, "ncs", pl.DataFrame({"a": [1]}))
    with pytest.raises(InputError, match="not a valid table name"):
        write_findings(con, "drop table x;", pl.DataFrame({"a": [1]}))


def test_missing_table_names_what_exists(con):
    with pytest.raises(NotFoundError, match="no table 'muscle_findings' in the database; it holds: "
                       "attacks, blink"):
        read_table(con, "muscle_findings")


def test_dataset_tables_read_with_canonical_schema(con):
    frame = read_table(con, "ncs")
    assert frame.height == 0
    assert frame.schema["amplitude_nr"] == pl.Boolean


def test_write_a_findings_object_in_one_call(con):
    from dataclasses import dataclass

    @dataclass
    class Findings:
        nerve_findings: pl.DataFrame
        study_findings: pl.DataFrame
        ncs: object = None
        muscle_findings: pl.DataFrame | None = None

    findings = Findings(pl.DataFrame({"nerve": ["median"]}), pl.DataFrame({"study_id": ["S1"]}),
                        ncs=object())
    write_findings(con, findings)
    assert read_table(con, "nerve_findings")["nerve"].to_list() == ["median"]
    assert read_table(con, "study_findings")["study_id"].to_list() == ["S1"]
    with pytest.raises(NotFoundError):
        read_table(con, "muscle_findings")
    write_findings(con, {"cohort_summary": pl.DataFrame({"measure": ["lmn"], "n": [13]})})
    assert read_table(con, "cohort_summary")["n"].to_list() == [13]
