"""Constants of the needle EMG signal analysis as data (``reference/qemg/<name>.toml``).

Each table of such a file holds one constant: ``value`` and the ``source`` that justifies it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def qemg_constants(name: str) -> dict[str, float]:
    """``{constant: value}`` of ``reference/qemg/<name>.toml`` (e.g. ``muap_measures``)."""
    with (resources.files("edxlab.reference") / "qemg" / f"{name}.toml").open("rb") as fh:
        return {key: table["value"] for key, table in tomllib.load(fh).items()}
