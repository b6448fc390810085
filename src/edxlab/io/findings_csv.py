"""Write findings as the CSV files of interchange-format section 3.

Booleans are ``true``/``false``, lists ``;``-separated without spaces and sorted, an empty cell
means "not applicable".
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from edxlab.errors import InputError

FINDINGS_FILES = ("nerve_findings", "study_findings", "muscle_findings", "patient_findings",
                  "lesions")


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns(pl.col(c).list.sort().list.join(";") for c in lists)


def write_findings_csv(findings, out_dir: str | Path) -> list[Path]:
    """Write every available findings table to ``out_dir``; return the paths written."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the output folder {out}: {exc.strerror}.") from None
    written = []
    for name in FINDINGS_FILES:
        frame = getattr(findings, name, None)
        if frame is None:
            continue
        path = out / f"{name}.csv"
        _flatten(frame).write_csv(path)
        written.append(path)
    return written
