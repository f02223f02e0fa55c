"""`attach` on Azure, through azure-mgmt-network against the fake ARM: the NSG's subnet
association is the attach. vnet-web's snet-web holds the user's nsg-web, snet-web-2 is free."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.network.models import Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.plan.document import read_plan, write_plan
from orchestrator.state import FirewallGroup
from providers.azure.adapter import AzureAdapter
from providers.azure.attach import prior_tag
from tests.providers.azure.conftest import (
    RG,
    adapter_for,
    console,
    member,
    policy,
    unowned_snapshot,
)

OURS = "eastwest-acme-web-vnet-web"
SUBNETS = ("snet-web", "snet-web-2")


def _policy(attach: str | None, *, web: bool = True) -> Policy:
    segments: list[dict[str, Any]] = [
        {"name": "app", "members": [member("vnet-app", "snet-app-2")]}
    ]
    if web:
        mode = {"attach": attach} if attach is not None else {}
        segments.append({"name": "web", "members": [member("vnet-web")], **mode})
    return policy("acme", segments, [])


def _plan(p: Policy, adapter: AzureAdapter) -> tuple[Plan, list[Diagnostic]]:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result.plan, list(result.diagnostics)


def _apply(p: Policy, adapter: AzureAdapter) -> None:
    plan, diags = _plan(p, adapter)
    assert not [d for d in diags if d.severity is Severity.ERROR], diags
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    again, _ = _plan(p, adapter)
    assert not again.has_changes, [c.key for c in again.changes]


def _nsgs(server: AzureServer) -> dict[str, str | None]:
    """Each vnet-web subnet's NSG name, as ARM answers."""
    client = console(server)
    found: dict[str, str | None] = {}
    for name in SUBNETS:
        ref = client.subnets.get(RG, "vnet-web", name).as_dict()["properties"]
        nsg = ref.get("networkSecurityGroup")
        found[name] = str(nsg["id"]).rsplit("/", 1)[-1] if nsg else None
    return found


@pytest.mark.parametrize(
    ("attach", "associated", "said"),
    [
        pytest.param("exclusive", {"snet-web": OURS, "snet-web-2": OURS}, "", id="exclusive"),
        pytest.param(
            "none", {"snet-web": "nsg-web", "snet-web-2": None}, "attach: none", id="none"
        ),
    ],
)
def test_each_mode_attaches_as_it_says_and_converges(
    server: AzureServer, seeded: SeedReport, attach: str, associated: dict[str, Any], said: str
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(attach), adapter)
    assert _nsgs(server) == associated
    _, diags = _plan(_policy(attach), adapter)
    warned = [d.summary for d in diags if d.severity is Severity.WARNING and "web" in d.summary]
    assert bool(said) == any(said in w for w in warned), warned


def test_exclusive_puts_the_users_nsg_back_exactly_when_the_segment_goes(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    client = console(server)
    before = unowned_snapshot(client)
    subnet_before = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()
    _apply(_policy("exclusive"), adapter)
    tags = client.network_security_groups.get(RG, OURS).tags or {}
    assert tags[prior_tag("snet-web")] == subnet_before["properties"]["networkSecurityGroup"]["id"]

    _apply(_policy("exclusive", web=False), adapter)
    assert _nsgs(server) == {"snet-web": "nsg-web", "snet-web-2": None}
    after = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()
    assert {**after, "etag": ""} == {**subnet_before, "etag": ""}
    assert unowned_snapshot(client) == before


def test_switching_modes_is_a_policy_change_and_a_lost_association_is_drift(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy("exclusive"), adapter)
    plan, _ = _plan(_policy("none"), adapter)
    [change] = [c for c in plan.changes if c.key.endswith("/fwgroup/web@vnet-web")]
    assert (str(change.action), change.drift) == ("~", False)
    _apply(_policy("none"), adapter)
    assert _nsgs(server) == {"snet-web": "nsg-web", "snet-web-2": None}
    assert prior_tag("snet-web") not in (
        console(server).network_security_groups.get(RG, OURS).tags or {}
    )

    _apply(_policy("exclusive"), adapter)
    client = console(server)
    subnet = client.subnets.get(RG, "vnet-web", "snet-web-2").as_dict()
    del subnet["properties"]["networkSecurityGroup"]
    client.subnets.begin_create_or_update(RG, "vnet-web", "snet-web-2", Subnet(subnet)).result()
    plan, _ = _plan(_policy("exclusive"), adapter)
    [change] = plan.changes
    assert change.drift
    assert "subnet snet-web-2 is not associated" in getattr(change.before, "description", "")


def test_back_to_add_puts_the_users_nsg_back_and_fails_closed(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy("exclusive"), adapter)
    plan, _ = _plan(_policy("add"), adapter)
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    assert _nsgs(server) == {"snet-web": "nsg-web", "snet-web-2": OURS}
    _, diags = _plan(_policy("add"), adapter)
    errors = [d.summary for d in diags if d.severity is Severity.ERROR]
    assert any(
        "the NSG nsg-web on member subnet vnet-web/snet-web is not eastwest's" in e for e in errors
    )


def test_exclusive_never_takes_a_subnet_from_another_eastwest_policy(
    server: AzureServer, seeded: SeedReport
) -> None:
    other = policy("other", [{"name": "web", "members": [member("vnet-web", "snet-web-2")]}], [])
    _apply(other, adapter_for(server, "other"))
    adapter = adapter_for(server, "acme")
    before = _nsgs(server)
    plan, diags = _plan(_policy("exclusive"), adapter)
    errors = [d.summary for d in diags if d.severity is Severity.ERROR]
    assert any(
        "eastwest-other-web-vnet-web (another eastwest policy's: attach: exclusive never takes "
        "it over) on member subnet vnet-web/snet-web-2" in e
        for e in errors
    ), errors
    assert not [c for c in plan.changes if "/fwgroup/web@" in c.key]
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok
    assert (
        _nsgs(server)
        == before
        == {"snet-web": "nsg-web", "snet-web-2": "eastwest-other-web-vnet-web"}
    )


def test_a_saved_plan_keeps_the_mode(
    server: AzureServer, seeded: SeedReport, tmp_path: Path
) -> None:
    plan, _ = _plan(_policy("exclusive"), adapter_for(server, "acme"))
    write_plan(plan, tmp_path / "plan.json")
    again = read_plan(tmp_path / "plan.json").plan
    groups = [c.after for c in again.changes if isinstance(c.after, FirewallGroup)]
    assert {(g.segment, g.attach) for g in groups} == {("web", "exclusive"), ("app", "add")}
    assert again.changes == plan.changes
