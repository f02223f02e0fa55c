"""The hub firewalls' rulebase as Terraform JSON for the ``PaloAltoNetworks/panos`` provider (2.x).

In: per hub firewall (``<cloud>/<zone>``), or per Panorama device group
(``panorama/<host>/<group>``), the ``FirewallState`` the compiler wants there, the same one
``eastwest apply`` writes. Out: ``panos/``, a root module of its own (one provider
configuration per firewall, its address from the ``panos_hosts`` variable; per device group,
Panorama's ``host`` from the policy), so that a pipeline without the panos provider still runs
the clouds' root; and a provider override aimed at the sandbox's fakes. A device group's
objects and rules carry ``location.device_group`` (rules in its ``pre-rulebase``); registered
addresses of a dynamic group are ``panos_ip_tag``s; Panorama's push is not a resource (the
pipeline commits and pushes after ``terraform apply``, as with any panos configuration).
Always: every object is what ``providers/panos/translate.py`` writes (names, the ``eastwest``
tag, descriptions ending in the content digest eastwest records, ``log_end``), so a rulebase
Terraform made is one eastwest observes as its own and in sync; eastwest's rules are one
``panos_security_policy_rules`` per firewall at the top of the vsys rulebase
(``position.where = "first"``), in the section's order, the terminal deny last. Resource and
argument names follow the provider's documentation at v2.0.12 (``docs/resources/*.md``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from orchestrator.state.ngfw import (
    OWNER_TAG,
    FirewallState,
    NgfwAddressGroup,
    NgfwRegisteredIp,
    NgfwResource,
    NgfwRule,
    NgfwSchedule,
    NgfwSection,
    NgfwService,
    NgfwTag,
    address_name,
    with_digest,
)
from terraform.names import sanitise

SOURCE = "PaloAltoNetworks/panos"
# Written against the provider's documentation at v2.0.12 (no provider binary is mirrored
# here, so `terraform validate` has not run on it); 2.x keeps these resources.
VERSION = "~> 2.0.12"
VARIABLE = "panos_hosts"
PANORAMA = "panorama/"  # a device group's label: panorama/<host>/<group>

Json = dict[str, Any]


def alias(firewall: str) -> str:
    """``aws/us-east-1a`` → ``fw_aws_us_east_1a``: one provider configuration per firewall."""
    return f"fw_{sanitise(firewall)}"


def wanted(firewalls: Mapping[str, FirewallState]) -> dict[str, FirewallState]:
    """The firewalls with something of eastwest's to hold."""
    return {label: state for label, state in sorted(firewalls.items()) if state.resources}


def root(policy: str, firewalls: Mapping[str, FirewallState], required_version: str) -> Json:
    """The ``panos/`` root module's one file."""
    prefix = f"eastwest-{policy}-"
    resources: dict[str, dict[str, Json]] = {}
    for label, state in wanted(firewalls).items():
        for rtype, name, body in _resources(prefix, state):
            resources.setdefault(rtype, {})[name] = {"provider": f"panos.{alias(label)}", **body}
    requirement = {"source": SOURCE, "version": VERSION}
    return {
        "terraform": {
            "required_version": required_version,
            "required_providers": {"panos": requirement},
        },
        "variable": {VARIABLE: _variable(firewalls)},
        "provider": {"panos": _providers(firewalls)},
        "resource": resources,
    }


def _resources(prefix: str, state: FirewallState) -> Iterator[tuple[str, str, Json]]:
    section: NgfwSection | None = None
    rules: dict[str, NgfwRule] = {}
    for resource in state.resources.values():
        if isinstance(resource, NgfwSection):
            section = resource
        elif isinstance(resource, NgfwRule):
            rules[resource.name] = resource
        else:
            yield from _object(prefix, state.firewall, resource)
    if section is not None:
        yield _rules(state.firewall, [rules[name] for name in section.order])


def _name(firewall: str, name: str) -> str:
    return sanitise(f"{firewall}_{name}")


def _location(firewall: str, rulebase: str = "") -> Json:
    """A firewall's vsys, or a Panorama device group (its ``rulebase`` for rules)."""
    if not firewall.startswith(PANORAMA):
        return {"vsys": {"name": "vsys1"}}
    group: Json = {"name": firewall.split("/", 2)[2]}
    return {"device_group": group | ({"rulebase": rulebase} if rulebase else {})}


def _object(prefix: str, firewall: str, resource: NgfwResource) -> Iterator[tuple[str, str, Json]]:
    where = {"location": _location(firewall)}
    if isinstance(resource, NgfwTag):
        colour = {"color": "color1"} if resource.name == OWNER_TAG else {}
        yield (
            "panos_administrative_tag",
            _name(firewall, resource.name),
            where
            | {
                "name": resource.name,
                **colour,
            },
        )
    elif isinstance(resource, NgfwAddressGroup):
        yield from _group(prefix, firewall, resource)
    elif isinstance(resource, NgfwService):
        protocol = {resource.protocol: {"destination_port": resource.ports}}
        yield (
            "panos_service",
            _name(firewall, resource.name),
            where
            | {
                "name": resource.name,
                "description": with_digest("eastwest", resource),
                "protocol": protocol,
                "tags": [_tag(firewall)],
            },
        )
    elif isinstance(resource, NgfwRegisteredIp):
        # User-ID, not configuration: registered on the firewall, or in Panorama's own table.
        place = {"panorama": {}} if firewall.startswith(PANORAMA) else _location(firewall)
        body = {"location": place, "ip": resource.name, "tags": list(resource.tags)}
        yield "panos_ip_tag", _name(firewall, resource.name), body
    elif isinstance(resource, NgfwSchedule):
        yield (
            "panos_schedule",
            _name(firewall, resource.name),
            where
            | {
                "name": resource.name,
                "schedule_type": {"recurring": _recurring(resource)},
            },
        )


