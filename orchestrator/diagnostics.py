"""Diagnostics: problems collected and reported together, never raised one at a time.

A diagnostic names where the problem is (file, line, column, field path) so a user can go
straight to it. ``str(d)`` gives the canonical one-line form
``file:line:column: field.path: message``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    summary: str
    detail: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        return self.format()

    def format(self, *, severity: bool = True) -> str:
        """The canonical text; ``severity=False`` leaves out the ``warning:`` marker for
        callers that show the severity their own way."""
        where = ""
        if self.file is not None and self.line is not None:
            where = f"{self.file}:{self.line}:{self.column or 0}: "
        elif self.file is not None:
            where = f"{self.file}: "
        field = f"{self.path}: " if self.path else ""
        marked = severity and self.severity is not Severity.ERROR
        text = f"{where}{field}{f'{self.severity}: ' if marked else ''}{self.summary}"
        return f"{text}\n    {self.detail}" if self.detail else text

    def to_json(self) -> dict[str, object]:
        return {
            "severity": str(self.severity),
            "summary": self.summary,
            "detail": self.detail,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
        }


def error(summary: str, *, path: str = "", detail: str = "") -> Diagnostic:
    return Diagnostic(Severity.ERROR, summary, detail=detail, path=path)


def warning(summary: str, *, path: str = "", detail: str = "") -> Diagnostic:
    return Diagnostic(Severity.WARNING, summary, detail=detail, path=path)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
