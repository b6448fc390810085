"""Transactional, idempotent import of a dataset into the DuckDB store.

Rows are matched on each table's natural key (``tables.toml`` ``key``): new rows are inserted,
rows whose other cells changed are updated and every changed cell is recorded in
``edxlab_audit`` (when, source hash, table, key, column, old and new value), identical rows are
left alone. Everything happens in one transaction: on any failure the database is as before (a
database file created by the failed import is removed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from edxlab.errors import StoreError
from edxlab.log import logger
from edxlab.model.dataset import Dataset
from edxlab.model.schema import TABLE_NAMES, tables
from edxlab.store.schema import add_extra_columns, ensure_schema, quote, to_store, transaction

Progress = Callable[[str, str, int], None]
"""progress(stage, table, rows): stage is 'read', 'validate', 'store' or 'done'."""

NOUNS = {"patients": ("patient", "patients"), "studies": ("study", "studies")}


@dataclass
class TableChange:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    """What an import did, table by table."""

    tables: dict[str, TableChange] = field(default_factory=dict)
    source_hash: str = ""
    import_id: int = 0
    pseudonymized: bool = False

    @property
    def changed(self) -> bool:
        return any(c.added or c.updated for c in self.tables.values())

    def lines(self) -> list[str]:
        """One line per table with rows, e.g. "18 patients unchanged"."""
        out = []
        for name, change in self.tables.items():
            if not (change.added or change.updated or change.unchanged):
                continue
            parts = []
            for count, verb in ((change.added, "added"), (change.updated, "updated"),
                                (change.unchanged, "unchanged")):
                if count:
                    parts.append(f"{count} {_noun(name, count)} {verb}")
            out.append(", ".join(parts))
        return out

    def text(self) -> str:
        head = "Imported" if self.changed else "Nothing changed"
        return head + ": " + "; ".join(self.lines()) + "."


def _noun(table: str, count: int) -> str:
    one, many = NOUNS.get(table, (f"{table} row", f"{table} rows"))
    return one if count == 1 else many


def hash_source(path: Path | None) -> str:
    """SHA-256 over the dataset's files (names and bytes), for the audit trail."""
    digest = hashlib.sha256()
    if path is None:
        return ""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _match(spec_key: tuple[str, ...], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{quote(k)} IS NOT DISTINCT FROM {right}.{quote(k)}"
                        for k in spec_key)


def merge_table(con, name: str, frame: pl.DataFrame, import_id: int, source_hash: str,
                now: dt.datetime) -> TableChange:
    """Insert new rows, update changed ones (auditing each changed cell) of table ``name``."""
    spec = tables()[name]
    frame = to_store(frame, spec)
    change = TableChange()
    if frame.height == 0:
        return change
    add_extra_columns(con, name, frame, spec)
    target = quote(name)
    incoming = f"edxlab_incoming_{name}"
    con.register(incoming, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        cols = ", ".join(quote(c) for c in frame.columns)
        existing = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
        if existing == 0:
            con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {incoming}"
                        ).fetchall()
            change.added = frame.height
            return change
        key = spec.key
        on = _match(key, "t", "i")
        others = [c for c in frame.columns if c not in key]
        differs = " OR ".join(f"t.{quote(c)} IS DISTINCT FROM i.{quote(c)}" for c in others)
        matched, changed = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {differs or 'false'}) "
            f"FROM {incoming} i JOIN {target} t ON {on}").fetchall()[0]
        if changed:
            row_key = "concat_ws('|', " + ", ".join(f"i.{quote(k)}::VARCHAR" for k in key) + ")"
            audits = [
                f"SELECT {row_key}, '{c}', t.{quote(c)}::VARCHAR, i.{quote(c)}::VARCHAR "
                f"FROM {incoming} i JOIN {target} t ON {on} "
                f"WHERE t.{quote(c)} IS DISTINCT FROM i.{quote(c)}" for c in others]
            con.execute(
                "INSERT INTO edxlab_audit SELECT ?, ?, ?, ?, * FROM (" + " UNION ALL ".join(audits)
                + ")", [import_id, now, source_hash, name]).fetchall()
            sets = ", ".join(f"{quote(c)} = i.{quote(c)}" for c in others)
            con.execute(f"UPDATE {target} AS t SET {sets} FROM {incoming} i "
                        f"WHERE {on} AND ({differs})").fetchall()
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {incoming} i "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {on})").fetchall()
        change.added = frame.height - matched
        change.updated = changed
        change.unchanged = matched - changed
        return change
    finally:
        con.unregister(incoming)


def store_dataset(con, ds: Dataset, *, source_hash: str = "", pseudonymized: bool = False,
                  progress: Progress | None = None) -> ImportSummary:
    """Merge ``ds`` into the open store ``con`` in one transaction."""
    summary = ImportSummary(source_hash=source_hash, pseudonymized=pseudonymized)
    now = dt.datetime.now()
    import duckdb

    try:
        with transaction(con):
            ensure_schema(con)
            summary.import_id = con.execute(
                "SELECT coalesce(max(import_id), 0) + 1 FROM edxlab_imports").fetchall()[0][0]
            for name in TABLE_NAMES:
                if progress:
                    progress("store", name, ds[name].height)
                summary.tables[name] = merge_table(con, name, ds[name], summary.import_id,
                                                   source_hash, now)
            con.execute("INSERT INTO edxlab_imports VALUES (?, ?, ?, ?, ?)",
                        [summary.import_id, now, source_hash, pseudonymized, summary.text()]
                        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"the import was rolled back; the database is unchanged "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0]})") from exc
    logger.info("import %d: %s", summary.import_id, "changed" if summary.changed else "unchanged")
    return summary
