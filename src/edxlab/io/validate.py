"""The validator: raw text tables -> canonical frames plus every problem found.

All checks are vectorized Polars expressions over whole columns (no per-row Python); Python
only formats the messages of the rows that fail (at most :data:`CAP` per file, column and rule,
then one "... and N more" line). The constraints come from ``model/tables.toml`` and
``model/vocab/*.toml``; nothing clinical is hard-coded here.

Checks, in the OHDSI data-quality sense:

- conformance: required files and columns, identifiers, numbers, booleans, dates, codes,
  grades, ``NR``, units;
- completeness and relations: unique keys, foreign keys, paraspinal rows have a level, each
  nerve study has a distal response, each study has an age (``age_years`` or ``birth_year``);
- plausibility: ranges of ``tables.toml`` (amplitude by modality), no date in the future, no
  study before the patient's birth year.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.errors import Issue
from edxlab.io.readers import ROW, RawDataset, RawTable
from edxlab.model.dataset import Dataset
from edxlab.model.schema import TABLE_NAMES, Column, Table, tables
from edxlab.model.vocab import Vocabulary, normalize, vocabulary

CAP = 100
"""Issues listed per file, column and rule; the rest are counted in one summary line."""

NR_SPELLINGS = ("NR", "N/R", "NO RESPONSE", "NO_RESPONSE")
TRUE_SPELLINGS = ("true", "yes", "1", "y", "t", "1.0")
FALSE_SPELLINGS = ("false", "no", "0", "n", "f", "0.0")
ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
DATE_PATTERN = r"^(\d{4}-\d{1,2}-\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
SMALL_VOCAB = 12

MessageFn = Callable[[dict], str]


def _show(value: object, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


@dataclass
class Checker:
    """Collects issues while one dataset is checked."""

    issues: list[Issue] = field(default_factory=list)
    aliases_seen: set[tuple[str, str]] = field(default_factory=set)
    error_rows: dict[str, list[pl.Series]] = field(default_factory=dict)
    missing_columns: dict[str, set[str]] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)

    def add(self, label: str, row: int | None, column: str | None, value: object,
            severity: str, message: str, rule: str) -> None:
        shown = None if value is None else _show(value)
        self.issues.append(Issue(label, row, column, shown, severity, message, rule))

    def rows_with_errors(self, label: str) -> pl.Series:
        parts = self.error_rows.get(label, [])
        return pl.concat(parts).unique() if parts else pl.Series(ROW, [], dtype=pl.Int64)

    def emit(self, label: str, column: str | None, bad: pl.DataFrame, severity: str, rule: str,
             message: MessageFn) -> None:
        """One issue per row of ``bad`` (columns ``__row__``, ``value`` and context)."""
        if bad.height == 0:
            return
        if severity == "error":
            self.error_rows.setdefault(label, []).append(bad[ROW])
        if bad.height > 1:
            bad = bad.sort(ROW)
        for row in bad.head(CAP).iter_rows(named=True):
            self.add(label, row[ROW], column, row.get("value"), severity, message(row), rule)
        if bad.height > CAP:
            self.add(label, None, column, None, severity,
                     f"... and {bad.height - CAP} more rows with the same problem", rule)


# --- cell conformance, one function per column type ---------------------------------------------


def _full(name: str, value: object, n: int, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True).alias(name)


def _bad_rows(frame: pl.DataFrame, mask: pl.Series, raw: pl.Series, **context: pl.Series):
    data = {ROW: frame[ROW], "value": raw, **context}
    return pl.DataFrame(data).filter(mask.fill_null(False))


def _failing(cells: pl.Series, col: Column) -> pl.Series:
    """Cells the type's parser would reject as they are (before stripping spaces)."""
    if col.type in ("float", "int"):
        return cells.is_not_null() & cells.cast(pl.Float64, strict=False).is_null()
    if col.type == "id":
        return cells.is_not_null() & ~cells.str.contains(ID_PATTERN).fill_null(True)
    return cells.is_not_null() & cells.str.extract(DATE_PATTERN, 1).is_null()


