"""``/login`` and ``/logout``: the token form that sets the session cookie."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from edxlab.web.rendering import render
from edxlab.web.security import SESSION_COOKIE, session_value

router = APIRouter()


def safe_next(target: str) -> str:
    """Only local paths: a login link must not redirect to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"title": "Sign in", "message": "", "next": safe_next(next)})


@router.post("/login")
def login(request: Request, token: str = Form(""), next: str = Form("/")) -> Response:
    expected = request.app.state.config.token
    if not expected:
        return RedirectResponse(safe_next(next), status_code=303)
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        message = ("That access token is not right. Ask whoever started the server for it "
                   "(edxlab serve --token ...).")
        return render(request, "login.html", {"title": "Sign in", "message": message,
                                              "next": safe_next(next)}, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_value(expected), httponly=True, secure=True,
                        samesite="strict", path="/")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response
