"""One reader per format, in one registry (:data:`READERS`), behind :func:`read_raw`.

A reader turns a dataset on disk into :class:`RawTable` s: every cell as text (``pl.String``),
column names as written (normalized later), and ``__row__``, the row number a user sees
(spreadsheet line for CSV and XLSX with the header on line 1; the 1-based position in the list
for JSON and Parquet). Problems that stop a file from being read at all become
:class:`~edxlab.errors.Issue` s, never exceptions; the validator turns raw tables into the
canonical frames.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.errors import InputError, Issue
from edxlab.model.schema import TABLE_NAMES

ROW = "__row__"


@dataclass
class RawTable:
    """One table as read: text cells, original headers, ``__row__`` numbers."""

    name: str
    label: str  # file name for messages: "ncs.csv", sheet "ncs", JSON list "ncs"
    frame: pl.DataFrame
    row_offset: int = 2  # row number of the first data record (header = 1)


@dataclass
class RawDataset:
    source: Path
    format: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


READ_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ValueError,
               UnicodeError)
"""What a third-party parser raises on a malformed file (programming errors still propagate)."""


def _error(label: str, message: str, row: int | None = None, rule: str = "file") -> Issue:
    return Issue(label, row, None, None, "error", message, rule)


def _frame_from_rows(header: list, rows: pl.DataFrame, offset: int) -> pl.DataFrame:
    """Name the columns of a headerless text frame from its header row and add ``__row__``."""
    names: list[str] = []
    for i, h in enumerate(header):
        name = "" if h is None else str(h)
        if not name.strip():
            name = f"__blank_{i}__"
        elif name in names or name == ROW:
            name = f"__dup_{i}__{name}"  # reported by the validator as a repeated column
        names.append(name)
    frame = rows.rename(dict(zip(rows.columns, names, strict=True))) if names else rows
    return frame.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))


def _unknown_table_issue(label: str, name: str) -> Issue:
    from edxlab.model.vocab import Vocabulary

    known = Vocabulary("table", "", {t: {} for t in TABLE_NAMES}).suggest(name, 1)
    hint = f"; did you mean {known[0]}?" if known else f"; known tables: {', '.join(TABLE_NAMES)}"
    return Issue(label, None, None, None, "warning", f"unknown table '{name}' ignored{hint}",
                 "unknown_table")


# --- CSV folder ---------------------------------------------------------------------------------


def _diagnose_csv(path: Path, label: str, exc: BaseException) -> Issue:
    """Name the line that stops a CSV file from being read."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return _error(label, f"line {line} is not UTF-8 text (byte 0x{data[err.start]:02x}); "
                      "save the file as 'CSV UTF-8'", row=line, rule="encoding")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return _error(label, f"line {line} contains a NUL byte; this is not a CSV text file",
                      row=line, rule="encoding")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        for record in reader:
            if len(record) > len(header):
                line = reader.line_num
                return _error(label, f"line {line} has {len(record)} cells but the header has "
                              f"{len(header)}; put cells that contain commas in double quotes",
                              row=line, rule="csv_shape")
    except csv.Error as err:
        return _error(label, f"cannot be read as CSV near line {reader.line_num}: {err}",
                      row=reader.line_num, rule="csv_shape")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "quote" in first.lower() or "parse" in first.lower():
        return _error(label, "cannot be read as CSV: a quoted cell is not closed (check the "
                      "double quotes)", rule="csv_shape")
    return _error(label, f"cannot be read as CSV ({first})", rule="csv_shape")


def read_csv_table(path: Path, name: str, label: str) -> tuple[RawTable | None, list[Issue]]:
    """Read one CSV file as text cells; a file that cannot be read gives an issue."""
    with path.open("rb") as handle:
        start = handle.read(4096)
    if not start.strip(b"\xef\xbb\xbf \r\n\t"):
        return None, [_error(label, "the file is empty; the first line must be the header "
                             "(column names)", row=1, rule="empty_file")]
    try:
        frame = pl.read_csv(path, has_header=False, infer_schema=False, encoding="utf8",
                            raise_if_empty=True)
    except READ_ERRORS as exc:  # polars raises ComputeError, NoDataError, or panics
        return None, [_diagnose_csv(path, label, exc)]
    if frame.height == 0:
        return None, [_error(label, "the file is empty", row=1, rule="empty_file")]
    header = list(frame.row(0))
    if len(header) == 1 and header[0] and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        return None, [_error(label, f"the columns are separated by {separator}; the interchange "
                             "format uses commas (in Excel: Save As 'CSV UTF-8 (Comma "
                             "delimited)')", row=1, rule="csv_shape")]
    return RawTable(name, label, _frame_from_rows(header, frame.slice(1), 2)), []


def read_csv_folder(path: Path) -> RawDataset:
    raw = RawDataset(source=path, format="csv")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    for file in files:
        name = file.stem.strip().lower()
        if name not in TABLE_NAMES:
            raw.issues.append(_unknown_table_issue(file.name, name))
            continue
        table, issues = read_csv_table(file, name, file.name)
        raw.issues.extend(issues)
        if table is not None:
            raw.tables[name] = table
    return raw


# --- XLSX workbook ------------------------------------------------------------------------------


