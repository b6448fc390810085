"""The edxlab command line: parses arguments and delegates. No logic lives here.

Heavy libraries are imported inside the commands so that ``edxlab --help`` stays fast.
Every :class:`~edxlab.errors.EdxlabError` is translated once, in :func:`main`:
``Error: <message>`` on stderr and exit status 1; the traceback only with ``--debug``.
"""

from __future__ import annotations

import sys

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


# --- signal: raw needle EMG (edxlab.signal) -------------------------------------------------
signal_app = typer.Typer(help="Raw needle EMG recordings: spontaneous activity, MUAP trains, classification.",
                         no_args_is_help=True)
app.add_typer(signal_app, name="signal")


@signal_app.command("analyze")
def signal_analyze(
    file: str = typer.Argument(..., help="Recording: WFDB (.hea/.dat/.bin), EDF/EDF+/BDF, WAV or CSV."),
    out: str = typer.Option(..., "--out", help="Folder for units.csv, discharges.csv, spontaneous.csv, summary.json, figure.png."),
    muscle: str = typer.Option(None, "--muscle", help="Muscle code (e.g. biceps_brachii, tibialis_anterior)."),
    age: float = typer.Option(None, "--age", help="Age in years (reference values are age-adjusted)."),
    activation: str = typer.Option(None, "--activation", help="rest (spontaneous activity) or minimal (MUAPs; default)."),
    format: str = typer.Option(None, "--format", help="wfdb, edf, wav or csv (default: from the extension)."),
    channel: str = typer.Option(None, "--channel", help="Channel name or number (default: the first)."),
) -> None:
    """Analyse one needle EMG recording and write its results to --out."""
    from edxlab.signal.analyze import analyze_file, write_outputs

    a = analyze_file(file, muscle=muscle, age=age, activation=activation, format=format, channel=channel)
    write_outputs(a, out)
    s = a.summary
    typer.echo(f"{s['file']}: {s['classification']} ({a.units.height} motor units, activation {a.activation})")
    for r in s["reasons"]:
        typer.echo(f"  - {r}")
    if s["spontaneous"].get("assessed"):
        typer.echo(f"  spontaneous activity grade {s['spontaneous']['grade']}: {s['spontaneous']['counts']}")
    if s["clipped_samples"]:
        typer.echo(f"  warning: {s['clipped_samples']} clipped samples")
    typer.echo(f"Results written to {out}")


@signal_app.command("score")
def signal_score(
    file: str = typer.Argument(..., help="Recording to decompose."),
    annotations: str = typer.Option(..., "--annotations", help="Expert EMGlab annotation file (.eaf)."),
    format: str = typer.Option(None, "--format", help="wfdb, edf, wav or csv (default: from the extension)."),
) -> None:
    """Compare the decomposition of FILE with an expert's discharge annotations (precision, recall, F1)."""
    from edxlab.signal.analyze import analyze_file
    from edxlab.signal.readers import read_eaf
    from edxlab.signal.score import score_units

    expert = read_eaf(annotations)
    a = analyze_file(file, format=format, activation="minimal")
    rows, pooled = score_units(expert, a.decomposition.trains())
    typer.echo("expert_unit  detected_unit  n_expert  n_detected  matched  precision  recall  f1")
    for r in rows:
        p = "-" if r["precision"] is None else f"{r['precision']:.3f}"
        d = "-" if r["detected_unit"] is None else str(r["detected_unit"])
        typer.echo(f"{r['expert_unit']:>11}  {d:>13}  {r['n_expert']:>8}  {r['n_detected']:>10}  {r['matched']:>7}  "
                   f"{p:>9}  {r['recall']:.3f}  {r['f1']:.3f}")
    typer.echo(f"pooled: precision {pooled['precision']:.3f}  recall {pooled['recall']:.3f}  F1 {pooled['f1']:.3f}  "
               f"({pooled['matched']} of {pooled['n_expert']} expert discharges matched; "
               f"{pooled['unmatched_detected_units']} detected unit(s) without an expert match)")


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
