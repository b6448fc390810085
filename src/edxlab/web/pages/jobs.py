"""``/jobs/{job_id}``: progress and outcome of a background job (an import, a re-interpretation)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from edxlab.errors import NotFoundError
from edxlab.web.jobs import Job
from edxlab.web.rendering import render

router = APIRouter()


def _job(request: Request, job_id: str) -> Job:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise NotFoundError("There is no such job (the server may have restarted).")
    return job


@router.get("/jobs/{job_id}.json")
def job_status(request: Request, job_id: str) -> Response:
    return JSONResponse(_job(request, job_id).as_dict())


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    return render(request, "job.html", {"title": job.kind.capitalize(), "job": job})
