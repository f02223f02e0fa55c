"""Compile inspected rules to each hub firewall's own rulebase (docs/panos.md).

In: the policy and its resolved membership (the same inventory the clouds' groups come from).
Out: per firewall (``<cloud>/<zone>`` of a hub with inspection, or for a hub whose firewalls a
Panorama manages, its device group: ``panorama/<host>/<device group>``) a ``FirewallState``:
the ``eastwest`` tag and one tag per category, one address group per segment the firewall sees
(static, or dynamic on the segment's tag with its addresses registered under that tag), a
service per port range, a schedule per scheduled rule, one security rule per inspected policy
rule (connections opened from → to; replies ride the session) and a terminal deny
between the firewall's segments, all in eastwest's section at the top of the rulebase.
Always: every name starts with ``eastwest-<policy>-`` and every taggable object carries the
``eastwest`` tag, the two marks of ownership; problems are diagnostics, never exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from orchestrator.compile.membership import Membership
from orchestrator.compile.transit import hub_scope
from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.ngfw import DAY_NAMES
from orchestrator.model.policy import Hub, Policy, Rule
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.state.ngfw import (
    OWNER_TAG,
    FirewallState,
    NgfwAddressGroup,
    NgfwPush,
    NgfwRegisteredIp,
    NgfwResource,
    NgfwRule,
    NgfwSchedule,
    NgfwSection,
    NgfwService,
    NgfwTag,
    ngfw_key,
    section_key,
)

NAME_LIMIT = 63  # PAN-OS object and rule names
REVERSE = "--rev"  # a bidirectional rule's to → from twin
PANORAMA = "panorama"  # the first part of a device group's label


@dataclass
class _Firewall:
    label: str
    prefix: str
    resources: dict[str, NgfwResource] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    segments: set[str] = field(default_factory=set)
    dynamic: frozenset[str] = frozenset()  # segments whose group is dynamic

    def put(self, resource: NgfwResource) -> str:
        self.resources[resource.key] = resource
        return resource.name if not isinstance(resource, NgfwSection) else ""


def firewall_labels(policy: Policy, hub: Hub) -> list[str]:
    """The hub's firewalls themselves (what failover probes), Panorama or not."""
    if hub.inspection is None:
        return []
    cloud = policy.account(hub.account).cloud
    return [f"{cloud}/{fw.zone}" for fw in hub.inspection.firewalls]


def rulebase_labels(policy: Policy, hub: Hub) -> list[str]:
    """Where the hub's rulebase is written: its Panorama's device group when one manages the
    firewalls (one section for all of them, pushed by Panorama), else each firewall."""
    if hub.inspection is not None and hub.inspection.panorama is not None:
        panorama = hub.inspection.panorama
        return [f"{PANORAMA}/{panorama.host}/{panorama.device_group}"]
    return firewall_labels(policy, hub)


def compile_firewalls(
    policy: Policy, membership: Membership
) -> tuple[dict[str, FirewallState], list[Diagnostic]]:
    diags = list(_name_lengths(policy))
    if diags:
        return {}, diags
    built: dict[str, _Firewall] = {}
    prefix = f"eastwest-{policy.name}-"
    dynamic = frozenset(
        s.name for s in policy.segments if s.panos and s.panos.address_group == "dynamic"
    )
    for hub in policy.hubs:
        scope = hub_scope(policy, hub)
        for label in rulebase_labels(policy, hub):
            firewall = built.setdefault(label, _Firewall(label, prefix, dynamic=dynamic))
            for index, rule in enumerate(policy.rules):
                if rule.inspect and _seen_by(membership, rule, scope):
                    diags.extend(_add_rule(firewall, membership, rule, f"rules[{index}]"))
    return {label: _finish(fw) for label, fw in sorted(built.items())}, diags


def _seen_by(membership: Membership, rule: Rule, scope: object) -> bool:
    places = (*membership.of(rule.from_), *membership.of(rule.to))
    return any(place.scope == scope for place in places)


