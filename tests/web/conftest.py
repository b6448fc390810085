"""Fixtures of the web tests: apps over fresh databases, clients with and without a token."""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from edxlab.web import WebConfig, create_app

TOKEN = "s3cret-token-for-tests"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"


def csrf_of(html: str) -> str:
    """The CSRF token a page embeds (its <meta name="csrf-token">)."""
    match = re.search(r'name="csrf-token" content="([0-9a-f]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_paths(app) -> list[str]:
    """Every path of the app that accepts POST (routers included)."""
    paths = []
    for route in app.routes:
        inner = getattr(getattr(route, "original_router", None), "routes", [route])
        paths += [r.path for r in inner if "POST" in (getattr(r, "methods", None) or ())]
    return paths


def make_client(tmp_path, **options) -> TestClient:
    config = WebConfig(db=tmp_path / "project.duckdb", **options)
    return TestClient(create_app(config), base_url="https://testserver", follow_redirects=False)


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path) as c:
        yield c


@pytest.fixture
def token_client(tmp_path):
    with make_client(tmp_path, token=TOKEN) as c:
        yield c


@dataclass
class Example:
    """The example dataset and its findings, as the import job stores them."""

    dataset: object
    findings: dict
    db: Path


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> Example:
    """The example dataset imported into a database with its findings stored (what the import
    job does), built once per session; tests use copies (:func:`example_db`)."""
    from edxlab import store
    from edxlab.io import read_dataset
    from edxlab.web.project import interpret

    db = tmp_path_factory.mktemp("example") / "project.duckdb"
    store.import_dataset(EXAMPLE, db)
    store.keep_recordings(EXAMPLE, store.recordings_dir(db))
    dataset = read_dataset(EXAMPLE)
    findings = interpret(dataset)
    con = store.open_store(db)
    try:
        store.write_findings(con, findings)
    finally:
        con.close()
    return Example(dataset=dataset, findings=findings, db=db)


def example_db(example: Example, tmp_path: Path) -> Path:
    """A copy of the example database (and its recordings) at tmp_path/project.duckdb."""
    target = tmp_path / "project.duckdb"
    shutil.copyfile(example.db, target)
    recordings = example.db.with_name("project.recordings")
    if recordings.is_dir():
        shutil.copytree(recordings, tmp_path / "project.recordings")
    return target


@pytest.fixture
def site(tmp_path, example):
    """A client whose pages show the example dataset (stored with its findings)."""
    example_db(example, tmp_path)
    with make_client(tmp_path) as client:
        yield client


def folder_files():
    return [("files", ("nmosd_demo/" + p.relative_to(EXAMPLE).as_posix(), p.read_bytes()))
            for p in sorted(EXAMPLE.rglob("*")) if p.is_file()]


def import_example(client) -> dict:
    """Upload the example folder, confirm, wait for the job; return the job's final state."""
    return import_files(client, folder_files())


def import_files(client, files) -> dict:
    """Upload ``files``, confirm, wait for the job; return the job's final state (and page)."""
    token = csrf_of(client.get("/import").text)
    report = client.post("/import", data={"csrf_token": token}, files=files)
    assert report.status_code == 200, report.text
    action = report.text.split('action="/import/')[1].split('"')[0]
    job_url = client.post(f"/import/{action}", data={"csrf_token": token}).headers["location"]
    for _ in range(1200):
        state = client.get(job_url + ".json").json()
        if state["done"]:
            return {**state, "page": client.get(job_url).text}
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


