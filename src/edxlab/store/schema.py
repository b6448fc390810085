"""The DuckDB schema, generated from ``model/tables.toml``.

One table per dataset table with the canonical columns (``<col>_nr`` included); primary keys on
``patients.patient_id`` and ``studies.study_id``; foreign keys from every table that references
them. List columns (``comorbidities``, ``indication``) are stored as ``;``-joined text, as in
the CSV files: DuckDB rewrites a row whose LIST cell changes as delete + insert, which its
foreign keys refuse for a referenced patient or study. The natural keys of the other tables (``ncs``: study, nerve, modality, side, stim_site,
...) may contain empty cells (an EMG row without level), so they are enforced by the validator
and used by the importer to match rows, not declared as SQL keys.

Bookkeeping tables: ``edxlab_meta`` (format version), ``edxlab_imports`` (one row per import)
and ``edxlab_audit`` (one row per changed cell of an existing row).
"""

from __future__ import annotations

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
    for col in spec.columns.values():
        if col.references:
            parent, parent_col = col.references.split(".")
            cols.append(f"FOREIGN KEY ({quote(col.name)}) REFERENCES {quote(parent)} "
                        f"({quote(parent_col)})")
    return f"CREATE TABLE IF NOT EXISTS {quote(spec.name)} (\n  " + ",\n  ".join(cols) + "\n)"


def ensure_schema(con) -> None:
    """Create missing tables; add columns a newer tables.toml declares (extend, never break)."""
    for statement in BOOKKEEPING:
        con.execute(statement).fetchall()
    con.execute("INSERT INTO edxlab_meta VALUES ('format_version', ?) ON CONFLICT DO NOTHING",
                [FORMAT_VERSION]).fetchall()
    specs = tables()
    for name in TABLE_NAMES:
        spec = specs[name]
        con.execute(create_table_sql(spec)).fetchall()
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [name]).fetchall()}
        for col, dtype in spec.polars_schema().items():
            if col not in have:
                con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(col)} "
                            f"{sql_type(dtype)}").fetchall()


def to_store(frame: pl.DataFrame, spec: Table) -> pl.DataFrame:
    """Canonical frame -> the frame stored (list columns joined with ``;``)."""
    schema = spec.polars_schema()
    return frame.select([
        pl.col(c).list.join(";") if t == pl.List(pl.String) else pl.col(c).cast(t)
        for c, t in schema.items()])


def from_store(frame: pl.DataFrame, spec: Table) -> pl.DataFrame:
    """Stored frame -> canonical frame."""
    schema = spec.polars_schema()
    return frame.select([
        pl.col(c).str.split(";") if t == pl.List(pl.String) else pl.col(c).cast(t)
        for c, t in schema.items()])
