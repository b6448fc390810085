"""The one translation of errors into answers: a status plus an HTML page or a JSON body.

Every :class:`~edxlab.errors.EdxlabError` carries its HTTP status; this module renders it as the
``error.html`` page (the login page for 401) or, for clients that ask for JSON, as
``{"ok": false, "error": ..., "errors": [...], "status": ...}`` (datasette's shape). Starlette's
404/405, invalid query parameters and unexpected exceptions are mapped onto the same shapes; an
unexpected exception never shows a traceback and the log names only its type.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from edxlab.errors import EdxlabError, InputError, NotFoundError, ValidationError
from edxlab.log import logger

TITLES = {
    400: "This request cannot be used",
    401: "Sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Upload too large",
    422: "The data did not pass validation",
    500: "Something went wrong",
}


class UnexpectedError(EdxlabError):
    status = 500


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    path = request.url.path
    return path.endswith(".json") or ("application/json" in accept and "text/html" not in accept)


def error_response(request: Request, exc: EdxlabError) -> Response:
    """The answer for ``exc``: its status, and a page or JSON body."""
    issues = [i.as_dict() for i in getattr(exc, "issues", [])]
    if wants_json(request):
        body = {"ok": False, "error": exc.message, "errors": issues, "status": exc.status}
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(body, status_code=exc.status, headers=headers)
    from edxlab.web.rendering import render

    template = "login.html" if exc.status == 401 else "error.html"
    context = {"title": TITLES.get(exc.status, "Error"), "message": exc.message,
               "issues": issues, "status": exc.status, "next": _local_next(request)}
    return render(request, template, context, status=exc.status)


def _local_next(request: Request) -> str:
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def http_error(exc: HTTPException) -> EdxlabError:
    if exc.status_code == 404:
        return NotFoundError("There is no page at this address.")
    if exc.status_code == 405:
        error = InputError("This address cannot be used that way (wrong HTTP method).")
        error.status = 405
        return error
    error = InputError(exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error"))
    error.status = exc.status_code
    return error


def query_error(exc: RequestValidationError) -> InputError:
    parts = []
    for err in exc.errors():
        name = ".".join(str(x) for x in err.get("loc", ())[1:]) or "request"
        parts.append(f"'{name}': {err.get('msg', 'invalid value')}")
    return InputError("Some of the values given are not valid: " + "; ".join(parts) + ".")


def install(app: FastAPI) -> None:
    """Register the translations on ``app``."""

    @app.exception_handler(EdxlabError)
    async def _edxlab(request: Request, exc: EdxlabError) -> Response:
        if isinstance(exc, ValidationError) and not exc.issues:
            exc = InputError(exc.message)
        return error_response(request, exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return error_response(request, http_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _query(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, query_error(exc))


def unexpected(request: Request, exc: BaseException) -> Response:
    """500 for an exception nobody anticipated: no traceback to the user, only its type logged
    (the traceback at debug level only)."""
    logger.error("Unexpected %s while answering %s", type(exc).__name__, request.method)
    # The traceback only at debug level (edxlab -vv serve), which is for developers.
    logger.debug("Traceback of the unexpected error", exc_info=exc)
    return error_response(request, UnexpectedError(
        "edxlab hit an unexpected problem and could not finish this request. Nothing was "
        "changed in the database. If it happens again, tell whoever maintains this server."
    ))
