"""The pages read the database per request: nothing is loaded at startup, new data shows after
an import without a restart, studies without stored findings are interpreted one at a time,
and pages of synthetic data say so."""

from __future__ import annotations

import time

import polars as pl
import pytest
from bs4 import BeautifulSoup

import edxlab.store
import edxlab.interpret.pipeline
import edxlab.store.reads
from edxlab.web import project as project_module
from tests.web.conftest import EXAMPLE, example_db, import_files, make_client


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def _forbid(monkeypatch, module, name):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} was called")

    monkeypatch.setattr(module, name, refuse)


def test_startup_and_pages_read_no_whole_table_and_interpret_nothing(tmp_path, example, monkeypatch):
    """Over a database with stored findings, the app starts and serves the list, a patient, a
    study and its report without loading the dataset, running the cohort or interpreting."""
    example_db(example, tmp_path)
    _forbid(monkeypatch, edxlab.store, "load_dataset")
    _forbid(monkeypatch, edxlab.store.reads, "cohort_dataset")
    _forbid(monkeypatch, edxlab.interpret.pipeline, "interpret_dataset")
    _forbid(monkeypatch, project_module, "interpret")
    with make_client(tmp_path) as client:
        listing = client.get("/patients?sort=last_study&desc=1")
        assert listing.status_code == 200
        assert len(soup(listing).select("#patients tbody tr")) == 5
        assert client.get("/patients/P01").status_code == 200
        page = client.get("/studies/S01")
        assert page.status_code == 200 and "Study S01" in page.text
        report = client.get("/studies/S01/report.html")
        assert report.status_code == 200 and 'class="abnormal' in report.text


def test_patient_page_reads_only_that_patients_rows(tmp_path, example, monkeypatch):
    """Every table read for a patient page is filtered on that patient or its studies."""
    example_db(example, tmp_path)
    seen = []
    rows_where, rows_in = edxlab.store.reads.records_where, edxlab.store.reads.rows_in

    def spy_where(con, name, column, value, *args, **kwargs):
        seen.append((name, column, [value]))
        return rows_where(con, name, column, value, *args, **kwargs)

    def spy_in(con, name, column, values):
        seen.append((name, column, list(values)))
        return rows_in(con, name, column, values)

    monkeypatch.setattr(edxlab.store.reads, "records_where", spy_where)
    monkeypatch.setattr(edxlab.store.reads, "rows_in", spy_in)
    with make_client(tmp_path) as client:
        client.get("/patients")  # the list is built first
        seen.clear()
        assert client.get("/patients/P02").status_code == 200
    studies = set(example.dataset.studies.filter(pl.col("patient_id") == "P02")["study_id"])
    assert {name for name, _, _ in seen} >= {"patients", "studies", "attacks", "mri", "signs",
                                             "study_findings"}
    for name, column, values in seen:
        assert (column, set(values)) in [("patient_id", {"P02"}), ("study_id", studies)], name


def _extra_patient_files() -> list:
    """CSV files with one new patient (P99) and one study (S99) of it."""
    patients = "\n".join([
        "patient_id,sex,birth_year,aqp4_igg,aqp4_assay,mog_igg,mog_titer,csf_ocb,"
        "alternative_dx_excluded,comorbidities,edss",
        "P99,M,1970,negative,cba_live,negative,,negative,true,,2.0", ""])
    studies = "\n".join([
        "study_id,patient_id,study_date,age_years,height_cm,temp_upper_c,temp_lower_c,"
        "indication,reference_profile",
        "S99,P99,2023-05-02,,180,33.0,32.0,weakness,", ""])
    ncs = "\n".join([
        "study_id,nerve,modality,side,stim_site,record_site,latency_ms,latency_kind,amplitude,"
        "amplitude_unit,duration_ms,area,distance_mm,cv_ms,temp_c",
        "S99,median,motor,R,wrist,apb,3.5,,7.0,,5.6,,70,,33.0",
        "S99,median,motor,R,elbow,,7.4,,6.6,,5.9,,230,59.0,33.0", ""])
    return [("files", ("patients.csv", patients.encode())),
            ("files", ("studies.csv", studies.encode())), ("files", ("ncs.csv", ncs.encode()))]


