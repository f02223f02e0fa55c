"""Neutral firewall values ↔ pan-os-python objects, both ways, with no I/O.

In: ``NgfwResource``s (to write) or the objects pan-os-python refreshed from the running
configuration (to observe). Out: the objects to send (their ``element_str()`` and
``xpath()``), or the owned resources, the section's order and the names that look like
eastwest's but lack its tag. Always: eastwest owns an object only by both marks, its name's
prefix and (where the object takes tags) the ``eastwest`` tag; the digest eastwest records in
a description is ``[d:<digest>]`` at its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from panos.objects import AddressGroup, AddressObject, ScheduleObject, ServiceObject, Tag
from panos.policies import SecurityRule

from orchestrator.state.ngfw import (
    OWNER_TAG,
    FirewallState,
    NgfwAddressGroup,
    NgfwResource,
    NgfwRule,
    NgfwSchedule,
    NgfwSection,
    NgfwService,
    NgfwTag,
    address_name,
    ngfw_key,
    section_key,
    with_digest,
)

_RECORDED = re.compile(r"^(.*?) ?\[d:([0-9a-f]+)\]$", re.DOTALL)
_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def split_digest(description: str | None) -> tuple[str, str]:
    found = _RECORDED.match(description or "")
    return (found.group(1), found.group(2)) if found else (description or "", "")


def to_objects(resource: NgfwResource, prefix: str) -> list[Any]:
    """What writing ``resource`` sends, parents before what refers to them."""
    if isinstance(resource, NgfwTag):
        return [Tag(resource.name, color="color1" if resource.name == OWNER_TAG else None)]
    if isinstance(resource, NgfwAddressGroup):
        addresses = [
            AddressObject(address_name(prefix, cidr), cidr, tag=[OWNER_TAG])
            for cidr in resource.cidrs
        ]
        description = with_digest(f"eastwest: segment {resource.segment}", resource)
        group = AddressGroup(
            resource.name,
            static_value=[a.name for a in addresses] or None,
            dynamic_value=resource.filter or None,
            description=description,
            tag=[OWNER_TAG],
        )
        return [*addresses, group]
    if isinstance(resource, NgfwService):
        description = with_digest("eastwest", resource)
        service = ServiceObject(
            resource.name,
            protocol=resource.protocol,
            destination_port=resource.ports,
            description=description,
            tag=[OWNER_TAG],
        )
        return [service]
    if isinstance(resource, NgfwSchedule):
        return [_schedule(resource)]
    if isinstance(resource, NgfwRule):
        return [_rule(resource)]
    raise ValueError(f"{resource.kind} is not written as an object")


def _schedule(resource: NgfwSchedule) -> ScheduleObject:
    hours = list(resource.hours)
    if not resource.days:
        return ScheduleObject(resource.name, type="recurring", recurrence="daily", daily_time=hours)
    weekly = {f"weekly_{day}_time": hours for day in resource.days}
    return ScheduleObject(resource.name, type="recurring", recurrence="weekly", **weekly)


def _rule(resource: NgfwRule) -> SecurityRule:
    return SecurityRule(
        resource.name,
        fromzone=["any"],
        tozone=["any"],
        source=list(resource.source),
        destination=list(resource.destination),
        application=list(resource.applications),
        service=list(resource.services),
        source_user=list(resource.users),
        category=["any"],
        action=resource.action,
        tag=list(resource.tags),
        schedule=resource.schedule or None,
        group=resource.profile or None,
        log_end=True,
        description=with_digest(resource.description, resource),
    )


def from_objects(firewall: str, prefix: str, found: Mapping[str, Sequence[Any]]) -> FirewallState:
    """Owned resources from what was refreshed, keyed by kind: ``tags``, ``addresses``,
    ``groups``, ``services``, ``schedules``, ``rules`` (the whole rulebase, in order)."""
    resources: dict[str, NgfwResource] = {}
    foreign: set[str] = set()

    def owned(obj: Any, taggable: bool = True) -> bool:
        if not obj.name.startswith(prefix):
            return False
        if taggable and OWNER_TAG not in (obj.tag or []):
            foreign.add(obj.name)
            return False
        return True

    for tag in found["tags"]:
        if tag.name == OWNER_TAG or owned(tag, taggable=False):
            key = ngfw_key(firewall, "ngfw_tag", tag.name)
            resources[key] = NgfwTag(key, firewall, tag.name)
    cidrs = {a.name: a.value for a in found["addresses"] if owned(a)}
    for group in (g for g in found["groups"] if owned(g)):
        resources.update(_group(firewall, group, cidrs))
    for service in (s for s in found["services"] if owned(s)):
        key = ngfw_key(firewall, "ngfw_service", service.name)
        _, recorded = split_digest(service.description)
        resources[key] = NgfwService(
            key, firewall, service.name, service.protocol or "", str(service.destination_port),
            recorded=recorded,
        )  # fmt: skip
    for schedule in (s for s in found["schedules"] if owned(s, taggable=False)):
        resources.update(_observed_schedule(firewall, schedule))
    rules = list(found["rules"])
    for rule in (r for r in rules if owned(r)):
        resources.update(_observed_rule(firewall, rule))
    resources.update(_section(firewall, prefix, rules, foreign))
    return FirewallState(firewall, resources, frozenset(foreign))


def _group(firewall: str, group: Any, cidrs: Mapping[str, str]) -> dict[str, NgfwResource]:
    key = ngfw_key(firewall, "ngfw_address_group", group.name)
    text, recorded = split_digest(group.description)
    members = tuple(sorted(cidrs.get(m, f"ref:{m}") for m in group.static_value or []))
    segment = text.removeprefix("eastwest: segment ")
    found = NgfwAddressGroup(
        key, firewall, group.name, segment, members, recorded, filter=group.dynamic_value or ""
    )
    return {key: found}


def _observed_schedule(firewall: str, schedule: Any) -> dict[str, NgfwResource]:
    key = ngfw_key(firewall, "ngfw_schedule", schedule.name)
    if schedule.recurrence == "daily":
        days: tuple[str, ...] = ()
        hours = tuple(_listed(schedule.daily_time))
    else:
        spans = {d: _listed(getattr(schedule, f"weekly_{d}_time")) for d in _DAYS}
        days = tuple(d for d in _ordered_days() if spans[d])
        hours = tuple(sorted({h for d in days for h in spans[d]}))
    return {key: NgfwSchedule(key, firewall, schedule.name, days, tuple(sorted(hours)))}


def _ordered_days() -> tuple[str, ...]:
    return (*_DAYS[1:], _DAYS[0])  # monday first, as the compiler writes them


def _observed_rule(firewall: str, rule: Any) -> dict[str, NgfwResource]:
    key = ngfw_key(firewall, "ngfw_rule", rule.name)
    description, recorded = split_digest(rule.description)
    observed = NgfwRule(
        key=key,
        firewall=firewall,
        name=rule.name,
        source=tuple(_listed(rule.source)),
        destination=tuple(_listed(rule.destination)),
        applications=tuple(sorted(_listed(rule.application))),
        services=tuple(sorted(_listed(rule.service))),
        users=tuple(_listed(rule.source_user)),
        action=rule.action or "",
        tags=tuple(_listed(rule.tag)),
        schedule=rule.schedule or "",
        profile=rule.group or "",
        description=description,
        recorded=recorded,
    )
    return {key: observed}


def _section(
    firewall: str, prefix: str, rules: Sequence[Any], foreign: Iterable[str]
) -> dict[str, NgfwResource]:
    names = [r.name for r in rules]
    owned = [i for i, r in enumerate(rules) if r.name.startswith(prefix) and r.name not in foreign]
    if not owned:
        return {}
    key = section_key(firewall)
    return {key: NgfwSection(key, firewall, tuple(names[: owned[-1] + 1]))}


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def without_recorded(resource: NgfwResource) -> NgfwResource:
    """Tests compare observed to desired without the recorded digest."""
    if isinstance(resource, NgfwAddressGroup | NgfwService | NgfwRule):
        return replace(resource, recorded="")
    return resource
