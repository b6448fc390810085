"""What the import page delegates to: validation (edxlab.io), the import (edxlab.store) and the
interpretation of the imported studies (edxlab.interpret), as ``edxlab import`` followed by
``edxlab interpret --db`` would do.

No validation, storage or clinical logic lives here. :func:`import_job` runs under the
database's one writer; the store's import is one transaction, so a failure anywhere leaves the
dataset tables as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edxlab.errors import EdxlabError, Issue
from edxlab.log import logger
from edxlab.web.jobs import Progress

#: store progress stage -> (text shown, fraction done)
STAGES = {"read": ("Reading the files", 0.05), "validate": ("Validating", 0.15),
          "store": ("Writing to the database", 0.35), "done": ("Imported", 0.5)}


def validate(path: Path) -> list[Issue]:
    """Every problem the dataset at ``path`` has; an unreadable upload is one error, never a crash."""
    from edxlab.io import validate_dataset

    try:
        return list(validate_dataset(path))
    except EdxlabError as exc:
        issues = list(getattr(exc, "issues", []))
        return issues or [_upload_issue(path, exc.message)]
    except Exception as exc:  # noqa: BLE001 - a reader's bug must not turn an upload into a 500
        logger.error("Validation stopped on an unexpected %s", type(exc).__name__)
        return [_upload_issue(path, "edxlab could not read these files (an unexpected problem "
                                    "in the reader). Check that they are CSV files with one "
                                    "header row, an .xlsx workbook or a .json document.")]


def _upload_issue(path: Path, message: str) -> Issue:
    return Issue(file=path.name, row=None, column=None, value=None, severity="error",
                 message=message, rule="upload")


def import_job(app_state, path: Path, on_done: Callable[[], None]) -> Callable[[Progress], dict]:
    """The work of one import job (run by :class:`~edxlab.web.jobs.JobRunner`)."""
    database, project = app_state.db, app_state.project

    def work(progress: Progress) -> dict:
        from edxlab import store
        from edxlab.web.project import interpret

        try:
            with database.writer() as con:
                summary = store.import_dataset(
                    path, database.path,
                    progress=lambda stage, table, rows: progress(*STAGES.get(stage, (stage, 0.3))))
                store.keep_recordings(path, database.recordings)
                progress("Interpreting the studies", 0.55)
                dataset = store.load_dataset(con)
                dataset.source = database.recordings
                findings = interpret(dataset)
                progress("Storing the findings", 0.75)
                for name, frame in findings.items():
                    store.write_findings(con, name, frame)
            progress("Preparing the pages", 0.85)
            _new_generation(project)
            with database.reader() as con:
                project.patient_index(con, app_state.cohort_settings)
            return {"changes": change_rows(summary), "messages": [summary.text()],
                    "next": [("/patients", "Browse patients"), ("/", "Dashboard")]}
        except BaseException:
            _new_generation(project)   # whatever was committed is shown
            raise
        finally:
            on_done()

    return work


def _new_generation(project) -> None:
    """Pages read the database as it now is (with an imposed reference profile, the studies
    are interpreted again with it)."""
    if project.profile is not None:
        project.refresh()
    else:
        project.changed()


def change_rows(summary) -> list[dict]:
    """The import summary as table rows: table, added, updated, unchanged."""
    return [{"table": name, "added": c.added, "updated": c.updated, "unchanged": c.unchanged}
            for name, c in summary.tables.items() if c.added or c.updated or c.unchanged]
