"""The DuckDB schema, generated from ``model/tables.toml``.

One table per dataset table with the canonical columns (``<col>_nr`` included), then a lab's
extra columns as text; primary keys on ``patients.patient_id`` and ``studies.study_id``; no
foreign keys (the validator checks references; see :func:`create_table_sql`). List columns
(``comorbidities``, ``indication``) are stored as ``;``-joined text, as in the CSV files. The
natural keys of the other tables (``ncs``: study, nerve, modality, side, stim_site,
...) may contain empty cells (an EMG row without level), so they are enforced by the validator
and used by the importer to match rows, not declared as SQL keys.

Bookkeeping tables: ``edxlab_meta`` (format version), ``edxlab_imports`` (one row per import)
and ``edxlab_audit`` (one row per changed cell of an existing row).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import polars as pl

from edxlab.model.schema import TABLE_NAMES, Table, tables

FORMAT_VERSION = "1"

META_TABLES = ("edxlab_meta", "edxlab_imports", "edxlab_audit")

SQL_TYPES = {
    pl.String: "VARCHAR",
    pl.Float64: "DOUBLE",
    pl.Int64: "BIGINT",
    pl.Boolean: "BOOLEAN",
    pl.Date: "DATE",
    pl.List(pl.String): "VARCHAR",  # stored ';'-joined, as in the interchange format (below)
}

BOOKKEEPING = [
    "CREATE TABLE IF NOT EXISTS edxlab_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS edxlab_imports (
        import_id BIGINT PRIMARY KEY, imported_at TIMESTAMP, source_hash VARCHAR,
        pseudonymized BOOLEAN, summary VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS edxlab_audit (
        import_id BIGINT, changed_at TIMESTAMP, source_hash VARCHAR, table_name VARCHAR,
        row_key VARCHAR, column_name VARCHAR, old_value VARCHAR, new_value VARCHAR)""",
]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_type(dtype: pl.DataType) -> str:
    for known, sql in SQL_TYPES.items():
        if dtype == known:
            return sql
    raise TypeError(f"no SQL type for {dtype}")


def primary_key(spec: Table) -> list[str]:
    """Key columns declared as a SQL primary key: the single-id tables only."""
    return list(spec.key) if len(spec.key) == 1 and spec.columns[spec.key[0]].required else []


def create_table_sql(spec: Table) -> str:
    cols = []
    for name, dtype in spec.polars_schema().items():
        col = spec.columns.get(name)
        not_null = " NOT NULL" if col is not None and col.required else ""
        cols.append(f"{quote(name)} {sql_type(dtype)}{not_null}")
    pk = primary_key(spec)
    if pk:
        cols.append(f"PRIMARY KEY ({', '.join(quote(k) for k in pk)})")
    # no FOREIGN KEYs: the validator checks every reference (file, row, column) before an import,
    # and DuckDB's foreign keys refuse updating any column of a referenced row (duckdb#25654), so
    # a corrected age or serostatus could not be re-imported
    return f"CREATE TABLE IF NOT EXISTS {quote(spec.name)} (\n  " + ",\n  ".join(cols) + "\n)"


def drop_foreign_keys(con) -> None:
    """Rebuild the dataset tables of a database made with foreign keys (edxlab before 2026-11)
    without them, keeping every row, column and the insertion order."""
    with_fk = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
    ).fetchall()}
    if not with_fk & set(TABLE_NAMES):
        return
    for name in TABLE_NAMES:
        con.execute(f"CREATE TEMP TABLE {quote('edxlab_copy_' + name)} AS "
                    f"SELECT * FROM {quote(name)}").fetchall()
    for name in reversed(TABLE_NAMES):  # children first
        con.execute(f"DROP TABLE {quote(name)}").fetchall()
    specs = tables()
    for name in TABLE_NAMES:
        con.execute(create_table_sql(specs[name])).fetchall()
        copy = quote("edxlab_copy_" + name)
        have = [r[0] for r in con.execute(f"SELECT * FROM {copy} LIMIT 0").description]
        for col in have:
            if col not in specs[name].polars_schema():
                con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(col)} VARCHAR").fetchall()
        cols = ", ".join(quote(c) for c in have)
        con.execute(f"INSERT INTO {quote(name)} ({cols}) SELECT {cols} FROM {copy}").fetchall()
        con.execute(f"DROP TABLE {copy}").fetchall()


@contextmanager
def transaction(con) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        yield
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise


@contextmanager
def registered(con, frames: Mapping[str, pl.DataFrame], prefix: str) -> Iterator[dict[str, str]]:
    """Register each frame as the view ``prefix + name`` for the block; yields name -> view."""
    views = {name: f"{prefix}{name}" for name in frames}
    for name, view in views.items():
        con.register(view, frames[name].to_arrow())
    try:
        yield views
    finally:
        for view in views.values():
            con.unregister(view)


def table_columns(con, name: str) -> dict[str, str]:
    """Column -> SQL type of the stored table ``name``, in table order (empty: no such table)."""
    return {r[0]: r[1] for r in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
        "AND schema_name = 'main' ORDER BY column_index", [name]).fetchall()}


def ensure_schema(con) -> None:
    """Create missing tables; add columns a newer tables.toml declares (extend, never break)."""
    for statement in BOOKKEEPING:
        con.execute(statement).fetchall()
    con.execute("INSERT INTO edxlab_meta VALUES ('format_version', ?) ON CONFLICT DO NOTHING",
                [FORMAT_VERSION]).fetchall()
    drop_foreign_keys(con)
    specs = tables()
    for name in TABLE_NAMES:
        spec = specs[name]
        con.execute(create_table_sql(spec)).fetchall()
        have = table_columns(con, name)
        for col, dtype in spec.polars_schema().items():
            if col not in have:
                con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(col)} "
                            f"{sql_type(dtype)}").fetchall()


def extra_columns(frame: pl.DataFrame, spec: Table) -> list[str]:
    """A lab's own columns (not in the format): stored as text beside the declared ones."""
    schema = spec.polars_schema()
    return [c for c in frame.columns if c not in schema and not c.startswith("__")]


def to_store(frame: pl.DataFrame, spec: Table) -> pl.DataFrame:
    """Canonical frame -> the frame stored (list columns joined with ``;``; extra columns as
    text)."""
    schema = spec.polars_schema()
    return frame.select([
        pl.col(c).list.join(";") if t == pl.List(pl.String) else pl.col(c).cast(t)
        for c, t in schema.items()] + [frame.get_column(c).cast(pl.String)
                                       for c in extra_columns(frame, spec)])


def from_store(frame: pl.DataFrame, spec: Table) -> pl.DataFrame:
    """Stored frame -> canonical frame (extra columns kept as text, after the declared ones)."""
    schema = spec.polars_schema()
    return frame.select([
        pl.col(c).str.split(";") if t == pl.List(pl.String) else pl.col(c).cast(t)
        for c, t in schema.items()] + [frame.get_column(c) for c in extra_columns(frame, spec)])


def add_extra_columns(con, name: str, frame: pl.DataFrame, spec: Table) -> None:
    """Add the frame's extra columns to the stored table ``name`` (text) when they are new."""
    for column in extra_columns(frame, spec):
        con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN IF NOT EXISTS {quote(column)} VARCHAR"
                    ).fetchall()
