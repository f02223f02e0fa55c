"""Commits on the firewall: a failed one reverts eastwest's changes and the plan runs again; a
run that crashed before its commit converges on the next; another admin's commit lock stops
eastwest before it writes; and the number of API calls does not grow with the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from panos.firewall import Firewall

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.server import OTHER_PASSWORD, OTHER_USERNAME
from orchestrator.compile.membership import resolve_membership
from orchestrator.errors import PermanentError, TemporaryError
from orchestrator.firewalls import RulebasePlan, apply_rulebase, plan_rulebase
from orchestrator.model.policy import Policy
from orchestrator.state import Network, ScopeInventory
from providers.panos.adapter import PanosAdapter

from . import conftest
from .conftest import LABEL, POLICY, load, membership_of


def _plan(policy: Policy, adapter: PanosAdapter) -> RulebasePlan:
    return plan_rulebase(policy, membership_of(policy), LABEL, adapter)


def test_a_failed_commit_reverts_and_the_plan_runs_again(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    policy = load(tmp_path)
    plan = _plan(policy, adapter)
    panos_server.device.faults.fail_commits = 1
    with pytest.raises(PermanentError, match="reverted"):
        apply_rulebase(plan, adapter)
    assert not panos_server.device.pending()
    assert panos_server.device.commit_lock is None
    again = _plan(policy, adapter)
    assert again.changes == plan.changes
    apply_rulebase(again, adapter)
    assert _plan(policy, adapter).changes == ()


class _CrashBeforeCommit(PanosAdapter):
    """The process dies once its edits are in the candidate, before it commits."""

    def _commit(self) -> str:
        raise KeyboardInterrupt


def test_a_run_that_crashed_before_its_commit_converges(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    policy = load(tmp_path)
    crashing = _CrashBeforeCommit(
        adapter.firewall, LABEL, adapter.prefix, admin=adapter.admin, poll=0.02
    )
    with pytest.raises(KeyboardInterrupt):
        apply_rulebase(_plan(policy, crashing), crashing)
    assert panos_server.device.pending()
    apply_rulebase(_plan(policy, adapter), adapter)
    assert not panos_server.device.pending()
    assert _plan(policy, adapter).changes == ()


def test_another_admins_commit_lock_stops_eastwest_before_it_writes(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    other = Firewall("127.0.0.1", OTHER_USERNAME, OTHER_PASSWORD, port=panos_server.port)
    other.add_commit_lock("change window")
    plan = _plan(load(tmp_path), adapter)
    with pytest.raises(TemporaryError, match="held by operator"):
        apply_rulebase(plan, adapter)
    assert not panos_server.device.pending()


def _many_rules(count: int) -> str:
    segments = "".join(
        f"  - {{name: s{i}, members: [{{account: aws-prod, region: us-east-1, vpc: vpc-s{i}}}]}}\n"
        for i in range(count)
    )
    rules = "".join(
        f"  - {{name: r{i}, from: web, to: s{i}, ports: [tcp/{1000 + i}], inspect: true}}\n"
        for i in range(count)
    )
    head, _, _ = POLICY.partition("segments:\n")
    web = "  - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-web}]}\n"
    return f"{head}segments:\n{web}{segments}rules:\n{rules}"


@pytest.mark.parametrize("count", [1, 30], ids=["one-rule", "thirty-rules"])
def test_calls_do_not_grow_with_the_rules(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer, count: int
) -> None:
    networks = [Network(f"vpc-s{i}", (f"10.{100 + i}.0.0/16",)) for i in range(count)]
    inventory = ScopeInventory(conftest.SCOPE, (*conftest.INVENTORY.networks, *networks))
    policy = load(tmp_path, _many_rules(count))
    membership = resolve_membership(policy, {conftest.SCOPE: inventory})
    plan = plan_rulebase(policy, membership, LABEL, adapter)
    planned = panos_server.api.calls
    applied = apply_rulebase(plan, adapter)
    spent = panos_server.api.calls - planned
    polls = int(panos_server.device.faults.commit_seconds / 0.02) + 2
    # keygen, system info, five object kinds, the rulebase, the registered addresses, profile
    # groups (no application named: no catalogue read).
    assert planned == 10
    # the lock, one multi-config request, the commit, its polls, the unlock.
    assert spent <= 4 + polls
    assert applied.edits >= 3 * count
