"""The one exception hierarchy of edxlab.

Every error a user can provoke is an :class:`EdxlabError`. Front ends translate it once:
the CLI prints ``Error: <message>`` and exits 1 (traceback only with ``--debug``); the web app
answers with ``status`` and a page or JSON body. Messages speak the clinic's language (file,
row, column, nerve, muscle, side, site) and never contain a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem found in a dataset.

    ``row`` is the line number a spreadsheet shows (header = 1); ``file`` is the CSV file name
    (or the sheet name of a workbook, or the list name of a JSON document).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    severity: str  # "error" | "warning"
    message: str
    rule: str = ""

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "rule": self.rule,
        }


class EdxlabError(Exception):
    """Base class of every error edxlab reports to a user."""

    status: int = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(EdxlabError):
    """A file or argument the user gave cannot be used (missing, unsupported, unreadable)."""

    status = 400


class NotFoundError(EdxlabError):
    """A patient, study, profile or file that was asked for does not exist."""

    status = 404


@dataclass
class _IssueList:
    issues: list[Issue] = field(default_factory=list)


class ValidationError(EdxlabError):
    """A dataset failed validation; ``issues`` lists every problem found (errors and warnings)."""

    status = 422

    def __init__(self, message: str, issues: list[Issue]):
        super().__init__(message)
        self.issues = list(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


class ConfigError(EdxlabError):
    """A reference profile, criteria file or option is invalid."""

    status = 422


class SignalError(EdxlabError):
    """A raw EMG recording cannot be read or analysed."""

    status = 422


class StoreError(EdxlabError):
    """The project database cannot be opened or is not an edxlab database."""

    status = 500
