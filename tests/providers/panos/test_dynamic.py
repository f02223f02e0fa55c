"""Dynamic address groups from the policy (``segments[].panos.address_group: dynamic``): the
segment's group on the firewall is a dynamic filter on its tag, its addresses are registered
with that tag through the User-ID API (no commit), addresses that leave are unregistered, one
unregistered by hand is registered again, and another tool's tags are never touched; all read
back through pan-os-python."""

from __future__ import annotations

from pathlib import Path

import pytest
from panos.firewall import Firewall
from panos.objects import AddressGroup, AddressObject

from moto_fixtures.panos import PanosServer
from orchestrator.compile.membership import resolve_membership
from orchestrator.firewalls import RulebasePlan, apply_rulebase, plan_rulebase
from orchestrator.model.policy import Policy
from orchestrator.state import Network, ScopeInventory
from orchestrator.state.change import Action
from providers.panos.adapter import PanosAdapter

from . import conftest
from .conftest import LABEL, load

PREFIX = "eastwest-acme-"
DB, WEB = f"{PREFIX}db", f"{PREFIX}web"
DYNAMIC = conftest.POLICY.replace(
    "  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}",
    "  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}],\n"
    "     panos: {address_group: dynamic}}",
)


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return load(tmp_path, DYNAMIC)


def _plan(policy: Policy, adapter: PanosAdapter, db: tuple[str, ...] = ()) -> RulebasePlan:
    networks = conftest.INVENTORY.networks
    if db:
        networks = (*(n for n in networks if n.id != "vpc-db"), Network("vpc-db", db))
    inventory = ScopeInventory(conftest.SCOPE, networks)
    membership = resolve_membership(policy, {conftest.SCOPE: inventory})
    plan = plan_rulebase(policy, membership, LABEL, adapter)
    assert not plan.failed, plan.diagnostics
    return plan


def _reader(server: PanosServer) -> Firewall:
    return Firewall("127.0.0.1", server.username, server.password, port=server.port)


def _registered(server: PanosServer) -> dict[str, list[str]]:
    return dict(_reader(server).userid.get_registered_ip())


def _members(server: PanosServer, group: str) -> list[str]:
    answer = _reader(server).op(f'show object dynamic-address-group name "{group}"')
    return [e.get("name", "") for e in answer.findall(".//member-list/entry")]


def test_a_dynamic_segment_is_a_dynamic_group_of_its_registered_addresses(
    policy: Policy, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    plan = _plan(policy, adapter)
    registrations = [c for c in plan.changes if c.resource.kind == "ngfw_registered_ip"]
    assert [(c.action, c.resource.name) for c in registrations] == [  # type: ignore[union-attr]
        (Action.CREATE, "10.2.0.0/16"),
        (Action.CREATE, "10.3.0.0/24"),
    ]
    commits = panos_server.device.commits
    apply_rulebase(plan, adapter)
    assert panos_server.device.commits == commits + 1  # the rulebase; registrations need none
    groups = {
        g.name: g for g in AddressGroup.refreshall(_reader(panos_server), running_config=True)
    }
    assert (groups[DB].dynamic_value, groups[DB].static_value) == (f"'{DB}'", None)
    assert groups[WEB].static_value == [f"{PREFIX}10.1.0.0_16"]  # the other stays static
    addresses = {a.name for a in AddressObject.refreshall(_reader(panos_server))}
    assert not {a for a in addresses if a.startswith(f"{PREFIX}10.2")}
    assert _registered(panos_server) == {"10.2.0.0/16": [DB], "10.3.0.0/24": [DB]}
    assert _members(panos_server, DB) == ["10.2.0.0/16", "10.3.0.0/24"]
    assert _plan(policy, adapter).changes == ()


def test_an_address_that_leaves_is_unregistered_without_a_commit(
    policy: Policy, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    apply_rulebase(_plan(policy, adapter), adapter)
    commits = panos_server.device.commits
    plan = _plan(policy, adapter, db=("10.2.0.0/16",))
    assert [(c.action, c.resource.kind) for c in plan.changes] == [
        (Action.DELETE, "ngfw_registered_ip")
    ]
    applied = apply_rulebase(plan, adapter)
    assert (applied.job, applied.edits) == ("", 1)
    assert panos_server.device.commits == commits
    assert _members(panos_server, DB) == ["10.2.0.0/16"]


def test_an_address_unregistered_by_hand_is_registered_again_and_other_tags_stay(
    policy: Policy, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    apply_rulebase(_plan(policy, adapter), adapter)
    hand = _reader(panos_server).userid
    hand.register("10.3.0.0/24", ["quarantine"])  # another tool's tag on the same address
    hand.unregister("10.3.0.0/24", [DB])
    assert _members(panos_server, DB) == ["10.2.0.0/16"]
    plan = _plan(policy, adapter)
    assert [(c.action, c.resource.key) for c in plan.changes] == [
        (Action.CREATE, f"ngfw/{LABEL}/registered_ip/10.3.0.0/24")
    ]
    apply_rulebase(plan, adapter)
    assert _members(panos_server, DB) == ["10.2.0.0/16", "10.3.0.0/24"]
    assert sorted(_registered(panos_server)["10.3.0.0/24"]) == sorted([DB, "quarantine"])


def test_a_segment_turned_static_again_drops_its_registrations(
    tmp_path: Path, policy: Policy, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    apply_rulebase(_plan(policy, adapter), adapter)
    static = load(tmp_path, conftest.POLICY)
    plan = _plan(static, adapter)
    kinds = {(c.action, c.resource.kind) for c in plan.changes}
    assert kinds == {(Action.UPDATE, "ngfw_address_group"), (Action.DELETE, "ngfw_registered_ip")}
    apply_rulebase(plan, adapter)
    assert _registered(panos_server) == {}
    group = AddressGroup.refreshall(_reader(panos_server), running_config=True)
    db = next(g for g in group if g.name == DB)
    assert (db.dynamic_value, len(db.static_value)) == (None, 2)
