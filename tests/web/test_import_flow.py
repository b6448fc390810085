"""The whole import through the web: upload, confirm, background job, what changed, pages."""

from __future__ import annotations

from edxlab.store import importer
from tests.web.conftest import import_example, make_client


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
        # the recording uploaded with the folder is kept and measured (S06, tibialis anterior)
        assert (tmp_path / "project.recordings" / "signals" / "emg_healthy.hea").is_file()
        study = client.get("/studies/S06").text
        assert 'id="measured"' in study and "tibialis anterior" in study
        figure = client.get("/studies/S06/signals/0.png")
        assert figure.status_code == 200 and figure.content[:4] == b"\x89PNG"
        assert client.get("/studies/S06/signals/5.png").status_code == 404
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
