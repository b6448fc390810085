"""Jinja2 rendering of the report templates (``report/templates/``), autoescaped."""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("edxlab.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)
