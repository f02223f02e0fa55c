"""Panorama and dynamic address groups against a real ``eastwest sandbox up``: the AWS hub's
firewalls managed by the sandbox's Panorama (device group ``hub-aws``), the db segment's group
dynamic. ``eastwest plan`` shows the device group (not the two firewalls) and the registered
addresses; ``apply`` writes Panorama's pre-rulebase, pushes the group and registers the
addresses, all read back through pan-os-python; an address unregistered by hand is restored;
the VM-Series themselves are not written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from panos.objects import AddressGroup
from panos.panorama import DeviceGroup, Panorama
from panos.policies import PreRulebase, SecurityRule

from moto_fixtures.sandbox import load_sandbox

from .test_cli_sandbox import EXAMPLE, _rules, run

LABEL = "panorama/panorama.sandbox/hub-aws"
SCHEMA = Path(__file__).parents[3] / "orchestrator" / "schemas" / "plan.schema.json"
PREFIX = "eastwest-sandbox-"
HUB = "        - {zone: us-east-1b, next_hop: vpce-0b2edc770b33f510b}\n"
DB = "      - {account: aws-sandbox, region: us-east-1, tags: {segment: db}}\n"


def _policy(tmp_path: Path) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(HUB) == 1
    assert text.count(DB) == 1
    text = text.replace(
        HUB, HUB + "      panorama: {host: panorama.sandbox, device_group: hub-aws}\n"
    )
    text = text.replace(DB, DB + "    panos: {address_group: dynamic}\n")
    path = tmp_path / "panorama.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _valid(text: str) -> Any:
    """The plan's JSON, checked against the plan format's schema."""
    body = json.loads(text)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(body)
    return body


def _panorama(directory: Path) -> Panorama:
    entry = load_sandbox(directory)["panos"]["panoramas"]["panorama.sandbox"]
    return Panorama(entry["hostname"], entry["username"], entry["password"], port=entry["port"])


def _pre_rules(panorama: Panorama) -> list[str]:
    rulebase = panorama.add(DeviceGroup("hub-aws")).add(PreRulebase())
    return [r.name for r in SecurityRule.refreshall(rulebase, running_config=True)]


def test_plan_apply_through_panorama_with_a_dynamic_group(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    policy = _policy(tmp_path)
    code, out, err = run(sandbox_dir, "plan", policy, "--detailed-exitcode")
    assert code == 2, err
    assert f"Firewall {LABEL}\n" in out
    assert "Firewall aws/us-east-1a" not in out
    assert f"+ ngfw_rule {PREFIX}app-to-db" in out
    assert "+ ngfw_registered_ip 10." in out
    code, out, err = run(sandbox_dir, "apply", policy, "--auto-approve")
    assert code == 0, err
    panorama = _panorama(sandbox_dir)
    assert _pre_rules(panorama) == [f"{PREFIX}app-to-db", f"{PREFIX}-deny", "hub-aws-dns"]
    groups = AddressGroup.refreshall(panorama.add(DeviceGroup("hub-aws")), running_config=True)
    db = next(g for g in groups if g.name == f"{PREFIX}db")
    assert db.dynamic_value == f"'{PREFIX}db'"
    registered = panorama.userid.get_registered_ip()
    assert registered
    assert all(tags == [f"{PREFIX}db"] for tags in registered.values())
    status = panorama.op("show devicegroups").iterfind(".//entry[@name='hub-aws']//devices/entry")
    assert {d.findtext("shared-policy-status") for d in status} == {"In Sync"}
    for label in ("aws/us-east-1a", "aws/us-east-1b"):  # Panorama's, not written directly
        assert not [r for r in _rules(sandbox_dir, label) if r.name.startswith("eastwest")]
    code, out, err = run(sandbox_dir, "plan", policy, "--json")
    assert code == 0, err
    body = _valid(out)
    assert [(f["firewall"], f["changes"]) for f in body["firewalls"]] == [(LABEL, [])]

    gone = sorted(registered)[0]
    panorama.userid.unregister(gone, [f"{PREFIX}db"])
    code, out, err = run(sandbox_dir, "plan", policy, "--detailed-exitcode")
    assert code == 2, err
    assert f"+ ngfw_registered_ip {gone}" in out
    code, out, _ = run(sandbox_dir, "plan", policy, "--json")
    pending = [c["kind"] for c in _valid(out)["firewalls"][0]["changes"]]
    assert (code, pending) == (0, ["ngfw_registered_ip"])
    code, _, err = run(sandbox_dir, "apply", policy, "--auto-approve")
    assert code == 0, err
    assert panorama.userid.get_registered_ip() == registered
