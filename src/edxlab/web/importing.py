"""What the import page delegates to: validation (edxlab.io), the import (edxlab.store) and the
interpretation of the imported patients' studies (edxlab.interpret), as ``edxlab import``
followed by ``edxlab interpret --db`` would do (for the uploaded patients only).

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
    """The work of one import job (run by :class:`~edxlab.web.jobs.JobRunner`): the import
    (one transaction), then the interpretation of the uploaded patients' studies only (all of
    their studies, a chunk of patients at a time), whose findings rows replace theirs."""
    database, project = app_state.db, app_state.project

    def work(progress: Progress) -> dict:
        from edxlab import store
        from edxlab.io import read_dataset
        from edxlab.store.importer import hash_source

        def stage(stage, table, rows):
            progress(*STAGES.get(stage, (stage, 0.3)))

        try:
            with database.writer() as con:
                stage("read", "", 0)
                dataset = read_dataset(path, progress=lambda table: stage("validate", table, 0))
                summary = store.import_frames(dataset, database.path,
                                              source_hash=hash_source(path), progress=stage)
                store.keep_recordings(path, database.recordings)
                patients = uploaded_patients(con, dataset)
                del dataset
                interpret_patients(con, database.recordings, patients, progress)
            progress("Preparing the pages", 0.9)
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


#: patients interpreted at a time after an import
CHUNK_PATIENTS = 2000


def uploaded_patients(con, dataset) -> list[str]:
    """Every patient the upload has a row of (directly, or through one of their studies)."""
    from edxlab.store.reads import TEST_TABLES, rows_in

    ids: set[str] = set()
    for name in ("patients", "studies", "attacks", "mri", "signs"):
        ids.update(dataset[name]["patient_id"].drop_nulls().to_list())
    studies: set[str] = set()
    for name in TEST_TABLES:
        studies.update(dataset[name]["study_id"].drop_nulls().to_list())
    studies -= set(dataset.studies["study_id"].to_list())
    if studies:
        ids.update(rows_in(con, "studies", "study_id", sorted(studies))["patient_id"].to_list())
    return sorted(ids)


def interpret_patients(con, recordings: Path, patients: list[str], progress: Progress) -> None:
    """Interpret every study of ``patients`` again and store their findings rows in place of
    the previous ones (``edxlab interpret --db`` for these patients only). Their old rows go
    first, so a failure part-way leaves studies without findings (interpreted on demand by the
    pages), never stale ones."""
    from edxlab.store.partial import add_findings_rows, drop_findings_rows, index_lookups
    from edxlab.store.reads import patients_dataset, rows_in
    from edxlab.web.project import interpret

    if not patients:
        return
    studies = rows_in(con, "studies", "patient_id", patients)["study_id"].to_list()
    drop_findings_rows(con, studies, patients)
    for start in range(0, len(patients), CHUNK_PATIENTS):
        chunk = patients[start:start + CHUNK_PATIENTS]
        progress(f"Interpreting the studies ({start + len(chunk)} of {len(patients)} patients)",
                 0.55 + 0.3 * start / len(patients))
        dataset = patients_dataset(con, chunk)
        dataset.source = recordings
        add_findings_rows(con, interpret(dataset))
    index_lookups(con)


def index_job(database) -> Callable[[Progress], dict]:
    """Job: index the tables on the keys pages look rows up by, when they are not (a database
    written by ``edxlab import`` / ``edxlab interpret --db``), so that a page's rows are index
    lookups."""

    def work(progress: Progress) -> dict:
        from edxlab.store.partial import index_lookups

        progress("Indexing the tables", 0.1)
        with database.writer() as con:
            created = index_lookups(con)
        return {"messages": [f"{len(created)} indexes created."]}

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
