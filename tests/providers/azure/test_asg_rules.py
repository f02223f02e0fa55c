"""Rules that name ASGs: two opted-in segments in one VNet (vnet-shared: snet-front holds
nic-front, snet-back holds nic-back; made here through the SDK as a console user would). The
rules between them name each other's ASG instead of prefixes, the plan converges in one apply,
the plan's access check (what `eastwest paths` evaluates) agrees, and opting out puts the
prefixes back before the ASG goes. Read back through azure-mgmt-network."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network.models import NetworkInterface, VirtualNetwork

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.plan.render import render_plan
from providers.azure.adapter import AzureAdapter
from tests.providers.azure.conftest import RG, adapter_for, console, member, policy

MATCH = "No changes. The clouds match the policy."
FRONT, BACK = "eastwest-acme-front-vnet-shared", "eastwest-acme-back-vnet-shared"


@pytest.fixture
def shared_vnet(server: AzureServer, seeded: SeedReport) -> None:
    client = console(server)
    subnets = [
        {"name": "snet-front", "properties": {"addressPrefix": "10.50.1.0/24"}},
        {"name": "snet-back", "properties": {"addressPrefix": "10.50.2.0/24"}},
    ]
    body = {"location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}, "subnets": subnets}}  # fmt: skip
    vnet = client.virtual_networks.begin_create_or_update(
        RG, "vnet-shared", VirtualNetwork(body)
    ).result()
    ids = {s.name: s.id for s in vnet.subnets or []}
    for side in ("front", "back"):
        config = {"subnet": {"id": ids[f"snet-{side}"]}, "primary": True}
        nic = {"location": "eastus", "properties": {
            "ipConfigurations": [{"name": "ipconfig1", "properties": config}]}}  # fmt: skip
        client.network_interfaces.begin_create_or_update(
            RG, f"nic-{side}", NetworkInterface(nic)
        ).result()


def _policy(*, asg: tuple[bool, bool] = (True, True)) -> Policy:
    segments = [
        {"name": side, "members": [member("vnet-shared", f"snet-{side}")],
         "azure": {"asg_membership": opted}}
        for side, opted in zip(("front", "back"), asg, strict=True)
    ]  # fmt: skip
    rules = [{"name": "front-to-back", "from": "front", "to": "back", "ports": ["tcp/5432"]}]
    return policy("acme", segments, rules)


def _plan(p: Policy, adapter: AzureAdapter) -> Plan:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    result = with_access_check(result, p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    return result.plan


def _apply(p: Policy, adapter: AzureAdapter) -> None:
    report = apply_plan(_plan(p, adapter), lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    again = _plan(p, adapter)
    assert not again.has_changes, [(c.key, c.before, c.after) for c in again.changes]
    assert again.access.ran
    assert MATCH in render_plan(again), render_plan(again)


def _peer(server: AzureServer, nsg: str, rule: str) -> dict[str, Any]:
    """The peer side of one of eastwest's rules, as ARM answers it."""
    got = console(server).security_rules.get(RG, nsg, rule).as_dict()["properties"]
    side = "source" if got["direction"] == "Inbound" else "destination"
    return {
        k.removeprefix(side): v
        for k, v in got.items()
        if k.startswith(side) and "Port" not in k and v not in ([], None)
    }


def _asg_id(server: AzureServer, name: str) -> str:
    return str(console(server).application_security_groups.get(RG, name).id)


def test_rules_between_two_opted_in_segments_of_one_vnet_name_their_asgs(
    server: AzureServer, shared_vnet: None
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    inbound = _peer(server, BACK, "eastwest-in-front-tcp-5432")
    outbound = _peer(server, FRONT, "eastwest-out-back-tcp-5432")
    assert inbound == {"ApplicationSecurityGroups": [{"id": _asg_id(server, FRONT)}]}
    assert outbound == {"ApplicationSecurityGroups": [{"id": _asg_id(server, BACK)}]}


def test_a_nic_out_of_its_asg_is_blocked_in_the_access_check_until_apply_puts_it_back(
    server: AzureServer, shared_vnet: None
) -> None:
    adapter, client = adapter_for(server, "acme"), console(server)
    _apply(_policy(), adapter)
    body = client.network_interfaces.get(RG, "nic-front").as_dict()
    body["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] = []
    client.network_interfaces.begin_create_or_update(
        RG, "nic-front", NetworkInterface(body)
    ).result()
    plan = _plan(_policy(), adapter)
    assert [c.key.rsplit("/", 1)[-1] for c in plan.changes] == ["front@vnet-shared"]
    assert [(f.source, f.destination, f.finding) for f in plan.access.findings] == [
        ("front", "back", "blocked but allowed")
    ]
    _apply(_policy(), adapter)


@pytest.mark.parametrize(
    "after",
    [pytest.param((False, True), id="front-opts-out"), pytest.param((True, False), id="back")],
)
def test_opting_out_puts_the_prefixes_back_before_the_asg_goes(
    server: AzureServer, shared_vnet: None, after: tuple[bool, bool]
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    _apply(_policy(asg=after), adapter)
    assert _peer(server, BACK, "eastwest-in-front-tcp-5432") == {
        "AddressPrefixes": ["10.50.1.0/24"]
    }
    assert _peer(server, FRONT, "eastwest-out-back-tcp-5432") == {
        "AddressPrefixes": ["10.50.2.0/24"]
    }
    gone = FRONT if after == (False, True) else BACK
    with pytest.raises(ResourceNotFoundError):
        console(server).application_security_groups.get(RG, gone)


@pytest.mark.parametrize(
    ("first", "named"),
    [
        pytest.param((False, False), True, id="both-opt-in-later"),
        pytest.param((True, False), True, id="back-opts-in-later"),
        pytest.param((False, True), False, id="one-side-alone-names-prefixes"),
    ],
)
def test_opting_in_later_rewrites_the_rules_in_one_apply(
    server: AzureServer, shared_vnet: None, first: tuple[bool, bool], named: bool
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(asg=first), adapter)
    assert "AddressPrefixes" in _peer(server, BACK, "eastwest-in-front-tcp-5432")
    then = (True, True) if named else (True, False)
    _apply(_policy(asg=then), adapter)
    inbound = _peer(server, BACK, "eastwest-in-front-tcp-5432")
    assert ("ApplicationSecurityGroups" in inbound) == named, inbound