def read_xlsx(path: Path) -> RawDataset:
    import fastexcel

    raw = RawDataset(source=path, format="xlsx")
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_names = reader.sheet_names
    except Exception:  # noqa: BLE001 - fastexcel/calamine error types vary by version
        raw.issues.append(_error(path.name, "cannot be read as an .xlsx workbook; save it from "
                                 "your spreadsheet program as 'Excel Workbook (.xlsx)'"))
        return raw
    for sheet in sheet_names:
        name = sheet.strip().lower()
        if name not in TABLE_NAMES:
            raw.issues.append(_unknown_table_issue(sheet, name))
            continue
        try:
            frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        except Exception:  # noqa: BLE001
            raw.issues.append(_error(sheet, f"sheet '{sheet}' cannot be read"))
            continue
        if frame.height == 0 or frame.width == 0:
            raw.issues.append(_error(sheet, "the sheet is empty; the first row must be the "
                                     "header (column names)", row=1, rule="empty_file"))
            continue
        frame = frame.cast(pl.String)
        raw.tables[name] = RawTable(name, sheet, _frame_from_rows(list(frame.row(0)),
                                                                  frame.slice(1), 2))
    return raw


# --- JSON document ------------------------------------------------------------------------------


def _json_cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join("" if v is None else str(_json_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def read_json(path: Path) -> RawDataset:
    raw = RawDataset(source=path, format="json")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raw.issues.append(_error(path.name, "is not UTF-8 text", rule="encoding"))
        return raw
    except json.JSONDecodeError as err:
        raw.issues.append(_error(path.name, f"is not valid JSON: {err.msg} at line {err.lineno}, "
                                 f"column {err.colno}", row=err.lineno, rule="json"))
        return raw
    if not isinstance(doc, dict):
        raw.issues.append(_error(path.name, 'must be a JSON object {"patients": [...], '
                                 '"studies": [...], ...}', rule="json"))
        return raw
    for key, records in doc.items():
        name = str(key).strip().lower()
        if name not in TABLE_NAMES:
            raw.issues.append(_unknown_table_issue(str(key), name))
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raw.issues.append(_error(str(key), f"'{key}' must be a list of row objects",
                                     rule="json"))
            continue
        columns: dict[str, None] = {}
        for record in records:
            columns.update(dict.fromkeys(str(k) for k in record))
        data = {(f"__dup_0__{c}" if c == ROW else c): [_json_cell(r.get(c)) for r in records]
                for c in columns}
        frame = pl.DataFrame(data, schema={c: pl.String for c in data})
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        raw.tables[name] = RawTable(name, str(key), frame, row_offset=1)
    return raw


# --- Parquet folder (canonical typed frames, as write_dataset(format="parquet") writes) -------


def read_parquet_folder(path: Path) -> RawDataset:
    from edxlab.io.writers import to_interchange

    raw = RawDataset(source=path, format="parquet")
    for file in sorted(p for p in path.iterdir() if p.suffix.lower() == ".parquet"):
        name = file.stem.strip().lower()
        if name not in TABLE_NAMES:
            raw.issues.append(_unknown_table_issue(file.name, name))
            continue
        try:
            frame = to_interchange(pl.read_parquet(file), name)
        except READ_ERRORS:
            raw.issues.append(_error(file.name, "cannot be read as a Parquet file of the "
                                     f"{name} table"))
            continue
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        raw.tables[name] = RawTable(name, file.name, frame, row_offset=1)
    return raw


# --- the registry -------------------------------------------------------------------------------

READERS: dict[str, Callable[[Path], RawDataset]] = {
    "csv": read_csv_folder,
    "xlsx": read_xlsx,
    "json": read_json,
    "parquet": read_parquet_folder,
}
"""Format name -> reader. A folder is ``csv`` (or ``parquet`` when it holds .parquet files)."""

SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json"}

SUGGEST = {
    ".xls": "re-save it as an Excel Workbook (.xlsx)",
    ".ods": "re-save it as an Excel Workbook (.xlsx)",
    ".csv": "give the folder that holds patients.csv, studies.csv, ... instead of one file",
    ".zip": "unzip it and give the folder",
    ".parquet": "give the folder that holds the .parquet files",
    ".duckdb": "this is an edxlab database; use `edxlab export --db` to get a dataset from it",
}


def detect_format(path: Path) -> str:
    """The registry key for ``path``; :class:`InputError` naming what is accepted otherwise."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        entries = [p.suffix.lower() for p in path.iterdir() if p.is_file()]
        if ".csv" not in entries and ".parquet" in entries:
            return "parquet"
        if ".csv" not in entries:
            raise InputError(f"{path}: the folder holds no CSV files; a dataset folder holds "
                             "patients.csv, studies.csv and optional ncs.csv, emg.csv, ...")
        return "csv"
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    hint = SUGGEST.get(suffix, "")
    raise InputError(f"unsupported dataset '{path.name}'{' (' + hint + ')' if hint else ''}. "
                     "Supported: a folder of .csv files, an .xlsx workbook, a .json file")


def read_raw(path: str | Path) -> RawDataset:
    path = Path(path)
    return READERS[detect_format(path)](path)
