"""The project database (DuckDB): import, load, export and findings tables.

- :func:`open_store` (path -> connection; creates the schema when asked);
- :func:`import_dataset` (dataset path -> :class:`ImportSummary`; validates first, writes nothing
  on any error, one transaction, idempotent, audited updates, optional pseudonymization);
- :func:`load_dataset` (connection -> :class:`~edxlab.model.dataset.Dataset`);
- :func:`export_dataset` (database -> interchange-format files);
- :func:`write_findings` / :func:`read_table` / :func:`list_tables`: generic helpers with which
  interpret, cohort and web persist and read their own tables (e.g. ``study_findings``).

SQL lives only in this package.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from edxlab.errors import InputError, NotFoundError, StoreError
from edxlab.model.dataset import Dataset
from edxlab.model.schema import TABLE_NAMES, tables
from edxlab.store.importer import ImportSummary, Progress, TableChange, hash_source, store_dataset
from edxlab.store.recordings import keep_recordings, recordings_dir
from edxlab.store.schema import (
    META_TABLES, ensure_schema, from_store, quote, registered, table_columns, transaction,
)

__all__ = [
    "keep_recordings", "recordings_dir",
    "open_store", "import_dataset", "load_dataset", "export_dataset", "write_findings",
    "read_table", "list_tables", "ImportSummary", "TableChange",
]

TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def open_store(path: str | Path, create: bool = True, read_only: bool = False):
    """A DuckDB connection to the edxlab database at ``path``.

    ``create``: make the file and its schema when absent (else :class:`NotFoundError`).
    A file that is not an edxlab database gives :class:`StoreError`.
    """
    import duckdb

    path = Path(path)
    if not path.exists() and not create:
        raise NotFoundError(f"database {path} not found; create it with `edxlab import DATASET "
                            f"--db {path}`")
    existed = path.exists()
    try:
        con = duckdb.connect(str(path), read_only=read_only and existed)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {path} as a database: {str(exc).splitlines()[0]}") from exc
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables")
             .fetchall()}
    if existed and names and "edxlab_meta" not in names:
        con.close()
        raise StoreError(f"{path} is a DuckDB database but not an edxlab database")
    if not names and not (read_only and existed):
        with transaction(con):
            ensure_schema(con)
    return con


def _remove_database(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()


def import_dataset(source: str | Path, db: str | Path, *, key: bytes | None = None,
                   shift_dates: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Validate the dataset at ``source`` and merge it into the database ``db``.

    On any validation error nothing is written (:class:`~edxlab.errors.ValidationError`). With
    ``key`` identifiers are pseudonymized (keyed HMAC-SHA256) and, with ``shift_dates``, dates
    moved per patient. The database is created when absent; a failed import leaves it as
    before (or absent).
    """
    from edxlab.io import read_dataset

    source, db = Path(source), Path(db)
    if progress:
        progress("read", "", 0)
    ds = read_dataset(source, progress=(lambda t: progress("validate", t, 0)) if progress else None)
    if key is not None:
        from edxlab.store.pseudonymize import pseudonymize

        ds = pseudonymize(ds, key, shift_dates=shift_dates)
    elif shift_dates:
        raise InputError("--shift-dates needs --pseudonymize KEYFILE")
    return import_frames(ds, db, source_hash=hash_source(source), pseudonymized=key is not None,
                         progress=progress)