def test_import_shows_the_new_patient_without_restart(site):
    before = site.get("/patients", headers={"Accept": "application/json"}).json()["total"]
    assert site.get("/patients/P99").status_code == 404
    state = import_files(site, _extra_patient_files())
    assert state["state"] == "done", state
    after = site.get("/patients?q=p99", headers={"Accept": "application/json"}).json()
    assert after["total"] == 1 and after["rows"][0]["patient_id"] == "P99"
    assert site.get("/patients", headers={"Accept": "application/json"}).json()["total"] == before + 1
    page = site.get("/patients/P99")
    assert page.status_code == 200
    assert [a.text for a in soup(page).select("#studies a")] == ["S99"]
    assert site.get("/studies/S99/report.html").status_code == 200
    assert "S99" in site.get("/studies/S99").text


def test_study_without_stored_findings_is_interpreted_alone(tmp_path, example, monkeypatch):
    """A database imported without its findings (``edxlab import`` alone): a study's report
    interprets that study only, never the whole database."""
    edxlab.store.import_dataset(EXAMPLE, tmp_path / "project.duckdb")
    nerves = example.findings["nerve_findings"]
    study = nerves.filter(pl.col("abnormal").fill_null(False))["study_id"].sort()[0]
    patient = example.dataset.studies.filter(pl.col("study_id") == study)["patient_id"][0]
    sizes = []
    original = project_module.interpret

    def counting(dataset, *args, **kwargs):
        sizes.append(dataset.studies.height)
        return original(dataset, *args, **kwargs)

    monkeypatch.setattr(project_module, "interpret", counting)
    _forbid(monkeypatch, edxlab.store, "load_dataset")
    with make_client(tmp_path) as client:
        report = client.get(f"/studies/{study}/report.html")
        assert report.status_code == 200
        assert soup(report).select("#ncs td.abnormal")
        assert sizes == [1]
        client.get(f"/studies/{study}/report.html")
        assert sizes == [1]  # kept, not interpreted again
        page = client.get(f"/patients/{patient}")
        assert page.status_code == 200
        n_studies = len(soup(page).select("#studies tbody tr"))
        assert sizes == [1, n_studies]  # the patient's studies only
        assert "yes" in soup(page).select_one("#studies").text


def test_search_text_is_a_parameter_not_sql(site):
    for text in ("' OR 1=1 --", "P0'; DROP TABLE patients; --", "%", "_"):
        response = site.get("/patients", params={"q": text},
                            headers={"Accept": "application/json"})
        assert response.status_code == 200 and response.json()["total"] == 0
    assert site.get("/patients", headers={"Accept": "application/json"}).json()["total"] == 5


def test_patient_list_sorts_and_filters_in_sql_like_before(site, example):
    rows = site.get("/patients?sort=n_studies&desc=1&per_page=25",
                    headers={"Accept": "application/json"}).json()["rows"]
    counts = example.dataset.studies.group_by("patient_id").len()
    expected = counts.sort(["len", "patient_id"], descending=[True, False])["patient_id"].to_list()
    assert [r["patient_id"] for r in rows] == expected
    assert [r["n_studies"] for r in rows] == sorted((r["n_studies"] for r in rows), reverse=True)
    included = site.get("/patients?included=no", headers={"Accept": "application/json"}).json()
    pf = example.findings["patient_findings"]
    assert sorted(r["patient_id"] for r in included["rows"]) == sorted(
        pf.filter(~pl.col("included").fill_null(False))["patient_id"].to_list())


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    from edxlab import store
    from edxlab.synth import generate

    db = tmp_path_factory.mktemp("synthetic") / "project.duckdb"
    dataset = generate("registry", 8, seed=3).dataset()
    store.import_frames(dataset, db)
    con = store.open_store(db)
    try:
        for name, frame in project_module.interpret(dataset, measure=False).items():
            store.write_findings(con, name, frame)
    finally:
        con.close()
    return db, dataset