def _tidy(cells: pl.Series, col: Column) -> pl.Series:
    """Strip surrounding spaces and turn blank cells into nulls, touching only cells that need it.

    Stripping every cell of a 2-million-row column costs more than all other checks together,
    so codes are tidied per distinct value and numbers, dates and ids only where they fail.
    """
    if col.type == "text":
        stripped = cells.str.strip_chars()
        return stripped.set((stripped == "").fill_null(False), None)
    if col.type in ("code", "grade", "bool", "list"):
        uniques = cells.drop_nulls().unique()
        messy = uniques.filter(uniques != uniques.str.strip_chars()).to_list()
        if not messy:
            return cells
        return cells.replace_strict({u: u.strip() or None for u in messy}, default=cells,
                                    return_dtype=pl.String)
    failed = _failing(cells, col)
    if not failed.any():
        return cells
    where = failed.arg_true()
    stripped = cells.gather(where).str.strip_chars()
    return cells.scatter(where, stripped.set((stripped == "").fill_null(False), None))


def _parse_id(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    bad = raw.is_not_null() & ~raw.str.contains(ID_PATTERN).fill_null(True)
    ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "identifier",
            lambda r: f"{col.name} '{_show(r['value'])}' is not a valid identifier: use 1-64 "
                      "characters of A-Z a-z 0-9 . _ -")
    return raw.set(bad, None) if bad.any() else raw


