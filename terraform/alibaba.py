"""The Alibaba Cloud module (alicloud): ECS security groups with standalone rules, VPC prefix
lists, CEN transit router routing and VPC route entries, as Terraform JSON.

In: the Alibaba scopes of a ``DesiredState``. Out: the ``alibaba/`` module, the root's provider
configurations and module call, import blocks and their ids.
Always: exactly what ``providers/alibaba/{writer,transit_write}.py`` write: every allow an
``accept`` at priority 1 with ``nic_type = "intranet"``, one ``drop`` egress rule to 0.0.0.0/0 at
priority 100 per group (the baseline), peers as prefix lists or CIDRs, the adapter's names,
descriptions and ownership tags, TR route entries named ``eastwest-<policy>``, VPC route entries
named ``eastwest:<policy>``; VPCs, vSwitches, route tables, the transit router and attachments
are named by id, never declared. Appliance mode has no switch on a TR attachment (the adapter
writes nothing for it), so nothing is generated for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.diagnostics import Diagnostic, warning
from orchestrator.state import (
    AddressSet,
    DesiredScope,
    FirewallGroup,
    FlowRule,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
    ObservedScope,
    Resource,
    Scope,
)
from orchestrator.state.resources import address_set_key
from terraform.names import provider_alias, unique_names
from terraform.world import World

SOURCE = "aliyun/alicloud"
# security_group_name since 1.239.0 (``name`` is deprecated there), prefix_list_id and rule
# import since 1.224.0, route entry description since 1.231.0. Not validated on this machine
# (no alicloud binary is installed).
VERSION = "~> 1.239"

# The same values as providers/alibaba (translate.py, translate_routing.py, writer.py,
# transit_write.py); tests/terraform/test_alibaba.py holds them equal.
TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_ROUTES_DIGEST = "eastwest:routes-digest"
TAG_VALUE_MAX = 128
ACCEPT_PRIORITY = 1
BASELINE_PRIORITY = 100
BASELINE_DESCRIPTION = "eastwest: deny egress not allowed by the policy"
BASELINE_MISSING = " [eastwest: egress default-deny rule missing]"
_PROTOCOLS = {"tcp", "udp", "icmp", "gre", "all"}

Json = dict[str, Any]
TYPES = {
    "address_set": "alicloud_vpc_prefix_list",
    "firewall_group": "alicloud_security_group",
    "flow_rule": "alicloud_security_group_rule",
    "baseline": "alicloud_security_group_rule",
    "hub_table": "alicloud_cen_transit_router_route_table",
    "hub_association": "alicloud_cen_transit_router_route_table_association",
    "hub_propagation": "alicloud_cen_transit_router_route_table_propagation",
    "hub_route": "alicloud_cen_transit_router_route_entry",
    "network_route": "alicloud_route_entry",
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """A group's drop-all egress rule: part of the group, not a neutral rule, declared as a rule
    resource of its own under the pseudo-key ``<group>/baseline``."""

    key: str
    scope: Scope
    group: str
    kind: str = "baseline"


Declared = Resource | Baseline


def entry_name(policy: str) -> str:
    """The name of every VPC route entry ``policy`` owns (the adapter's ownership mark)."""
    return f"eastwest:{policy}"


def hub_entry_name(policy: str) -> str:
    return f"eastwest-{policy}"


def ownership_tags(policy: str, key: str, segment: str) -> dict[str, str]:
    tags = {TAG_MANAGED: "true", TAG_POLICY: policy, TAG_KEY: key, TAG_SEGMENT: segment}
    too_long = [k for k, v in tags.items() if len(v) > TAG_VALUE_MAX]
    if too_long:
        raise ValueError(
            f"tag {too_long[0]} would be longer than Alibaba's {TAG_VALUE_MAX} characters; "
            "use shorter policy or segment names"
        )
    return tags


def declared(scopes: Sequence[DesiredScope]) -> dict[str, Declared]:
    found: dict[str, Declared] = {}
    for desired in scopes:
        for key, res in desired.resources.items():
            if res.kind in TYPES:
                found[key] = res
            if isinstance(res, FirewallGroup):
                found[f"{key}/baseline"] = Baseline(f"{key}/baseline", res.scope, key)
    return found


def addresses(scopes: Sequence[DesiredScope]) -> dict[str, str]:
    found = declared(scopes)
    names = unique_names((key, res.scope) for key, res in found.items())
    return {key: f"{TYPES[found[key].kind]}.{name}" for key, name in names.items()}


# -- bodies -----------------------------------------------------------------------------------


def _body(policy: str, res: Declared, where: Mapping[str, str]) -> Json:
    builders: dict[type[Any], Callable[..., Json]] = {
        AddressSet: _prefix_list,
        FirewallGroup: _group,
        FlowRule: _rule,
        Baseline: _baseline,
        HubTable: _hub_table,
        HubAssociation: _link,
        HubPropagation: _link,
        HubRoute: _hub_route,
        NetworkRoute: _vpc_route,
    }
    return {"provider": f"alicloud.{provider_alias(res.scope)}"} | builders[type(res)](
        policy, res, where
    )


def _prefix_list(policy: str, aset: AddressSet, where: Mapping[str, str]) -> Json:
    return {
        "prefix_list_name": aset.name,
        "prefix_list_description": f"eastwest: addresses of segment {aset.segment}",
        "ip_version": "IPV4",
        "max_entries": aset.max_entries,
        "entrys": [{"cidr": cidr} for cidr in sorted(aset.cidrs)],
        "tags": ownership_tags(policy, aset.key, aset.segment),
    }


def _group(policy: str, group: FirewallGroup, where: Mapping[str, str]) -> Json:
    return {
        "security_group_name": group.name,
        "description": group.description,
        "vpc_id": group.network,
        "security_group_type": "normal",
        "tags": ownership_tags(policy, group.key, group.segment),
        "lifecycle": {"ignore_changes": [f'tags["{TAG_RULES_DIGEST}"]']},
    }


def _baseline(policy: str, base: Baseline, where: Mapping[str, str]) -> Json:
    return {
        "security_group_id": f"${{{where[base.group]}.id}}",
        "type": "egress",
        "ip_protocol": "all",
        "port_range": "-1/-1",
        "cidr_ip": "0.0.0.0/0",
        "policy": "drop",
        "priority": BASELINE_PRIORITY,
        "nic_type": "intranet",
        "description": BASELINE_DESCRIPTION,
    }


def rule_fields(rule: FlowRule) -> tuple[str, str]:
    """``ip_protocol`` and ``port_range`` as the adapter writes them (lower case here: the
    provider's valid values; it reads the wire's upper case back lowered)."""
    if rule.protocol in ("tcp", "udp"):
        return rule.protocol, f"{rule.from_port}/{rule.to_port}"
    if rule.protocol in _PROTOCOLS and (rule.from_port, rule.to_port) == (-1, -1):
        return rule.protocol, "-1/-1"
    raise ValueError(f"{rule.key}: an ECS rule cannot match {rule.ports} (only whole ICMP, GRE)")


def _rule(policy: str, rule: FlowRule, where: Mapping[str, str]) -> Json:
    protocol, ports = rule_fields(rule)
    body: Json = {
        "security_group_id": f"${{{where[rule.group]}.id}}",
        "type": rule.direction,
        "ip_protocol": protocol,
        "port_range": ports,
        "policy": "accept",
        "priority": ACCEPT_PRIORITY,
        "nic_type": "intranet",
    }
    if rule.description:
        body["description"] = rule.description[:512]
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        aset = address_set_key(rule.scope, value)
        if aset not in where:
            raise ValueError(f"{rule.key}: no address set {aset} in the desired state")
        return body | {"prefix_list_id": f"${{{where[aset]}.id}}"}
    if kind == "cidr":
        return body | {"ipv6_cidr_ip" if ":" in value else "cidr_ip": value}
    raise ValueError(f"{rule.key}: peer {rule.peer!r} cannot be generated")


def _hub_table(policy: str, table: HubTable, where: Mapping[str, str]) -> Json:
    return {
        "transit_router_id": table.hub,
        "transit_router_route_table_name": table.name,
        "transit_router_route_table_description": (
            f"eastwest {policy}: {table.role} {table.segment or 'inspection'}"
        ),
        "tags": ownership_tags(policy, table.key, table.segment),
        "lifecycle": {"ignore_changes": [f'tags["{TAG_ROUTES_DIGEST}"]']},
    }


def _table_id(table: str, where: Mapping[str, str]) -> str:
    """The ``id`` of the table resource is ``<router>:<table>``: the table's own id is the
    ``transit_router_route_table_id`` attribute."""
    if table.startswith("ref:"):
        return table.removeprefix("ref:")
    if table not in where:
        raise ValueError(f"no hub table {table} in the desired state")
    return f"${{{where[table]}.transit_router_route_table_id}}"


def _link(policy: str, link: HubAssociation | HubPropagation, where: Mapping[str, str]) -> Json:
    return {
        "transit_router_attachment_id": link.attachment,
        "transit_router_route_table_id": _table_id(link.table, where),
    }


def _hub_route(policy: str, route: HubRoute, where: Mapping[str, str]) -> Json:
    body: Json = {
        "transit_router_route_table_id": _table_id(route.table, where),
        "transit_router_route_entry_destination_cidr_block": route.destination,
        "transit_router_route_entry_name": hub_entry_name(policy),
    }
    if route.attachment is None:
        return body | {"transit_router_route_entry_next_hop_type": "BlackHole"}
    return body | {
        "transit_router_route_entry_next_hop_type": "Attachment",
        "transit_router_route_entry_next_hop_id": route.attachment,
    }


def hop_type(target: str) -> str:
    if target.startswith("eni-"):
        return "NetworkInterface"
    if target.startswith("tr-attach-"):
        return "Attachment"
    raise ValueError(f"{target!r} is not a next hop eastwest routes to")


def _vpc_route(policy: str, route: NetworkRoute, where: Mapping[str, str]) -> Json:
    return {
        "route_table_id": route.table,
        "destination_cidrblock": route.destination,
        "nexthop_type": hop_type(route.target),
        "nexthop_id": route.target,
        "name": entry_name(policy),
        "description": f"eastwest {policy}: do not edit",
    }


# -- the module ---------------------------------------------------------------------------------


def module(policy: str, scopes: list[DesiredScope], world: World | None = None) -> Json:
    where = addresses(scopes)
    resources: dict[str, dict[str, Json]] = {}
    for key, res in sorted(declared(scopes).items()):
        rtype, name = where[key].split(".", 1)
        resources.setdefault(rtype, {})[name] = _body(policy, res, where)
    groups = {k: f"${{{a}.id}}" for k, a in where.items() if a.startswith(TYPES["firewall_group"])}
    lists = {k: f"${{{a}.id}}" for k, a in where.items() if a.startswith(TYPES["address_set"])}
    return {
        "terraform": {"required_providers": {"alicloud": _requirement(scopes)}},
        "resource": resources,
        "output": {
            "security_group_ids": {"value": dict(sorted(groups.items()))},
            "prefix_list_ids": {"value": dict(sorted(lists.items()))},
        },
    }


def _requirement(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"alicloud.{provider_alias(d.scope)}" for d in scopes})
    return {"source": SOURCE, "version": VERSION, "configuration_aliases": aliases}


