"""Dashboard, cohort builder and the cohort report downloads over the example dataset."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.web.conftest import csrf_of, import_example


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def test_empty_database_dashboard_points_to_import(client):
    page = client.get("/")
    assert page.status_code == 200
    assert soup(page).select_one("main a[href='/import']")
    assert client.get("/reports/cohort.html").status_code == 404


def test_dashboard_shows_cohort_size_measures_with_cis_figures_and_downloads(site, example):
    from edxlab.cohort.run import run_cohort

    page = soup(site.get("/"))
    result = run_cohort(example.dataset, example.findings["study_findings"],
                        site.app.state.cohort_settings)
    assert page.select_one("#n-included").text == str(result.n_included)
    labels = [tr.select("td")[0].text for tr in page.select("#findings tbody tr")]
    assert labels[:2] == ["EMG denervation (active and/or chronic)",
                          "Abnormal NCS (peripheral or cranial neuropathy)"]
    first = page.select("#findings tbody tr")[0].select("td")
    assert "/" in first[1].text and "(" in first[1].text   # n/N (%)
    hrefs = [a["href"] for a in page.select("#downloads a")]
    assert hrefs[:3] == ["/reports/cohort.html", "/reports/cohort_tables.xlsx",
                         "/reports/cohort_tables.docx"]
    for src in (img["src"] for img in page.select("figure img")):
        figure = site.get(src)
        assert figure.status_code == 200 and figure.headers["content-type"] == "image/svg+xml"
        assert "<svg" in figure.text


def test_report_downloads(site):
    html = site.get("/reports/cohort.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text
    xlsx = site.get("/reports/cohort_tables.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]
    docx = site.get("/reports/cohort_tables.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    csv = site.get("/reports/cohort_summary.csv")
    assert csv.text.splitlines()[0].startswith("measure,")
    assert site.get("/reports/secret.txt").status_code == 404
    assert site.get("/reports/figures/nope.svg").status_code == 404


def test_cohort_page_shows_attrition_and_recomputes(site):
    page = site.get("/cohort")
    assert page.status_code == 200
    rows = soup(page).select("#attrition tbody tr")
    assert rows[0].select("td")[1].text == "Patients in the database"
    assert soup(page).select_one("svg.flow")
    token = csrf_of(page.text)
    response = site.post("/cohort", data={"csrf_token": token, "date_from": "2022-01-01",
                                          "require_emg": "1", "require_ncs": "1",
                                          "exclude_mogad": "1", "ci": "clopper-pearson"})
    assert response.status_code == 303 and response.headers["location"] == "/cohort"
    settings = site.app.state.cohort_settings
    assert str(settings.date_from) == "2022-01-01" and settings.exclude_mogad
    assert settings.ci_method == "clopper-pearson" and settings.require == ("emg", "ncs")
    criteria = [tr.select("td")[1].text for tr in soup(site.get("/cohort")).select("#attrition tbody tr")]
    assert any("MOGAD" in c for c in criteria) and any("2022-01-01" in c for c in criteria)


def test_cohort_form_errors_are_400_with_a_message(site):
    token = csrf_of(site.get("/cohort").text)
    bad_date = site.post("/cohort", data={"csrf_token": token, "date_from": "2022-13-01"})
    assert bad_date.status_code == 400 and "is not a date" in bad_date.text
    empty = site.post("/cohort", data={"csrf_token": token, "date_from": "2023-01-01",
                                       "date_to": "2020-01-01"})
    assert empty.status_code == 422 and "The date window is empty" in empty.text
    profile = site.post("/cohort", data={"csrf_token": token, "profile": "nonsense"})
    assert profile.status_code in (404, 422) and "nonsense" in profile.text


def test_choosing_a_reference_profile_reinterprets_every_study(client):
    import time

    site = client
    assert import_example(site)["state"] == "done"
    token = csrf_of(site.get("/cohort").text)
    response = site.post("/cohort", data={"csrf_token": token, "require_emg": "1",
                                          "require_ncs": "1", "profile": "preston_shapiro_2013"})
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    for _ in range(400):
        state = site.get(response.headers["location"] + ".json").json()
        if state["done"]:
            break
        time.sleep(0.05)
    assert state["state"] == "done", state
    assert site.app.state.project.profile == "preston_shapiro_2013"
    assert 'value="preston_shapiro_2013" selected' in site.get("/cohort").text
    # every study is now read with the imposed profile (interpreted on demand, not stored)
    report = site.get("/studies/S01/report.html").text
    assert "preston_shapiro_2013" in report
    assert "preston_shapiro_2013_age_height" not in report
