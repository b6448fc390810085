"""``/studies/{study_id}``: the per-study EDX report (``edxlab.report.study_report``) in the app,
and ``/studies/{study_id}/report.html``, the same report as a printable page of its own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from edxlab.errors import NotFoundError
from edxlab.web.rendering import render

router = APIRouter()


def _study(request: Request, study_id: str):
    snap = request.app.state.project.snapshot()
    study = snap.study(study_id)
    if study is None:
        raise NotFoundError("There is no study with this identifier in the database.")
    return snap, study


@router.get("/studies/{study_id}")
def study_page(request: Request, study_id: str) -> Response:
    snap, study = _study(request, study_id)
    signals = snap.rows("signals", study_id).to_dicts()
    measured = []
    if "muscle_findings" in snap.findings and signals:
        muscles = snap.rows("muscle_findings", study_id)
        if "measured_classification" in muscles.columns:
            measured = muscles.filter(muscles["measured_classification"].is_not_null()).to_dicts()
    return render(request, "study.html", {"title": f"Study {study_id}", "study": study,
                                          "signals": signals, "measured": measured})


@router.get("/studies/{study_id}/signals/{index}.png")
def recording_figure(request: Request, study_id: str, index: int) -> Response:
    snap, _ = _study(request, study_id)
    path = snap.recording_figure(study_id, index)
    if path is None:
        raise NotFoundError("This recording is not available on the server.")
    return FileResponse(path, media_type="image/png")


@router.get("/studies/{study_id}/report.html")
def study_report(request: Request, study_id: str) -> Response:
    from edxlab.report.study_report import render_study_report

    snap, _ = _study(request, study_id)
    dataset, findings = snap.study_view(study_id)
    return HTMLResponse(render_study_report(dataset, findings, study_id))
