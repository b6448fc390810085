"""Table schemas of the interchange format, loaded from ``tables.toml``.

The canonical in-memory form of a table is a Polars frame whose columns are the spec's column
names with these dtypes:

=========  ==============================================================
type       Polars dtype
=========  ==============================================================
id, code   ``pl.String`` (codes canonical: lower snake_case; sides ``L``/``R``/``midline``)
text       ``pl.String``
float      ``pl.Float64``; a column with ``nr = true`` gets a Boolean ``<col>_nr``
           (true = the response was sought and is absent; the value is then null)
int        ``pl.Int64``
bool       ``pl.Boolean``
date       ``pl.Date``
list       ``pl.List(pl.String)`` (sorted, unique codes)
grade      ``pl.String`` canonical ``0``, ``+/-``, ``1+`` .. ``4+``
=========  ==============================================================
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import polars as pl

TYPE_DTYPES: dict[str, pl.DataType] = {
    "id": pl.String,
    "code": pl.String,
    "text": pl.String,
    "grade": pl.String,
    "float": pl.Float64,
    "int": pl.Int64,
    "bool": pl.Boolean,
    "date": pl.Date,
    "list": pl.List(pl.String),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    vocab: str | None = None
    nr: bool = False
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    default: Any = None
    references: str | None = None
    max_by: str | None = None
    max_for: dict[str, float] | None = None
    open: bool = False  # codes outside ``vocab`` are kept (normalized) instead of rejected

    @property
    def dtype(self) -> pl.DataType:
        return TYPE_DTYPES[self.type]


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    key: tuple[str, ...]
    description: str
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def polars_schema(self) -> dict[str, pl.DataType]:
        """Canonical column -> dtype, including the ``<col>_nr`` companions."""
        out: dict[str, pl.DataType] = {}
        for col in self.columns.values():
            out[col.name] = col.dtype
            if col.nr:
                out[f"{col.name}_nr"] = pl.Boolean
        return out

    def empty_frame(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema())


@cache
def tables() -> dict[str, Table]:
    """All tables of the interchange format, in file order (patients first)."""
    raw = tomllib.loads(resources.files("edxlab.model").joinpath("tables.toml").read_text("utf-8"))
    out: dict[str, Table] = {}
    for name, spec in raw.items():
        cols = {
            cname: Column(name=cname, **cspec) for cname, cspec in spec.get("columns", {}).items()
        }
        out[name] = Table(
            name=name,
            required=bool(spec.get("required", False)),
            key=tuple(spec.get("key", ())),
            description=spec.get("description", ""),
            columns=cols,
        )
    return out


def table(name: str) -> Table:
    """One table of the interchange format by name."""
    return tables()[name]


TABLE_NAMES: tuple[str, ...] = (
    "patients", "studies", "ncs", "fwaves", "blink", "emg", "signals", "attacks", "mri", "signs",
)
