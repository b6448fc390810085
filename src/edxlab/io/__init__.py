"""Reading, validating and writing datasets in the interchange format.

- :func:`read_dataset` (path -> :class:`~edxlab.model.dataset.Dataset`, raises
  :class:`~edxlab.errors.ValidationError` listing every problem when there is any error);
- :func:`validate_dataset` (path -> every :class:`~edxlab.errors.Issue`);
- :func:`write_dataset` (dataset -> csv folder, xlsx, json or parquet folder).

One reader per format lives in :data:`edxlab.io.readers.READERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edxlab.errors import Issue, ValidationError
from edxlab.log import logger
from edxlab.model.dataset import Dataset

__all__ = ["read_dataset", "validate_dataset", "write_dataset", "check_dataset"]


def check_dataset(path: str | Path, progress: Callable[[str], None] | None = None
                  ) -> tuple[Dataset, list[Issue]]:
    """Read and check ``path``: the canonical dataset (as far as readable) and every issue."""
    from edxlab.io.readers import read_raw
    from edxlab.io.validate import validate_raw

    path = Path(path)
    logger.info("Reading %s", path.name)
    raw = read_raw(path)
    return validate_raw(raw, progress=progress)


def validate_dataset(path: str | Path) -> list[Issue]:
    """Every problem in the dataset at ``path`` (errors and warnings), in file and row order."""
    return check_dataset(path)[1]


def summarize(issues: list[Issue], limit: int = 5) -> str:
    """A short text naming the first errors, for exception messages."""
    errors = [i for i in issues if i.severity == "error"]
    lines = []
    for issue in errors[:limit]:
        where = issue.file
        if issue.row is not None:
            where += f", row {issue.row}"
        if issue.column:
            where += f", column {issue.column}"
        lines.append(f"  {where}: {issue.message}")
    if len(errors) > limit:
        lines.append(f"  ... and {len(errors) - limit} more")
    return "\n".join(lines)


def read_dataset(path: str | Path, progress: Callable[[str], None] | None = None) -> Dataset:
    """The dataset at ``path`` in canonical form.

    Raises :class:`ValidationError` (with ``.issues``) when any error is found; warnings are kept
    on ``dataset.issues``.
    """
    path = Path(path)
    ds, issues = check_dataset(path, progress)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ValidationError(
            f"{path.name}: {len(errors)} {noun}.\n{summarize(issues)}",
            issues,
        )
    ds.issues = issues
    if issues:
        logger.warning("%s: %d warnings (run `edxlab validate` to list them)", path.name,
                       len(issues))
    return ds


def write_dataset(ds: Dataset, path: str | Path, format: str = "csv") -> list[Path]:
    """Write ``ds`` in the interchange format (``csv``, ``xlsx``, ``json`` or ``parquet``)."""
    from edxlab.io.writers import write_dataset as _write

    return _write(ds, path, format)
