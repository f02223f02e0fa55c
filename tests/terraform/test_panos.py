"""The hub firewalls' rulebase as the ``PaloAltoNetworks/panos`` provider's resources: the same
objects ``eastwest apply`` writes (names, descriptions with their digest, members, the rules in
the section's order, the deny last), every reference resolving, only documented arguments
(no panos provider is mirrored here, so ``terraform validate`` cannot run on it), and a
provider override aimed at the sandbox's fake firewalls."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.compile.membership import resolve_membership
from orchestrator.compile.ngfw import compile_firewalls
from orchestrator.model import load_policy
from orchestrator.state import Network, Scope, ScopeInventory
from orchestrator.state.ngfw import FirewallState, NgfwRule, NgfwSection
from terraform import check_references, synthesize
from terraform.panos import alias
from tests.providers.panos.policies import inspected_hub
from tests.terraform.test_provider_arguments import _problems

SCOPE = Scope("aws", "111111111111", "us-east-1")
LABELS = ("aws/us-east-1a", "aws/us-east-1b")
P = "eastwest-acme-"
POLICY = inspected_hub("us-east-1a", "us-east-1b") + textwrap.dedent(
    """\
    segments:
      - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-web}]}
      - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}
    rules:
      - name: web-to-db
        from: web
        to: db
        ports: [tcp/5432, tcp/8000-8100]
        inspect: true
        bidirectional: true
        applications: [postgres]
        users: ['ACME\\app-web']
        schedule: {days: [mon, fri], hours: ['06:00-22:00']}
        category: payments
        profile: strict
    """
)
INVENTORY = {
    SCOPE: ScopeInventory(
        SCOPE,
        networks=(
            Network("vpc-web", ("10.1.0.0/16",)),
            Network("vpc-db", ("10.2.0.0/16", "10.3.0.0/24")),
        ),
    )
}
_REF = re.compile(r"^\$\{(panos_[a-z_]+)\.([a-z0-9_]+)\.name\}$")


def made(tmp_path: Path, sandbox: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy([path]).policy
    firewalls, diags = compile_firewalls(policy, resolve_membership(policy, INVENTORY))
    assert diags == []
    files = synthesize(compile_policy(policy, INVENTORY), sandbox=sandbox, firewalls=firewalls)
    return files, firewalls


def resolved(module: dict[str, Any], value: Any) -> Any:
    """A ``${panos_x.y.name}`` reference as the name it stands for; lists element by element."""
    if isinstance(value, list):
        return [resolved(module, v) for v in value]
    found = _REF.match(value) if isinstance(value, str) else None
    if found is None:
        return value
    return module["resource"][found.group(1)][found.group(2)]["name"]


def test_the_configuration_loads_and_uses_only_documented_arguments(tmp_path: Path) -> None:
    files, _ = made(tmp_path)
    assert check_references(files) == []
    assert _problems({k: v for k, v in files.items() if k.startswith("panos/")}) == []
    # A root of its own: the clouds' root needs no panos provider to init.
    assert "panos" not in files["main.tf.json"]["terraform"]["required_providers"]
    root = files["panos/main.tf.json"]
    assert root["terraform"]["required_providers"]["panos"]["source"] == "PaloAltoNetworks/panos"
    assert [p["alias"] for p in root["provider"]["panos"]] == [alias(label) for label in LABELS]
    assert "panos_hosts" in root["variable"]


def test_each_firewall_gets_its_section_in_order_with_the_deny_last(tmp_path: Path) -> None:
    files, firewalls = made(tmp_path)
    module = files["panos/main.tf.json"]
    sections = module["resource"]["panos_security_policy_rules"]
    assert len(sections) == len(LABELS)
    for label in LABELS:
        (body,) = [b for b in sections.values() if b["provider"] == f"panos.{alias(label)}"]
        assert body["position"] == {"where": "first"}
        order = [s for s in firewalls[label].resources.values() if isinstance(s, NgfwSection)]
        assert [r["name"] for r in body["rules"]] == list(order[0].order)
        assert [r["name"] for r in body["rules"]] == [
            f"{P}web-to-db",
            f"{P}web-to-db--rev",
            f"{P}-deny",
        ]
        forward, reverse, deny = body["rules"]
        assert resolved(module, forward["source_addresses"]) == [f"{P}web"]
        assert resolved(module, reverse["source_addresses"]) == [f"{P}db"]
        assert deny["action"] == "deny"


def _applied(state: FirewallState, *, rules: bool) -> dict[str, Any]:
    """What ``eastwest apply`` sends for ``state``, by name (pan-os-python objects): the rules,
    or the objects (a schedule takes its rule's name)."""
    pytest.importorskip("panos")
    from providers.panos.translate import to_objects

    sent: dict[str, Any] = {}
    for resource in state.resources.values():
        if not isinstance(resource, NgfwSection) and isinstance(resource, NgfwRule) is rules:
            sent.update({obj.name: obj for obj in to_objects(resource, P)})
    return sent


def test_the_objects_are_those_apply_writes(tmp_path: Path) -> None:
    files, firewalls = made(tmp_path)
    module = files["panos/main.tf.json"]
    mine = f"panos.{alias(LABELS[0])}"
    sent = _applied(firewalls[LABELS[0]], rules=False)
    declared = {
        body["name"]: (rtype, body)
        for rtype, named in module["resource"].items()
        for body in named.values()
        if body["provider"] == mine and rtype != "panos_security_policy_rules"
    }
    assert set(declared) == set(sent)
    for name, (rtype, body) in declared.items():
        obj = sent[name]
        if rtype == "panos_address":
            assert body["ip_netmask"] == obj.value
        if rtype == "panos_address_group":
            assert (resolved(module, body["static"]), body["description"]) == (
                obj.static_value,
                obj.description,
            )
        if rtype == "panos_service":
            assert body["description"] == obj.description
            assert body["protocol"] == {obj.protocol: {"destination_port": obj.destination_port}}
    sent = _applied(firewalls[LABELS[0]], rules=True)
    rules = [r for r in firewalls[LABELS[0]].resources.values() if isinstance(r, NgfwRule)]
    (section,) = [b for b in module["resource"]["panos_security_policy_rules"].values()
                  if b["provider"] == mine]  # fmt: skip
    by_name = {r["name"]: r for r in section["rules"]}
    for rule in rules:
        obj, body = sent[rule.name], by_name[rule.name]
        assert body["description"] == obj.description
        assert resolved(module, body["services"]) == obj.service
        assert resolved(module, body["destination_addresses"]) == obj.destination
        assert resolved(module, body.get("schedule")) == obj.schedule
        assert resolved(module, body["tag"]) == obj.tag
        assert body.get("profile_setting", {}).get("group", [None]) == [obj.group]


def test_the_sandbox_override_points_each_firewall_at_its_fake(tmp_path: Path) -> None:
    fleet = {
        label: {"hostname": "127.0.0.1", "port": 9000 + i, "username": "admin", "password": "x"}
        for i, label in enumerate(LABELS)
    }
    files, _ = made(tmp_path, sandbox={"panos": {"firewalls": fleet}})
    override = files["panos/sandbox_override.tf.json"]
    blocks = override["provider"]["panos"]
    assert [(b["alias"], b["port"]) for b in blocks] == [
        (alias(LABELS[0]), 9000),
        (alias(LABELS[1]), 9001),
    ]
    assert all(b["skip_verify_certificate"] for b in blocks)
    assert override["variable"]["panos_hosts"]["default"] == dict.fromkeys(LABELS, "127.0.0.1")


def test_without_firewalls_nothing_of_panos_is_written(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    files = synthesize(compile_policy(load_policy([path]).policy, INVENTORY))
    assert not [p for p in files if "panos" in p]


MANAGED = POLICY.replace(
    "        - {zone: us-east-1b, next_hop: vpce-b}\n",
    "        - {zone: us-east-1b, next_hop: vpce-b}\n"
    "      panorama: {host: 'panorama.acme.example:8443', device_group: hub}\n",
).replace(
    "  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}\n",
    "  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}],\n"
    "     panos: {address_group: dynamic}}\n",
)
DEVICE_GROUP = "panorama/panorama.acme.example:8443/hub"


def _managed(tmp_path: Path, sandbox: dict[str, Any] | None = None) -> dict[str, Any]:
    assert MANAGED.count("panorama:") == 1
    assert MANAGED.count("dynamic") == 1
    path = tmp_path / "managed.yaml"
    path.write_text(MANAGED, encoding="utf-8")
    policy = load_policy([path]).policy
    firewalls, diags = compile_firewalls(policy, resolve_membership(policy, INVENTORY))
    assert (list(firewalls), diags) == ([DEVICE_GROUP], [])
    files = synthesize(compile_policy(policy, INVENTORY), sandbox=sandbox, firewalls=firewalls)
    assert check_references(files) == []
    assert _problems({k: v for k, v in files.items() if k.startswith("panos/")}) == []
    return files


def test_a_managed_hub_is_declared_in_its_device_group_on_panorama(tmp_path: Path) -> None:
    module = _managed(tmp_path)["panos/main.tf.json"]
    assert module["provider"]["panos"] == [
        {"alias": alias(DEVICE_GROUP), "hostname": "panorama.acme.example", "port": 8443}
    ]
    resources = module["resource"]
    (section,) = resources["panos_security_policy_rules"].values()
    assert section["location"] == {"device_group": {"name": "hub", "rulebase": "pre-rulebase"}}
    assert [r["name"] for r in section["rules"]][-1] == f"{P}-deny"
    places = {
        json.dumps(body["location"], sort_keys=True)
        for rtype, named in resources.items()
        if rtype not in ("panos_security_policy_rules", "panos_ip_tag")
        for body in named.values()
    }
    assert places == {json.dumps({"device_group": {"name": "hub"}})}


def test_a_dynamic_segment_is_a_filter_and_ip_tags(tmp_path: Path) -> None:
    resources = _managed(tmp_path)["panos/main.tf.json"]["resource"]
    groups = {b["name"]: b for b in resources["panos_address_group"].values()}
    assert groups[f"{P}db"]["dynamic"] == {"filter": f"'{P}db'"}
    assert "static" not in groups[f"{P}db"]
    assert "dynamic" not in groups[f"{P}web"]
    tags = sorted((b["ip"], b["tags"], b["location"]) for b in resources["panos_ip_tag"].values())
    assert tags == [
        ("10.2.0.0/16", [f"{P}db"], {"panorama": {}}),
        ("10.3.0.0/24", [f"{P}db"], {"panorama": {}}),
    ]
    addresses = {b["ip_netmask"] for b in resources["panos_address"].values()}
    assert addresses == {"10.1.0.0/16"}  # the dynamic segment has no address objects


def test_the_sandbox_override_points_a_device_group_at_the_fake_panorama(tmp_path: Path) -> None:
    fake = {"hostname": "127.0.0.1", "port": 9100, "username": "admin", "password": "x"}
    sandbox = {"panos": {"firewalls": {}, "panoramas": {"panorama.acme.example:8443": fake}}}
    override = _managed(tmp_path, sandbox)["panos/sandbox_override.tf.json"]
    (block,) = override["provider"]["panos"]
    assert (block["alias"], block["port"], block["hostname"]) == (
        alias(DEVICE_GROUP),
        9100,
        "127.0.0.1",
    )
