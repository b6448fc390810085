"""What the import page delegates to: validation (edxlab.io) and the import job (edxlab.store).

No validation or storage logic lives here: :func:`validate` asks :mod:`edxlab.io`, and
:func:`import_job` reads the dataset, hands it to :mod:`edxlab.store` in one transaction under
the database's one writer, and reports progress. A failure anywhere leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edxlab.errors import EdxlabError, Issue
from edxlab.web.database import Database
from edxlab.web.jobs import Progress


def validate(path: Path) -> list[Issue]:
    """Every problem the dataset at ``path`` has; an unreadable upload is one error, never a crash."""
    from edxlab.io import validate_dataset

    try:
        return list(validate_dataset(path))
    except EdxlabError as exc:
        issues = list(getattr(exc, "issues", []))
        return issues or [Issue(file=path.name, row=None, column=None, value=None,
                                severity="error", message=exc.message, rule="upload")]


def import_job(database: Database, path: Path, on_done: Callable[[], None]) -> Callable[[Progress], dict]:
    """The work of one import job (run by :class:`~edxlab.web.jobs.JobRunner`)."""

    def work(progress: Progress) -> dict:
        from edxlab.io import read_dataset
        from edxlab.store import import_dataset

        try:
            progress("Reading the dataset", 0.1)
            dataset = read_dataset(path)
            progress("Writing to the database", 0.4)
            with database.writer() as con:
                summary = import_dataset(con, dataset)
            progress("Finished", 1.0)
            return {"changes": summary_rows(summary)}
        finally:
            on_done()

    return work


def summary_rows(summary: object) -> list[dict]:
    """The import summary as rows ``{table, inserted, updated, unchanged, ...}`` for a table."""
    if isinstance(summary, dict):
        items = summary.items()
    else:
        items = getattr(summary, "tables", {}).items()
    rows = []
    for table, counts in items:
        counts = counts if isinstance(counts, dict) else vars(counts)
        rows.append({"table": table, **{k: v for k, v in counts.items() if isinstance(v, int)}})
    return rows
