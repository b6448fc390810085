"""Glue for the ``edxlab interpret`` command: read, interpret, write (the only I/O here is
delegated to ``edxlab.io`` and ``edxlab.store``)."""

from __future__ import annotations

from pathlib import Path

from edxlab.errors import InputError


def interpret_config(profile: str | None = None, criteria: str | None = None,
                     temperature_correction: bool = False, emg_criteria: Path | None = None):
    """Build an InterpretConfig from command-line style options (a profile may be a file)."""
    from edxlab.interpret.config import InterpretConfig
    from edxlab.reference.ncs_criteria import criteria_set
    from edxlab.reference.profiles import get_profile, load_profile_file

    extra = ()
    if profile is not None:
        if profile.lower().endswith((".csv", ".toml")):
            prof = load_profile_file(profile)
            extra, profile = (prof,), prof.name
        else:
            get_profile(profile)
    if criteria is not None:
        criteria_set(criteria)
    emg_overrides = None
    if emg_criteria is not None:
        import tomllib

        from edxlab.reference.emg_criteria import load_emg_criteria_file

        load_emg_criteria_file(emg_criteria)  # validates, with the file named in errors
        emg_overrides = tomllib.loads(Path(emg_criteria).read_text("utf-8"))
        emg_overrides.pop("version", None)
    return InterpretConfig(profile=profile, override_profile=profile is not None,
                           criteria=criteria, temperature_correction=temperature_correction,
                           extra_profiles=extra, emg_criteria=emg_overrides)


def run_interpret(dataset: Path | None, out: Path | None, db: Path | None = None,
                  profile: str | None = None, criteria: str | None = None,
                  temperature_correction: bool = False,
                  emg_criteria: Path | None = None) -> list[str]:
    """Interpret a dataset (file/folder or project database); write the findings CSVs to
    ``out`` and, with ``db``, store them in the database. Returns lines to show the user."""
    from edxlab.interpret.pipeline import interpret_dataset
    from edxlab.signal.analyze import measured_signals
    from edxlab.io.findings_csv import write_findings_csv

    config = interpret_config(profile, criteria, temperature_correction, emg_criteria)
    if (dataset is None) == (db is None):
        raise InputError("Give either a dataset (folder, .xlsx or .json) or --db FILE, not both.")
    if out is None and db is None:
        raise InputError("Give --out DIR for the findings CSV files.")
    lines: list[str] = []
    if db is not None:
        from edxlab import store

        con = store.open_store(db, create=False)
        try:
            ds = store.load_dataset(con)
            ds.source = store.recordings_dir(db)
            findings = interpret_dataset(ds, config, measured=measured_signals(ds))
            for name in ("nerve_findings", "study_findings", "muscle_findings",
                         "patient_findings", "lesions"):
                frame = getattr(findings, name, None)
                if frame is not None:
                    store.write_findings(con, name, frame)
        finally:
            con.close()
        lines.append(f"Stored the findings of {findings.study_findings.height} studies in {db}")
    else:
        from edxlab.io import read_dataset

        ds = read_dataset(dataset)
        findings = interpret_dataset(ds, config, measured=measured_signals(ds))
    if out is not None:
        lines += [f"Wrote {p}" for p in write_findings_csv(findings, out)]
    return lines
