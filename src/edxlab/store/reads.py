"""Small reads from the project database, for callers that need a few rows at a time (the web
app answers each page this way instead of loading the whole database).

Every value a caller passes is a bound parameter (``?``); table and column names are checked
against the schema (``model/tables.toml``) or must be plain names before they are written into
SQL. Rows come in insertion order: a filtered scan keeps it (DuckDB's
``preserve_insertion_order``, on by default); reads of several keys sort by ``rowid``.

- :func:`rows_where` / :func:`rows_in`: the rows of one table whose column equals a value / is
  one of some values, in insertion order (dataset tables in canonical form);
- :func:`table_columns`, :func:`count_rows`;
- :func:`cohort_dataset`: what the cohort analysis reads (every table but the measurements,
  of which only which studies have them);
- :func:`read_columns`: some columns of a whole table;
- :func:`patient_overview` and :class:`PatientIndex`: the patient list (one row per patient)
  and its pages (filters, search, sort, paging in SQL).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cache
from dataclasses import dataclass

import polars as pl

from edxlab.errors import InputError
from edxlab.model.dataset import Dataset
from edxlab.model.schema import TABLE_NAMES, tables
from edxlab.store.schema import from_store, quote, table_columns

#: the dataset tables holding a study's measurements (the cohort only needs which studies have them)
TEST_TABLES = ("ncs", "fwaves", "blink", "emg", "signals")


@cache
def _schema(name: str) -> dict:
    """The canonical column -> dtype of a dataset table (built once)."""
    return tables()[name].polars_schema()


@cache
def _list_columns(name: str) -> frozenset[str]:
    return frozenset(c for c, t in _schema(name).items() if t == pl.List(pl.String))


def _checked(con, name: str, column: str | None = None) -> None:
    """A dataset table's column is checked against the schema; a derived table's name and
    column must be plain names (and DuckDB then refuses any it does not hold)."""
    if name in TABLE_NAMES:   # created with the store's schema
        if column is not None and column not in _schema(name):
            raise InputError(f"table '{name}' has no column '{column}'")
        return
    if not NAME.match(name):
        raise InputError(f"no table '{name}' in the database")
    if column is not None and not NAME.match(column):
        raise InputError(f"table '{name}' has no column '{column}'")


NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _sql(con, name: str, sql: str, params: list) -> pl.DataFrame:
    """Run a read of table ``name``; a table or column the database lacks is an InputError."""
    import duckdb

    try:
        return con.sql(sql, params=params).pl()
    except duckdb.CatalogException:
        raise InputError(f"no table '{name}' in the database") from None
    except duckdb.BinderException:
        raise InputError(f"table '{name}' has no such column") from None


def _select(con, name: str, column: str, values: list) -> pl.DataFrame:
    """Rows whose ``column`` equals one of ``values``, in insertion order. A few values are
    looked up one equality at a time (each prunes the table's row groups by their min/max
    statistics); many values are one semi-join."""
    if name in TABLE_NAMES:
        spec = tables()[name]
        cols = ", ".join(quote(c) for c in _schema(name))
    else:
        spec, cols = None, "*"
    if len(values) == 1:   # one key: an index lookup (store.partial.LOOKUP_INDEXES)
        frame = _sql(con, name, f"SELECT {cols} FROM {quote(name)} WHERE {quote(column)} = ?",
                     values)
        return from_store(frame, spec) if spec is not None else frame
    target = f"SELECT {cols}, rowid AS edxlab_row__ FROM {quote(name)}"
    if len(values) <= MAX_EQUALITIES:
        sql = " UNION ALL ".join([f"{target} WHERE {quote(column)} = ?"] * max(1, len(values)))
        params = values or [None]
    else:
        sql = f"{target} WHERE {quote(column)} IN (SELECT unnest(?))"
        params = [values]
    frame = _sql(con, name, f"SELECT * EXCLUDE (edxlab_row__) FROM ({sql}) ORDER BY edxlab_row__",
                 params)
    return from_store(frame, spec) if spec is not None else frame


#: up to this many values are looked up one equality at a time (see _select)
MAX_EQUALITIES = 16


def rows_where(con, name: str, column: str, value) -> pl.DataFrame:
    """Rows of table ``name`` whose ``column`` equals ``value`` (insertion order)."""
    _checked(con, name, column)
    return _select(con, name, column, [value])


def rows_in(con, name: str, column: str, values: Sequence) -> pl.DataFrame:
    """Rows of table ``name`` whose ``column`` is one of ``values`` (insertion order)."""
    _checked(con, name, column)
    return _select(con, name, column, list(dict.fromkeys(values)))


def records_where(con, name: str, column: str, value,
                  columns: Sequence[str] | None = None) -> list[dict]:
    """Rows of table ``name`` whose ``column`` equals ``value`` as dicts (insertion order),
    dataset tables in canonical form (list columns as lists); only ``columns`` when given
    (each must be a plain name). Lighter than :func:`rows_where` for the few rows a page
    shows: a wide table costs in proportion to the columns read."""
    import duckdb

    _checked(con, name, column)
    for wanted in columns or ():
        _checked(con, name, wanted)
    lists = []
    if name in TABLE_NAMES:
        schema = _schema(name)
        cols = ", ".join(quote(c) for c in (columns or schema))
        lists = [c for c in _list_columns(name) if columns is None or c in columns]
    else:
        cols = ", ".join(quote(c) for c in columns) if columns else "*"
    try:
        cursor = con.execute(f"SELECT {cols} FROM {quote(name)} WHERE {quote(column)} = ?",
                             [value])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    except duckdb.CatalogException:
        raise InputError(f"no table '{name}' in the database") from None
    except duckdb.BinderException:
        raise InputError(f"table '{name}' has no such column") from None
    for row in rows:
        for c in lists:
            row[c] = row[c].split(";") if row[c] is not None else None
    return rows


def count_rows(con, name: str) -> int:
    _checked(con, name)
    if not table_columns(con, name):
        raise InputError(f"no table '{name}' in the database")
    return con.execute(f"SELECT count(*) FROM {quote(name)}").fetchall()[0][0]


def has_rows_like(con, name: str, column: str, prefix: str) -> bool:
    """Whether some value of ``column`` starts with ``prefix``."""
    _checked(con, name, column)
    return bool(con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {quote(name)} WHERE starts_with({quote(column)}, ?))",
        [prefix]).fetchall()[0][0])


def cohort_dataset(con) -> Dataset:
    """The dataset as the cohort analysis and the cohort report read it: patients, studies,
    attacks, MRI and signs in full; of the measurement tables (ncs, fwaves, blink, emg, signals)
    one row per study that has any, with only ``study_id`` filled (the analysis only asks which
    tests a study has). A fraction of the memory of :func:`edxlab.store.load_dataset`."""
    from edxlab.store import load_dataset_table

    frames = {name: load_dataset_table(con, name) for name in TABLE_NAMES
              if name not in TEST_TABLES}
    light = {name: con.sql(f"SELECT DISTINCT study_id FROM {quote(name)} ORDER BY study_id").pl()
             for name in TEST_TABLES}
    tests = Dataset.from_frames(**light)
    return Dataset(frames={**frames, **{name: tests[name] for name in TEST_TABLES}})


def read_columns(con, name: str, columns: Sequence[str]) -> pl.DataFrame:
    """Only ``columns`` of table ``name`` (those it has), in insertion order."""
    _checked(con, name)
    have = table_columns(con, name)
    cols = ", ".join(quote(c) for c in columns if c in have)
    return con.sql(f"SELECT {cols} FROM {quote(name)} ORDER BY rowid").pl()


#: the columns of the patient list taken from ``patients`` and computed from ``studies``
PATIENT_COLUMNS = ("patient_id", "sex", "aqp4_igg", "mog_igg")
STUDY_COLUMNS = ("n_studies", "last_study")


def patient_overview(con, findings: str | None) -> pl.DataFrame:
    """One row per patient (sorted by patient_id): ``patients`` (patient_id, sex, aqp4_igg,
    mog_igg), every column of ``findings`` (a table, or a frame registered on ``con``, with one
    row per patient, e.g. ``patient_findings``; None = no findings columns), n_studies and
    last_study (from ``studies``)."""
    if findings is not None:
        fcols = [c for c in _relation_columns(con, findings) if c != "patient_id"]
    else:
        fcols = []
    select = ", ".join([f"p.{quote(c)}" for c in PATIENT_COLUMNS] + [f"f.{quote(c)}" for c in fcols]
                       + ["coalesce(s.n_studies, 0)::BIGINT AS n_studies", "s.last_study"])
    join = f"LEFT JOIN {quote(findings)} f ON f.patient_id = p.patient_id" if findings else ""
    return con.sql(
        f"SELECT {select} FROM patients p {join} LEFT JOIN (SELECT patient_id, "
        "count(*) AS n_studies, max(study_date) AS last_study FROM studies GROUP BY patient_id) s "
        "ON s.patient_id = p.patient_id ORDER BY p.patient_id").pl()


def _relation_columns(con, name: str) -> list[str]:
    """Columns of a table, or of a frame registered on this connection."""
    columns = list(table_columns(con, name))
    if columns:
        return columns
    return [r[0] for r in con.execute(f"DESCRIBE {quote(name)}").fetchall()]


@dataclass(frozen=True)
class ListQuery:
    """One page of the patient list, in terms of its columns (see :class:`PatientIndex`).

    ``equal``: (column, value) pairs; ``flags``: (column, wanted) pairs where a missing flag
    counts as false; ``search``: text the patient identifier must contain (case-insensitive).
    """

    equal: tuple[tuple[str, str], ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()
    search: str = ""
    sort: str = "patient_id"
    desc: bool = False
    limit: int = 50
    offset: int = 0
    #: the columns to return (None = all); a page showing a few columns reads only those
    columns: tuple[str, ...] | None = None


class PatientIndex:
    """The patient list as a table of its own, in a private in-memory DuckDB database: one row
    per patient (:func:`patient_overview`, or a cohort's patient_findings for other cohort
    settings), so that a page of the list is one filtered, sorted, limited query, whatever the
    project database's mode (read-only included). Thread-safe: each query uses its own cursor.
    """

    def __init__(self) -> None:
        import duckdb

        # small queries from many request threads: each on its own thread (no worker handoff)
        self._con = duckdb.connect(":memory:", config={"threads": 1})
        self._columns: tuple[str, ...] = ()
        self._table = ""
        self._extra: dict[str, str] = {}
        self._counts: dict[tuple, int] = {}   # per table version: filters -> patients
        self._version = 0
        self._lock = threading.Lock()

    @property
    def columns(self) -> tuple[str, ...]:
        return self._columns

    def load(self, overview: pl.DataFrame, extra: dict[str, pl.DataFrame] | None = None) -> None:
        """Replace the list with ``overview`` (one row per patient, ``patient_id`` first) and
        the ``extra`` per-patient tables (any number of rows per patient; :meth:`rows`)."""
        with self._lock:
            self._version += 1
            table = f"patient_list_{self._version}"
            frames = {table: overview, **{f"{name}_{self._version}": frame
                                          for name, frame in (extra or {}).items()}}
            cursor = self._con.cursor()
            try:
                for name, frame in frames.items():
                    cursor.register("incoming", frame.to_arrow())
                    main = name == table
                    cursor.execute(f"CREATE TABLE {name} AS SELECT *"
                                   f"{', lower(patient_id) AS search_key__' if main else ''} "
                                   f"FROM incoming{' ORDER BY patient_id' if main else ''}"
                                   ).fetchall()
                    cursor.unregister("incoming")
                    # one patient's rows (the patient page) are an index lookup
                    cursor.execute(f"CREATE INDEX {name}_patient ON {name} (patient_id)"
                                   ).fetchall()
            finally:
                cursor.close()
            old = [self._table, *self._extra.values()]
            self._table, self._columns = table, tuple(overview.columns)
            self._extra = {name: f"{name}_{self._version}" for name in (extra or {})}
            for name in old:
                if name:
                    self._con.execute(f"DROP TABLE {name}").fetchall()

    def rows(self, name: str, patient_id: str) -> list[dict]:
        """The rows of one patient in the extra table ``name`` (see :meth:`load`)."""
        table = self._extra.get(name)
        if table is None:
            return []
        cursor = self._con.cursor()
        try:
            result = cursor.execute(f"SELECT * FROM {table} WHERE patient_id = ?",
                                    [patient_id])
            names = [d[0] for d in result.description]
            return [dict(zip(names, r, strict=True)) for r in result.fetchall()]
        finally:
            cursor.close()

    def page(self, query: ListQuery) -> tuple[int, list[dict]]:
        """(number of patients matching, the page's rows), sorted by ``query.sort`` (missing
        values last, ties by patient_id)."""
        table, columns = self._table, self._columns
        if not table:
            return 0, []
        conditions, params = [], []
        for column, value in query.equal:
            conditions.append(f"{_known(columns, column)} = ?")
            params.append(value)
        for column, wanted in query.flags:
            conditions.append(f"coalesce({_known(columns, column)}, false) = ?")
            params.append(wanted)
        if query.search:
            conditions.append("contains(search_key__, ?)")
            params.append(query.search.lower())
        where = " AND ".join(conditions) or "true"
        order = (f"{_known(columns, query.sort)} {'DESC' if query.desc else 'ASC'} NULLS LAST, "
                 "patient_id")
        wanted = columns if query.columns is None else query.columns
        columns = tuple(c for c in wanted if c in columns)   # a missing one is None
        select = ", ".join(quote(c) for c in columns)
        cursor = self._con.cursor()
        try:
            key = (table, where, tuple(params))
            total = self._counts.get(key)
            if total is None:   # the same filters on other pages or sorts: counted once
                total = cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}",
                                       params).fetchall()[0][0]
                if len(self._counts) > 256:
                    self._counts.clear()
                self._counts[key] = total
            result = cursor.execute(f"SELECT {select} FROM {table} WHERE {where} ORDER BY {order} "
                                    "LIMIT ? OFFSET ?", [*params, query.limit, query.offset])
            blank = dict.fromkeys(wanted)
            rows = [{**blank, **dict(zip(columns, r, strict=True))} for r in result.fetchall()]
        except Exception:
            # the list was replaced between the two reads: read the new one
            if table == self._table:
                raise
            return self.page(query)
        finally:
            cursor.close()
        return total, rows

    def row(self, patient_id: str, columns: Sequence[str] | None = None) -> dict | None:
        """The list's row of one patient (only ``columns`` when given), or None."""
        table = self._table
        columns = tuple(c for c in (columns or self._columns) if c in self._columns)
        if not table:
            return None
        cursor = self._con.cursor()
        try:
            rows = cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {table} "
                                  "WHERE patient_id = ?", [patient_id]).fetchall()
        finally:
            cursor.close()
        return dict(zip(columns, rows[0], strict=True)) if rows else None

    def close(self) -> None:
        self._con.close()


def _known(columns: Sequence[str], column: str) -> str:
    if column not in columns:
        raise InputError(f"the patient list has no column '{column}'")
    return quote(column)


#: dataset tables keyed by patient / by study
PATIENT_TABLES = ("patients", "studies", "attacks", "mri", "signs")


def patients_dataset(con, patient_ids: Sequence[str], study_ids: Sequence[str] | None = None,
                     *, history: bool = True) -> Dataset:
    """The dataset restricted to some patients (all their rows in every table); with
    ``study_ids``, only those of their studies (and those studies' measurements). Without
    ``history``, their attacks, MRI and signs are left out (empty tables)."""
    ids = list(patient_ids)
    frames = {name: rows_in(con, name, "patient_id", ids) for name in PATIENT_TABLES
              if history or name in ("patients", "studies")}
    if study_ids is not None:
        frames["studies"] = frames["studies"].filter(pl.col("study_id").is_in(list(study_ids)))
    studies = frames["studies"]["study_id"].to_list()
    frames.update({name: rows_in(con, name, "study_id", studies) for name in TEST_TABLES})
    return Dataset(frames=frames)
