"""``/studies/{study_id}``: the per-study EDX report (``edxlab.report.study_report``) in the app,
and ``/studies/{study_id}/report.html``, the same report as a printable page of its own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from edxlab.errors import NotFoundError
from edxlab.web.project import SYNTHETIC_LABEL, SYNTHETIC_PREFIX
from edxlab.web.rendering import render

router = APIRouter()


def _study(project, con, study_id: str) -> dict:
    study = project.study(con, study_id)
    if study is None:
        raise NotFoundError("There is no study with this identifier in the database.")
    return study


def is_synthetic(study: dict) -> bool:
    return any(str(study.get(key) or "").startswith(SYNTHETIC_PREFIX)
               for key in ("study_id", "patient_id"))


@router.get("/studies/{study_id}")
def study_page(request: Request, study_id: str) -> Response:
    state = request.app.state
    project = state.project
    with state.db.reader() as con:
        study = _study(project, con, study_id)
        signals = project.study_rows(con, "signals", study_id)
        measured = []
        if signals:
            _, findings = project.study_view(con, study_id, study)
            muscles = findings.get("muscle_findings")
            if muscles is not None and "measured_classification" in muscles.columns:
                measured = muscles.filter(
                    muscles["measured_classification"].is_not_null()).to_dicts()
    return render(request, "study.html", {"title": f"Study {study_id}", "study": study,
                                          "signals": signals, "measured": measured,
                                          "synthetic": is_synthetic(study)})


@router.get("/studies/{study_id}/signals/{index}.png")
def recording_figure(request: Request, study_id: str, index: int) -> Response:
    state = request.app.state
    with state.db.reader() as con:
        _study(state.project, con, study_id)
        path = state.project.recording_figure(con, study_id, index)
    if path is None:
        raise NotFoundError("This recording is not available on the server.")
    return FileResponse(path, media_type="image/png")


@router.get("/studies/{study_id}/report.html")
def study_report(request: Request, study_id: str) -> Response:
    from edxlab.report.study_report import render_study_report

    state = request.app.state
    with state.db.reader() as con:
        study = _study(state.project, con, study_id)
        dataset, findings = state.project.study_view(con, study_id, study)
    label = SYNTHETIC_LABEL if is_synthetic(study) else ""
    return HTMLResponse(render_study_report(dataset, findings, study_id, label))
