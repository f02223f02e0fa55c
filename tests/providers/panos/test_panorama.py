"""eastwest's section in a Panorama device group's pre-rulebase: plan → apply on the fake
Panorama, checked through pan-os-python (not eastwest's code): the rules and objects land in
the device group, Panorama commits and pushes the group to its firewalls, drift is restored,
and nothing else in Panorama's configuration changes, byte for byte."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from panos.objects import AddressGroup
from panos.panorama import DeviceGroup, Panorama
from panos.policies import PostRulebase, PreRulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.fleet import describe_fleet
from moto_fixtures.panos.server import OTHER_PASSWORD, OTHER_USERNAME
from orchestrator.compile.membership import resolve_membership
from orchestrator.errors import ObservationError, PermanentError, TemporaryError
from orchestrator.firewalls import apply_rulebase, plan_rulebase
from orchestrator.model.policy import Policy
from orchestrator.state import Network, ScopeInventory
from orchestrator.state.change import Action
from providers.panos.factory import make_adapter
from providers.panos.panorama import PanoramaAdapter

from . import conftest
from .conftest import load, membership_of, outside_section
from .policies import inspected_hub
from .test_commits import _many_rules

HOST = "panorama.test"
LABEL = f"panorama/{HOST}/hub"
PREFIX = "eastwest-acme-"
PUSHED_TO = {"007951000000011", "007951000000012"}
BRANCH = "007951000000013"  # the other device group's firewall
MANAGED = f"      panorama: {{host: {HOST}, device_group: hub}}\n"
POLICY = (
    inspected_hub("us-east-1a", "us-east-1b")
    + MANAGED
    + conftest.POLICY.removeprefix(inspected_hub())
)


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return load(tmp_path, POLICY)


@pytest.fixture
def adapter(panorama_server: PanosServer) -> PanoramaAdapter:
    sandbox = {"panos": describe_fleet({f"panorama/{HOST}": panorama_server})}
    made = make_adapter(LABEL, policy="acme", sandbox=sandbox)
    assert isinstance(made, PanoramaAdapter)
    made.poll = 0.02
    return made


def _reader(server: PanosServer, user: str = "", password: str = "") -> Panorama:
    return Panorama(
        "127.0.0.1", user or server.username, password or server.password, port=server.port
    )


def _rules(server: PanosServer, group: str = "hub", base: type = PreRulebase) -> list[SecurityRule]:
    dg = _reader(server).add(DeviceGroup(group))
    rules: list[SecurityRule] = SecurityRule.refreshall(dg.add(base()), running_config=True)
    return rules


def _sync(server: PanosServer) -> dict[str, str]:
    """Each managed firewall's sync state, as Panorama's ``show devicegroups`` says it."""
    found = _reader(server).op("show devicegroups")
    return {
        d.get("name", ""): d.findtext("shared-policy-status") or ""
        for d in found.iterfind("./result/devicegroups/entry/devices/entry")
    }


def _apply(policy: Policy, adapter: PanoramaAdapter) -> str:
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    assert not plan.failed, plan.diagnostics
    return apply_rulebase(plan, adapter).job


def test_a_managed_hub_is_one_device_group_not_its_firewalls(policy: Policy) -> None:
    from orchestrator.compile.ngfw import compile_firewalls

    states, _ = compile_firewalls(policy, membership_of(policy))
    assert list(states) == [LABEL]


def test_apply_writes_the_pre_rulebase_commits_panorama_and_pushes_the_group(
    policy: Policy, adapter: PanoramaAdapter, panorama_server: PanosServer
) -> None:
    job = _apply(policy, adapter)
    assert "+" in job  # Panorama's commit, then the push
    names = [r.name for r in _rules(panorama_server)]
    assert names == [f"{PREFIX}ops-to-web", f"{PREFIX}web-to-db", f"{PREFIX}-deny", "hub-dns"]
    dg = _reader(panorama_server).add(DeviceGroup("hub"))
    groups = {g.name for g in AddressGroup.refreshall(dg, running_config=True)}
    assert groups == {f"{PREFIX}db", f"{PREFIX}ops", f"{PREFIX}web"}
    assert _sync(panorama_server) == dict.fromkeys([*PUSHED_TO, BRANCH], "In Sync")
    pushed = panorama_server.device.pushed  # type: ignore[attr-defined]
    rules = pushed["007951000000011"].findall(".//pre-rulebase/security/rules/entry")
    assert [r.get("name") for r in rules] == names
    assert plan_rulebase(policy, membership_of(policy), LABEL, adapter).changes == ()


def _rest(server: PanosServer) -> bytes:
    """Panorama's running configuration read through pan-os-python, outside eastwest's part."""
    tree = _reader(server).xapi.show("/config").find("./result/config")
    assert tree is not None
    return outside_section(tree, PREFIX)


def test_nothing_outside_eastwests_section_changes(
    tmp_path: Path, policy: Policy, adapter: PanoramaAdapter, panorama_server: PanosServer
) -> None:
    before = _rest(panorama_server)
    post, branch = _rules(panorama_server, base=PostRulebase), _rules(panorama_server, "branch")
    _apply(policy, adapter)
    assert _rest(panorama_server) == before
    emptied = policy.model_copy(update={"rules": []})
    _apply(emptied, adapter)
    assert _rest(panorama_server) == before
    assert [r.name for r in _rules(panorama_server)] == ["hub-dns"]
    assert [r.about() for r in _rules(panorama_server, base=PostRulebase)] == [
        r.about() for r in post
    ]
    assert [r.about() for r in _rules(panorama_server, "branch")] == [r.about() for r in branch]


def test_a_rule_edited_on_panorama_is_drift_and_restored(
    policy: Policy, adapter: PanoramaAdapter, panorama_server: PanosServer
) -> None:
    _apply(policy, adapter)
    hand = _reader(panorama_server, OTHER_USERNAME, OTHER_PASSWORD)
    rule = next(r for r in _rules(panorama_server) if r.name == f"{PREFIX}web-to-db")
    hand.add(DeviceGroup("hub")).add(PreRulebase()).add(rule)
    rule.source = ["any"]
    rule.apply()
    assert hand.commit(sync=True)["success"]
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    drifted = [c for c in plan.changes if c.drift]
    assert [(c.action, c.resource.key) for c in drifted] == [
        (Action.UPDATE, f"ngfw/{LABEL}/rule/{PREFIX}web-to-db")
    ]
    assert _sync(panorama_server)["007951000000011"] == "Out of Sync"
    apply_rulebase(plan, adapter)
    restored = next(r for r in _rules(panorama_server) if r.name == f"{PREFIX}web-to-db")
    assert restored.source == [f"{PREFIX}web"]
    assert set(_sync(panorama_server).values()) == {"In Sync"}


def test_a_failed_push_says_so_per_firewall(
    policy: Policy, adapter: PanoramaAdapter, panorama_server: PanosServer
) -> None:
    panorama_server.device.faults.fail_pushes = 1
    with pytest.raises(PermanentError, match=r"push .* failed on 007951000000011, 007951000000012"):
        _apply(policy, adapter)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    # Panorama holds the section; only the push is left, and the next apply makes it alone.
    assert [(c.action, c.resource.kind) for c in plan.changes] == [(Action.UPDATE, "ngfw_push")]
    assert plan.changes[0].before.pending == tuple(sorted(PUSHED_TO))  # type: ignore[union-attr]
    applied = apply_rulebase(plan, adapter)
    assert (applied.edits, applied.job.isdigit()) == (0, True)
    assert plan_rulebase(policy, membership_of(policy), LABEL, adapter).changes == ()
    pushed = panorama_server.device.pushed["007951000000012"]  # type: ignore[attr-defined]
    assert f"{PREFIX}web-to-db" in ET.tostring(pushed, encoding="unicode")


def test_another_admins_commit_lock_stops_the_apply_before_any_write(
    policy: Policy, adapter: PanoramaAdapter, panorama_server: PanosServer
) -> None:
    hand = _reader(panorama_server, OTHER_USERNAME, OTHER_PASSWORD)
    hand.add_commit_lock(comment="change window")
    with pytest.raises(TemporaryError, match="retry once it is released"):
        _apply(policy, adapter)
    assert not panorama_server.device.pending()
    assert [r.name for r in _rules(panorama_server)] == ["hub-dns"]


@pytest.mark.parametrize("count", [1, 30], ids=["one-rule", "thirty-rules"])
def test_calls_do_not_grow_with_the_rules(
    adapter: PanoramaAdapter, panorama_server: PanosServer, tmp_path: Path, count: int
) -> None:
    text = _many_rules(count).replace(inspected_hub(), inspected_hub() + MANAGED, 1)
    networks = [Network(f"vpc-s{i}", (f"10.{100 + i}.0.0/16",)) for i in range(count)]
    inventory = ScopeInventory(conftest.SCOPE, (*conftest.INVENTORY.networks, *networks))
    policy = load(tmp_path, text)
    membership = resolve_membership(policy, {conftest.SCOPE: inventory})
    plan = plan_rulebase(policy, membership, LABEL, adapter)
    planned = panorama_server.api.calls
    applied = apply_rulebase(plan, adapter)
    spent = panorama_server.api.calls - planned
    polls = 2 * (int(panorama_server.device.faults.commit_seconds / 0.02) + 2)
    # keygen, system info, five object kinds, the pre-rulebase, the registered addresses,
    # the device groups' sync state, profile groups.
    assert planned == 11
    # the lock, one multi-config request, the commit and the commit-all with their polls,
    # the unlock.
    assert spent <= 5 + polls
    assert applied.edits >= 3 * count


def test_a_device_group_panorama_does_not_have_cannot_be_read(
    panorama_server: PanosServer,
) -> None:
    sandbox = {"panos": describe_fleet({f"panorama/{HOST}": panorama_server})}
    made = make_adapter(f"panorama/{HOST}/nope", policy="acme", sandbox=sandbox)
    with pytest.raises(ObservationError, match="Panorama has no such device group"):
        made.observe()
