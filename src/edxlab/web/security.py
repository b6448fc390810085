"""Authentication, CSRF tokens, the upload size limit and a privacy-safe access log.

One pure ASGI middleware (:class:`Guard`) wraps the app:

- with a token configured, every path except ``/healthz``, ``/login`` and ``/static`` needs
  ``Authorization: Bearer <token>`` or the session cookie set by the login form (HttpOnly,
  Secure, SameSite=Strict; its value is derived from the token, never the token itself);
  anything else gets 401 (the login page for a browser, JSON otherwise);
- a request body larger than the upload limit is refused with 413 before it is read;
- every client gets a random CSRF cookie; pages embed the token derived from it, and
  :func:`check_csrf` (an app-wide dependency) refuses any POST without it;
- the access log names the route template (``/patients/{patient_id}``), never the URL, so no
  identifier reaches the server log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edxlab.errors import EdxlabError, InputError
from edxlab.log import logger
from edxlab.web.config import WebConfig

SESSION_COOKIE = "edxlab_session"
CSRF_COOKIE = "edxlab_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PUBLIC_PREFIXES = ("/healthz", "/login", "/static/")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Sent with every response: only this server's own scripts run (an injected <script> would not),
#: pages are framed only by this server, nothing is fetched from elsewhere.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class NotAuthenticatedError(EdxlabError):
    """The request carries neither the bearer token nor a valid session cookie."""

    status = 401


class CsrfError(EdxlabError):
    """A form post without the page's CSRF token (forged, or the page is from an older server)."""

    status = 403


class UploadTooLargeError(InputError):
    """The request body is larger than ``--max-upload-mb``."""

    status = 413


class ReadOnlyError(EdxlabError):
    """A change was asked of a server started with ``--read-only``."""

    status = 403


def session_value(token: str) -> str:
    """The session cookie value for ``token`` (an HMAC, so the cookie never holds the token)."""
    return hmac.new(token.encode(), b"edxlab-session-v1", hashlib.sha256).hexdigest()


def is_authenticated(request: Request, token: str | None) -> bool:
    if not token:
        return True
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


def too_large_message(limit_mb: float) -> str:
    return (
        f"The upload is larger than the limit of {limit_mb:g} MB. Split the dataset, or restart "
        "the server with a larger --max-upload-mb."
    )


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, config: WebConfig, secret: bytes) -> None:
        self.app = app
        self.config = config
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        csrf_cookie = request.cookies.get(CSRF_COOKIE, "")
        new_cookie = None
        if len(csrf_cookie) < 32:
            csrf_cookie = new_cookie = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = self.csrf_token(csrf_cookie)
        status = {"code": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", [])) + SECURITY_HEADERS
                if new_cookie is not None:
                    headers.append((b"set-cookie", _csrf_set_cookie(new_cookie).encode("latin-1")))
                message["headers"] = headers
            await send(message)

        from edxlab.web.errors import error_response, unexpected

        try:
            error = self.refusal(request)
            if error is not None:
                await error_response(request, error)(scope, receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback out
            if status["code"]:
                raise
            await unexpected(request, exc)(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s %d %.0f ms", scope["method"], template, status["code"], elapsed)

    def refusal(self, request: Request) -> EdxlabError | None:
        """Why this request must be refused before any page code runs, or None."""
        path = request.url.path
        public = any(path == p or path.startswith(p) for p in PUBLIC_PREFIXES)
        if not public and not is_authenticated(request, self.config.token):
            return NotAuthenticatedError(
                "This edxlab server needs its access token: sign in, or send the header "
                "'Authorization: Bearer <token>'."
            )
        if request.method in UNSAFE_METHODS:
            length = request.headers.get("content-length")
            if length is not None and length.isdigit():
                if int(length) > self.config.max_upload_bytes:
                    return UploadTooLargeError(too_large_message(self.config.max_upload_mb))
            elif "transfer-encoding" in request.headers:
                return UploadTooLargeError(
                    "The upload did not say how large it is (Content-Length); send it from the "
                    "import page of this app."
                )
        return None

    def csrf_token(self, cookie: str) -> str:
        return hmac.new(self.secret, cookie.encode(), hashlib.sha256).hexdigest()


def _csrf_set_cookie(value: str) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[CSRF_COOKIE] = value
    cookie[CSRF_COOKIE]["path"] = "/"
    cookie[CSRF_COOKIE]["httponly"] = True
    cookie[CSRF_COOKIE]["samesite"] = "Strict"
    return cookie.output(header="").strip()


async def check_csrf(request: Request) -> AsyncIterator[None]:
    """App-wide dependency: refuse a POST (or other unsafe method) without the page's CSRF token.

    The token comes from the form field ``csrf_token`` or the ``X-CSRF-Token`` header. After the
    response, any uploaded files the form spooled to disk are closed.
    """
    if request.method in UNSAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else ""
        expected = request.scope["state"]["csrf_token"]
        if not hmac.compare_digest(given.encode(), expected.encode()):
            await request.close()
            raise CsrfError(
                "This form has expired or did not come from this edxlab page (missing CSRF "
                "token). Reload the page and submit it again."
            )
    try:
        yield
    finally:
        await request.close()