def _tag(firewall: str, name: str = OWNER_TAG) -> str:
    """A tag by reference (the owner tag by default): Terraform makes it before what
    carries it."""
    return f"${{panos_administrative_tag.{_name(firewall, name)}.name}}"


def _group(prefix: str, firewall: str, group: NgfwAddressGroup) -> Iterator[tuple[str, str, Json]]:
    members = []
    for cidr in group.cidrs:
        name = address_name(prefix, cidr)
        members.append(f"${{panos_address.{_name(firewall, name)}.name}}")
        body = {"name": name, "ip_netmask": cidr, "tags": [_tag(firewall)]}
        yield "panos_address", _name(firewall, name), {"location": _location(firewall)} | body
    matched: Json = {"dynamic": {"filter": group.filter}} if group.filter else {"static": members}
    yield (
        "panos_address_group",
        _name(firewall, group.name),
        {
            "location": _location(firewall),
            "name": group.name,
            "description": with_digest(f"eastwest: segment {group.segment}", group),
            **matched,
            "tag": [_tag(firewall)],
        },
    )


def _recurring(schedule: NgfwSchedule) -> Json:
    hours = list(schedule.hours)
    if not schedule.days:
        return {"daily": hours}
    return {"weekly": dict.fromkeys(schedule.days, hours)}


def _rules(firewall: str, rules: list[NgfwRule]) -> tuple[str, str, Json]:
    return (
        "panos_security_policy_rules",
        _name(firewall, "eastwest_section"),
        {
            "location": _location(firewall, "pre-rulebase"),
            # eastwest's section is the top of the rulebase; rules below it are not touched.
            "position": {"where": "first"},
            # The rules refer to the objects they name: Terraform makes those first.
            "rules": [_rule(firewall, rule) for rule in rules],
        },
    )


def _rule(firewall: str, rule: NgfwRule) -> Json:
    body: Json = {
        "name": rule.name,
        "source_zones": ["any"],
        "destination_zones": ["any"],
        "source_addresses": [_refer(firewall, "panos_address_group", n) for n in rule.source],
        "destination_addresses": [
            _refer(firewall, "panos_address_group", n) for n in rule.destination
        ],
        "applications": list(rule.applications),
        "services": [_refer(firewall, "panos_service", n) for n in rule.services],
        "source_users": list(rule.users),
        "category": ["any"],
        "action": rule.action,
        "tag": [_tag(firewall, t) for t in rule.tags],
        "log_end": True,
        "description": with_digest(rule.description, rule),
    }
    if rule.schedule:
        body["schedule"] = _refer(firewall, "panos_schedule", rule.schedule)
    if rule.profile:
        body["profile_setting"] = {"group": [rule.profile]}
    return body


def _refer(firewall: str, rtype: str, name: str) -> str:
    if not name.startswith("eastwest-"):
        return name  # 'any', 'application-default': the firewall's own
    return f"${{{rtype}.{_name(firewall, name)}.name}}"


def _providers(firewalls: Mapping[str, FirewallState]) -> list[Json]:
    """One configuration per firewall, its address from ``var.panos_hosts``; credentials from
    the provider's own environment (``PANOS_USERNAME`` / ``PANOS_PASSWORD`` or
    ``PANOS_API_KEY``), never written here."""
    return [{"alias": alias(label), **_host(label)} for label in wanted(firewalls)]


def _host(label: str) -> Json:
    """A device group's Panorama is the policy's ``host``; a firewall's address a variable."""
    if not label.startswith(PANORAMA):
        return {"hostname": f'${{var.{VARIABLE}["{label}"]}}'}
    hostname, _, port = label.split("/")[1].partition(":")
    return {"hostname": hostname, **({"port": int(port)} if port else {})}


def _variable(firewalls: Mapping[str, FirewallState]) -> Json:
    labels = ", ".join(wanted(firewalls))
    return {
        "type": "map(string)",
        "description": f"The management address of each hub firewall ({labels})",
    }


def sandbox_override(firewalls: Mapping[str, FirewallState], panos: Mapping[str, Any]) -> Json:
    """Aimed at the sandbox's fake firewalls (their self-signed certificates made at start-up,
    their fixed sandbox credentials); empty when the sandbox runs none of them."""
    fleet = dict(panos.get("firewalls", {}))
    for label in wanted(firewalls):
        if label.startswith(PANORAMA) and label.split("/")[1] in panos.get("panoramas", {}):
            fleet[label] = panos["panoramas"][label.split("/")[1]]
    labels = [label for label in wanted(firewalls) if label in fleet]
    if not labels:
        return {}
    blocks = [
        {
            "alias": alias(label),
            "hostname": fleet[label]["hostname"],
            "port": fleet[label]["port"],
            "username": fleet[label]["username"],
            "password": fleet[label]["password"],
            "skip_verify_certificate": True,
        }
        for label in labels
    ]
    hosts = {label: fleet[label]["hostname"] for label in labels if not label.startswith(PANORAMA)}
    return {"provider": {"panos": blocks}, "variable": {VARIABLE: {"default": hosts}}}
