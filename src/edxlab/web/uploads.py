"""Uploaded datasets, staged on disk until the user confirms the import.

An upload is either CSV files (one per table: ``patients.csv``, ``studies.csv``, ...), which are
staged together as a dataset folder, or exactly one ``.xlsx`` workbook or ``.json`` document, or
a whole dataset folder (its CSV tables plus the recordings in its subfolders). Anything else is
refused with a message saying what is accepted.
"""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from edxlab.errors import InputError, NotFoundError
from edxlab.web.tempdirs import private_folder

SINGLE_FILE = {".xlsx", ".json"}
ACCEPTED = "CSV files (patients.csv, studies.csv, ncs.csv, ...), one .xlsx workbook or one .json document"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class Staged:
    id: str
    path: Path          # what edxlab.io.read_dataset reads: the folder of CSVs, or the one file
    names: tuple[str, ...]


class Staging:
    """A private temporary folder holding one subfolder per upload."""

    def __init__(self) -> None:
        # uploads are patient data: the folder goes on cleanup(), when the staging is garbage
        # collected, or when the interpreter exits
        self.root, self._remove = private_folder(self, "edxlab-uploads-")

    def stage(self, files: list[UploadFile]) -> Staged:
        """Save an upload: chosen files, or a chosen folder (relative paths kept, so that the
        recordings ``signals.csv`` names are found next to the dataset; other files at the top
        of a folder, such as a README or a copy of the workbook, are left out)."""
        files = [f for f in files if f.filename]
        paths = [relative_path(f.filename or "") for f in files]
        keep = list(zip(files, paths, strict=True))
        if any(len(p) > 1 for p in paths):
            paths = strip_common_folder(paths)
            keep = [(f, p) for f, p in zip(files, paths, strict=True)
                    if len(p) > 1 or p[0].lower().endswith(".csv")]
        check_combination([p[0] for _, p in keep if len(p) == 1])
        upload_id = secrets.token_urlsafe(16)
        folder = self.root / upload_id
        for upload, parts in keep:
            target = folder.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                shutil.copyfileobj(upload.file, out)
        return self.get(upload_id)

    def get(self, upload_id: str) -> Staged:
        folder = self.root / upload_id
        if not _ID.fullmatch(upload_id) or not folder.is_dir():
            raise NotFoundError("This upload is no longer available (it was imported already, "
                                "or the server restarted). Upload the files again.")
        names = tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
        single = len(names) == 1 and Path(names[0]).suffix.lower() in SINGLE_FILE
        return Staged(id=upload_id, path=folder / names[0] if single else folder, names=names)

    def discard(self, upload_id: str) -> None:
        if _ID.fullmatch(upload_id):
            shutil.rmtree(self.root / upload_id, ignore_errors=True)

    def cleanup(self) -> None:
        self._remove()


def relative_path(filename: str) -> tuple[str, ...]:
    """The parts of an uploaded file's relative path, each reduced to safe characters."""
    parts = [p for p in filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return tuple(_SAFE_NAME.sub("_", p)[:128] for p in parts) or ("upload",)


def strip_common_folder(paths: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A chosen folder arrives as ``folder/file``: drop that shared first part."""
    tops = {p[0] for p in paths if len(p) > 1}
    if len(tops) == 1 and all(len(p) > 1 for p in paths):
        return [p[1:] for p in paths]
    return paths


def check_combination(names: list[str]) -> None:
    if not names:
        raise InputError(f"No file was chosen. Upload {ACCEPTED}.")
    suffixes = [Path(n).suffix.lower() for n in names]
    for name, suffix in zip(names, suffixes, strict=True):
        if suffix not in SINGLE_FILE | {".csv"}:
            hint = " Re-save it as .xlsx." if suffix in {".xls", ".ods"} else ""
            raise InputError(f"Unsupported file type '{suffix or 'none'}' ({name}).{hint} "
                             f"Upload {ACCEPTED}.")
    if any(s in SINGLE_FILE for s in suffixes) and len(names) > 1:
        raise InputError(f"Upload either CSV files or a single .xlsx/.json file, not both "
                         f"({', '.join(names)}).")
    if len(set(names)) != len(names):
        raise InputError("The same file name was chosen twice; each table needs its own file.")
