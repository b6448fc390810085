"""``/reports/...``: the cohort report and its downloads, as ``edxlab.report`` writes them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from edxlab.errors import NotFoundError

router = APIRouter()

FILES = {
    "cohort.html": ("html", "text/html; charset=utf-8", False),
    "cohort_tables.xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
    "cohort_tables.docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
    "cohort_summary.csv": ("cohort_summary", "text/csv; charset=utf-8", True),
    "patient_findings.csv": ("patient_findings", "text/csv; charset=utf-8", True),
    "attrition.csv": ("attrition", "text/csv; charset=utf-8", True),
    "table1.csv": ("table1", "text/csv; charset=utf-8", True),
    "comparisons.csv": ("comparisons", "text/csv; charset=utf-8", True),
}


def _files(request: Request) -> dict:
    state = request.app.state
    with state.db.reader() as con:
        empty = state.project.empty(con)
        synthetic = state.project.synthetic(con)
    if empty:
        raise NotFoundError("There is no cohort report yet: import a dataset first.")
    return state.project.reports(state.cohort_settings, synthetic)


@router.get("/reports/figures/{name}.svg")
def figure(request: Request, name: str) -> Response:
    path = _files(request).get(f"figure_{name}")
    if path is None:
        raise NotFoundError("There is no such figure in the cohort report.")
    return FileResponse(path, media_type="image/svg+xml")


@router.get("/reports/{filename}")
def report_file(request: Request, filename: str) -> Response:
    if filename not in FILES:
        raise NotFoundError("There is no such report file.")
    key, media_type, attachment = FILES[filename]
    path = _files(request).get(key)
    if path is None:
        raise NotFoundError("There is no such report file.")
    return FileResponse(path, media_type=media_type,
                        filename=filename if attachment else None,
                        content_disposition_type="attachment" if attachment else "inline")
