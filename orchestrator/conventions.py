"""Terraform's command-line conventions, where click's defaults differ.

- A usage error (unknown option or command, missing argument, bad value) exits 1, as any
  error does: click's own 2 would read as "changes present" to a pipeline running
  ``plan --detailed-exitcode``.
- ``--no-color`` is accepted after the command as well as before it (``eastwest plan
  --no-color P.yaml``), and it, or ``NO_COLOR`` in the environment, makes every line plain:
  stdout and stderr alike.

Colour goes through click's own switch (``click.Context.color``): ``click.echo`` strips styles
wherever it is False, so no caller has to remember to.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

import click

EXIT_USAGE = 1


def colour_refused(no_colour: bool) -> bool:
    """Asked for plain text: --no-color, or NO_COLOR set to anything (https://no-color.org)."""
    return no_colour or bool(os.environ.get("NO_COLOR"))


def make_plain(ctx: click.Context) -> None:
    """Plain text for the rest of this invocation, and for the command's own renderers."""
    ctx.color = False
    obj = ctx.find_root().obj
    if obj is not None and hasattr(obj, "colour"):
        obj.colour = False


def _no_color_callback(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        make_plain(ctx)


def no_color_option() -> click.Option:
    return click.Option(
        ["--no-color"],
        is_flag=True,
        expose_value=False,
        callback=_no_color_callback,
        help="Plain text output (as before the command).",
    )


class _UsageErrorExitingOne(click.UsageError):
    """click's usage error as it was (message, usage line, hint), exiting 1."""

    exit_code = EXIT_USAGE

    def __init__(self, cause: click.UsageError) -> None:
        super().__init__(cause.message, cause.ctx)
        self.cause = cause

    def show(self, file: IO[Any] | None = None) -> None:
        self.cause.show(file)


@contextmanager
def _usage_exits_one() -> Iterator[None]:
    try:
        yield
    except _UsageErrorExitingOne:
        raise
    except click.UsageError as exc:
        raise _UsageErrorExitingOne(exc) from exc


class TerraformGroup(click.Group):
    """A click group following the conventions above; its subgroups are of the same kind."""

    group_class = type

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _usage_exits_one():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        # A command's own arguments are parsed here, inside the group's invoke.
        with _usage_exits_one():
            return super().invoke(ctx)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not isinstance(cmd, click.Group) and not _has_option(cmd.params, "--no-color"):
            cmd.params.append(no_color_option())
        super().add_command(cmd, name)


def _has_option(params: Sequence[click.Parameter], flag: str) -> bool:
    return any(flag in p.opts for p in params)
