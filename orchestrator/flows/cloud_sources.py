"""The one shape of ``--from alibaba`` and ``--from azure``: per account (and region) of the
policy, the destinations its flow logs deliver to, or those named with ``--source``; each
destination read once.

In: the scopes (an account, or an account and region), how to find a scope's destinations
(the cloud's flow-log configuration), the named ones, how to read one, and the report.
Out: the report, a scope whose flow logs cannot be listed among its rejections.
Always: a named destination is read only in a scope it belongs to (``belongs``); a
destination two scopes name is read once per ``key``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from orchestrator.errors import ProviderError
from orchestrator.flows.ingest import IngestReport

S = TypeVar("S")
R = TypeVar("R")


def read_destinations(
    scopes: Iterable[S],
    named: Sequence[R],
    report: IngestReport,
    *,
    belongs: Callable[[S, R], bool],
    find: Callable[[S], list[R]],
    read: Callable[[S, R], None],
    key: Callable[[S, R], Hashable],
) -> None:
    done: set[Hashable] = set()
    for scope in scopes:
        try:
            found = [r for r in named if belongs(scope, r)] if named else find(scope)
        except ProviderError as exc:
            report.rejected.append(str(exc))
            continue
        for ref in found:
            if key(scope, ref) not in done:
                done.add(key(scope, ref))
                read(scope, ref)
