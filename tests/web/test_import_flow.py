"""The whole import through the web: upload, confirm, background job, what changed, pages."""

from __future__ import annotations

import time
from pathlib import Path

from edxlab.store import importer
from tests.web.conftest import csrf_of, make_client

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


def folder_files():
    return [("files", ("nmosd_demo/" + p.relative_to(EXAMPLE).as_posix(), p.read_bytes()))
            for p in sorted(EXAMPLE.rglob("*")) if p.is_file()]


def import_example(client) -> dict:
    """Upload the example folder, confirm, wait for the job; return the job's final state."""
    token = csrf_of(client.get("/import").text)
    report = client.post("/import", data={"csrf_token": token}, files=folder_files())
    assert report.status_code == 200, report.text
    action = report.text.split('action="/import/')[1].split('"')[0]
    job_url = client.post(f"/import/{action}", data={"csrf_token": token}).headers["location"]
    for _ in range(600):
        state = client.get(job_url + ".json").json()
        if state["done"]:
            return {**state, "page": client.get(job_url).text}
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def patient_total(client) -> int:
    return client.get("/patients", headers={"Accept": "application/json"}).json()["total"]


def test_import_then_reimport_is_idempotent(tmp_path):
    with make_client(tmp_path) as client:
        assert patient_total(client) == 0
        first = import_example(client)
        assert first["state"] == "done", first
        assert "The import is complete." in first["page"]
        assert "<td>patients</td>" in first["page"] and "<td>studies</td>" in first["page"]
        assert "Imported:" in first["page"]
        assert patient_total(client) == 5
        assert client.get("/patients/P01").status_code == 200
        second = import_example(client)
        assert second["state"] == "done"
        assert "Nothing changed" in second["page"] and "5 patients unchanged" in second["page"]


def test_crash_in_the_middle_of_an_import_leaves_the_database_as_before(tmp_path, monkeypatch):
    calls = {"n": 0}
    original = importer.merge_table

    def failing_merge(con, name, *args, **kwargs):
        calls["n"] += 1
        if name == "ncs":
            raise RuntimeError("disk unplugged")
        return original(con, name, *args, **kwargs)

    monkeypatch.setattr(importer, "merge_table", failing_merge)
    with make_client(tmp_path) as client:
        state = import_example(client)
        assert state["state"] == "failed"
        assert "The database is as it was before." in state["page"]
        assert "disk unplugged" not in state["page"]
        assert calls["n"] >= 3  # patients and studies were written, then rolled back
    monkeypatch.setattr(importer, "merge_table", original)
    with make_client(tmp_path) as client:
        assert patient_total(client) == 0