def providers(scopes: list[DesiredScope]) -> list[Json]:
    """One configuration per account and region. The provider has no setting that refuses
    another account's credentials (AWS's ``allowed_account_ids``): the credentials decide."""
    return [
        {"alias": provider_alias(d.scope), "region": d.scope.region}
        for d in sorted(scopes, key=lambda d: d.scope)
    ]


def module_call(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"alicloud.{provider_alias(d.scope)}" for d in scopes})
    return {"source": "./alibaba", "providers": {alias: alias for alias in aliases}}


def import_blocks(
    policy: str, scopes: list[DesiredScope], native: Mapping[str, str], world: World | None = None
) -> list[Json]:
    where = addresses(scopes)
    return [
        {"to": f"module.alibaba.{where[key]}", "id": native[key]}
        for key in sorted(where)
        if key in native
    ]


def import_ids(
    policy: str, desired: DesiredScope, seen: ObservedScope, world: World | None = None
) -> dict[str, str]:
    """Key → import id (the provider's id formats, from its resource code) of what exists:
    groups (``sg-``) and prefix lists (``pl-``) by id; rules, the baseline included, as
    ``<sg>:<type>:<protocol>:<ports>:intranet:<cidr or pl->:<policy>:<priority>``; hub tables as
    ``<router>:<table>``; associations and propagations as ``<attachment>:<table>``. Not
    imported (see ``caveats``): TR route entries (their id names the entry's ``rte-`` id, which
    eastwest does not read) and VPC route entries (their id names the VPC's vRouter)."""
    native = {k: ref.id for k, ref in seen.native.items() if k in seen.resources}
    ids: dict[str, str] = {}
    for key, want in desired.resources.items():
        have = seen.resources.get(key)
        if have is None:
            continue
        if isinstance(want, AddressSet | FirewallGroup) and key in native:
            ids[key] = native[key]
        ids |= dict(_more_ids(want, have, native))
    return ids


