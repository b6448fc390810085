"""Writers: a canonical :class:`~edxlab.model.dataset.Dataset` back to the interchange format.

``csv`` (a folder of ``<table>.csv``), ``xlsx`` (one workbook, one sheet per table), ``json``
(one document of row lists) and ``parquet`` (a folder of ``<table>.parquet`` holding the
canonical typed frames). Text formats write ``NR`` where ``<col>_nr`` is true, ``true``/``false``
for booleans, ISO dates and ``;``-joined lists, so that reading the output gives back the same
frames.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl

from edxlab.errors import InputError
from edxlab.model.dataset import Dataset
from edxlab.model.schema import TABLE_NAMES, tables


def to_interchange(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The text cells of table ``name`` as the interchange format writes them."""
    spec = tables()[name]
    exprs: list[pl.Expr] = []
    for col in spec.columns.values():
        if col.name not in frame.columns:
            continue
        c = pl.col(col.name)
        if col.type == "list":
            text = c.list.join(";")
        elif col.type == "bool":
            text = pl.when(c).then(pl.lit("true")).when(~c).then(pl.lit("false"))
        elif col.type == "date":
            text = c.dt.strftime("%Y-%m-%d")
        else:
            text = c.cast(pl.String)
        if col.nr and f"{col.name}_nr" in frame.columns:
            text = pl.when(pl.col(f"{col.name}_nr")).then(pl.lit("NR")).otherwise(text)
        exprs.append(text.cast(pl.String).alias(col.name))
    nr_cols = {f"{c.name}_nr" for c in spec.columns.values() if c.nr}
    extra = [c for c in frame.columns
             if c not in spec.columns and c not in nr_cols and not c.startswith("__")]
    out = frame.select(exprs)
    if extra:  # user-named columns: taken as Series (a name like "*" is not a pattern)
        out = out.with_columns([frame.get_column(c).cast(pl.String) for c in extra])
    return out


def _tables_to_write(ds: Dataset) -> list[str]:
    specs = tables()
    return [n for n in TABLE_NAMES if specs[n].required or ds[n].height > 0]


def write_csv(ds: Dataset, path: Path) -> list[Path]:
    path.mkdir(parents=True, exist_ok=True)
    out = []
    for name in _tables_to_write(ds):
        target = path / f"{name}.csv"
        to_interchange(ds[name], name).write_csv(target)
        out.append(target)
    return out


def write_xlsx(ds: Dataset, path: Path) -> list[Path]:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    specs = tables()
    with xlsxwriter.Workbook(str(path)) as workbook:
        bold = workbook.add_format({"bold": True})
        for name in _tables_to_write(ds):
            frame = to_interchange(ds[name], name)
            columns = specs[name].columns
            numeric = [columns[c].type in ("float", "int") if c in columns else False
                       for c in frame.columns]
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, frame.columns, bold)
            sheet.freeze_panes(1, 0)
            for i, row in enumerate(frame.iter_rows(), start=1):
                for j, cell in enumerate(row):
                    if cell is None:
                        continue
                    if numeric[j] and cell != "NR":
                        sheet.write_number(i, j, float(cell))
                    else:
                        sheet.write_string(i, j, cell)
    return [path]


def write_json(ds: Dataset, path: Path) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {}
    for name in _tables_to_write(ds):
        frame = to_interchange(ds[name], name)
        doc[name] = [{k: v for k, v in row.items() if v is not None}
                     for row in frame.iter_rows(named=True)]
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return [path]


def write_parquet(ds: Dataset, path: Path) -> list[Path]:
    path.mkdir(parents=True, exist_ok=True)
    out = []
    for name in _tables_to_write(ds):
        target = path / f"{name}.parquet"
        ds[name].write_parquet(target)
        out.append(target)
    return out


WRITERS: dict[str, Callable[[Dataset, Path], list[Path]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
    "parquet": write_parquet,
}


def write_dataset(ds: Dataset, path: str | Path, format: str = "csv") -> list[Path]:
    """Write ``ds`` in the interchange format; returns the files written.

    ``path`` is a folder for ``csv`` and ``parquet``; for ``xlsx`` and ``json`` it is the file,
    or a folder in which ``dataset.xlsx`` / ``dataset.json`` is written.
    """
    if format not in WRITERS:
        raise InputError(f"unknown export format '{format}'; accepted: {', '.join(WRITERS)}")
    path = Path(path)
    if format in ("xlsx", "json") and path.suffix.lower() != f".{format}":
        path = path / f"dataset.{format}"
    return WRITERS[format](ds, path)
