"""The edxlab command line: parses arguments and delegates. No logic lives here.

Heavy libraries are imported inside the commands so that ``edxlab --help`` stays fast.
Every :class:`~edxlab.errors.EdxlabError` is translated once, in :func:`main`:
``Error: <message>`` on stderr and exit status 1; the traceback only with ``--debug``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(
    name="edxlab",
    help="Electrodiagnostic (nerve conduction and needle EMG) findings for clinics and cohorts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    from edxlab.log import set_level

    _state["debug"] = debug
    set_level(verbose, quiet)


# ---------------------------------------------------------------------------------------------
# Commands are registered below, one short function each, delegating to the stage that owns
# the work (io/store for validate/import/export, interpret/, cohort/, synth/, report/, signal/,
# web/). Keep each command a thin parser.
# ---------------------------------------------------------------------------------------------

# --- foundation: validate, import, export, demo (edxlab.io, edxlab.store) ---------------------


@app.command()
def validate(
    dataset: str = typer.Argument(..., help="Folder of CSV files, .xlsx workbook or .json file."),
    format: str = typer.Option("text", "--format", help="Output: text (a table) or json."),
) -> None:
    """Check a dataset and list every problem (file, row, column, value, message)."""
    from edxlab.io import validate_dataset
    from edxlab.io.report import issues_json, issues_summary, issues_table

    if format not in ("text", "json"):
        raise typer.BadParameter("accepted: text, json", param_hint="--format")
    issues = validate_dataset(dataset)
    if format == "json":
        typer.echo(issues_json(issues))
    else:
        from rich.console import Console

        console = Console()
        if issues:
            console.print(issues_table(issues, f"Problems in {dataset}"))
        console.print(issues_summary(issues))
    if any(i.severity == "error" for i in issues):
        raise typer.Exit(1)



# --- ncs: interpretation (edxlab.interpret) ---------------------------------------------------


@app.command()
def interpret(
    dataset: Path | None = typer.Argument(None, help="Dataset: folder of CSV files, .xlsx or .json."),
    out: Path = typer.Option(..., "--out", help="Folder for nerve_findings.csv, study_findings.csv, ..."),
    db: Path | None = typer.Option(None, "--db", help="Read the dataset from this project database (and store the findings there)."),
    profile: str | None = typer.Option(None, "--profile", help="Reference-limit profile for every study: a name (see --list-profiles) or a lab's own .csv/.toml file."),
    criteria: str | None = typer.Option(None, "--criteria", help="Demyelination criteria set: aan_1991, efns_pns_2010 (default), ean_pns_2021."),
    temperature_correction: bool = typer.Option(False, "--temperature-correction", help="Correct latencies and velocities of cold limbs instead of leaving them uninterpreted."),
) -> None:
    """Interpret nerve conductions (and needle EMG): findings a neurophysiologist would sign."""
    from edxlab.interpret_run import run_interpret

    for path in run_interpret(dataset, out, db=db, profile=profile, criteria=criteria,
                              temperature_correction=temperature_correction):
        typer.echo(f"Wrote {path}")


# --- web (edxlab.web) -------------------------------------------------------------------------


@app.command()
def serve(
    db: Path = typer.Option(..., "--db", help="Project database (DuckDB file); created when absent."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; other than loopback exposes patient data to the network."),
    token: str | None = typer.Option(None, "--token", envvar="EDXLAB_TOKEN", help="Require this access token (Bearer header or the sign-in form)."),
    read_only: bool = typer.Option(False, "--read-only", help="Open the database read-only; disable import."),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", min=0.001, help="Largest upload accepted, in MB."),
) -> None:
    """Serve the local web app: import, browse patients and studies, cohort, reports."""
    from edxlab.web.config import WebConfig
    from edxlab.web.serve import serve as run

    run(WebConfig(db=db, token=token or None, read_only=read_only, max_upload_mb=max_upload_mb,
                  host=host, port=port))


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point with the one translation of edxlab errors."""
    from edxlab.errors import EdxlabError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        rv = app(args=args, standalone_mode=False)
    except EdxlabError as exc:
        if debug:
            raise
        typer.echo(f"Error: {exc.message}", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 1
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if debug:
            raise
        typer.echo(
            f"Error: unexpected {type(exc).__name__}: {exc}. Run again with --debug for details.",
            err=True,
        )
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
