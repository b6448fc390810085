"""Jinja2 templates (autoescaped: every user-supplied text is rendered as text) and render()."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from edxlab import __version__
from edxlab.web.security import is_authenticated

NAV = [("/", "Dashboard"), ("/patients", "Patients"), ("/cohort", "Cohort"), ("/import", "Import")]


@cache
def environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("edxlab.web", "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             auto_reload=False,  # templates ship with the package: no stat per page
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["yesno"] = yesno
    env.filters["num"] = num
    return env


def yesno(value: object) -> str:
    if value is None:
        return ""
    return "yes" if value else "no"


def num(value: object, digits: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
    """Render ``template`` with the page chrome's variables (CSRF token, navigation, settings)."""
    config = getattr(request.app.state, "config", None)
    base = {
        "request": request,
        "csrf_token": request.scope.get("state", {}).get("csrf_token", ""),
        "nav": [(href, label) for href, label in NAV if href in available_pages(request)],
        "read_only": bool(config and config.read_only),
        "signed_in": bool(config and config.token and is_authenticated(request, config.token)),
        "version": __version__,
        "path": request.url.path,
    }
    html = environment().get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status)


def available_pages(request: Request) -> set[str]:
    return getattr(request.app.state, "pages", set())


def static_dir() -> str:
    return str(resources.files("edxlab.web") / "static")