def rule_names(prefix: str, rule: Rule) -> tuple[str, ...]:
    """The firewall rules of a policy rule, one per direction: ``<prefix><rule>`` from → to
    (the same whether or not the rule is bidirectional, so turning that on renames nothing),
    and ``<prefix><rule>--rev`` to → from."""
    forward = prefix + rule.name
    return (forward, forward + REVERSE) if rule.bidirectional else (forward,)


def _add_rule(
    firewall: _Firewall, membership: Membership, rule: Rule, path: str
) -> Iterator[Diagnostic]:
    groups = [_group(firewall, membership, segment) for segment in (rule.from_, rule.to)]
    if None in groups:
        yield warning(
            f"rule '{rule.name}' is not on firewall {firewall.label}: a segment of it has no "
            "addresses yet",
            path=path,
        )
        return
    ports = [parse_port_spec(spec) for spec in rule.ports]
    if any(p.protocol == "icmp" for p in ports) and len(ports) > 1:
        yield error(
            "a firewall rule cannot mix ICMP with ports: give ICMP a rule of its own",
            path=f"{path}.ports",
        )
        return
    ends = [(str(groups[0]), str(groups[1])), (str(groups[1]), str(groups[0]))]
    for name, (source, destination) in zip(rule_names(firewall.prefix, rule), ends, strict=False):
        way = f" ({rule.to} → {rule.from_})" if name.endswith(REVERSE) else ""
        allow = NgfwRule(
            key=ngfw_key(firewall.label, "ngfw_rule", name),
            firewall=firewall.label,
            name=name,
            source=(source,),
            destination=(destination,),
            applications=_applications(rule, ports),
            services=_services(firewall, ports),
            users=tuple(rule.users + rule.groups) or ("any",),
            action="allow",
            tags=_tags(firewall, rule),
            schedule=_schedule(firewall, rule),
            profile=rule.profile or "",
            description=f"eastwest: rule {rule.name}{way}",
        )
        firewall.rules.append(firewall.put(allow))


def _group(firewall: _Firewall, membership: Membership, segment: str) -> str | None:
    cidrs = tuple(sorted(membership.cidrs.get(segment, ())))
    if not cidrs:
        return None
    name = firewall.prefix + segment
    firewall.segments.add(name)
    key = ngfw_key(firewall.label, "ngfw_address_group", name)
    if segment not in firewall.dynamic:
        return firewall.put(NgfwAddressGroup(key, firewall.label, name, segment, cidrs))
    # The group's name is the tag it matches: the segment's addresses are registered with it.
    for cidr in cidrs:
        ip_key = ngfw_key(firewall.label, "ngfw_registered_ip", cidr)
        firewall.put(NgfwRegisteredIp(ip_key, firewall.label, cidr, (name,)))
    group = NgfwAddressGroup(key, firewall.label, name, segment, (), filter=f"'{name}'")
    return firewall.put(group)


def _applications(rule: Rule, ports: Sequence[PortRange]) -> tuple[str, ...]:
    if rule.applications:
        return tuple(sorted(set(rule.applications)))
    if ports and all(p.protocol == "icmp" for p in ports):
        return ("icmp", "ping")
    return ("any",)


def _services(firewall: _Firewall, ports: Sequence[PortRange]) -> tuple[str, ...]:
    if any(p.protocol == "all" for p in ports):
        return ("any",)
    if all(p.protocol == "icmp" for p in ports):
        return ("application-default",)
    names = []
    for port in ports:
        span = str(port.from_port) if port.from_port == port.to_port else str(port)[4:]
        name = f"{firewall.prefix}{port.protocol}-{span}"
        key = ngfw_key(firewall.label, "ngfw_service", name)
        names.append(firewall.put(NgfwService(key, firewall.label, name, port.protocol, span)))
    return tuple(sorted(set(names)))


def _tags(firewall: _Firewall, rule: Rule) -> tuple[str, ...]:
    tags = [_tag(firewall, OWNER_TAG)]
    if rule.category:
        tags.append(_tag(firewall, firewall.prefix + rule.category))
    return tuple(tags)


def _tag(firewall: _Firewall, name: str) -> str:
    return firewall.put(NgfwTag(ngfw_key(firewall.label, "ngfw_tag", name), firewall.label, name))