def _parse_float(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    num = raw.cast(pl.Float64, strict=False)
    if num.len() and not num.is_finite().fill_null(True).all():
        num = num.set(~num.is_finite().fill_null(True), None)
    failed = raw.is_not_null() & num.is_null()
    is_nr = _full(col.name, False, raw.len(), pl.Boolean)
    if failed.any():
        where = failed.arg_true()
        is_nr = is_nr.scatter(where, raw.gather(where).str.to_uppercase().is_in(NR_SPELLINGS))
    bad_num = failed & ~is_nr
    unit = f" ({col.unit})" if col.unit else ""

    def message(r: dict) -> str:
        v = _show(r["value"])
        if re.fullmatch(r"-?\d+,\d+", v):
            return (f"{col.name} '{v}' is not a number: use a decimal point "
                    f"({v.replace(',', '.')})")
        return f"{col.name} '{v}' is not a number{unit}"

    ck.emit(t.label, col.name, _bad_rows(frame, bad_num, raw), "error", "number", message)
    if not col.nr and is_nr.any():
        ck.emit(t.label, col.name, _bad_rows(frame, is_nr, raw), "error", "nr",
                lambda r: f"NR (no response) is accepted only in latency and amplitude columns;"
                          f" leave {col.name} empty when it was not measured")
    return num, is_nr


def _parse_int(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    num = raw.cast(pl.Float64, strict=False)
    whole = num.is_finite().fill_null(False) & (num == num.floor()).fill_null(False) & (
        num.abs() < 1e15).fill_null(False)
    bad = raw.is_not_null() & ~whole
    ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "integer",
            lambda r: f"{col.name} '{_show(r['value'])}' is not a whole number")
    return num.set(~whole, None).cast(pl.Int64)


def _parse_bool(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    uniques = raw.drop_nulls().unique()
    low = raw if (uniques.str.to_lowercase() == uniques).all() else raw.str.to_lowercase()
    out = low.replace_strict(dict.fromkeys(TRUE_SPELLINGS, True)
                             | dict.fromkeys(FALSE_SPELLINGS, False),
                             default=None, return_dtype=pl.Boolean)
    bad = raw.is_not_null() & out.is_null()
    ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "boolean",
            lambda r: f"{col.name} '{_show(r['value'])}' is not a yes/no value; accepted: "
                      "true/false, yes/no, 1/0, y/n")
    return out


def _parse_date(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    out = raw.str.extract(DATE_PATTERN, 1).str.to_date("%Y-%m-%d", strict=False)
    bad = raw.is_not_null() & out.is_null()
    ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "date",
            lambda r: f"{col.name} '{_show(r['value'])}' is not a date: write it as YYYY-MM-DD "
                      "(e.g. 2021-03-14)")
    future = (out > ck.today).fill_null(False)
    ck.emit(t.label, col.name, _bad_rows(frame, future, raw), "error", "future_date",
            lambda r: f"{col.name} {_show(r['value'])} is in the future")
    return out


def _unknown_code_message(col: Column, vocab: Vocabulary, value: str) -> str:
    what = col.name
    close = vocab.suggest(value) if len(normalize(value)) >= 3 else []
    small = len(vocab) <= SMALL_VOCAB
    if close:
        accepted = f" (accepted: {', '.join(vocab)})" if small else ""
        return f"unknown {what} '{_show(value)}'; did you mean {close[0]}?{accepted}"
    if small:
        return f"unknown {what} '{_show(value)}'; accepted: {', '.join(vocab)}"
    return (f"unknown {what} '{_show(value)}'; not one of the {len(vocab)} {vocab.name} codes "
            f"(e.g. {', '.join(list(vocab)[:3])})")


def _code_mapping(vocab: Vocabulary | None, uniques: list[str]) -> tuple[dict[str, str], set]:
    """Typed value -> code for the values that match; the set of values read via an alias."""
    mapping: dict[str, str] = {}
    via_alias: set[str] = set()
    for value in uniques:
        match = vocab.lookup(value) if vocab is not None else None
        if match is not None:
            mapping[value] = match.code
            if match.alias:
                via_alias.add(value)
    return mapping, via_alias


def _report_aliases(ck: Checker, t: RawTable, col: Column, vocab: Vocabulary, raw: pl.Series,
                    frame: pl.DataFrame, via_alias: set[str], mapping: dict[str, str]) -> None:
    for value in sorted(via_alias):
        key = (vocab.name, normalize(value))
        if key in ck.aliases_seen:
            continue
        ck.aliases_seen.add(key)
        hit = frame[ROW].filter(raw == value)
        row = hit[0] if hit.len() else None
        code = mapping[value]
        ck.add(t.label, row, col.name, value, "warning",
               f"'{_show(value)}' read as {code} ({vocab.label(code)}); this mapping applies "
               "to every row", "alias")


def _parse_code(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    vocab = vocabulary(col.vocab) if col.vocab else None
    uniques = raw.drop_nulls().unique().to_list()
    mapping, via_alias = _code_mapping(vocab, uniques)
    if vocab is None or col.open:
        for value in uniques:
            mapping.setdefault(value, normalize(value))
    identity = len(mapping) == len(uniques) and all(k == v for k, v in mapping.items())
    if identity or not uniques:  # every value already a canonical code: nothing to map
        out = raw
    else:
        out = raw.replace_strict(mapping, default=None, return_dtype=pl.String)
    if vocab is not None:
        _report_aliases(ck, t, col, vocab, raw, frame, via_alias, mapping)
        bad = raw.is_not_null() & out.is_null()
        ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "code",
                lambda r: _unknown_code_message(col, vocab, r["value"]))
    return out


def _parse_list(ck: Checker, t: RawTable, col: Column, raw: pl.Series, frame: pl.DataFrame):
    """``;``-separated codes -> sorted unique list; parsed once per distinct cell."""
    vocab = vocabulary(col.vocab) if col.vocab else None
    parsed: dict[str, list[str] | None] = {}
    unknown: dict[str, str] = {}  # cell -> its first unknown item
    aliases: dict[str, tuple[str, str]] = {}  # item -> (code, a cell holding it)
    for cell in raw.drop_nulls().unique().to_list():
        codes = []
        for item in (p.strip() for p in cell.split(";")):
            if not item:
                continue
            match = vocab.lookup(item) if vocab is not None else None
            if match is not None:
                codes.append(match.code)
                if match.alias:
                    aliases.setdefault(item, (match.code, cell))
            elif vocab is None or col.open:
                codes.append(normalize(item))
            else:
                unknown.setdefault(cell, item)
        parsed[cell] = sorted(set(codes)) or None
    table = pl.DataFrame({"cell": list(parsed), "codes": list(parsed.values())},
                         schema={"cell": pl.String, "codes": pl.List(pl.String)})
    out = raw.to_frame("cell").join(table, on="cell", how="left", maintain_order="left")["codes"]
    if vocab is not None:
        for item, (code, cell) in sorted(aliases.items()):
            key = (vocab.name, normalize(item))
            if key not in ck.aliases_seen:
                ck.aliases_seen.add(key)
                hit = frame[ROW].filter(raw == cell)
                ck.add(t.label, hit[0] if hit.len() else None, col.name, item, "warning",
                       f"'{_show(item)}' read as {code}; this mapping applies to every row",
                       "alias")
    if unknown:
        bad = raw.is_in(list(unknown)).fill_null(False)
        ck.emit(t.label, col.name, _bad_rows(frame, bad, raw), "error", "code",
                lambda r: _unknown_code_message(col, vocab, unknown[r["value"]]))
    return out


PARSERS = {
    "id": _parse_id,
    "float": _parse_float,
    "int": _parse_int,
    "bool": _parse_bool,
    "date": _parse_date,
    "code": _parse_code,
    "grade": _parse_code,
    "list": _parse_list,
    "text": lambda ck, t, col, raw, frame: raw,
}


# --- one table ----------------------------------------------------------------------------------


def _header(ck: Checker, t: RawTable, spec: Table) -> pl.DataFrame | None:
    """Normalize column names; report blank, duplicate, unknown and missing columns."""
    frame = t.frame
    renames: dict[str, str] = {}
    seen: dict[str, str] = {}
    drop: list[str] = []
    for name in frame.columns:
        if name == ROW:
            continue
        if name.startswith("__blank_"):
            if frame[name].drop_nulls().str.strip_chars().str.len_chars().sum():
                ck.add(t.label, 1, None, None, "warning",
                       "a column without a header holds values; they are ignored", "header")
            drop.append(name)
            continue
        original = re.sub(r"^__dup_\d+__", "", name)
        norm = re.sub(r"\s+", "_", original.strip().lower())
        if norm in seen or name.startswith("__dup_"):
            ck.add(t.label, 1, norm, original, "error",
                   f"column '{norm}' appears twice; keep one", "header")
            drop.append(name)
            continue
        seen[norm] = name
        renames[name] = norm
    # rebuilt from Series: a header such as "*" or "^a$" must never be read as a pattern
    frame = pl.DataFrame([frame.get_column(c).alias(renames.get(c, c))
                          for c in frame.columns if c not in drop])
    known = Vocabulary(spec.name, "", {c: {} for c in spec.columns})
    for name in frame.columns:
        if name != ROW and name not in spec.columns:
            close = known.suggest(name, 1)
            hint = f"; did you mean {close[0]}?" if close else ""
            ck.add(t.label, 1, name, None, "warning",
                   f"unknown column '{name}' kept (stored as text) but not used{hint}", "unknown_column")
    missing = [c.name for c in spec.columns.values() if c.required and c.name not in frame.columns]
    ck.missing_columns[t.label] = set(missing)
    for name in missing:
        needed = ", ".join(c.name for c in spec.columns.values() if c.required)
        ck.add(t.label, 1, name, None, "error",
               f"required column '{name}' is missing; the {spec.name} table needs {needed}",
               "required_column")
    return frame


def _clean_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty cells -> null; drop rows without any value (blank lines)."""
    columns = []
    for series in frame.get_columns():
        if series.dtype == pl.String and (series == "").any():
            series = series.set((series == "").fill_null(False), None)
        columns.append(series)
    frame = pl.DataFrame(columns)
    # neutral names: a header such as "^$" would be read as a regex by the expression engine
    cells = [series.alias(f"_{i}") for i, series in enumerate(columns) if series.name != ROW]
    if not cells:
        return frame
    blank = cells[0].is_null()
    for series in cells[1:]:
        blank = blank & series.is_null()
    return frame.filter(~blank) if blank.any() else frame


def _check_ranges(ck: Checker, t: RawTable, col: Column, value: pl.Series, raw: pl.Series,
                  frame: pl.DataFrame) -> None:
    if col.min is None and col.max is None:
        return
    low = (value < col.min).fill_null(False) if col.min is not None else None
    high = (value > col.max).fill_null(False) if col.max is not None else None
    mask = low if high is None else high if low is None else (low | high)
    unit = f" {col.unit}" if col.unit and len(col.unit) < 8 else ""
    span = (f"{_num(col.min)}-{_num(col.max)}{unit}" if col.max is not None
            else f"at least {_num(col.min)}{unit}")
    ck.emit(t.label, col.name, _bad_rows(frame, mask, raw), "error", "range",
            lambda r: f"{col.name} {_show(r['value'])} is outside the plausible range {span}")


def _normalize_amplitude(ck: Checker, t: RawTable, out: dict[str, pl.Series],
                         raw: dict[str, pl.Series], frame: pl.DataFrame, spec: Table) -> None:
    """Amplitude to the modality's unit (motor mV, sensory/mixed uV); range by modality."""
    col = spec.columns["amplitude"]
    modality = out.get("modality")
    amp = out.get("amplitude")
    if modality is None or amp is None:
        return
    canonical = modality.replace_strict({"motor": "mV", "sensory": "uV", "mixed": "uV"},
                                        default=None, return_dtype=pl.String)
    given = out.get("amplitude_unit")
    if given is None:
        given = _full("amplitude_unit", None, amp.len(), pl.String)
    if given.null_count() == given.len():
        factor = _full("factor", 1.0, amp.len(), pl.Float64)
    else:
        factor = (pl.DataFrame({"c": canonical, "g": given}).select(
            pl.when(pl.col("g").is_null() | (pl.col("g") == pl.col("c"))).then(1.0)
            .when((pl.col("c") == "mV") & (pl.col("g") == "uV")).then(0.001)
            .when((pl.col("c") == "uV") & (pl.col("g") == "mV")).then(1000.0)
            .otherwise(1.0))).to_series()
    amp = amp * factor
    out["amplitude"] = amp
    out["amplitude_unit"] = canonical.fill_null(given).alias("amplitude_unit")
    low = (amp < (col.min or 0)).fill_null(False)
    ck.emit(t.label, "amplitude", _bad_rows(frame, low, raw["amplitude"]), "error", "range",
            lambda r: f"amplitude {_show(r['value'])} is negative; amplitudes are measured "
                      "baseline to peak")
    limit = modality.replace_strict(col.max_for or {}, default=None, return_dtype=pl.Float64)
    high = (amp > limit).fill_null(False)

    def message(r: dict) -> str:
        v, mod, unit = r["value"], r["modality"], r["unit"]
        mx = (col.max_for or {}).get(mod)
        text = (f"{mod} amplitude {_show(v)} {r['shown_unit']} is above the plausible maximum "
                f"of {_num(mx)} {r['canon']}")
        number = float(r["typed"])
        if mod == "motor" and unit in (None, "mV") and number / 1000 <= (mx or 0):
            text += (f"; it looks like uV typed as mV ({_num(number)} uV = "
                     f"{_num(number / 1000)} mV): enter {_num(number / 1000)} or set "
                     "amplitude_unit to uV")
        return text

    typed = raw["amplitude"].cast(pl.Float64, strict=False)
    ck.emit(t.label, "amplitude", _bad_rows(
        frame, high, raw["amplitude"], modality=modality, unit=given, canon=canonical,
        shown_unit=given.fill_null(canonical), typed=typed), "error", "range", message)


def check_table(ck: Checker, t: RawTable) -> pl.DataFrame | None:
    """The canonical frame of one raw table (with ``__row__``); issues go to ``ck``."""
    spec = tables()[t.name]
    frame = _header(ck, t, spec)
    frame = _clean_cells(frame)
    out: dict[str, pl.Series] = {}
    raw: dict[str, pl.Series] = {}
    for col in spec.columns.values():
        if col.name not in frame.columns:
            continue
        cells = _tidy(frame[col.name], col)
        raw[col.name] = cells
        parsed = PARSERS[col.type](ck, t, col, cells, frame)
        if col.type == "float":
            parsed, is_nr = parsed
            if col.nr:
                out[f"{col.name}_nr"] = is_nr.alias(f"{col.name}_nr")
        out[col.name] = parsed.alias(col.name)
    for col in spec.columns.values():
        if col.required and col.name in raw:
            empty = raw[col.name].is_null()
            ck.emit(t.label, col.name, _bad_rows(frame, empty, raw[col.name]), "error",
                    "required", lambda r, c=col: f"{c.name} is required; the cell is empty")
        if col.type in ("float", "int") and col.name in out and col.max_by is None:
            _check_ranges(ck, t, col, out[col.name], raw[col.name], frame)
    if "amplitude" in spec.columns:
        _normalize_amplitude(ck, t, out, raw, frame, spec)
    n = frame.height
    columns: list[pl.Series] = [frame[ROW]]
    for name, dtype in spec.polars_schema().items():
        if name in out:
            series = out[name].cast(dtype)
        elif name.endswith("_nr"):
            series = _full(name, False, n, pl.Boolean)
        else:
            series = _full(name, None, n, dtype)
        col = spec.columns.get(name)
        if col is not None and col.default is not None:
            series = series.fill_null(pl.lit(col.default, dtype=dtype))
        columns.append(series.alias(name))
    extra = [frame[c] for c in frame.columns if c != ROW and c not in spec.columns]
    return pl.DataFrame(columns + extra)


# --- relations between tables -------------------------------------------------------------------


def _check_keys(ck: Checker, label: str, frame: pl.DataFrame, spec: Table) -> None:
    key = [k for k in spec.key if k in frame.columns]
    if not key or frame.height == 0 or ck.missing_columns.get(label, set()) & set(key):
        return
    hashed = frame.select(pl.struct(key).hash().alias("h"))["h"]  # one pass; exact check below
    candidates = hashed.is_duplicated()
    if not candidates.any():
        return
    first = frame.filter(candidates).select(
        pl.col(ROW), pl.col(ROW).min().over(key).alias("first"), *key)
    dup = first.filter(pl.col(ROW) != pl.col("first"))
    ck.emit(label, key[-1] if len(key) == 1 else None, dup.with_columns(value=pl.lit(None)),
            "error", "unique",
            lambda r: f"duplicate {spec.name} row ("
                      + ", ".join(f"{k} {r[k]}" for k in key if r[k] is not None)
                      + f"): the same as row {r['first']}")


def _check_references(ck: Checker, labels: dict[str, str], frames: dict[str, pl.DataFrame],
                      name: str, spec: Table) -> None:
    frame = frames[name]
    for col in spec.columns.values():
        if not col.references or col.name not in frame.columns:
            continue
        parent, parent_col = col.references.split(".")
        if parent not in frames:
            continue
        known = frames[parent][parent_col].drop_nulls().unique()
        bad = frame[col.name].is_not_null() & ~frame[col.name].is_in(known.implode())
        plabel = labels[parent]
        ck.emit(labels[name], col.name, _bad_rows(frame, bad, frame[col.name]), "error",
                "reference",
                lambda r, c=col, p=plabel: f"{c.name} '{_show(r['value'])}' is not in {p}")


def _check_paraspinal_levels(ck: Checker, label: str, emg: pl.DataFrame) -> None:
    muscles = vocabulary("muscle")
    needs = muscles.codes_with("requires_level")
    missing = emg["muscle"].is_in(needs) & emg["level"].is_null()
    ck.emit(label, "level", _bad_rows(emg, missing, emg["level"], muscle=emg["muscle"]), "error",
            "paraspinal_level",
            lambda r: f"level is required for {r['muscle']}: give the spinal segment examined "
                      "(e.g. C6, T8, L5)")
    prefixes = {m: tuple(muscles.attribute(m, "level_prefix", ())) for m in needs}
    for muscle, allowed in prefixes.items():
        if not allowed:
            continue
        wrong = ((emg["muscle"] == muscle) & emg["level"].is_not_null()
                 & ~emg["level"].str.starts_with(allowed[0]).fill_null(True))
        for prefix in allowed[1:]:
            wrong = wrong & ~emg["level"].str.starts_with(prefix).fill_null(True)
        ck.emit(label, "level", _bad_rows(emg, wrong, emg["level"]), "error", "paraspinal_level",
                lambda r, m=muscle, a=allowed: f"level {r['value']} is not a segment of "
                f"{m} (accepted: {'/'.join(x + '..' for x in a)})")


def _check_distal_responses(ck: Checker, label: str, ncs: pl.DataFrame) -> None:
    orders = {c: e.get("order") for c, e in vocabulary("site").codes.items()}
    group = ["study_id", "nerve", "modality", "side"]
    errored = ck.rows_with_errors(label)
    if errored.len():  # a nerve study with a bad cell is judged once that cell is fixed
        skip = ncs.filter(pl.col(ROW).is_in(errored.implode())).select(
            "study_id", "nerve", "modality").unique()
        ncs = ncs.join(skip, on=["study_id", "nerve", "modality"], how="anti", nulls_equal=True)
    data = ncs.select(ROW, *group, "stim_site", "record_site", "latency_ms", "latency_ms_nr",
                      "amplitude", "amplitude_nr").filter(
        pl.all_horizontal([pl.col(c).is_not_null() for c in group + ["stim_site"]]))
    data = data.with_columns(
        order=pl.col("stim_site").replace_strict(orders, default=None, return_dtype=pl.Int64),
        response=(pl.col("latency_ms").is_not_null() | pl.col("latency_ms_nr")
                  | pl.col("amplitude").is_not_null() | pl.col("amplitude_nr")),
    ).filter(pl.col("order").is_not_null())
    # group on a 64-bit hash of the nerve study (a collision is ~1e-8 likely for a million
    # nerve studies): hashing once is several times cheaper than grouping four text columns
    data = data.with_columns(pl.struct(group).hash().alias("nerve_study"))
    # Two minima per nerve study in one fast aggregation: order*2 + 0/1 flags tell whether some
    # row at the most distal site has a response, and whether one lacks its record_site.
    response = pl.col("order") * 2 + (~pl.col("response")).cast(pl.Int64)
    record = pl.col("order") * 2 + pl.col("record_site").is_not_null().cast(pl.Int64)
    per_study = data.group_by("nerve_study").agg(
        pl.col("order").min().alias("distal"), response.min().alias("r"), record.min().alias("k"))
    failing = per_study.filter((pl.col("r") % 2 == 1)
                               | ((pl.col("k") % 2 == 0) & (pl.col("k") // 2 == pl.col("distal"))))
    rows = data.join(failing.select("nerve_study", "distal", "r"), on="nerve_study").filter(
        pl.col("order") == pl.col("distal"))
    no_response = rows.filter(pl.col("r") % 2 == 1).group_by("nerve_study").agg(
        pl.col(ROW).min(), *[pl.col(c).first() for c in [*group, "stim_site"]])
    no_record = rows.filter(pl.col("record_site").is_null())
    ck.emit(label, "latency_ms", no_response.with_columns(value=pl.lit(None)), "error",
            "distal_response",
            lambda r: f"no distal response for {r['nerve']} {r['modality']} {r['side']}: the most "
                      f"distal stimulation ({r['stim_site']}) has neither latency nor amplitude; "
                      "give a value or NR")
    ck.emit(label, "record_site", no_record.with_columns(value=pl.lit(None)), "error",
            "record_site",
            lambda r: f"record_site is required for the distal response of {r['nerve']} "
                      f"{r['modality']} {r['side']} (stimulated at {r['stim_site']})")


def _check_ages(ck: Checker, labels: dict[str, str], studies: pl.DataFrame,
                patients: pl.DataFrame) -> None:
    data = studies.select(ROW, "patient_id", "study_date", "age_years").join(
        patients.select("patient_id", "birth_year").unique("patient_id"), on="patient_id",
        how="left")
    no_age = data["age_years"].is_null() & data["birth_year"].is_null() & data[
        "patient_id"].is_in(patients["patient_id"].implode())
    ck.emit(labels["studies"], "age_years",
            _bad_rows(data, no_age, data["age_years"].cast(pl.String), pid=data["patient_id"]),
            "error", "age",
            lambda r: f"age_years is required because patient {r['pid']} has no birth_year")
    before = (data["study_date"].dt.year() < data["birth_year"]).fill_null(False)
    ck.emit(labels["studies"], "study_date",
            _bad_rows(data, before, data["study_date"].cast(pl.String),
                      by=data["birth_year"]), "error", "before_birth",
            lambda r: f"study_date {r['value']} is before the patient's birth year {r['by']}")


def _check_reference_profiles(ck: Checker, label: str, studies: pl.DataFrame) -> None:
    """A study's reference_profile must name a shipped profile (a lab's own profile file is
    given to ``edxlab interpret --profile FILE`` instead)."""
    from edxlab.reference.profiles import profile_names

    names = profile_names()
    given = studies["reference_profile"]
    unknown = (given.is_not_null() & ~given.is_in(names)).fill_null(False)

    def message(r) -> str:
        close = difflib.get_close_matches(str(r["value"]), names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return (f"unknown reference_profile '{_show(r['value'])}'{hint} (available: "
                f"{', '.join(names)}; a lab's own profile file goes to `edxlab interpret "
                "--profile FILE`)")

    ck.emit(label, "reference_profile", _bad_rows(studies, unknown, given), "error",
            "reference_profile", message)


def _is_file(base: Path, name: str | None) -> bool:
    if not name:
        return True
    try:
        return (base / name).is_file()
    except (OSError, ValueError):  # e.g. a NUL byte in the cell
        return False


def _check_signal_files(ck: Checker, label: str, signals: pl.DataFrame, base: Path) -> None:
    files = signals["file"]
    exists = pl.Series([_is_file(base, f) for f in files.to_list()], dtype=pl.Boolean)
    ck.emit(label, "file", _bad_rows(signals, ~exists, files), "warning", "signal_file",
            lambda r: f"recording '{_show(r['value'])}' not found next to the dataset")


def _check_mri_levels(ck: Checker, label: str, mri: pl.DataFrame) -> None:
    levels = vocabulary("mri_level")
    brainstem = ["midbrain", "pons", "medulla"]
    order = {c: e.get("order") for c, e in levels.codes.items()}
    for col in ("level_from", "level_to"):
        lv = mri[col]
        cord_wrong = (mri["region"] == "spinal_cord") & lv.is_in(brainstem)
        stem_wrong = (mri["region"] == "brainstem") & lv.is_not_null() & ~lv.is_in(brainstem)
        ck.emit(label, col, _bad_rows(mri, (cord_wrong | stem_wrong).fill_null(False), lv,
                                      region=mri["region"]), "error", "mri_level",
                lambda r, c=col: f"{c} {r['value']} does not fit region {r['region']} (spinal "
                "cord: vertebral levels C1..L2; brainstem: midbrain, pons, medulla)")
    rank_from = mri["level_from"].replace_strict(order, default=None, return_dtype=pl.Int64)
    rank_to = mri["level_to"].replace_strict(order, default=None, return_dtype=pl.Int64)
    swapped = (rank_from > rank_to).fill_null(False)
    ck.emit(label, "level_to", _bad_rows(mri, swapped, mri["level_to"], frm=mri["level_from"]),
            "error", "mri_level",
            lambda r: f"level_to {r['value']} is above level_from {r['frm']}; give the upper "
                      "level first")


def check_relations(ck: Checker, frames: dict[str, pl.DataFrame], labels: dict[str, str],
                    base: Path) -> None:
    specs = tables()
    for name, frame in frames.items():
        _check_keys(ck, labels[name], frame, specs[name])
        _check_references(ck, labels, frames, name, specs[name])
    if "emg" in frames and not ck.missing_columns.get(labels["emg"]):
        _check_paraspinal_levels(ck, labels["emg"], frames["emg"])
    if "ncs" in frames and not ck.missing_columns.get(labels["ncs"]):
        _check_distal_responses(ck, labels["ncs"], frames["ncs"])
    if "studies" in frames and "patients" in frames:
        _check_ages(ck, labels, frames["studies"], frames["patients"])
    if "studies" in frames and not ck.missing_columns.get(labels["studies"]):
        _check_reference_profiles(ck, labels["studies"], frames["studies"])
    if "signals" in frames:
        _check_signal_files(ck, labels["signals"], frames["signals"], base)
    if "mri" in frames:
        _check_mri_levels(ck, labels["mri"], frames["mri"])


# --- the dataset --------------------------------------------------------------------------------


def _label(raw: RawDataset, name: str) -> str:
    if name in raw.tables:
        return raw.tables[name].label
    return {"csv": f"{name}.csv", "parquet": f"{name}.parquet"}.get(raw.format, name)


def validate_raw(raw: RawDataset, progress: Callable[[str], None] | None = None
                 ) -> tuple[Dataset, list[Issue]]:
    """Check every table of ``raw``; the canonical dataset and every issue found."""
    ck = Checker(issues=list(raw.issues))
    specs = tables()
    labels = {name: _label(raw, name) for name in TABLE_NAMES}
    unreadable = {i.file for i in raw.issues if i.severity == "error"}
    for name in TABLE_NAMES:
        if specs[name].required and name not in raw.tables and labels[name] not in unreadable:
            kind = "sheet" if raw.format in ("xlsx", "json") else "file"
            ck.add(labels[name], None, None, None, "error",
                   f"required {kind} {labels[name]} is missing", "required_table")
    frames: dict[str, pl.DataFrame] = {}
    for name in TABLE_NAMES:
        if name in raw.tables:
            if progress:
                progress(name)
            frames[name] = check_table(ck, raw.tables.pop(name))  # frees the text cells
    base = raw.source if raw.source.is_dir() else raw.source.parent
    check_relations(ck, frames, labels, base)
    order = {labels[n]: i for i, n in enumerate(TABLE_NAMES)}
    issues = sorted(ck.issues, key=lambda i: (order.get(i.file, -1),
                                              i.message.startswith("... and "), i.row or 0))
    ds = Dataset(frames={n: f.drop(ROW) for n, f in frames.items()}, source=raw.source)
    return ds, issues
