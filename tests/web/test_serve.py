"""``edxlab serve``: options, EDXLAB_TOKEN, the non-loopback warning, no access log of URLs."""

from __future__ import annotations

import logging
import sys

import pytest

from edxlab.cli import main
from edxlab.web import serve as serve_module
from edxlab.web.config import WebConfig, is_loopback


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("example.org", False),
])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_serve_command_parses_options_and_reads_token_from_environment(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(serve_module, "serve", lambda config: seen.setdefault("config", config))
    monkeypatch.setenv("EDXLAB_TOKEN", "from-env")
    db = tmp_path / "x.duckdb"
    assert main(["serve", "--db", str(db), "--port", "8123", "--read-only",
                 "--max-upload-mb", "5"]) == 0
    assert seen["config"] == WebConfig(db=db, token="from-env", read_only=True, max_upload_mb=5.0,
                                       host="127.0.0.1", port=8123)


def _run_serve(monkeypatch, tmp_path, **options):
    calls = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.update(kw))
    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: calls.update(switch=interval))
    serve_module.serve(WebConfig(db=tmp_path / "x.duckdb", **options))
    return calls


def test_serve_warns_when_binding_a_network_address(monkeypatch, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="edxlab"):
        calls = _run_serve(monkeypatch, tmp_path, host="0.0.0.0")
    assert "other machines on the network can reach this server" in caplog.text
    assert "Set --token" in caplog.text
    assert calls["host"] == "0.0.0.0" and calls["access_log"] is False


def test_serve_on_loopback_does_not_warn(monkeypatch, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="edxlab"):
        calls = _run_serve(monkeypatch, tmp_path)
    assert "network" not in caplog.text
    assert calls["host"] == "127.0.0.1" and calls["port"] == 8000
    assert calls["switch"] == 0.001
