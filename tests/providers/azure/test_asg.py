"""`segments[].azure.asg_membership` through azure-mgmt-network against the fake ARM: eastwest's
ASG per group, its NICs, drift and removal. Everything is read back through the SDK (a console
user's view), not through eastwest. vnet-db's snet-db-2 holds nic-vm-db-2, which is already in
the DBA's asg-db-legacy (a foreign membership that must stay byte for byte)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.network.models import NetworkInterface

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.diagnostics import Severity
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.plan.document import plan_to_json
from orchestrator.schemas import document_schema
from providers.azure.adapter import AzureAdapter
from tests.providers.azure.conftest import RG, SUB, adapter_for, console, member, policy

OURS = "eastwest-acme-db-vnet-db"
NIC = "nic-vm-db-2"  # in snet-db-2, already in asg-db-legacy
LEGACY = "asg-db-legacy"


def _policy(*, asg: bool | None = True, db: bool = True) -> Policy:
    segments: list[dict[str, Any]] = [
        {"name": "app", "members": [member("vnet-app", "snet-app-2")]}
    ]
    rules: list[dict[str, Any]] = []
    if db:
        opt = {"azure": {"asg_membership": asg}} if asg is not None else {}
        segments.append({"name": "db", "members": [member("vnet-db", "snet-db-2")], **opt})
        rules.append({"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]})
    return policy("acme", segments, rules)


def _plan(p: Policy, adapter: AzureAdapter) -> Plan:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR]
    return result.plan


def _apply(p: Policy, adapter: AzureAdapter) -> None:
    report = apply_plan(_plan(p, adapter), lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    again = _plan(p, adapter)
    assert not again.has_changes, [(c.key, c.after) for c in again.changes]


def _asgs_of(server: AzureServer, nic: str) -> list[list[str]]:
    """Each IP configuration's ASG names, in order, as ARM answers."""
    body = console(server).network_interfaces.get(RG, nic).as_dict()
    configs = body["properties"]["ipConfigurations"]
    refs = [c["properties"].get("applicationSecurityGroups", []) for c in configs]
    return [[str(a["id"]).rsplit("/", 1)[-1] for a in each] for each in refs]


def _configs(server: AzureServer, nic: str) -> Any:
    """The NIC's properties as ARM answers, etags out (any write of the NIC changes them)."""
    return _no_etags(console(server).network_interfaces.get(RG, nic).as_dict()["properties"])


def _no_etags(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _no_etags(v) for k, v in body.items() if k != "etag"}
    if isinstance(body, list):
        return [_no_etags(v) for v in body]
    return body


def _without_ours(props: Any) -> Any:
    """The NIC's properties with eastwest's ASG taken out of each configuration's list."""
    configs = []
    for c in props["ipConfigurations"]:
        held = c["properties"].get("applicationSecurityGroups", [])
        refs = [a for a in held if OURS not in a["id"]]
        configs.append({**c, "properties": {**c["properties"], "applicationSecurityGroups": refs}})
    return {**props, "ipConfigurations": configs}


def test_every_nic_of_a_member_subnet_joins_the_asg_and_keeps_its_other_asgs(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter, client = adapter_for(server, "acme"), console(server)
    before = _configs(server, NIC)
    _apply(_policy(), adapter)
    assert _asgs_of(server, NIC) == [[LEGACY, OURS]]
    assert _asgs_of(server, "nic-vm-db-1") == [[]]  # snet-db: no member subnet
    assert _asgs_of(server, "nic-vm-app-2") == [[]]  # segment app did not opt in
    tags = client.application_security_groups.get(RG, OURS).tags or {}
    assert tags == {
        "eastwest:managed": "true",
        "eastwest:policy": "acme",
        "eastwest:key": f"azure/{SUB}/eastus/fwgroup/db@vnet-db",
        "eastwest:segment": "db",
    }
    assert _without_ours(_configs(server, NIC)) == before


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param("leave", id="nic-taken-out-by-hand"),
        pytest.param("delete", id="asg-deleted-by-hand"),
    ],
)
def test_a_hand_edit_shows_in_the_plan_and_apply_puts_it_back(
    server: AzureServer, seeded: SeedReport, edit: str
) -> None:
    adapter, client = adapter_for(server, "acme"), console(server)
    _apply(_policy(), adapter)
    body = client.network_interfaces.get(RG, NIC).as_dict()
    for config in body["properties"]["ipConfigurations"]:
        refs = config["properties"]["applicationSecurityGroups"]
        config["properties"]["applicationSecurityGroups"] = [r for r in refs if OURS not in r["id"]]
    client.network_interfaces.begin_create_or_update(RG, NIC, NetworkInterface(body)).result()
    if edit == "delete":
        client.application_security_groups.begin_delete(RG, OURS).result()
        with pytest.raises(ResourceNotFoundError):
            client.application_security_groups.get(RG, OURS)
    plan = _plan(_policy(), adapter)
    changed = [c for c in plan.changes if c.key.endswith("fwgroup/db@vnet-db")]
    assert len(changed) == 1, [c.key for c in plan.changes]
    said = changed[0].before.description  # type: ignore[union-attr]
    assert ("is missing" if edit == "delete" else f"NIC {NIC} is not in {OURS}") in said
    _apply(_policy(), adapter)
    assert _asgs_of(server, NIC) == [[LEGACY, OURS]]


@pytest.mark.parametrize(
    ("after", "group_stays"),
    [
        pytest.param({"db": False}, False, id="segment-removed"),
        pytest.param({"asg": False}, True, id="opted-out"),
        pytest.param({"asg": None}, True, id="option-dropped"),
    ],
)
def test_letting_go_empties_and_deletes_the_asg_and_keeps_the_foreign_membership(
    server: AzureServer, seeded: SeedReport, after: dict[str, Any], group_stays: bool
) -> None:
    adapter, client = adapter_for(server, "acme"), console(server)
    before = _configs(server, NIC)
    _apply(_policy(), adapter)
    _apply(_policy(**after), adapter)
    assert _configs(server, NIC) == before
    with pytest.raises(ResourceNotFoundError):
        client.application_security_groups.get(RG, OURS)
    names = {n.name for n in client.network_security_groups.list(RG)}
    assert (OURS in names) == group_stays


def test_the_plan_shows_the_option_and_its_json_is_valid(
    server: AzureServer, seeded: SeedReport
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    adapter = adapter_for(server, "acme")
    _apply(_policy(asg=None), adapter)
    plan = _plan(_policy(), adapter)
    [change] = [c for c in plan.changes if c.key.endswith("fwgroup/db@vnet-db")]
    assert (change.before.asg, change.after.asg) == (False, True)  # type: ignore[union-attr]
    document = plan_to_json(plan)
    jsonschema.Draft202012Validator(document_schema("plan")).validate(document)
    [body] = [c for s in document["scopes"] for c in s["changes"] if c["key"] == change.key]
    assert (body["before"].get("asg"), body["after"]["asg"]) == (None, True)
