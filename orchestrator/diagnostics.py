"""Diagnostics: problems collected and reported together, never raised one at a time.

A diagnostic names where the problem is (file, line, column, field path) so a user can go
straight to it. ``str(d)`` gives the canonical one-line form
``file:line:column: field.path: message``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace


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
    code: str = ""  # set on warnings that ``strict`` turns into errors (see STRICT_CODES)

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


def warning(summary: str, *, path: str = "", detail: str = "", code: str = "") -> Diagnostic:
    return Diagnostic(Severity.WARNING, summary, detail=detail, path=path, code=code)


# Warnings about traffic a policy lets through without meaning to (docs/policy.md, "Strict"):
# `--strict` and the reconciler's enforce mode refuse to go on with them.
WIDE_PREFIX = "wide-prefix"
EXTERNAL_OVERLAP = "external-overlap"
STRICT_CODES = frozenset({WIDE_PREFIX, EXTERNAL_OVERLAP})


def strict(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The diagnostics with every warning of ``STRICT_CODES`` made an error."""
    return tuple(
        replace(d, severity=Severity.ERROR, summary=f"{d.summary} (an error in strict mode)")
        if d.severity is Severity.WARNING and d.code in STRICT_CODES
        else d
        for d in diagnostics
    )


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


# An error about one scope that could not be read: the scope is skipped, the others go on
# (a partial plan, exit 1), so it does not stop a plan or an apply by itself.
SCOPE_SKIPPED = "scope-skipped"


def skipped_scope(summary: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, summary, code=SCOPE_SKIPPED)


def has_blocking_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Errors other than skipped scopes: the plan as a whole cannot be trusted."""
    return any(d.severity is Severity.ERROR and d.code != SCOPE_SKIPPED for d in diagnostics)
