"""A commit lock left by an apply of eastwest's own admin that died before its commit (killed
between lock and commit) does not stop the next apply; another admin's lock still does."""

from __future__ import annotations

from pathlib import Path

import pytest

from moto_fixtures.panos import PanosServer
from orchestrator.errors import TemporaryError
from orchestrator.firewalls import apply_rulebase, plan_rulebase
from providers.panos.adapter import PanosAdapter

from .conftest import LABEL, load, membership_of


@pytest.mark.parametrize(
    ("holder", "proceeds"), [("own", True), ("operator", False)], ids=["own-stale", "other"]
)
def test_a_stale_lock_of_our_own_is_taken_over(
    tmp_path: Path,
    adapter: PanosAdapter,
    panos_server: PanosServer,
    holder: str,
    proceeds: bool,
) -> None:
    admin = panos_server.username if holder == "own" else "operator"
    panos_server.device.add_commit_lock(admin, "eastwest apply")
    policy = load(tmp_path)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    if not proceeds:
        with pytest.raises(TemporaryError, match="held by operator"):
            apply_rulebase(plan, adapter)
        assert panos_server.device.commit_lock == ("operator", "eastwest apply")
        return
    assert apply_rulebase(plan, adapter).job
    assert plan_rulebase(policy, membership_of(policy), LABEL, adapter).changes == ()
