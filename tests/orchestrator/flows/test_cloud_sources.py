"""The one shape of ``--from alibaba|azure`` (``read_destinations``): named destinations read
in the scopes they belong to, else those each scope's flow logs name; a scope whose flow logs
cannot be listed reported while the others go on; a destination read once per key."""

from __future__ import annotations

import pytest

from orchestrator.errors import PermanentError
from orchestrator.flows.cloud_sources import read_destinations
from orchestrator.flows.ingest import IngestReport

# Scopes are regions; a destination is "region/name"; region "bad" cannot be listed.
FOUND = {"r1": ["r1/a", "r1/b"], "r2": ["r2/a", "r1/a"], "bad": []}


def find(scope: str) -> list[str]:
    if scope == "bad":
        raise PermanentError("bad: cannot list its flow logs")
    return FOUND[scope]


@pytest.mark.parametrize(
    ("named", "per_scope", "reads", "rejected"),
    [
        ((), False, [("r1", "r1/a"), ("r1", "r1/b"), ("r2", "r2/a")], 1),
        ((), True, [("r1", "r1/a"), ("r1", "r1/b"), ("r2", "r2/a"), ("r2", "r1/a")], 1),
        (("r2/x", "r9/y"), False, [("r2", "r2/x")], 0),
    ],
    ids=["found-each-once", "found-per-scope", "named-in-their-scope"],
)
def test_destinations_read(
    named: tuple[str, ...], per_scope: bool, reads: list[tuple[str, str]], rejected: int
) -> None:
    done: list[tuple[str, str]] = []
    report = IngestReport()
    read_destinations(
        ["r1", "bad", "r2"],
        list(named),
        report,
        belongs=lambda scope, ref: ref.startswith(f"{scope}/"),
        find=find,
        read=lambda scope, ref: done.append((scope, ref)),
        key=lambda scope, ref: (scope, ref) if per_scope else ref,
    )
    assert done == reads
    assert report.rejected == ["bad: cannot list its flow logs"] * rejected
