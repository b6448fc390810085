"""Findings rows of some studies replaced in place (after an import changed those studies),
instead of rewriting whole findings tables (:func:`edxlab.store.write_findings`).

:func:`drop_findings_rows` deletes the rows of some studies and patients from every findings
table (one transaction); :func:`add_findings_rows` then appends the new rows, a chunk of studies
at a time, creating a missing table and adding any column the new rows bring;
:func:`index_lookups` indexes the dataset and findings tables on the keys pages look rows up
by. Values are bound parameters;
table names are checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from edxlab.errors import InputError
from edxlab.model.schema import TABLE_NAMES
from edxlab.store.schema import META_TABLES, quote, registered, table_columns, transaction

#: findings table -> the column its rows are keyed by
FINDINGS_KEYS = {"study_findings": "study_id", "nerve_findings": "study_id",
                 "muscle_findings": "study_id", "lesions": "study_id",
                 "patient_findings": "patient_id"}


def _check(name: str) -> None:
    if name not in FINDINGS_KEYS or name in TABLE_NAMES or name in META_TABLES:
        raise InputError(f"'{name}' is not a findings table kept per study "
                         f"({', '.join(FINDINGS_KEYS)})")


def drop_findings_rows(con, study_ids: Sequence[str], patient_ids: Sequence[str]) -> None:
    """Delete the findings rows of ``study_ids`` / ``patient_ids`` from every findings table
    the database holds (one transaction)."""
    keys = {"study_id": list(study_ids), "patient_id": list(patient_ids)}
    with transaction(con):
        for name, column in FINDINGS_KEYS.items():
            if column in table_columns(con, name):
                con.execute(f"DELETE FROM {quote(name)} WHERE {quote(column)} IN "
                            "(SELECT unnest(?::VARCHAR[]))", [keys[column]]).fetchall()


def add_findings_rows(con, frames: dict[str, pl.DataFrame]) -> None:
    """Append findings rows (one transaction): a table the database lacks is created; a column
    it lacks is added (earlier rows get nulls); a column the new rows lack is null for them."""
    for name in frames:
        _check(name)
    with registered(con, frames, "edxlab_rows_") as views, transaction(con):
        for name, view in views.items():
            have = table_columns(con, name)
            if not have:
                con.execute(f"CREATE TABLE {quote(name)} AS SELECT * FROM {view}").fetchall()
                continue
            incoming = {r[0]: r[1] for r in con.execute(f"DESCRIBE {view}").fetchall()}
            for column, sql_type in incoming.items():
                if column not in have and sql_type != '"NULL"':
                    con.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} "
                                f"{sql_type}").fetchall()
            present = table_columns(con, name)
            cols = [c for c in incoming if c in present]
            names = ", ".join(quote(c) for c in cols)
            con.execute(f"INSERT INTO {quote(name)} ({names}) SELECT {names} FROM {view}"
                        ).fetchall()


#: the lookups the web app makes (table, column): one patient's or one study's rows. Without an
#: index such a lookup scans every row group whose min/max range holds the key, which after a
#: few imports in arbitrary identifier order is most of the table.
LOOKUP_INDEXES = (("studies", "patient_id"), ("attacks", "patient_id"), ("mri", "patient_id"),
                  ("signs", "patient_id"), ("ncs", "study_id"), ("fwaves", "study_id"),
                  ("blink", "study_id"), ("emg", "study_id"), ("signals", "study_id"),
                  ("study_findings", "study_id"), ("study_findings", "patient_id"),
                  ("nerve_findings", "study_id"), ("muscle_findings", "study_id"),
                  ("lesions", "study_id"), ("patient_findings", "patient_id"))


def missing_lookup_indexes(con) -> list[tuple[str, str]]:
    """The (table, column) indexes of :data:`LOOKUP_INDEXES` a table present lacks."""
    have = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    return [(table, column) for table, column in LOOKUP_INDEXES
            if column in table_columns(con, table) and _index_name(table, column) not in have]


def index_lookups(con) -> list[str]:
    """Create the missing indexes of :data:`LOOKUP_INDEXES` (ART indexes; imports and updates
    keep them; a findings table rewritten whole by ``write_findings`` loses its own, created
    again here)."""
    created = []
    for table, column in missing_lookup_indexes(con):
        name = _index_name(table, column)
        con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {quote(table)} ({quote(column)})"
                    ).fetchall()
        created.append(name)
    return created


def _index_name(table: str, column: str) -> str:
    return f"edxlab_{table}_{column}"
