"""Vocabularies of the interchange format (codes, labels, aliases), loaded from ``vocab/*.toml``.

A :class:`Vocabulary` maps what a user typed to a canonical code. Matching ignores case,
surrounding spaces and the difference between spaces, hyphens and underscores. An *alias*
(``APB``, ``Rt``, ``peroneal/fibular``) maps to its code and is reported once as a warning;
an *equivalent* (the numeric grades ``0``-``4``) maps silently.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize(text: str) -> str:
    """The matching key of a typed value: lower case, words joined by single underscores."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_") or text.strip().lower()


@dataclass(frozen=True)
class Match:
    """The result of looking up a typed value: the code and whether an alias was used."""

    code: str
    alias: bool


@dataclass
class Vocabulary:
    name: str
    description: str
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _index: dict[str, Match] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._build_index()

    def _build_index(self) -> None:
        index: dict[str, Match] = {}
        for code, entry in self.codes.items():
            index[normalize(code)] = Match(code, False)
            for eq in entry.get("equivalents", ()):
                index.setdefault(normalize(eq), Match(code, False))
        for code, entry in self.codes.items():
            for alias in entry.get("aliases", ()):
                index.setdefault(normalize(alias), Match(code, True))
        self._index = index

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self):
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def lookup(self, text: str) -> Match | None:
        """The canonical code for ``text`` (a code, an equivalent or an alias), else None."""
        return self._index.get(normalize(text))

    def label(self, code: str) -> str:
        return self.codes[code].get("label", code)

    def attribute(self, code: str, key: str, default: Any = None) -> Any:
        return self.codes.get(code, {}).get(key, default)

    def codes_with(self, key: str, value: Any = True) -> list[str]:
        """Codes whose attribute ``key`` equals ``value`` (e.g. ``requires_level``)."""
        return [c for c, e in self.codes.items() if e.get(key) == value]

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """Closest codes to ``text`` (difflib on the code and on its sorted words)."""
        key = normalize(text)
        words = "_".join(sorted(key.split("_")))
        scores: dict[str, float] = {}
        for candidate, match in self._index.items():
            cwords = "_".join(sorted(candidate.split("_")))
            score = max(
                difflib.SequenceMatcher(None, key, candidate).ratio(),
                difflib.SequenceMatcher(None, words, cwords).ratio(),
            )
            if score >= 0.6 and score > scores.get(match.code, 0.0):
                scores[match.code] = score
        ranked = sorted(scores, key=lambda c: (-scores[c], c))
        return ranked[:n]


def _load_raw(name: str) -> dict[str, Any]:
    path = resources.files("edxlab.model").joinpath("vocab", f"{name}.toml")
    if not path.is_file():
        raise KeyError(f"unknown vocabulary {name!r}")
    return tomllib.loads(path.read_text("utf-8"))


def _merged_codes(name: str) -> tuple[str, dict[str, dict[str, Any]]]:
    raw = _load_raw(name)
    codes: dict[str, dict[str, Any]] = {}
    if "extends" in raw:
        _, base = _merged_codes(raw["extends"])
        codes = {c: dict(e) for c, e in base.items()}
    for code, entry in raw.get("codes", {}).items():
        merged = dict(codes.get(code, {}))
        for key, value in entry.items():
            if key in ("aliases", "equivalents"):
                merged[key] = list(merged.get(key, [])) + list(value)
            else:
                merged[key] = value
        codes[code] = merged
    return raw.get("description", name), codes


@cache
def vocabulary(name: str) -> Vocabulary:
    """The vocabulary ``name`` (a file ``vocab/<name>.toml``)."""
    description, codes = _merged_codes(name)
    return Vocabulary(name=name, description=description, codes=codes)


def vocabulary_names() -> list[str]:
    folder = resources.files("edxlab.model").joinpath("vocab")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def site_order(code: str) -> int | None:
    """Distance rank of a stimulation site from the distal end of the limb (smaller = distal)."""
    return vocabulary("site").attribute(code, "order")


def segment_order(code: str) -> int | None:
    """Rank of a spinal segment from C1 (1) to S5 (30)."""
    return vocabulary("segment").attribute(code, "order")
