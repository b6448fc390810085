"""The import page: upload errors as a validation report, read-only mode, confirmation, jobs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edxlab.errors import Issue, ValidationError
from edxlab.web import importing
from tests.web.conftest import csrf_of, make_client


def _post(client, files, **kw):
    token = csrf_of(client.get("/import").text)
    return client.post("/import", data={"csrf_token": token}, files=files, **kw)


def test_import_page_has_a_file_form(client):
    page = client.get("/import")
    assert page.status_code == 200
    assert 'type="file" name="files" multiple' in page.text


@pytest.mark.parametrize(("files", "message"), [
    ([("files", ("visit3.xls", b"x"))], "Unsupported file type &#39;.xls&#39; (visit3.xls). Re-save it as .xlsx."),
    ([("files", ("notes.txt", b"x"))], "Unsupported file type &#39;.txt&#39; (notes.txt)."),
    ([("files", ("a.xlsx", b"x")), ("files", ("patients.csv", b"x"))], "not both"),
    ([("files", ("", b""))], "No file was chosen."),
])
def test_unusable_upload_gives_a_validation_report_not_an_error_page(client, files, message):
    response = _post(client, files)
    assert response.status_code == 422
    assert "Validation report" in response.text
    assert message in response.text
    assert "nothing was imported" in response.text
    assert 'id="confirm-import"' not in response.text


def test_upload_path_is_reduced_to_its_file_name(client, monkeypatch):
    seen = []
    monkeypatch.setattr(importing, "validate", lambda path: seen.append(path) or [])
    response = _post(client, [("files", ("../../etc/patients.csv", b"patient_id\n"))])
    assert response.status_code == 200
    assert seen[0].name == seen[0].parent.name or seen[0].is_dir()
    assert (seen[0] / "patients.csv").read_bytes() == b"patient_id\n"


def test_validation_errors_are_listed_with_file_row_column(client, monkeypatch):
    issue = Issue(file="ncs.csv", row=14, column="side", value="<b>Lft</b>", severity="error",
                  message="got 'Lft'; allowed 'L', 'R'. Did you mean 'L'?")
    monkeypatch.setattr(importing, "validate", lambda path: [issue])
    response = _post(client, [("files", ("ncs.csv", b"x")), ("files", ("patients.csv", b"y"))])
    assert response.status_code == 422
    assert "<td>ncs.csv</td>" in response.text and ">14</td>" in response.text
    assert "<td>side</td>" in response.text
    assert "&lt;b&gt;Lft&lt;/b&gt;" in response.text  # values are shown as text
    assert 'id="confirm-import"' not in response.text


def test_read_only_server_refuses_import(tmp_path):
    with make_client(tmp_path):  # create the database
        pass
    with make_client(tmp_path, read_only=True) as c:
        assert "importing is disabled" in c.get("/import").text
        response = _post(c, [("files", ("patients.csv", b"x"))])
        assert response.status_code == 403
        assert "--read-only" in response.text


def test_confirming_an_unknown_upload_is_404(client):
    token = csrf_of(client.get("/import").text)
    response = client.post("/import/abcdefgh12345678/confirm", data={"csrf_token": token})
    assert response.status_code == 404
    assert "Upload the files again" in response.text


def test_unknown_job_is_404(client):
    assert client.get("/jobs/nope").status_code == 404


def _wait(client, url):
    for _ in range(200):
        state = client.get(url + ".json").json()
        if state["done"]:
            return state
        time.sleep(0.02)
    raise AssertionError("job did not finish")


def test_confirmed_upload_runs_as_a_job_and_reports_changes(client, monkeypatch):
    monkeypatch.setattr(importing, "validate", lambda path: [])

    def fake_job(database, path, on_done):
        def work(progress):
            progress("Writing to the database", 0.5)
            on_done()
            return {"changes": [{"table": "patients", "inserted": 4, "updated": 0}]}
        return work

    monkeypatch.setattr(importing, "import_job", fake_job)
    report = _post(client, [("files", ("patients.csv", b"x"))])
    assert report.status_code == 200 and 'id="confirm-import"' in report.text
    action = report.text.split('action="/import/')[1].split('"')[0]
    response = client.post(f"/import/{action}", data={"csrf_token": csrf_of(report.text)})
    assert response.status_code == 303
    job_url = response.headers["location"]
    assert _wait(client, job_url)["state"] == "done"
    page = client.get(job_url)
    assert "The import is complete." in page.text
    assert "<td>patients</td>" in page.text and ">4</td>" in page.text
    again = client.post(f"/import/{action}", data={"csrf_token": csrf_of(report.text)})
    assert again.status_code == 404  # the staged upload is gone once imported


def test_failed_job_shows_the_issues_and_says_database_unchanged(client, monkeypatch):
    monkeypatch.setattr(importing, "validate", lambda path: [])
    issue = Issue(file="studies.csv", row=3, column="patient_id", value="P9", severity="error",
                  message="unknown patient")

    def failing_job(database, path, on_done):
        def work(progress):
            raise ValidationError("1 error", [issue])
        return work

    monkeypatch.setattr(importing, "import_job", failing_job)
    report = _post(client, [("files", ("patients.csv", b"x"))])
    action = report.text.split('action="/import/')[1].split('"')[0]
    job_url = client.post(f"/import/{action}", data={"csrf_token": csrf_of(report.text)}).headers["location"]
    assert _wait(client, job_url)["state"] == "failed"
    page = client.get(job_url)
    assert "The database is as it was before." in page.text and "unknown patient" in page.text


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


def _example_csvs(prefix=""):
    return [("files", (prefix + p.name, p.read_bytes())) for p in sorted(EXAMPLE.glob("*.csv"))]


def test_example_csv_files_validate_with_only_the_missing_recording_warning(client):
    response = _post(client, _example_csvs())
    assert response.status_code == 200
    assert "No errors; 1 warning to review before importing." in response.text
    assert "recording &#39;signals/emg_healthy.hea&#39; not found next to the dataset" in response.text
    assert 'id="confirm-import"' in response.text


def test_example_folder_upload_keeps_recordings_and_leaves_out_other_files(client):
    files = [("files", ("nmosd_demo/" + p.relative_to(EXAMPLE).as_posix(), p.read_bytes()))
             for p in sorted(EXAMPLE.rglob("*")) if p.is_file()]
    assert any(name.endswith(".xlsx") for _, (name, _) in files)
    response = _post(client, files)
    assert response.status_code == 200
    assert "No problems found." in response.text
    staged = next(client.app.state.staging.root.iterdir())
    assert (staged / "signals" / "emg_healthy.hea").is_file()
    assert not list(staged.glob("*.xlsx")) and not (staged / "README.md").exists()


def test_example_workbook_validates(client):
    workbook = EXAMPLE / "nmosd_demo.xlsx"
    response = _post(client, [("files", (workbook.name, workbook.read_bytes()))])
    assert response.status_code == 200
    assert "No errors; 1 warning" in response.text


def test_malformed_workbook_gives_a_report_never_a_500(client):
    response = _post(client, [("files", ("cohort.xlsx", b"PK\x03\x04 this is not a workbook"))])
    assert response.status_code == 422
    assert "Validation report" in response.text and "nothing was imported" in response.text


def test_bad_cell_is_reported_with_file_row_column(client):
    files = dict((name, data) for _, (name, data) in _example_csvs())
    lines = files["ncs.csv"].decode().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("side")] = "Lft"
    lines[1] = ",".join(cells)
    files["ncs.csv"] = ("\n".join(lines) + "\n").encode()
    response = _post(client, [("files", (n, d)) for n, d in files.items()])
    assert response.status_code == 422
    row = next(r for r in response.text.split("<tr") if "Lft" in r)
    assert "<td>ncs.csv</td>" in row and ">2</td>" in row and "<td>side</td>" in row


def test_a_reader_crash_still_gives_a_validation_report(client, monkeypatch):
    import edxlab.io

    def crash(path):
        raise RuntimeError("reader bug")

    monkeypatch.setattr(edxlab.io, "validate_dataset", crash)
    response = _post(client, [("files", ("patients.csv", b"*"))])
    assert response.status_code == 422
    assert "edxlab could not read these files" in response.text
    assert "reader bug" not in response.text
