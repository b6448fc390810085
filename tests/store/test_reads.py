"""Small reads from the store: rows by key, the cohort's dataset, the patient list index."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from edxlab import store
from edxlab.errors import InputError
from edxlab.store import reads

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = tmp_path_factory.mktemp("reads") / "project.duckdb"
    store.import_dataset(EXAMPLE, db)
    connection = store.open_store(db, create=False, read_only=True)
    yield connection
    connection.close()


def test_rows_where_and_rows_in_give_the_canonical_rows_of_a_key(con):
    full = store.load_dataset(con)
    records = reads.records_where(con, "studies", "patient_id", "P01")
    assert records == full.studies.filter(pl.col("patient_id") == "P01").to_dicts()
    assert sorted(records[0]["indication"]) == ["atrophy", "weakness"]
    ncs = reads.rows_where(con, "ncs", "study_id", "S01")
    assert_frame_equal(ncs, full["ncs"].filter(pl.col("study_id") == "S01"))
    studies = reads.rows_in(con, "studies", "patient_id", ["P01", "P03"])
    assert_frame_equal(studies, full.studies.filter(pl.col("patient_id").is_in(["P01", "P03"])))
    assert studies.schema["indication"] == pl.List(pl.String)
    assert reads.rows_in(con, "ncs", "study_id", []).is_empty()
    assert reads.rows_where(con, "patients", "patient_id", "nobody").is_empty()


def test_names_are_checked_and_values_are_parameters(con):
    with pytest.raises(InputError, match="table 'ncs' has no column 'nerve; DROP'"):
        reads.rows_where(con, "ncs", "nerve; DROP", "x")
    with pytest.raises(InputError, match="no table 'secrets'"):
        reads.rows_where(con, "secrets", "study_id", "x")
    assert reads.rows_where(con, "patients", "patient_id", "P01' OR '1'='1").is_empty()


def test_cohort_dataset_gives_the_same_cohort_as_the_whole_dataset(con):
    from edxlab.cohort.run import run_cohort
    from edxlab.cohort.selection import CohortSettings

    light, full = reads.cohort_dataset(con), store.load_dataset(con)
    assert light["ncs"].columns == full["ncs"].columns
    assert light["ncs"].height == full["ncs"]["study_id"].n_unique()
    settings = CohortSettings(require=("emg", "ncs", "blink"))
    assert_frame_equal(run_cohort(light, None, settings).patient_findings,
                       run_cohort(full, None, settings).patient_findings)


def test_patients_dataset_holds_all_rows_of_those_patients_only(con):
    full = store.load_dataset(con)
    ds = reads.patients_dataset(con, ["P02"])
    studies = full.studies.filter(pl.col("patient_id") == "P02")["study_id"]
    assert ds.patients["patient_id"].to_list() == ["P02"]
    assert_frame_equal(ds["emg"], full["emg"].filter(pl.col("study_id").is_in(studies)))
    assert_frame_equal(ds["mri"], full["mri"].filter(pl.col("patient_id") == "P02"))
    one = reads.patients_dataset(con, ["P02"], [studies[0]])
    assert one.studies["study_id"].to_list() == [studies[0]]
    assert set(one["ncs"]["study_id"]) <= {studies[0]}


def test_patient_index_filters_sorts_searches_and_pages(con):
    index = reads.PatientIndex()
    index.load(reads.patient_overview(con, None))
    total, rows = index.page(reads.ListQuery(sort="n_studies", desc=True, limit=2))
    assert total == 5 and len(rows) == 2
    counts = [r["n_studies"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    total, rows = index.page(reads.ListQuery(equal=(("aqp4_igg", "positive"),), search="p0"))
    assert total == len(rows) >= 1 and {r["aqp4_igg"] for r in rows} == {"positive"}
    assert index.page(reads.ListQuery(search="'; --"))[0] == 0
    assert index.row("P01")["patient_id"] == "P01" and index.row("nobody") is None
    with pytest.raises(InputError, match="the patient list has no column 'secret'"):
        index.page(reads.ListQuery(sort="secret"))
    index.load(pl.DataFrame({"patient_id": ["A"], "n_studies": [0]}))
    assert index.page(reads.ListQuery())[0] == 1
    index.close()
