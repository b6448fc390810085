"""The web app's handle on the project database: one DuckDB connection, one writer at a time.

DuckDB allows one writing process per file; the server is that process. Page handlers read
through their own cursor (a snapshot: a running import never blocks them and they never see it
half done); imports run one at a time under :attr:`Database.write_lock`. After each import the
:attr:`generation` counter moves on, so cached page data knows it is stale.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from edxlab.errors import InputError, StoreError


class Database:
    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise InputError(f"There is no database at {self.path}; import a dataset first "
                             "(edxlab import DATASET --db FILE) or start without --read-only.")
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"Cannot open the database {self.path}: {exc}") from None
        self.write_lock = threading.Lock()
        self.generation = 0

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
                self.generation += 1

    def close(self) -> None:
        self._con.close()
