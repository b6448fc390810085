"""Writing a synthetic cohort: the dataset, ``truth.csv``, ``truth_patients.csv``, ``README.txt``."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from edxlab.errors import InputError
from edxlab.synth.generate import SYNTHETIC_NOTE, SyntheticCohort, he2022_measures

FORMATS = ("csv", "xlsx", "json", "parquet")


def truth_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A truth frame as the findings CSVs write it: ``true``/``false``, ``;``-joined lists."""
    exprs = []
    for name, dtype in frame.schema.items():
        c = pl.col(name)
        if dtype == pl.Boolean:
            exprs.append(pl.when(c).then(pl.lit("true")).when(~c).then(pl.lit("false")).alias(name))
        elif isinstance(dtype, pl.List):
            exprs.append(c.list.join(";").alias(name))
        elif dtype == pl.Date:
            exprs.append(c.dt.strftime("%Y-%m-%d").alias(name))
        else:
            exprs.append(c.cast(pl.String).alias(name))
    return frame.select(exprs)


def write_synthetic(cohort: SyntheticCohort, out: str | Path, format: str = "csv") -> list[Path]:
    """Write the cohort to folder ``out`` and return the files written."""
    if format not in FORMATS:
        raise InputError(f"Unknown format {format!r}; accepted: {', '.join(FORMATS)}.")
    from edxlab.io import write_dataset

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out if format in ("csv", "parquet") else out / f"dataset.{format}"
    files = list(write_dataset(cohort.dataset(), target, format=format))
    for name, frame in (("truth.csv", cohort.truth), ("truth_patients.csv", cohort.truth_patients)):
        truth_text(frame).write_csv(out / name)
        files.append(out / name)
    readme = out / "README.txt"
    readme.write_text(readme_text(cohort), encoding="utf-8")
    files.append(readme)
    return files


def readme_text(cohort: SyntheticCohort) -> str:
    t = cohort.tables
    lines = [
        SYNTHETIC_NOTE,
        "",
        f"preset: {cohort.preset}    seed: {cohort.seed}",
        f"patients: {t['patients'].height}    studies: {t['studies'].height}    "
        f"nerve conduction rows: {t['ncs'].height}    needle EMG rows: {t['emg'].height}",
        "",
        "Every value in this folder was drawn by a random generator (edxlab.synth) from published",
        "normal means and SDs (src/edxlab/synth/data/ncs_normals.csv, with sources) and from lesions",
        "the generator chose. No value belongs to a real person.",
        "",
        "truth.csv: one row per study, the study_findings columns of the interchange format as the",
        "generator intended them (what a careful reader applying the published criteria concludes).",
        "truth_patients.csv: one row per patient: the generator's diagnosis (nmosd_criteria, mogad),",
        "the hidden lesions (cord damage by segment and side, carpal tunnel, ulnar neuropathy at the",
        "elbow, polyneuropathy) and clinical lower motor neuron signs.",
    ]
    if cohort.preset == "he2022":
        m = he2022_measures(cohort)
        lines += [
            "",
            "he2022: 59 NMOSD patients (IPND 2015) with an index study (first study with both needle EMG",
            "and NCS between 2016-01-01 and 2019-12-31) reproduce He et al., Mult Scler Relat Disord 2022:",
            *(f"  {k}: {v}/{m['N']}" for k, v in m.items() if k != "N"),
            "17 more patients are outside that cohort: 6 MOGAD (MOG-IgG >= 1:100; 4 also meet the",
            "seronegative IPND rule, so exclude MOGAD), 3 not meeting IPND 2015, 4 with NCS only, 1 with",
            "EMG only, 3 with studies only outside the window. Reproduce the cohort with:",
            "  --from 2016-01-01 --to 2019-12-31 --require emg,ncs --exclude-mogad",
            "truth_patients.csv columns he2022_category (A explained by NCS, B NCS abnormal but not",
            "explaining, C normal NCS, D NCS abnormal without denervation, E normal; X_* outside the",
            "cohort) and index_study_id give the intended assignment.",
        ]
    return "\n".join(lines) + "\n"
