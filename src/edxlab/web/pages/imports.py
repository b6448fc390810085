"""``/import``: upload, the validation report, confirmation, then the import job (``/jobs``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from edxlab.errors import EdxlabError, Issue
from edxlab.web import importing
from edxlab.web.rendering import render
from edxlab.web.security import ReadOnlyError
from edxlab.web.uploads import ACCEPTED

router = APIRouter()
NAV = ("/import",)


def _writable(request: Request) -> None:
    if request.app.state.config.read_only:
        raise ReadOnlyError("This server was started with --read-only: importing is disabled.")


@router.get("/import")
def import_form(request: Request) -> Response:
    return render(request, "import.html", {"title": "Import", "accepted": ACCEPTED})


@router.post("/import")
async def upload(request: Request) -> Response:
    _writable(request)
    staging = request.app.state.staging
    files = [f for f in (await request.form()).getlist("files") if isinstance(f, UploadFile)]
    try:
        staged = await run_in_threadpool(staging.stage, files)
    except EdxlabError as exc:
        issue = Issue(file="upload", row=None, column=None, value=None, severity="error",
                      message=exc.message, rule="upload")
        return _report(request, None, [issue])
    issues = await run_in_threadpool(importing.validate, staged.path)
    if any(i.severity == "error" for i in issues):
        staging.discard(staged.id)
        return _report(request, None, issues, names=staged.names)
    return _report(request, staged.id, issues, names=staged.names)


def _report(request: Request, upload_id: str | None, issues: list[Issue], names=()) -> Response:
    errors = sum(i.severity == "error" for i in issues)
    context = {"title": "Validation report", "upload_id": upload_id, "names": names,
               "issues": [i.as_dict() for i in issues], "n_errors": errors,
               "n_warnings": len(issues) - errors}
    return render(request, "import_report.html", context, status=422 if errors else 200)


@router.post("/import/{upload_id}/confirm")
def confirm(request: Request, upload_id: str) -> Response:
    _writable(request)
    state = request.app.state
    staged = state.staging.get(upload_id)
    work = importing.import_job(state, staged.path, lambda: state.staging.discard(upload_id))
    job = state.jobs.submit("import", work)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
