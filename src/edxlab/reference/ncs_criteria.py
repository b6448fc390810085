"""Nerve conduction criteria as data (``ncs_criteria.toml``): demyelination sets and focal rules."""

from __future__ import annotations

import difflib
import tomllib
from functools import cache
from importlib import resources

from edxlab.errors import NotFoundError


@cache
def ncs_criteria() -> dict:
    """The whole criteria document (sets, temperature, cts, une, ... with their sources)."""
    text = resources.files("edxlab.reference").joinpath("ncs_criteria.toml").read_text("utf-8")
    return tomllib.loads(text)


def criteria_names() -> list[str]:
    """Selectable demyelination criteria sets (``--criteria``)."""
    return sorted(ncs_criteria()["sets"])


def default_criteria_name() -> str:
    return str(ncs_criteria()["default_set"])


def criteria_set(name: str) -> dict:
    sets = ncs_criteria()["sets"]
    if name not in sets:
        close = difflib.get_close_matches(name, list(sets), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise NotFoundError(f'Criteria set "{name}" does not exist; available: '
                            f"{', '.join(criteria_names())}.{hint}")
    return sets[name]
