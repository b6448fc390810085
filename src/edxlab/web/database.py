"""The web app's handle on the project database: one DuckDB connection, one writer at a time.

DuckDB allows one writing process per file; the server is that process. Page handlers read
through their own cursor (a snapshot: a running import never blocks them and they never see it
half done); imports run one at a time under :attr:`Database.write_lock`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


class Database:
    def __init__(self, path: Path, *, read_only: bool = False, memory_limit: str = "512MB",
                 threads: int = 1):
        from edxlab.store import open_store

        self.path = Path(path)
        self.read_only = read_only
        #: uploaded raw EMG recordings, kept beside the database (``signals.csv`` paths are
        #: relative to this folder)
        from edxlab.store.recordings import recordings_dir

        self.recordings = recordings_dir(self.path)
        self._con = open_store(self.path, create=not read_only, read_only=read_only)
        self._con.execute("SET enable_progress_bar = false").fetchall()
        # DuckDB's own memory (buffer cache, joins of an import) stays under this; larger work
        # spills to a temporary folder beside the database
        self._con.execute("SET memory_limit = ?", [memory_limit]).fetchall()
        # Pages make many small queries at once, one per request thread: each runs on its own
        # thread rather than handing work to DuckDB's worker threads (which, on a busy
        # machine, adds a wait for the OS to schedule them, per query)
        self._con.execute("SET threads = ?", [threads]).fetchall()
        self.write_lock = threading.Lock()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one request (thread-safe; sees committed data only)."""
        cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The one writing cursor; callers hold it for the whole import."""
        with self.write_lock:
            cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()

    def missing_indexes(self) -> bool:
        """Whether a table lacks the index of a key pages look rows up by (``store.partial``)."""
        from edxlab.store.partial import missing_lookup_indexes

        with self.reader() as con:
            return bool(missing_lookup_indexes(con))

    def close(self) -> None:
        self._con.close()
