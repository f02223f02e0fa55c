"""eastwest's rules inside NSGs the user already has (``existing_nsgs="share"``): the pure
rule list (``shared``), then the adapter against the seeded fake, whose ``snet-<segment>``
subnets sit behind hand-made ``nsg-<segment>`` NSGs with NRMS-*/AllowAzureLoadBalancer*/legacy-*
rules that must stay byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from azure.mgmt.network.models import Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.diagnostics import has_errors
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action, Target
from providers.azure import priorities
from providers.azure import shared as sh
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from providers.azure.session import FAST
from tests.providers.azure.conftest import RG, SUB, THROTTLED, console, policy, sandbox_of

# -- the rule list, pure -------------------------------------------------------------------


def _rule(name: str, priority: int, access: str = "Allow", direction: str = "Inbound") -> Any:
    return {"name": name, "properties": {
        "protocol": "Tcp", "access": access, "direction": direction, "priority": priority,
        "sourceAddressPrefix": "10.99.0.0/16", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "3389"}}  # fmt: skip


USER = {r["name"]: r for r in (
    _rule("NRMS-Rule-101", 101), _rule("NRMS-Rule-103", 103),
    _rule("AllowAzureLoadBalancerHealthProbe", 110), _rule("legacy-web-admin", 300),
)}  # fmt: skip
ANCHOR = {
    "eastwest-in-app-tcp-8080": _rule("eastwest-in-app-tcp-8080", 100),
    "eastwest-in-onprem-tcp-443": _rule("eastwest-in-onprem-tcp-443", 110),
    "eastwest-out-db-tcp-5432": _rule("eastwest-out-db-tcp-5432", 100, direction="Outbound"),
}


def _priorities(rules: dict[str, Any]) -> dict[str, int]:
    return {n: int(r["properties"]["priority"]) for n, r in rules.items()}


def test_copies_go_in_the_gaps_and_the_denies_below_every_allow() -> None:
    after = sh.sync(USER, ANCHOR, "acme", "web", present=True)
    assert {n: after[n] for n in USER} == USER  # the user's rules, untouched
    assert _priorities(after) == {
        **_priorities(USER),
        "eastwest-acme-web-in-app-tcp-8080": 100,
        "eastwest-acme-web-in-onprem-tcp-443": 120,  # 110 is the user's
        "eastwest-acme-web-out-db-tcp-5432": 100,
        "eastwest-acme-web-deny-vnet-in": priorities.HIGHEST,
        "eastwest-acme-web-deny-vnet-out": priorities.HIGHEST,
    }
    assert sh.sync(after, ANCHOR, "acme", "web", present=True) == after  # in step: no write
    assert sh.differences(after, after, "nsg-web") == []


def test_a_new_copy_moves_nothing_and_a_user_allow_above_the_deny_moves_nothing() -> None:
    after = sh.sync(USER, ANCHOR, "acme", "web", present=True)
    wider = {**ANCHOR, "eastwest-in-app-tcp-9000": _rule("eastwest-in-app-tcp-9000", 130)}
    grown = sh.sync(after, wider, "acme", "web", present=True)
    assert {n: p for n, p in _priorities(grown).items() if n in after} == _priorities(after)
    assert grown["eastwest-acme-web-in-app-tcp-9000"]["properties"]["priority"] == 130
    late = {**grown, "late-allow": _rule("late-allow", 4000)}  # still above eastwest's deny
    assert sh.sync(late, wider, "acme", "web", present=True) == late
    top = {**USER, "top": _rule("top", 4096)}  # no room below a user's allow at 4096:
    with pytest.raises(priorities.PriorityExhaustedError):  # refused, never put above it
        sh.sync(top, ANCHOR, "acme", "web", present=True)


def test_a_deny_above_a_user_allow_is_moved_below_it() -> None:
    after = sh.sync(USER, ANCHOR, "acme", "web", present=True)
    after["eastwest-acme-web-deny-vnet-in"]["properties"]["priority"] = 200  # above legacy (300)
    fixed = sh.sync(after, ANCHOR, "acme", "web", present=True)
    assert fixed["eastwest-acme-web-deny-vnet-in"]["properties"]["priority"] > 300
    assert sh.differences(after, fixed, "nsg-web") == [
        "eastwest-acme-web-deny-vnet-in in nsg-web was changed or is above an allow"
    ]


def test_without_the_group_only_eastwests_rules_leave() -> None:
    after = sh.sync(USER, ANCHOR, "acme", "web", present=True)
    other = sh.sync(after, ANCHOR, "acme", "app", present=True)  # another segment's copies
    gone = sh.sync(other, ANCHOR, "acme", "web", present=False)
    assert gone == {n: r for n, r in other.items() if not n.startswith("eastwest-acme-web-")}
    assert sh.sync(after, ANCHOR, "acme", "web", present=False) == USER


def _nsg(**properties: Any) -> dict[str, Any]:
    base = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
    return {"id": f"{base}/networkSecurityGroups/nsg-web", "name": "nsg-web",
            "properties": properties}  # fmt: skip


MEMBER = (
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
    "/virtualNetworks/vnet-web/subnets/snet-web"
)


@pytest.mark.parametrize(
    ("nsg", "why"),
    [
        (_nsg(subnets=[{"id": MEMBER}]), None),
        (_nsg(subnets=[{"id": MEMBER}, {"id": MEMBER + "-9"}]),
         "it also guards subnet snet-web-9, which is not a member of segment web"),
        (_nsg(subnets=[{"id": MEMBER}], networkInterfaces=[{"id": "nic"}]),
         "it is also on network interfaces"),
        ({**_nsg(), "id": _nsg()["id"].replace(RG, "rg-other")},
         f"it is outside resource group {RG}"),
    ],
    ids=["only-members", "another-subnet", "a-nic", "another-resource-group"],
)  # fmt: skip
def test_which_nsgs_may_be_shared(nsg: dict[str, Any], why: str | None) -> None:
    assert sh.why_not_shared(nsg, {MEMBER.lower()}, "web", "acme", RG) == why


# -- the adapter, against the fake ------------------------------------------------------------


def _sharing(server: AzureServer) -> AzureAdapter:
    target = Target("azure", SUB, "az-prod", None, RG)
    return make_azure_adapter(
        target, policy="acme", sandbox=sandbox_of(server), tuning=FAST, existing_nsgs="share"
    )


def _spokes(*segments: str, ports: tuple[str, ...] = ("tcp/8080",)) -> Policy:
    """Whole spoke VNets by tag: snet-<segment> (behind nsg-<segment>) and snet-<segment>-2."""
    members = {
        s: {"account": "az-prod", "region": "eastus", "tags": {"segment": s}} for s in segments
    }
    rules = [{"name": "web-to-app", "from": "web", "to": "app", "ports": list(ports)}]
    return policy("acme", [{"name": s, "members": [members[s]]} for s in segments],
                  rules if {"web", "app"} <= set(segments) else [])  # fmt: skip


def _plan(p: Policy, adapter: AzureAdapter) -> tuple[Plan, list[str]]:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    others = [d for d in result.diagnostics if d not in result.plan.conflicts]
    assert not has_errors(others), result.diagnostics  # a conflict is an error, looked at here
    return result.plan, [d.summary for d in result.diagnostics]


def _apply(p: Policy, adapter: AzureAdapter) -> Plan:
    plan, _ = _plan(p, adapter)
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    return plan


def _rules(server: AzureServer, nsg: str) -> dict[str, Any]:
    body = console(server).network_security_groups.get(RG, nsg).as_dict()
    return {r["name"]: r for r in body["properties"]["securityRules"]}


def _theirs(server: AzureServer, seeded: SeedReport) -> dict[str, Any]:
    """The seeded unowned rules as ARM answers them, all but the etag: ARM gives every rule of
    an NSG a new one whenever the NSG is written, whoever wrote which rule."""
    return {
        nsg: {n: {k: v for k, v in r.items() if k != "etag"}
              for n, r in _rules(server, nsg).items() if n in names}
        for nsg, names in seeded.unowned_rules.items()
    }  # fmt: skip


def test_sharing_writes_owned_rules_beside_the_users_and_converges(
    server: AzureServer, seeded: SeedReport
) -> None:
    before = _theirs(server, seeded)
    server.control.set_faults(THROTTLED)
    adapter = _sharing(server)
    plan, warnings = _plan(_spokes("web", "app"), adapter)
    assert not [w for w in warnings if "not eastwest's" in w], warnings
    rules = sorted(c.key.split("/fwgroup/")[-1] for c in plan.changes if "tcp:8080" in c.key)
    assert rules == [
        "app@vnet-app/ingress/tcp:8080/set:web",
        "web@vnet-web/egress/tcp:8080/set:app",
    ]
    _apply(_spokes("web", "app"), adapter)
    assert not _plan(_spokes("web", "app"), adapter)[0].has_changes
    server.control.set_faults(THROTTLED.updated({"throttle": 0.0}))

    assert _theirs(server, seeded) == before  # byte for byte
    web = _rules(server, "nsg-web")
    mine = {n: r["properties"] for n, r in web.items() if n.startswith("eastwest-")}
    anchor_rules = _rules(server, "eastwest-acme-web-vnet-web")
    assert set(mine) == {
        "eastwest-acme-web-" + n.removeprefix("eastwest-") for n in anchor_rules
    }  # every allow of the group, and its two deny rules
    anchor = _rules(server, "eastwest-acme-web-vnet-web")["eastwest-out-app-tcp-8080"]
    copy = mine["eastwest-acme-web-out-app-tcp-8080"]
    assert {**copy, "priority": 0} == {**anchor["properties"], "priority": 0}  # a true copy
    user_allows = [r["properties"]["priority"] for n, r in web.items()
                   if n in before["nsg-web"] and r["properties"]["access"] == "Allow"]  # fmt: skip
    assert mine["eastwest-acme-web-deny-vnet-in"]["priority"] > max(user_allows)
    subnet = console(server).subnets.get(RG, "vnet-web", "snet-web").as_dict()["properties"]
    assert subnet["networkSecurityGroup"]["id"] == seeded.nsgs["nsg-web"]  # still theirs
    free = console(server).subnets.get(RG, "vnet-web", "snet-web-2").as_dict()["properties"]
    assert free["networkSecurityGroup"]["id"].endswith("/eastwest-acme-web-vnet-web")


def test_a_deleted_copy_is_put_back_and_unowned_rules_stay(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = _sharing(server)
    _apply(_spokes("web", "app"), adapter)
    placed = {n: r["properties"]["priority"] for n, r in _rules(server, "nsg-app").items()}
    client = console(server)
    client.security_rules.begin_delete(RG, "nsg-app", "eastwest-acme-app-in-web-tcp-8080").result()
    plan, _ = _plan(_spokes("web", "app"), adapter)
    [change] = plan.changes
    assert change.action is Action.UPDATE
    assert change.key.endswith("/fwgroup/app@vnet-app")
    assert "eastwest-acme-app-in-web-tcp-8080 is missing in nsg-app" in getattr(
        change.before, "description", ""
    )
    before = _theirs(server, seeded)
    _apply(_spokes("web", "app"), adapter)
    assert not _plan(_spokes("web", "app"), adapter)[0].has_changes
    assert {n: r["properties"]["priority"] for n, r in _rules(server, "nsg-app").items()} == placed
    assert _theirs(server, seeded) == before


def test_a_new_port_moves_no_copy_and_removing_the_group_removes_only_eastwests(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = _sharing(server)
    _apply(_spokes("web", "app"), adapter)
    placed = {n: r["properties"]["priority"] for n, r in _rules(server, "nsg-web").items()}
    _apply(_spokes("web", "app", ports=("tcp/8080", "tcp/9000")), adapter)
    grown = {n: r["properties"]["priority"] for n, r in _rules(server, "nsg-web").items()}
    assert {n: p for n, p in grown.items() if n in placed} == placed
    assert "eastwest-acme-web-out-app-tcp-9000" in grown

    theirs = _theirs(server, seeded)["nsg-web"]
    _apply(_spokes("app"), adapter)  # web leaves the policy: its group is deleted
    assert set(_rules(server, "nsg-web")) == set(theirs)  # eastwest's copies are gone
    assert _theirs(server, seeded)["nsg-web"] == theirs
    assert not _plan(_spokes("app"), adapter)[0].has_changes


def test_an_nsg_that_guards_a_non_member_is_not_shared(
    server: AzureServer, seeded: SeedReport
) -> None:
    client = console(server)
    other = client.subnets.get(RG, "vnet-app", "snet-app-2").as_dict()
    other["properties"]["networkSecurityGroup"] = {"id": seeded.nsgs["nsg-web"]}
    client.subnets.begin_create_or_update(RG, "vnet-app", "snet-app-2", Subnet(other)).result()
    plan, warnings = _plan(_spokes("web"), _sharing(server))
    assert not plan.has_changes
    [said] = [w for w in warnings if "nsg-web" in w]
    assert (
        "(not shared: it also guards subnet snet-app-2, which is not a member of segment web)"
        in said
    )
