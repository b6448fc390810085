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


@app.command()
def dictionary(
    out: Path | None = typer.Option(None, "--out", help="Write the Markdown here instead of printing it."),
) -> None:
    """The data dictionary: every table, column, accepted value and vocabulary (with the
    abbreviations read as each code), generated from the same declarations as the validator."""
    from edxlab.model.dictionary import data_dictionary

    text = data_dictionary()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {out}")


@app.command("import")
def import_(
    dataset: str = typer.Argument(..., help="Folder of CSV files, .xlsx workbook or .json file."),
    db: str = typer.Option(..., "--db", help="The edxlab database file (created when absent)."),
    pseudonymize: str = typer.Option(None, "--pseudonymize", metavar="KEYFILE",
                                     help="Replace identifiers by keyed HMAC-SHA256 pseudonyms."),
    shift_dates: bool = typer.Option(False, "--shift-dates",
                                     help="With --pseudonymize: move each patient's dates."),
) -> None:
    """Validate a dataset and import it into the database (all or nothing)."""
    from edxlab.store.console import run_import

    run_import(dataset, db, pseudonymize, shift_dates)


@app.command()
def export(
    db: str = typer.Option(..., "--db", help="The edxlab database file."),
    out: str = typer.Option(..., "--out", help="Output folder (csv, parquet) or file/folder."),
    format: str = typer.Option("csv", "--format", help="csv, xlsx, json or parquet."),
    pseudonymize: str = typer.Option(None, "--pseudonymize", metavar="KEYFILE",
                                     help="Replace identifiers by keyed HMAC-SHA256 pseudonyms."),
    shift_dates: bool = typer.Option(False, "--shift-dates",
                                     help="With --pseudonymize: move each patient's dates."),
) -> None:
    """Write the database's dataset in the interchange format."""
    from edxlab.store.console import run_export

    run_export(db, out, format, pseudonymize, shift_dates)


@app.command()
def demo(
    out: Path = typer.Option(Path("edxlab-demo"), "--out", help="Folder for the demo (dataset, database, findings, reports)."),
) -> None:
    """Reproduce He et al. 2022 end to end on a SYNTHETIC cohort: synthesize, import, interpret,
    select the cohort, report, and compare with the published figures and the synthetic truth."""
    from rich.console import Console

    from edxlab.demo import print_demo, run_demo

    console = Console()
    with console.status("Building the demo") as status:
        result = run_demo(out, progress=lambda text: status.update(text))
    print_demo(result, console)



# --- ncs: interpretation (edxlab.interpret) ---------------------------------------------------


@app.command()
def interpret(
    dataset: Path | None = typer.Argument(None, help="Dataset: folder of CSV files, .xlsx or .json."),
    out: Path | None = typer.Option(None, "--out", help="Folder for nerve_findings.csv, study_findings.csv, ... (optional with --db)."),
    db: Path | None = typer.Option(None, "--db", help="Read the dataset from this project database (and store the findings there)."),
    profile: str | None = typer.Option(None, "--profile", help="Reference-limit profile for every study: preston_shapiro_2013_age_height (default), preston_shapiro_2013, age_height_stratified, or a lab's own .csv/.toml file."),
    criteria: str | None = typer.Option(None, "--criteria", help="Demyelination criteria set: aan_1991, efns_pns_2010 (default), ean_pns_2021."),
    temperature_correction: bool = typer.Option(False, "--temperature-correction", help="Correct latencies and velocities of cold limbs instead of leaving them uninterpreted."),
    emg_criteria: Path | None = typer.Option(None, "--emg-criteria", help="TOML file overriding needle EMG criteria (sections of reference/emg_criteria.toml), e.g. [active] fasciculations_count = true (Awaji)."),
) -> None:
    """Interpret nerve conductions (and needle EMG): findings a neurophysiologist would sign."""
    from edxlab.interpret_run import run_interpret

    for line in run_interpret(dataset, out, db=db, profile=profile, criteria=criteria,
                              temperature_correction=temperature_correction,
                              emg_criteria=emg_criteria):
        typer.echo(line)


# --- cohort: cohort analysis and reports (edxlab.cohort, edxlab.report) -----------------------


