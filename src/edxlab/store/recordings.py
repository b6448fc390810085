"""Raw needle EMG recordings kept beside the project database, and their pseudonymous copies.

``signals.csv`` names recording files relative to the dataset. When a dataset is imported, the
files in its subfolders (``signals/x.hea``, ``signals/x.dat`` ...) are copied, with their relative
paths, into ``<database stem>.recordings/`` next to the database, so that interpreting the
database later (``edxlab interpret --db``, the web app) finds them.

With a pseudonymization key (``import --pseudonymize``, ``export --pseudonymize``) a recording's
file name, which often carries a patient's name or number, becomes ``recordings/R<20 hex>`` +
its extension (keyed HMAC-SHA256 of its path without the extension, so a WFDB header and its
data file keep a common name), and what the file itself says about the person is removed:

- WFDB headers (``.hea``): the record and data file names are rewritten; comment lines are kept
  only for the clinical keys in ``WFDB_COMMENT_KEYS`` (age, sex, diagnosis, muscle, side,
  recording conditions), so identifiers, operators, contacts and dates are dropped;
- EDF/EDF+/BDF: the local patient and recording identification fields are replaced by the
  EDF+ "unknown" values (``X X X X`` and ``Startdate X X X X``);
- WAV: rewritten with its samples only (metadata chunks dropped);
- other files (CSV samples, data files) are copied unchanged.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

WFDB_COMMENT_KEYS: tuple[str, ...] = (
    "age", "gender", "sex", "diagnosis", "diagnoses", "duration", "muscle", "side", "protocol",
    "level", "electrode", "high-pass filter", "low-pass filter", "gain",
)
EDF_PATIENT = slice(8, 88)
EDF_RECORDING = slice(88, 168)


def recordings_dir(db: str | Path) -> Path:
    """The folder that holds the recordings of the database ``db``."""
    db = Path(db)
    return db.with_name(db.stem + ".recordings")


def normalized(file: str) -> str:
    """A ``signals.file`` value as a relative POSIX path (``signals\\x.hea`` -> ``signals/x.hea``)."""
    text = file.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def pseudonymous_file(key: bytes, file: str) -> str:
    """``recordings/R<20 hex><extension>`` for the recording ``file`` (a dataset-relative path)."""
    from edxlab.store.pseudonymize import pseudonym

    path = PurePosixPath(normalized(file))
    return f"recordings/{pseudonym(key, 'recording', str(path.with_suffix('')))}{path.suffix.lower()}"


def keep_recordings(dataset: str | Path, recordings: str | Path, key: bytes | None = None) -> int:
    """Copy the dataset folder's recordings (files in its subfolders) into ``recordings``,
    keeping their relative paths, or, with ``key``, under their pseudonymous names with the
    identifying content removed; returns how many files were copied. A workbook or JSON document
    (not a folder) has no recordings beside it."""
    staged, recordings = Path(dataset), Path(recordings)
    if not staged.is_dir():
        return 0
    copied = 0
    for source in sorted(staged.rglob("*")):
        relative = source.relative_to(staged)
        if source.is_file() and len(relative.parts) > 1:
            copy_recording(staged, relative.as_posix(), recordings, key)
            copied += 1
    return copied


def copy_recording(root: Path, file: str, target_root: Path, key: bytes | None = None) -> Path:
    """Copy ``root / file`` to ``target_root`` (same relative path, or its pseudonymous one with
    ``key``); returns the target."""
    source = Path(root) / normalized(file)
    if key is None:
        target = Path(target_root) / normalized(file)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target
    target = Path(target_root) / pseudonymous_file(key, file)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix.lower()
    if suffix == ".hea":
        target.write_text(_wfdb_header(source.read_text(encoding="latin-1"), file, key),
                          encoding="latin-1")
    elif suffix in (".edf", ".bdf", ".rec"):
        data = bytearray(source.read_bytes())
        if len(data) >= EDF_RECORDING.stop:
            data[EDF_PATIENT] = b"X X X X".ljust(80)
            data[EDF_RECORDING] = b"Startdate X X X X".ljust(80)
        target.write_bytes(bytes(data))
    elif suffix == ".wav":
        from scipy.io import wavfile

        rate, samples = wavfile.read(source)
        wavfile.write(target, rate, samples)
    else:
        shutil.copyfile(source, target)
    return target


def _wfdb_header(text: str, file: str, key: bytes) -> str:
    """The WFDB header ``text`` of ``file`` with pseudonymous record/data names and only the
    clinical comment lines."""
    folder = PurePosixPath(normalized(file)).parent
    new_stem = PurePosixPath(pseudonymous_file(key, file)).stem
    out: list[str] = []
    record_done = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            body = stripped.lstrip("#").strip()
            name = re.match(r"<?([A-Za-z][A-Za-z -]*?)>?\s*:", body)
            if name and name.group(1).strip().lower() in WFDB_COMMENT_KEYS:
                out.append(line)
            continue
        if not stripped:
            out.append(line)
            continue
        parts = stripped.split()
        if not record_done:
            record, _, segments = parts[0].partition("/")
            parts[0] = new_stem + (f"/{segments}" if segments else "")
            record_done = True
        elif parts[0] != "~":
            data = folder / parts[0]
            parts[0] = PurePosixPath(pseudonymous_file(key, str(data))).name
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"