def test_synthetic_data_is_labelled_on_pages_and_reports(tmp_path, synthetic_db):
    import shutil

    db, dataset = synthetic_db
    shutil.copyfile(db, tmp_path / "project.duckdb")
    patient = dataset.patients["patient_id"][0]
    study = dataset.studies.filter(pl.col("patient_id") == patient)["study_id"][0]
    with make_client(tmp_path) as client:
        for url in ("/", "/patients", f"/patients/{patient}", f"/studies/{study}", "/cohort"):
            page = client.get(url)
            assert page.status_code == 200, url
            assert soup(page).select_one("#synthetic-banner strong").text == "SYNTHETIC DATA", url
        report = soup(client.get(f"/studies/{study}/report.html"))
        assert report.select_one("#synthetic-label").text.startswith("SYNTHETIC DATA")
        cohort = soup(client.get("/reports/cohort.html"))
        assert cohort.select_one("#synthetic-label").text.startswith("SYNTHETIC DATA")


def test_real_data_has_no_synthetic_label(site):
    for url in ("/", "/patients", "/patients/P01", "/studies/S01", "/studies/S01/report.html"):
        assert "SYNTHETIC DATA" not in site.get(url).text, url


def _counts(con) -> dict:
    return {name: dict(con.execute(f"SELECT {key}, count(*) FROM {name} GROUP BY {key}").fetchall())
            for name, key in (("study_findings", "study_id"), ("nerve_findings", "study_id"),
                              ("patient_findings", "patient_id"))}


def _stored_counts(db) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return _counts(con)
    finally:
        con.close()


def test_import_interprets_only_the_uploaded_patients_and_replaces_their_rows(
        tmp_path, example, monkeypatch):
    db = example_db(example, tmp_path)
    before = _stored_counts(db)
    sizes = []
    original = project_module.interpret

    def counting(dataset, *args, **kwargs):
        sizes.append(sorted(dataset.patients["patient_id"].to_list()))
        return original(dataset, *args, **kwargs)

    monkeypatch.setattr(project_module, "interpret", counting)
    _forbid(monkeypatch, edxlab.store, "load_dataset")
    with make_client(tmp_path) as client:
        state = import_files(client, _extra_patient_files())
        assert state["state"] == "done", state
    assert sizes == [["P99"]]
    after = _stored_counts(db)
    for name, counts in before.items():
        new = dict(after[name])
        new.pop("S99" if name != "patient_findings" else "P99")
        assert new == counts, name      # the other patients' rows are untouched
    assert after["study_findings"]["S99"] == 1 and after["patient_findings"]["P99"] == 1
    assert after["nerve_findings"]["S99"] >= 1


def test_reimporting_the_example_leaves_one_findings_row_per_study(site, example):
    from tests.web.conftest import import_example

    with site.app.state.db.reader() as con:
        before = _counts(con)
    assert import_example(site)["state"] == "done"
    with site.app.state.db.reader() as con:
        assert _counts(con) == before


def test_read_only_server_reads_pages_from_the_database(tmp_path, example):
    example_db(example, tmp_path)
    with make_client(tmp_path, read_only=True) as client:
        listing = client.get("/patients?sort=n_studies&desc=1",
                             headers={"Accept": "application/json"}).json()
        assert listing["total"] == 5
        assert client.get("/patients/P01").status_code == 200
        assert client.get("/studies/S01/report.html").status_code == 200
        assert client.get("/").status_code == 200


def test_server_indexes_findings_tables_written_without_indexes(tmp_path, example):
    from edxlab.store.partial import missing_lookup_indexes

    example_db(example, tmp_path)
    with make_client(tmp_path) as client:
        for _ in range(200):
            with client.app.state.db.reader() as con:
                if not missing_lookup_indexes(con):
                    break
            time.sleep(0.05)
        with client.app.state.db.reader() as con:
            assert missing_lookup_indexes(con) == []
        assert client.get("/patients/P01").status_code == 200