def _more_ids(
    want: Resource, have: Resource, native: Mapping[str, str]
) -> Iterator[tuple[str, str]]:
    if isinstance(want, FirewallGroup) and want.key in native:
        if isinstance(have, FirewallGroup) and not have.description.endswith(BASELINE_MISSING):
            sg = native[want.key]
            yield f"{want.key}/baseline", f"{sg}:egress:all:-1/-1:intranet:0.0.0.0/0:drop:100"
    elif isinstance(want, HubTable) and want.key in native:
        yield want.key, f"{want.hub}:{native[want.key]}"
    elif isinstance(want, FlowRule) and want.group in native:
        peer = _rule_peer_id(want, native)
        if peer is not None:
            protocol, ports = rule_fields(want)
            head = f"{native[want.group]}:{want.direction}:{protocol}:{ports}:intranet"
            yield want.key, f"{head}:{peer}:accept:{ACCEPT_PRIORITY}"
    elif isinstance(want, HubAssociation) and isinstance(have, HubAssociation):
        if have.table == want.table and want.table in native:
            yield want.key, f"{want.attachment}:{native[want.table]}"
    elif isinstance(want, HubPropagation) and want.table in native:
        yield want.key, f"{want.attachment}:{native[want.table]}"


def _rule_peer_id(rule: FlowRule, native: Mapping[str, str]) -> str | None:
    kind, _, value = rule.peer.partition(":")
    if kind == "cidr":
        return value
    return native.get(address_set_key(rule.scope, value)) if kind == "set" else None


