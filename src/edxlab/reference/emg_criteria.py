"""Needle EMG criteria as data (``emg_criteria.toml``), with validated overrides."""

from __future__ import annotations

import copy
import difflib
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from edxlab.errors import ConfigError

GRADE_RANK: dict[str, float] = {"0": 0.0, "+/-": 0.5, "1+": 1.0, "2+": 2.0, "3+": 3.0, "4+": 4.0}
"""Ordinal rank of the spontaneous-activity grades of the interchange format."""

_CHOICES = {
    ("explanation", "unlocalized_lesion"): ("whole_nerve", "none"),
    ("explanation", "non_length_dependent_polyneuropathy"): ("none", "distal", "limb"),
}


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("edxlab.reference").joinpath("emg_criteria.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_emg_criteria(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The criteria with ``overrides`` (nested like the TOML: ``{"mri": {"margin": 2}}``) applied.

    Raises :class:`ConfigError` naming the unknown section/option (with a suggestion) or the bad
    value and what is accepted.
    """
    crit = copy.deepcopy(_defaults())
    for section, values in (overrides or {}).items():
        if section not in crit or not isinstance(crit[section], dict):
            raise ConfigError(_unknown("EMG criteria section", section, [
                k for k, v in crit.items() if isinstance(v, dict)]))
        if not isinstance(values, dict):
            raise ConfigError(f"EMG criteria section '{section}' must be a table of options.")
        for key, value in values.items():
            if key not in crit[section]:
                raise ConfigError(_unknown(f"option of EMG criteria [{section}]", key,
                                           list(crit[section])))
            crit[section][key] = value
    _check(crit)
    return crit


def load_emg_criteria_file(path: str | Path) -> dict[str, Any]:
    """Overrides read from a TOML file (same sections as ``emg_criteria.toml``), validated.

    Returns the complete criteria. Raises :class:`ConfigError` naming the file when it is
    missing or not valid TOML, and naming the option when an override is unknown or invalid.
    """
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the EMG criteria file {p}: {exc.strerror}.") from None
    try:
        overrides = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The EMG criteria file {p} is not valid TOML: {exc}.") from None
    overrides.pop("version", None)
    try:
        return load_emg_criteria(overrides)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc.message}") from None


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"Unknown {what} '{name}'.{hint} Accepted: {', '.join(sorted(known))}."


def _check(crit: dict[str, Any]) -> None:
    for key in ("min_grade", "fasciculations_min_grade"):
        grade = str(crit["active"][key])
        if grade not in GRADE_RANK:
            raise ConfigError(
                f"EMG criteria [active] {key} = '{grade}' is not a grade; accepted: "
                f"{', '.join(GRADE_RANK)}."
            )
    for (section, key), allowed in _CHOICES.items():
        if crit[section][key] not in allowed:
            raise ConfigError(
                f"EMG criteria [{section}] {key} = '{crit[section][key]}' is not accepted; "
                f"choose one of {', '.join(allowed)}."
            )
    for section, key in (("mri", "margin"), ("segments", "min_nerves"),
                         ("timing", "min_days_after_attack"), ("signs", "max_reflex_grade")):
        value = crit[section][key]
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(
                f"EMG criteria [{section}] {key} = '{value}' must be a number >= 0."
            )
