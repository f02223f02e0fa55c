"""Every example policy loads: the files users copy from must never rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import PolicyError
from orchestrator.model import load_policy

EXAMPLES = sorted((Path(__file__).parents[3] / "policies" / "examples").glob("*.yaml"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_loads_without_errors(path: Path) -> None:
    try:
        load_policy([path])
    except PolicyError as exc:  # pragma: no cover - the message is the point when it fails
        pytest.fail("\n".join(str(d) for d in exc.diagnostics))
