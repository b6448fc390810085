"""The per-study EDX report: values beside limits, abnormal values highlighted, NR, EMG table,
interpretation and evidence."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from bs4 import BeautifulSoup

from edxlab.errors import NotFoundError
from edxlab.model.dataset import Dataset
from edxlab.report.study_report import render_study_report, write_study_reports


def _nerve(**kw):
    base = {"study_id": "s1", "side": "R", "profile": "demo_profile_v1", "criteria": "aanem", "abnormal": False}
    return {**base, **kw}


@pytest.fixture(scope="module")
def study():
    ds = Dataset.from_frames(
        patients=pl.DataFrame({"patient_id": ["p1"], "sex": ["F"], "birth_year": [1970]}),
        studies=pl.DataFrame(
            {"study_id": ["s1"], "patient_id": ["p1"], "study_date": [dt.date(2018, 4, 2)], "height_cm": [165.0],
             "temp_upper_c": [32.5], "indication": [["weakness", "atrophy"]]}
        ),
        emg=pl.DataFrame(
            {
                "study_id": ["s1", "s1"],
                "muscle": ["first_dorsal_interosseous", "deltoid"],
                "side": ["R", "R"],
                "insertional": ["increased", "normal"],
                "fibs": ["2+", "0"],
                "psw": ["1+", "0"],
                "muap_duration": ["increased", "normal"],
                "recruitment": ["reduced", "normal"],
            }
        ),
    )
    nerve_findings = pl.DataFrame(
        [
            _nerve(nerve="median", modality="motor", record_site="apb", distal_latency_ms=5.2, distal_latency_limit=4.4,
                   distal_latency_abnormal=True, distal_latency_source="Chen 2016", amplitude_value=8.1, amplitude_unit="mV",
                   amplitude_limit=4.1, amplitude_abnormal=False, cv_ms=52.0, cv_limit=49.0, cv_abnormal=False,
                   fwave_ms=27.9, fwave_limit=31.0, fwave_abnormal=False, pattern="focal", abnormal=True,
                   rule_ids=["ncs.distal_latency.upper"], evidence="median motor distal latency 5.2 ms > 4.4 ms (Chen 2016)"),
            _nerve(nerve="median", modality="sensory", record_site="digit2", distal_latency_nr=True, amplitude_nr=True,
                   amplitude_unit="uV", amplitude_limit=13.0, amplitude_abnormal=True, distal_latency_abnormal=True,
                   abnormal=True, pattern="axonal", rule_ids=["ncs.nr"], evidence="median sensory response absent"),
            _nerve(nerve="ulnar", modality="motor", record_site="adm", distal_latency_ms=2.9, distal_latency_limit=3.3,
                   amplitude_value=9.5, amplitude_unit="mV", amplitude_limit=6.0, cv_ms=58.0, cv_limit=49.0,
                   fwave_nr=True, fwave_limit=32.0, fwave_abnormal=True, pattern="normal"),
            _nerve(nerve="blink", modality=None, side="R", r1_ms=13.9, r1_limit=13.0, r1_abnormal=True,
                   r2_ipsi_ms=36.0, r2_ipsi_limit=41.0, r2_contra_ms=37.0, r2_contra_limit=44.0),
        ]
    )
    muscle_findings = pl.DataFrame(
        {
            "study_id": ["s1", "s1"],
            "muscle": ["first_dorsal_interosseous", "deltoid"],
            "side": ["R", "R"],
            "level": [None, None],
            "finding": ["active_and_chronic_denervation", "normal"],
            "denervation": [True, False],
            "explained_by": [None, None],
            "rules": [["emg.active", "emg.chronic"], []],
            "evidence": ["fibrillations 2+, positive sharp waves 1+; long-duration MUAPs with reduced recruitment", ""],
        },
        schema_overrides={"level": pl.String},
    )
    study_findings = pl.DataFrame(
        {"study_id": ["s1"], "summary": ["Right carpal tunnel syndrome. Active and chronic denervation of the right first dorsal interosseous, not explained by the NCS."]}
    )
    findings = {"nerve_findings": nerve_findings, "muscle_findings": muscle_findings, "study_findings": study_findings}
    html = render_study_report(ds, findings, "s1", synthetic="test data")
    return ds, findings, BeautifulSoup(html, "html.parser")


def _ncs_row(soup, nerve, modality):
    for tr in soup.find(id="ncs").find("tbody").find_all("tr"):
        tds = tr.find_all("td")
        if tds[0].text == nerve and tds[2].text == modality:
            return tds
    raise AssertionError(f"no {nerve} {modality} row")


def test_values_beside_limits_and_abnormal_highlighted(study):
    _, _, soup = study
    tds = _ncs_row(soup, "median", "motor")
    assert tds[4].text == "5.2" and tds[5].text == "≤ 4.4"
    assert "abnormal" in tds[4]["class"]
    assert tds[4]["title"] == "limit: Chen 2016"
    assert tds[6].text == "8.1 mV" and tds[7].text == "≥ 4.1" and "abnormal" not in tds[6]["class"]
    assert tds[8].text == "52.0" and tds[9].text == "≥ 49.0"


def test_no_response_shown_as_nr_and_abnormal(study):
    _, _, soup = study
    tds = _ncs_row(soup, "median", "sensory")
    assert tds[6].text == "NR" and {"nr", "abnormal"} <= set(tds[6]["class"])
    assert tds[7].text == "≥ 13.0"


def test_highlighted_cells_are_exactly_the_abnormal_values(study):
    _, _, soup = study
    cells = [td.text for td in soup.find(id="ncs").select("td.abnormal")]
    assert cells == ["5.2", "NR", "NR"]


def test_fwaves_and_blink(study):
    _, _, soup = study
    rows = [[td.text for td in tr.find_all("td")] for tr in soup.find(id="fwaves").find("tbody").find_all("tr")]
    assert rows == [["median", "Right", "27.9", "≤ 31.0"], ["ulnar", "Right", "NR", "≤ 32.0"]]
    blink = soup.find(id="blink").find("tbody").find("tr").find_all("td")
    assert blink[1].text == "13.9" and "abnormal" in blink[1]["class"] and blink[2].text == "≤ 13.0"


def test_emg_table(study):
    _, _, soup = study
    tr = soup.find(id="emg").find("tbody").find_all("tr")[0]
    tds = [td.text for td in tr.find_all("td")]
    assert tds[:4] == ["first dorsal interosseous", "Right", "increased", "2+"]
    assert "denervated" in tr["class"]
    assert [td.text for td in tr.select("td.abnormal")] == ["increased", "2+", "1+", "increased", "reduced"]
    normal = soup.find(id="emg").find("tbody").find_all("tr")[1]
    assert not normal.select("td.abnormal")


def test_header_interpretation_evidence(study):
    _, _, soup = study
    header = soup.find(id="header").text
    assert "2018-04-02" in header and "48.0 years" in header and "hand 32.5 °C" in header
    assert "demo_profile_v1" in header
    assert soup.find(id="interpretation").text.startswith("Right carpal tunnel syndrome.")
    ev = [li.text for li in soup.find(id="evidence").find_all("li")]
    assert any("5.2 ms > 4.4 ms (Chen 2016)" in e and "[ncs.distal_latency.upper]" in e for e in ev)
    assert any(e.startswith("first dorsal interosseous (Right): fibrillations 2+") for e in ev)
    assert soup.find(id="synthetic-label")


def test_unknown_study(study, tmp_path):
    ds, findings, _ = study
    with pytest.raises(NotFoundError, match="Study 'nope' is not in the database."):
        write_study_reports(ds, findings, tmp_path, ["nope"])
    assert write_study_reports(ds, findings, tmp_path)[0].name == "study_s1.html"