def _schedule(firewall: _Firewall, rule: Rule) -> str:
    if rule.schedule is None:
        return ""
    name = firewall.prefix + rule.name
    days = tuple(DAY_NAMES[d] for d in sorted(set(rule.schedule.days), key=list(DAY_NAMES).index))
    key = ngfw_key(firewall.label, "ngfw_schedule", name)
    hours = tuple(sorted(rule.schedule.hours))
    return firewall.put(NgfwSchedule(key, firewall.label, name, days, hours))


def _finish(firewall: _Firewall) -> FirewallState:
    if firewall.rules:
        deny = firewall.prefix + "-deny"
        segments = tuple(sorted(firewall.segments))
        firewall.put(
            NgfwRule(
                key=ngfw_key(firewall.label, "ngfw_rule", deny),
                firewall=firewall.label,
                name=deny,
                source=segments,
                destination=segments,
                applications=("any",),
                services=("any",),
                users=("any",),
                action="deny",
                tags=(_tag(firewall, OWNER_TAG),),
                description="eastwest: every other flow between segments",
            )
        )
        order = (*sorted(firewall.rules), deny)
        firewall.put(NgfwSection(section_key(firewall.label), firewall.label, order))
    if firewall.label.startswith(PANORAMA + "/"):
        # Panorama's device group reaches the firewalls only pushed: every one of them in sync.
        group = firewall.label.split("/", 2)[2]
        firewall.put(NgfwPush(ngfw_key(firewall.label, "ngfw_push", group), firewall.label, group))
    return FirewallState(firewall.label, dict(sorted(firewall.resources.items())))


def _name_lengths(policy: Policy) -> Iterator[Diagnostic]:
    """The longest names eastwest writes: a rule's (its reverse twin's), a segment's group, a
    category's tag; and no rule's name may be another's reverse twin."""
    prefix = f"eastwest-{policy.name}-"
    if not any(r.inspect for r in policy.rules):
        return
    yield from _twins(policy)
    named = [
        (f"rules[{i}].name", name.removeprefix(prefix))
        for i, r in enumerate(policy.rules)
        if r.inspect
        for name in rule_names(prefix, r)
    ]
    named += [(f"rules[{i}].category", r.category or "") for i, r in enumerate(policy.rules)]
    named += [(f"segments[{i}].name", s.name) for i, s in enumerate(policy.segments)]
    for path, name in named:
        if len(prefix + name) > NAME_LIMIT:
            yield error(
                f"'{prefix + name}' is longer than the {NAME_LIMIT} characters PAN-OS takes "
                "for a name; shorten the policy's name or this one",
                path=path,
            )


def _twins(policy: Policy) -> Iterator[Diagnostic]:
    names = {r.name for r in policy.rules if r.inspect}
    for index, rule in enumerate(policy.rules):
        if rule.inspect and rule.bidirectional and rule.name + REVERSE in names:
            yield error(
                f"rule '{rule.name}' is bidirectional, and its to → from rule on the firewall "
                f"would take the name of rule '{rule.name + REVERSE}'; rename one of them",
                path=f"rules[{index}].bidirectional",
            )


def check_catalogue(
    policy: Policy, label: str, applications: frozenset[str], profiles: frozenset[str]
) -> list[Diagnostic]:
    """Every application and profile group an inspected rule names, against what firewall
    ``label`` knows: an unknown one is an error at the rule's field, before any write."""
    diags = []
    for r, rule in enumerate(policy.rules):
        if not rule.inspect:
            continue
        for a, app in enumerate(rule.applications):
            if app not in applications:
                diags.append(
                    error(
                        f"firewall {label} does not know the application '{app}'",
                        path=f"rules[{r}].applications[{a}]",
                        detail="App-ID names are the firewall's catalogue (its content release)",
                    )
                )
        if rule.profile and rule.profile not in profiles:
            diags.append(
                error(
                    f"firewall {label} has no security profile group '{rule.profile}'",
                    path=f"rules[{r}].profile",
                )
            )
    return diags
