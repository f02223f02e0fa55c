"""What a commit checks before it changes the running configuration: every reference a
security rule makes resolves, as the firewall's commit validation says ``rule -> x ->
application 'y' is not a valid reference``.

In: a whole ``<config>`` tree (the one a commit would install): a firewall's (rules in each
vsys' rulebase) or a Panorama's (rules in each device group's pre- and post-rulebase, zones
left to the templates). Out: the error lines; none means the commit may proceed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from moto_fixtures.panos.seed import VSYS_XPATH
from moto_fixtures.panos.xpath import select

_ANY = {"any"}
_DEVICE_GROUPS = "devices/entry/device-group/entry"


def commit_errors(tree: ET.Element) -> list[str]:
    groups = tree.findall(_DEVICE_GROUPS)
    if tree.find("panorama") is not None:
        bases = ("pre-rulebase", "post-rulebase")
        return [e for g in groups for base in bases for e in _rule_errors(tree, g, base)]
    vsys = select(tree, VSYS_XPATH)
    if not vsys:
        return ["vsys1 is missing"]
    return list(_rule_errors(tree, vsys[0]))


def _names(tree: ET.Element, vsys: ET.Element, kind: str) -> set[str]:
    local = {e.get("name", "") for e in vsys.findall(f"{kind}/entry")}
    shared = {e.get("name", "") for e in tree.findall(f"shared/{kind}/entry")}
    return local | shared


def _rule_errors(tree: ET.Element, vsys: ET.Element, base: str = "rulebase") -> Iterator[str]:
    addresses = _names(tree, vsys, "address") | _names(tree, vsys, "address-group")
    known: dict[str, set[str] | None] = {
        "application": {e.get("name", "") for e in tree.findall("predefined/application/entry")}
        | _names(tree, vsys, "application")
        | _names(tree, vsys, "application-group")
        | _names(tree, vsys, "application-filter"),
        # A device group's zones are its templates' (not modelled): only a vsys' are checked.
        "from": _names(tree, vsys, "zone") if base == "rulebase" else None,
        "to": _names(tree, vsys, "zone") if base == "rulebase" else None,
        "tag": _names(tree, vsys, "tag"),
        "schedule": _names(tree, vsys, "schedule"),
        "profile-setting/group": _names(tree, vsys, "profile-group"),
    }
    for rule in vsys.findall(f"{base}/security/rules/entry"):
        name = rule.get("name", "")
        for field in ("source", "destination"):
            for member in _members(rule, field):
                if member not in addresses and not _literal(member):
                    yield _invalid(name, field, member)
        for field, names in known.items():
            for member in _members(rule, field):
                if names is not None and member not in names:
                    yield _invalid(name, field, member)
        if rule.findtext("action") not in ("allow", "deny", "drop", "reset-client",
                                            "reset-server", "reset-both"):  # fmt: skip
            yield f"security -> rules -> {name} -> action is invalid"


def _members(rule: ET.Element, field: str) -> list[str]:
    node = rule.find(field)
    if node is None:
        return []
    if field == "schedule":
        return [node.text or ""]
    return [m.text or "" for m in node.findall("member") if (m.text or "") not in _ANY]


def _literal(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _invalid(rule: str, field: str, value: str) -> str:
    return f"security -> rules -> {rule} -> {field} '{value}' is not a valid reference"
