"""Shared fixtures: the bundled example dataset and helpers to make broken copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nmosd_demo"


@pytest.fixture
def example_dir() -> Path:
    """The bundled example dataset (read-only: copy it before changing anything)."""
    return EXAMPLE


@pytest.fixture
def dataset_copy(tmp_path: Path):
    """A function that copies the example dataset and applies text edits to its files.

    ``dataset_copy(ncs=("old", "new"), ...)`` replaces the first occurrence of ``old`` in
    ``ncs.csv``; ``dataset_copy(emg=None)`` deletes ``emg.csv``; a string replaces the file.
    """

    def make(**edits) -> Path:
        target = tmp_path / "dataset"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(EXAMPLE, target)
        for name, edit in edits.items():
            path = target / f"{name}.csv"
            if edit is None:
                path.unlink()
            elif isinstance(edit, str):
                path.write_text(edit, encoding="utf-8")
            else:
                old, new = edit
                text = path.read_text(encoding="utf-8")
                assert old in text, f"{old!r} not in {name}.csv"
                path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return target

    return make
