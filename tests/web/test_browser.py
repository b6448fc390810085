"""End-to-end tests in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import pytest

from edxlab.web import WebConfig
from tests.web.browser import chromium_context, free_port, running_server, screenshot

pytestmark = pytest.mark.browser


def test_sign_in_with_token_then_upload_a_wrong_file_type(tmp_path):
    bad = tmp_path / "visit3.xls"
    bad.write_bytes(b"not a workbook")
    config = WebConfig(db=tmp_path / "p.duckdb", token="t0ken-e2e", port=free_port())
    with running_server(config) as base, chromium_context() as browser:
        page = browser.new_page()
        response = page.goto(f"{base}/import")
        assert response.status == 401
        page.fill("input[name=token]", "wrong")
        page.click("main form button[type=submit]")
        assert "That access token is not right" in page.inner_text("main")
        page.fill("input[name=token]", "t0ken-e2e")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{base}/import")
        assert page.inner_text("h1") == "Import a dataset"
        page.set_input_files("input[type=file]", str(bad))
        page.click("main form button[type=submit]")
        assert page.inner_text("h1") == "Validation report"
        assert "Unsupported file type '.xls' (visit3.xls). Re-save it as .xlsx." in page.inner_text("table.issues")
        screenshot(page, "upload-wrong-file-type")