@app.command()
def cohort(
    db: Path = typer.Option(..., "--db", help="Project database (DuckDB file) with the imported dataset."),
    out: Path = typer.Option(..., "--out", help="Folder for patient_findings.csv, cohort_summary.csv, the report ..."),
    date_from: str | None = typer.Option(None, "--from", help="First date of the EDX window (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(None, "--to", help="Last date of the EDX window (YYYY-MM-DD)."),
    require: str = typer.Option("emg,ncs", "--require", help="Tests the index study must have: emg, ncs, fwaves, blink (comma-separated)."),
    exclude_mogad: bool = typer.Option(False, "--exclude-mogad", help="Exclude patients meeting the MOGAD 2023 criteria."),
    ci: str = typer.Option("wilson", "--ci", help="Confidence intervals: wilson or clopper-pearson."),
    min_cell: int = typer.Option(0, "--min-cell", min=0, help="Suppress counts between 1 and N-1 (e.g. 5 for tables leaving the research team)."),
) -> None:
    """Select the NMOSD cohort (IPND 2015), count the EDX findings with 95% CIs, write the report."""
    from edxlab.cohort.command import print_cohort_summary, run_cohort_command, settings_from_options

    settings = settings_from_options(date_from, date_to, require, exclude_mogad, ci, min_cell)
    result, paths = run_cohort_command(db, out, settings)
    print_cohort_summary(result)
    typer.echo(f"Wrote {len(paths)} files to {out} (report: {paths['html']})")
    if min_cell:
        typer.echo(f"Counts below {min_cell} are suppressed and no patient-level table was written (aggregate export).")


@app.command()
def report(
    kind: str = typer.Argument(..., help="study (per-study EDX reports) or cohort (the cohort report)."),
    db: Path = typer.Option(..., "--db", help="Project database (DuckDB file)."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    study: list[str] = typer.Option([], "--study", help="Study id (repeat for several); default: every study."),
    date_from: str | None = typer.Option(None, "--from", help="Cohort report: first date of the EDX window."),
    date_to: str | None = typer.Option(None, "--to", help="Cohort report: last date of the EDX window."),
    require: str = typer.Option("emg,ncs", "--require", help="Cohort report: tests of the index study."),
    exclude_mogad: bool = typer.Option(False, "--exclude-mogad", help="Cohort report: exclude MOGAD."),
    ci: str = typer.Option("wilson", "--ci", help="Cohort report: wilson or clopper-pearson."),
    min_cell: int = typer.Option(0, "--min-cell", min=0, help="Cohort report: small-cell suppression."),
) -> None:
    """Write printable per-study EDX reports, or the cohort report (HTML, XLSX, DOCX, figures)."""
    from edxlab.cohort.command import run_cohort_command, run_study_report_command, settings_from_options

    if kind == "study":
        paths = run_study_report_command(db, out, list(study))
        typer.echo(f"Wrote {len(paths)} study report(s) to {out}")
    elif kind == "cohort":
        settings = settings_from_options(date_from, date_to, require, exclude_mogad, ci, min_cell)
        _, paths = run_cohort_command(db, out, settings)
        typer.echo(f"Wrote the cohort report {paths['html']}")
    else:
        raise typer.BadParameter("accepted: study, cohort", param_hint="KIND")


# --- synth: synthetic cohorts with ground truth (edxlab.synth) -------------------------------


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="Folder for the dataset, truth.csv, truth_patients.csv and README.txt."),
    patients: int | None = typer.Option(None, "--patients", min=1, help="Number of patients (registry preset; he2022 has a fixed size)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same cohort."),
    preset: str = typer.Option("he2022", "--preset", help="he2022 (the published 59-patient cohort plus exclusions) or registry (any size)."),
    format: str = typer.Option("csv", "--format", help="Dataset format: csv, xlsx, json or parquet."),
) -> None:
    """Write a SYNTHETIC cohort in the interchange format with the findings it was built to show."""
    from edxlab.synth import generate, write_synthetic

    cohort = generate(preset, patients, seed)
    files = write_synthetic(cohort, out, format)
    t = cohort.tables
    typer.echo(
        f"Wrote a synthetic {preset} cohort to {out}: {t['patients'].height} patients, "
        f"{t['studies'].height} studies ({len(files)} files; truth in truth.csv)."
    )


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
    from edxlab.signal.score import PROMINENT_RATIO, expert_prominence, pool, score_units

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
    prom = expert_prominence(a.recording.data, a.recording.fs, expert)
    big = pool(rows, {u for u, v in prom.items() if v > PROMINENT_RATIO})
    typer.echo(f"expert units above {PROMINENT_RATIO} x signal RMS (EMGlab's criterion): {big['n_units']} of "
               f"{len(rows)}, {big['n_expert']} discharges: precision {big['precision']:.3f}  "
               f"recall {big['recall']:.3f}  F1 {big['f1']:.3f}")


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
