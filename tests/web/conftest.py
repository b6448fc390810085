"""Fixtures of the web tests: apps over fresh databases, clients with and without a token."""

from __future__ import annotations

import re
import time
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


@pytest.fixture(scope="session")
def example_snapshot():
    """The example dataset, interpreted in memory, as the pages would see it."""
    from edxlab.io import read_dataset
    from edxlab.web.project import Snapshot, interpret

    dataset = read_dataset(EXAMPLE)
    return Snapshot(dataset=dataset, findings=interpret(dataset))


@pytest.fixture
def site(tmp_path, example_snapshot):
    """A client whose pages show the example dataset."""
    with make_client(tmp_path) as client:
        client.app.state.project._current = example_snapshot
        yield client


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
    for _ in range(1200):
        state = client.get(job_url + ".json").json()
        if state["done"]:
            return {**state, "page": client.get(job_url).text}
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


