"""Terminal output for the CLI: diagnostics, progress and confirmation.

Results go to stdout (plans, JSON); everything about the run (progress, diagnostics, prompts)
goes to stderr, so ``eastwest plan --json > plan.json`` stays machine-readable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from orchestrator.diagnostics import Diagnostic, Severity


def colour_enabled(no_colour: bool) -> bool:
    """Colour only on a terminal, and never when asked not to (--no-color, or NO_COLOR set as
    https://no-color.org describes)."""
    return not no_colour and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    for diag in diagnostics:
        style = "red" if diag.severity is Severity.ERROR else "yellow"
        head = "Error" if diag.severity is Severity.ERROR else "Warning"
        text = diag.format(severity=False)
        click.echo(click.style(f"{head}: ", fg=style, bold=True) + text, err=True)


def progress(message: str) -> None:
    click.echo(click.style(message + " …", dim=True), err=True)


def quiet(_: str) -> None:
    """Progress sink for --json output to a pipe."""


def confirm_apply() -> bool:
    click.echo(
        "\nDo you want to perform these actions?\n"
        "  eastwest will perform the actions described above.\n"
        "  Only 'yes' will be accepted to approve.\n",
        err=True,
    )
    answer: str = click.prompt("  Enter a value", default="", show_default=False, err=True)
    return answer.strip() == "yes"
