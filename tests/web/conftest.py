"""Fixtures of the web tests: apps over fresh databases, clients with and without a token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from edxlab.web import WebConfig, create_app

TOKEN = "s3cret-token-for-tests"


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