def import_frames(ds: Dataset, db: str | Path, *, source_hash: str = "",
                  pseudonymized: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Merge an already validated dataset into ``db`` (one transaction; see import_dataset)."""
    db = Path(db)
    created = not db.exists()
    try:
        con = open_store(db)
    except BaseException:
        if created:
            _remove_database(db)
        raise
    try:
        summary = store_dataset(con, ds, source_hash=source_hash, pseudonymized=pseudonymized,
                                progress=progress)
    except BaseException:
        con.close()
        if created:
            _remove_database(db)
        raise
    con.close()
    if progress:
        progress("done", "", 0)
    return summary


def load_dataset(con) -> Dataset:
    """The dataset held in the store, in canonical form (insertion order kept)."""
    return Dataset(frames={name: load_dataset_table(con, name) for name in TABLE_NAMES})


def export_dataset(db: str | Path, out: str | Path, format: str = "csv", *,
                   key: bytes | None = None, shift_dates: bool = False) -> list[Path]:
    """Write the dataset in ``db`` to ``out`` in the interchange format."""
    from edxlab.io import write_dataset

    con = open_store(db, create=False, read_only=True)
    try:
        ds = load_dataset(con)
    finally:
        con.close()
    files = sorted(set(ds["signals"]["file"].drop_nulls().to_list())) if "signals" in ds.frames else []
    if key is not None:
        from edxlab.store.pseudonymize import pseudonymize

        ds = pseudonymize(ds, key, shift_dates=shift_dates)
    written = write_dataset(ds, out, format)
    return written + _export_recordings(db, files, written, key)


def _export_recordings(db, files: list[str], written: list[Path], key: bytes | None) -> list[Path]:
    """Copy the kept recordings named in ``signals`` next to the exported tables (pseudonymous
    with ``key``), with their WFDB data files; a recording not kept is skipped (the exported
    ``signals`` row still names it)."""
    from edxlab.store.recordings import copy_recording, normalized

    root = recordings_dir(db)
    if not files or not root.is_dir() or not written:
        return []
    target = written[0].parent
    out: list[Path] = []
    for file in files:
        rel = normalized(file)
        if not (root / rel).is_file():
            continue
        stem = Path(rel).with_suffix("")
        companions = [rel]
        if Path(rel).suffix.lower() == ".hea":  # its data files share the stem (x.dat, x.bin)
            companions += [p.relative_to(root).as_posix() for p in (root / rel).parent.glob(stem.name + ".*")
                           if p.suffix.lower() != ".hea"]
        out += [copy_recording(root, c, target, key) for c in companions]
    return out


def _check_name(name: str) -> None:
    if not TABLE_NAME.match(name):
        raise InputError(f"'{name}' is not a valid table name: use lower-case letters, digits "
                         "and _ (starting with a letter)")


def list_tables(con) -> list[str]:
    return sorted(r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall())


def _findings_frames(findings) -> dict[str, pl.DataFrame]:
    """Name -> frame of a findings object (dataclass or mapping); non-frame fields skipped."""
    if isinstance(findings, dict):
        items = findings.items()
    else:
        import dataclasses

        items = ((f.name, getattr(findings, f.name)) for f in dataclasses.fields(findings))
    return {name: frame for name, frame in items if isinstance(frame, pl.DataFrame)}


def write_findings(con, name, frame: pl.DataFrame | None = None) -> None:
    """Store derived tables, replacing previous versions, in one transaction.

    ``write_findings(con, "study_findings", frame)`` stores one table;
    ``write_findings(con, findings)`` stores every frame of a findings object (the
    ``interpret_dataset`` result, or a ``{name: frame}`` mapping). For derived tables
    (``nerve_findings``, ``study_findings``, ``cohort_summary`` ...); the dataset tables and the
    bookkeeping tables cannot be overwritten this way.
    """
    frames = {name: frame} if isinstance(name, str) else _findings_frames(name)
    for table in frames:
        _check_name(table)
        if table in TABLE_NAMES or table in META_TABLES:
            raise InputError(f"'{table}' is a dataset table; import data with `edxlab import` "
                             "instead")
    with registered(con, frames, "edxlab_findings_") as views, transaction(con):
        for table, view in views.items():
            con.execute(f"CREATE OR REPLACE TABLE {quote(table)} AS SELECT * FROM {view}"
                        ).fetchall()


def read_table(con, name: str) -> pl.DataFrame:
    """Table ``name`` (a dataset, findings or bookkeeping table) as a Polars frame."""
    _check_name(name)
    available = list_tables(con)
    if name not in available:
        raise NotFoundError(f"no table '{name}' in the database; it holds: "
                            f"{', '.join(available)}")
    if name in TABLE_NAMES:
        return load_dataset_table(con, name)
    return con.sql(f"SELECT * FROM {quote(name)}").pl()


def load_dataset_table(con, name: str) -> pl.DataFrame:
    """A dataset table in canonical form, with the lab's extra columns (text) after the
    declared ones."""
    schema = tables()[name].polars_schema()
    stored = table_columns(con, name)
    cols = ", ".join(quote(c) for c in [*schema, *(c for c in stored if c not in schema)])
    frame = con.sql(f"SELECT {cols} FROM {quote(name)}").pl()
    return from_store(frame, tables()[name])
