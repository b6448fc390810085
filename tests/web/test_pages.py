"""Patient list, patient page and study page over the example dataset (interpreted in memory)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.web.conftest import example_db, make_client


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def test_patient_list_shows_every_patient_with_links(site, example):
    page = site.get("/patients")
    assert page.status_code == 200
    ids = [a.text for a in soup(page).select("#patients tbody td:first-child a")]
    assert ids == sorted(example.dataset.patients["patient_id"].to_list())
    assert soup(page).select_one("#patients a[href='/patients/P01']")


def test_patient_list_search_filter_sort_and_paging(site):
    found = soup(site.get("/patients?q=p0")).select("#patients tbody tr")
    assert len(found) >= 2
    one = soup(site.get("/patients?q=P02")).select("#patients tbody td:first-child a")
    assert [a.text for a in one] == ["P02"]
    desc = soup(site.get("/patients?sort=patient_id&desc=1")).select("#patients tbody td:first-child a")
    assert [a.text for a in desc] == sorted([a.text for a in desc], reverse=True)
    aqp4 = site.get("/patients?aqp4=positive", headers={"Accept": "application/json"}).json()
    assert aqp4["total"] >= 1 and all(r["aqp4_igg"] == "positive" for r in aqp4["rows"])
    paged = site.get("/patients?per_page=25&page=99", headers={"Accept": "application/json"}).json()
    assert paged["page"] == paged["pages"] == 1


def test_patient_list_rejects_unknown_filter_values_with_400(site):
    response = site.get("/patients?aqp4=maybe")
    assert response.status_code == 400
    assert "AQP4-IgG: got &#39;maybe&#39;; allowed: positive, negative" in response.text
    assert site.get("/patients?sort=secret").status_code == 400


def test_patient_page_has_timeline_cord_signs_and_studies(site):
    page = site.get("/patients/P01")
    assert page.status_code == 200
    html = soup(page)
    assert html.select_one("h1").text == "Patient P01"
    assert html.select("#timeline circle.attack") and html.select("#timeline circle.study")
    assert html.select_one("#cord-map rect.lesion title").text == "MRI lesion at vertebral levels C3-C6"
    assert html.select("#studies a[href^='/studies/']")
    assert "deltoid" in html.select_one("#signs").text


def test_unknown_patient_and_study_are_404(site):
    assert site.get("/patients/NOPE").status_code == 404
    assert site.get("/studies/NOPE").status_code == 404
    assert site.get("/studies/NOPE/report.html").status_code == 404


def test_study_report_highlights_abnormal_values(site, example):
    findings = example.findings["nerve_findings"]
    abnormal = findings.filter(findings["abnormal"].fill_null(False))["study_id"].unique().sort()
    study_id = abnormal[0]
    page = site.get(f"/studies/{study_id}")
    assert page.status_code == 200
    assert soup(page).select_one("iframe#study-report")["src"] == f"/studies/{study_id}/report.html"
    report = soup(site.get(f"/studies/{study_id}/report.html"))
    assert report.select("#ncs td.abnormal")


def test_note_with_script_stays_text(tmp_path, example):
    import duckdb

    db = example_db(example, tmp_path)
    con = duckdb.connect(str(db))
    con.execute("UPDATE signs SET note = ? WHERE patient_id = ?",
                ["<script>alert(1)</script>", "P01"])
    con.close()
    with make_client(tmp_path) as client:
        page = client.get("/patients/P01")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert soup(page).select_one("#signs td.note").text == "<script>alert(1)</script>"
