"""Private temporary folders for patient data (uploads, reports) that never outlive their owner."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path


def private_folder(owner: object, prefix: str) -> tuple[Path, weakref.finalize]:
    """A new folder readable by this user only, and its remover: call it to remove the folder
    now; it also runs when ``owner`` is garbage collected or the interpreter exits."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    return path, weakref.finalize(owner, shutil.rmtree, path, ignore_errors=True)
