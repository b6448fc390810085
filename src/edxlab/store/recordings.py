"""Raw needle EMG recordings kept beside the project database.

``signals.csv`` names recording files relative to the dataset. When a dataset is imported, the
files in its subfolders (``signals/x.hea``, ``signals/x.dat`` ...) are copied, with their relative
paths, into ``<database stem>.recordings/`` next to the database, so that interpreting the
database later (``edxlab interpret --db``, the web app) finds them.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def recordings_dir(db: str | Path) -> Path:
    """The folder that holds the recordings of the database ``db``."""
    db = Path(db)
    return db.with_name(db.stem + ".recordings")


def keep_recordings(dataset: str | Path, recordings: str | Path) -> int:
    """Copy the dataset folder's recordings (files in its subfolders) into ``recordings``,
    keeping their relative paths; returns how many files were copied. A workbook or JSON
    document (not a folder) has no recordings beside it."""
    staged, recordings = Path(dataset), Path(recordings)
    if not staged.is_dir():
        return 0
    copied = 0
    for source in staged.rglob("*"):
        relative = source.relative_to(staged)
        if source.is_file() and len(relative.parts) > 1:
            target = recordings / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied += 1
    return copied
