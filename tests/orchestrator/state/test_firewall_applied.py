"""What an apply says of a firewall: a commit names its job; registered addresses alone
(User-ID, no commit) do not claim one (it printed "committed (job )")."""

from __future__ import annotations

import pytest

from orchestrator.state.ngfw import FirewallApplied


@pytest.mark.parametrize(
    ("applied", "said"),
    [
        (FirewallApplied("12", 3), "3 edit(s) committed (job 12)"),
        (FirewallApplied("", 2), "2 edit(s), no commit needed"),
    ],
)
def test_summary(applied: FirewallApplied, said: str) -> None:
    assert applied.summary() == said
