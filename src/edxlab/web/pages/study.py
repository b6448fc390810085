"""``/studies/{study_id}``: the per-study EDX report (``edxlab.report.study_report``) in the app,
and ``/studies/{study_id}/report.html``, the same report as a printable page of its own."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

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
    return render(request, "study.html", {"title": f"Study {study_id}", "study": study,
                                          "signals": signals})


@router.get("/studies/{study_id}/report.html")
def study_report(request: Request, study_id: str) -> Response:
    from edxlab.report.study_report import render_study_report

    snap, _ = _study(request, study_id)
    dataset, findings = snap.study_view(study_id)
    return HTMLResponse(render_study_report(dataset, findings, study_id))
