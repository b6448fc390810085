"""Console front end of import, export and demo: progress bars and summaries (rich).

The CLI commands delegate here; the work itself is :mod:`edxlab.store`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from edxlab.errors import InputError, ValidationError
from edxlab.model.schema import TABLE_NAMES

EXAMPLE_DATASET = Path(__file__).resolve().parents[3] / "examples" / "nmosd_demo"


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr)


@contextmanager
def import_progress():
    """A rich progress bar fed by the importer's ``progress(stage, table, rows)`` calls."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    steps = 2 * len(TABLE_NAMES) + 1
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task("Reading", total=steps)
        labels = {"read": "Reading", "validate": "Checking", "store": "Storing", "done": "Done"}

        def progress(stage: str, table: str, rows: int) -> None:
            text = labels.get(stage, stage) + (f" {table}" if table else "")
            if rows:
                text += f" ({rows:,} rows)"
            bar.update(task, description=text, advance=0 if stage == "read" else 1)
            if stage == "done":
                bar.update(task, completed=steps)

        yield progress


def _key(pseudonymize: str | None) -> bytes | None:
    if pseudonymize is None:
        return None
    from edxlab.store.pseudonymize import load_key

    return load_key(pseudonymize)


def run_import(dataset: str, db: str, pseudonymize: str | None, shift_dates: bool) -> None:
    import typer

    from edxlab.io.report import issues_summary, issues_table
    from edxlab.store import import_dataset

    if shift_dates and pseudonymize is None:
        raise InputError("--shift-dates needs --pseudonymize KEYFILE")
    key = _key(pseudonymize)
    existed = Path(db).exists()
    try:
        with import_progress() as progress:
            summary = import_dataset(dataset, db, key=key, shift_dates=shift_dates,
                                     progress=progress)
    except ValidationError as exc:
        console = _console(stderr=True)
        errors = [i for i in exc.issues if i.severity == "error"]
        console.print(issues_table(errors, f"Problems in {dataset}"))
        state = f"{db} is unchanged" if existed else f"{db} was not created"
        typer.echo(issues_summary(exc.issues) + f" Nothing was imported; {state}.", err=True)
        raise typer.Exit(1) from None
    from edxlab.store.recordings import keep_recordings, recordings_dir

    kept = keep_recordings(dataset, recordings_dir(db), key=key)
    if summary.changed:
        typer.echo(f"Imported {dataset} into {db}" + (" (pseudonymized)" if key else "") + ":")
    else:
        typer.echo(f"Nothing changed in {db}:")
    for line in summary.lines():
        typer.echo(f"  {line}")
    if kept:
        typer.echo(f"  {kept} recording file(s) kept in {recordings_dir(db)}")


def run_export(db: str, out: str, format: str, pseudonymize: str | None,
               shift_dates: bool) -> None:
    from edxlab.store import export_dataset

    if shift_dates and pseudonymize is None:
        raise InputError("--shift-dates needs --pseudonymize KEYFILE")
    import typer

    files = export_dataset(db, out, format, key=_key(pseudonymize), shift_dates=shift_dates)
    folder = files[0].parent if files else Path(out)
    recordings = [f for f in files if f.parent != folder]  # recordings sit in subfolders
    tables = len(files) - len(recordings)
    text = f"Wrote {tables} file{'s' * (tables != 1)} to {out}"
    if recordings:
        text += f" and {len(recordings)} recording file{'s' * (len(recordings) != 1)}"
    typer.echo(text)


def run_demo(out: str) -> None:
    from edxlab.store import import_dataset, load_dataset, open_store

    if not (EXAMPLE_DATASET / "patients.csv").is_file():
        raise InputError(f"the bundled example dataset is missing ({EXAMPLE_DATASET}); run the "
                         "demo from a clone of the edxlab repository")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "edxlab.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        if stale.exists():
            stale.unlink()
    with import_progress() as progress:
        summary = import_dataset(EXAMPLE_DATASET, db, progress=progress)
    con = open_store(db, create=False, read_only=True)
    try:
        ds = load_dataset(con)
    finally:
        con.close()
    import typer

    console = _console()
    typer.echo(f"Imported the example dataset ({EXAMPLE_DATASET.name}) into {db}")
    console.print(tables_overview(summary))
    console.print(patients_overview(ds))
    typer.echo(f"Next: `edxlab validate {EXAMPLE_DATASET}` or `edxlab export --db {db} "
               f"--out {folder / 'export'}`")


def tables_overview(summary):
    from rich.table import Table

    table = Table(title="Tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, change in summary.tables.items():
        table.add_row(name, f"{change.added + change.updated + change.unchanged:,}")
    return table


def patients_overview(ds):
    """One line per patient: serostatus, studies, NCS responses, muscles, attacks, MRI lesions."""
    import polars as pl
    from rich.table import Table

    studies = ds.studies.select("study_id", "patient_id")

    def per_patient(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        if "patient_id" not in frame.columns:
            frame = frame.join(studies, on="study_id", how="inner")
        return frame.group_by("patient_id").agg(pl.len().alias(name))

    counts = ds.patients.select("patient_id", "aqp4_igg", "mog_igg")
    for frame, name in ((ds.studies, "studies"), (ds["ncs"], "ncs"), (ds["emg"], "emg"),
                        (ds["attacks"], "attacks"), (ds["mri"], "mri")):
        counts = counts.join(per_patient(frame, name), on="patient_id", how="left")
    counts = counts.fill_null(0)
    table = Table(title="Patients (NCS: responses, EMG: muscles, MRI: lesions)",
                  title_justify="left")
    for column, justify in (("patient", "left"), ("AQP4", "left"), ("MOG", "left"),
                            ("studies", "right"), ("NCS", "right"), ("EMG", "right"),
                            ("attacks", "right"), ("MRI", "right")):
        table.add_column(column, justify=justify)
    for row in counts.iter_rows():
        table.add_row(*[str(v) if v is not None else "" for v in row])
    return table
