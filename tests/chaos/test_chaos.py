"""The chaos suite's bounded run in ``make test``: one seeded run of the multicloud sandbox
policy cut to ``app`` and ``db`` without hubs (``run.trimmed_policy``) on all three clouds,
with 30 % throttling, 5 % 5xx and 5 % lost answers on every action, a decoy per cloud and a
SIGKILL of ``eastwest apply``, ending in the four invariants of ``run.check``. The long
version, over the whole policy and 20 seeds, is ``make chaos`` (docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import run
from tests.chaos.run import chaos_run, trimmed_policy

pytestmark = pytest.mark.sandbox


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[Path]:
    with run.own_sandbox(tmp_path / "sandbox") as directory:
        yield directory


@pytest.mark.parametrize("seed", [7], ids=["seed-7-killed"])
def test_faults_kills_and_decoys_leave_every_invariant_holding(
    own_sandbox: Path, tmp_path: Path, seed: int
) -> None:
    policy, log = trimmed_policy(tmp_path), tmp_path / "apply.log"
    outcome = chaos_run(own_sandbox, seed, log, policy, kill_window=(1.0, 10.0))
    assert outcome.killed_after is not None  # the seed was chosen for a kill
    assert outcome.exits[0] == -9, outcome.exits
    assert outcome.applies_to_converge is not None, log.read_text()[-3000:]
    assert outcome.duplicates == []
    assert outcome.disowned == []
    assert outcome.unowned_changes == []
