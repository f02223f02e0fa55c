"""Writes whose answer is lost, on the Alibaba Cloud fake (``/_eastwest/faults``, ``lost``):
the call is carried out and the connection closed, every retry too, so the adapter never
learns the new group's id from the answer. It must find the group by its name and marks,
not fail the group (and every rule of it) nor make a second one."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.pipeline import plan_policy
from providers.alibaba.adapter import AlibabaAdapter
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, adapter_for, policy
from tests.providers.alibaba.test_transit import CBN, write_policy
from tests.providers.alibaba.test_transit import POLICY as HUB_POLICY


@pytest.mark.parametrize(
    "action", ["CreateSecurityGroup"], ids=["group-create-answer-lost-on-every-try"]
)
def test_a_group_whose_create_answers_were_all_lost_is_found_by_its_marks(
    server: AlibabaServer, adapter: AlibabaAdapter, action: str
) -> None:
    server.faults.set({"throttle": 0.0, "lost": 1.0, "actions": [action]})
    result = plan_policy(policy(), lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    report = apply_plan(result.plan, lambda _: adapter)

    lost = [c for c in server.calls.calls() if c.action == action]
    groups = [g for g in result.plan.changes if g.resource.kind == "firewall_group"]
    assert len(lost) > len(groups)  # every create was lost, and retried
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    server.faults.clear()
    by_key: dict[str, list[str]] = {}
    for group in server.backend.ecs.groups.values():
        if group.tags.get("eastwest:policy") == "ali-test":
            by_key.setdefault(group.tags["eastwest:key"], []).append(group.group_id)
    assert sorted(by_key) == sorted(g.key for g in groups)
    assert all(len(ids) == 1 for ids in by_key.values()), by_key
    again = plan_policy(policy(), lambda _: adapter, lambda _: None).plan
    assert again is not None
    assert not again.has_changes, [c.key for c in again.changes]


def _first_lost_then_answered(share: float) -> int:
    """A seed whose first draw loses the answer and whose second does not: the retry of the
    write reaches the fake, which refuses it as already made."""
    return next(
        seed
        for seed in range(1000)
        if (draws := random.Random(seed)) and draws.random() < share <= draws.random()
    )


@pytest.mark.parametrize(
    "action",
    [
        "JoinSecurityGroup",
        "CreateRouteEntry",
        "AssociateTransitRouterAttachmentWithRouteTable",
        "EnableTransitRouterRouteTablePropagation",
        "DissociateTransitRouterAttachmentFromRouteTable",
        "CreateTransitRouterRouteEntry",
        "CreateTransitRouterRouteTable",
    ],
)
def test_a_write_retried_after_its_answer_was_lost_is_not_a_failure(
    cloud: tuple[AlibabaServer, SeedReport], sent: Sent, tmp_path: Path, action: str
) -> None:
    server, report = cloud
    ali = adapter_for(server, HUB_POLICY, sent, [])
    hub = write_policy(tmp_path, report)
    seed = _first_lost_then_answered(0.5)
    server.faults.set({"throttle": 0.0, "lost": 0.5, "actions": [action], "seed": seed})
    result = plan_policy(hub, lambda _: ali, lambda _: None)
    assert result.plan is not None, result.diagnostics
    applied = apply_plan(result.plan, lambda _: ali)

    assert [c for c in server.calls.calls() if c.action == action]  # the fault was reachable
    assert applied.ok, [r.message for _, r in applied.results if not r.ok]
    server.faults.clear()
    again = plan_policy(hub, lambda _: ali, lambda _: None).plan
    assert again is not None
    assert not again.has_changes, [c.key for c in again.changes]


def test_a_transit_table_whose_answer_was_lost_after_its_token_expired_is_made_once(
    cloud: tuple[AlibabaServer, SeedReport], sent: Sent, tmp_path: Path
) -> None:
    """The fake forgets every ClientToken at once (``token_ttl=0``: a retry later than the
    token's validity) and loses every create's answer: only a read-back by the table's marks
    before each new create keeps it to one table per key."""
    server, report = cloud
    ali = adapter_for(server, HUB_POLICY, sent, [])
    hub = write_policy(tmp_path, report)
    server.backend.token_ttl = 0.0
    action = "CreateTransitRouterRouteTable"
    server.faults.set({"throttle": 0.0, "lost": 1.0, "actions": [action]})
    result = plan_policy(hub, lambda _: ali, lambda _: None)
    assert result.plan is not None, result.diagnostics
    applied = apply_plan(result.plan, lambda _: ali)

    server.faults.clear()
    tables = [c for c in result.plan.changes if c.resource.kind == "hub_table"]
    assert tables
    assert [c for c in server.calls.calls() if c.action == action]
    by_key: dict[str, list[str]] = {}
    for table in server.backend.cbn.tables.values():
        if table.tags.get("eastwest:policy") == HUB_POLICY:
            by_key.setdefault(table.tags["eastwest:key"], []).append(table.table_id)
    assert sorted(by_key) == sorted(c.key for c in tables)
    assert all(len(ids) == 1 for ids in by_key.values()), by_key
    assert applied.ok, [r.message for _, r in applied.results if not r.ok]
    again = plan_policy(hub, lambda _: ali, lambda _: None).plan
    assert again is not None
    assert not again.has_changes, [c.key for c in again.changes]


def test_a_write_on_a_router_busy_with_someone_elses_operation_is_retried(
    cloud: tuple[AlibabaServer, SeedReport], sent: Sent, tmp_path: Path
) -> None:
    """Another client's route table is still ``Creating`` on the hub's router when eastwest's
    first transit write arrives: the router refuses it (``IncorrectStatus.TransitRouter`` on a
    create, ``OperationConflict`` otherwise) and eastwest waits and sends it again."""
    server, report = cloud
    server.faults.clear()
    ali = adapter_for(server, HUB_POLICY, sent, [], attempts=200)
    hub = write_policy(tmp_path, report)
    result = plan_policy(hub, lambda _: ali, lambda _: None)
    assert result.plan is not None, result.diagnostics
    tables = [c for c in result.plan.changes if c.resource.kind == "hub_table"]
    # Someone else's table stays Creating for ASYNC_DELAY s: many backoff steps of this
    # adapter (at most 0.02 s each), so its first transit writes meet a busy router.
    c.rpc(server, CBN, "CreateTransitRouterRouteTable", TransitRouterId=report.transit_router)
    sent.clear()
    applied = apply_plan(result.plan, lambda _: ali)

    assert applied.ok, [r.message for _, r in applied.results if not r.ok]
    creates = [a for _, a, _ in sent if a == "CreateTransitRouterRouteTable"]
    assert len(creates) > len(tables)  # the first was refused while the other table was made
    again = plan_policy(hub, lambda _: ali, lambda _: None).plan
    assert again is not None
    assert not again.has_changes, [ch.key for ch in again.changes]
