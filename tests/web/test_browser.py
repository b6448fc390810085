"""End-to-end tests in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.slow
def test_clinical_workflow_upload_confirm_patient_study_report(tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "nmosd_demo"
    config = WebConfig(db=tmp_path / "p.duckdb", port=free_port())
    with running_server(config) as base, chromium_context() as browser:
        page = browser.new_page()
        page.goto(f"{base}/import")
        page.set_input_files("#files", sorted(str(p) for p in example.glob("*.csv")))
        page.click("form:has(#files) button[type=submit]")
        assert page.inner_text("h1") == "Validation report"
        assert "No errors; 1 warning" in page.inner_text("#verdict")
        assert "signals.csv" in page.inner_text("table.issues")
        screenshot(page, "1-validation-report")

        page.click("#confirm-import")
        page.wait_for_selector("#job-done", timeout=60_000)
        assert "5 patients added" in page.inner_text("main")
        screenshot(page, "2-import-done")

        page.click("text=Browse patients")
        page.wait_for_selector("#patients")
        page.select_option("select[name=aqp4]", "positive")
        page.wait_for_url("**aqp4=positive**")
        assert "P03" not in page.inner_text("#patients")  # AQP4-negative
        page.click("#patients a:text-is('P02')")
        page.wait_for_selector("#cord-map")
        assert page.inner_text("h1") == "Patient P02"
        screenshot(page, "3-patient")

        page.click("#studies a:text-is('S03')")
        report = page.frame_locator("#study-report")
        abnormal = report.locator("#ncs td.abnormal").first
        abnormal.wait_for()
        color = abnormal.evaluate("el => getComputedStyle(el).backgroundColor")
        assert color not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # highlighted
        assert "median neuropathy at the wrist" in report.locator("#interpretation").inner_text()
        screenshot(page, "4-study-report")

        page.goto(f"{base}/")
        page.wait_for_selector("#findings")
        screenshot(page, "5-dashboard")
        with page.expect_download() as download_info:
            page.click("#downloads a[href='/reports/cohort_tables.xlsx']")
        assert download_info.value.suggested_filename == "cohort_tables.xlsx"
        page.click("#downloads a[href='/reports/cohort.html']")
        page.wait_for_selector("svg")
        assert "NMOSD" in page.content()
        screenshot(page, "6-cohort-report")