def caveats(scopes: list[DesiredScope]) -> list[Diagnostic]:
    """What the configuration cannot do as the adapter does."""
    found: list[Diagnostic] = []
    links = [r for d in scopes for r in d.resources.values() if isinstance(r, HubAssociation)]
    if links:
        found.append(
            warning(
                f"{len(links)} transit router association(s) are declared; an attachment still "
                "associated with another table (the router's system table) must be dissociated "
                "first: eastwest does that, Terraform's association resource does not",
                detail="run `eastwest apply` once, or dissociate it in the console",
            )
        )
    routes = [
        r for d in scopes for r in d.resources.values() if isinstance(r, HubRoute | NetworkRoute)
    ]
    if routes:
        found.append(
            warning(
                f"{len(routes)} Alibaba route entr(y/ies) get no import block when they already "
                "exist (a TR entry's import id needs its rte- id, a VPC entry's its vRouter id, "
                "neither of which eastwest reads); Terraform would fail to create those",
                detail="for a move from the reconciler to Terraform, import them by hand",
            )
        )
    return found


def sandbox_override(scopes: list[DesiredScope], sandbox: Mapping[str, Any]) -> Json:
    """None: the sandbox's fake speaks only the RPC actions eastwest uses (and no provider
    binary is installed here to try it)."""
    return {}
