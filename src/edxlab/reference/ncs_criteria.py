"""Nerve conduction criteria as data (``ncs_criteria.toml``): demyelination sets and focal rules."""

from __future__ import annotations

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
        from edxlab.reference.profiles import _did_you_mean

        hint = _did_you_mean(name, sets)
        raise NotFoundError(f'Criteria set "{name}" does not exist; available: '
                            f"{', '.join(criteria_names())}.{hint}")
    return sets[name]
