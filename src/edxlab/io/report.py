"""Validation issues for people (a rich table) and for programs (JSON)."""

from __future__ import annotations

import json

from edxlab.errors import Issue


def issues_json(issues: list[Issue]) -> str:
    errors = sum(i.severity == "error" for i in issues)
    return json.dumps({
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(issues) - errors,
        "issues": [i.as_dict() for i in issues],
    }, indent=1, ensure_ascii=False)


def issues_table(issues: list[Issue], title: str):
    """A rich Table listing every issue: file, row, column, value, severity, message."""
    from rich.table import Table

    table = Table(title=title, show_lines=False, title_justify="left")
    table.add_column("file", style="cyan", overflow="fold")
    table.add_column("row", justify="right", no_wrap=True)
    table.add_column("column", style="magenta", overflow="fold")
    table.add_column("value", max_width=24, overflow="fold")
    table.add_column("severity")
    table.add_column("message", ratio=1, overflow="fold")
    for i in issues:
        severity = "[red]error[/red]" if i.severity == "error" else "[yellow]warning[/yellow]"
        table.add_row(i.file, "" if i.row is None else str(i.row), i.column or "",
                      _escape(i.value or ""), severity, _escape(i.message))
    return table


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def issues_summary(issues: list[Issue]) -> str:
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    if not issues:
        return "No problems found."
    return (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            + ("." if errors else "; the dataset can be imported."))
