"""Resources to and from plain JSON values (saved plans, ``plan --json``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, cast

from orchestrator.state.attachments import GroupAttachment, Mode
from orchestrator.state.resources import (
    AddressSet,
    Direction,
    FirewallGroup,
    FlowRule,
    Resource,
)
from orchestrator.state.routes import (
    ApplianceMode,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkPeering,
    NetworkRoute,
    RouteResource,
)
from orchestrator.state.scope import Scope


def resource_to_json(resource: Resource) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": resource.kind,
        "key": resource.key,
        "scope": str(resource.scope),
    }
    if isinstance(resource, AddressSet):
        body |= {
            "segment": resource.segment,
            "name": resource.name,
            "cidrs": sorted(resource.cidrs),
            "max_entries": resource.max_entries,
        }
    elif isinstance(resource, FirewallGroup):
        body |= {
            "segment": resource.segment,
            "network": resource.network,
            "name": resource.name,
            "description": resource.description,
        } | ({"attach": resource.attach} if resource.attach else {})
        body |= {"asg": True} if resource.asg else {}
    elif not isinstance(resource, FlowRule):
        body |= {
            f.name: getattr(resource, f.name)
            for f in fields(resource)
            if f.name not in ("key", "scope", "kind")
        }
    else:
        body |= {
            "group": resource.group,
            "direction": resource.direction,
            "protocol": resource.protocol,
            "from_port": resource.from_port,
            "to_port": resource.to_port,
            "ports": resource.ports,
            "peer": resource.peer,
            "description": resource.description,
        }
    return body


def resource_from_json(body: Mapping[str, Any]) -> Resource:
    """Inverse of ``resource_to_json``; raises KeyError/ValueError on a malformed body."""
    kind = body["kind"]
    scope = Scope.parse(body["scope"])
    if kind == "address_set":
        return AddressSet(
            key=body["key"],
            scope=scope,
            segment=body["segment"],
            name=body["name"],
            cidrs=frozenset(body["cidrs"]),
            max_entries=int(body["max_entries"]),
        )
    if kind == "firewall_group":
        return FirewallGroup(
            key=body["key"],
            scope=scope,
            segment=body["segment"],
            network=body["network"],
            name=body["name"],
            description=body["description"],
            attach=str(body.get("attach", "")),
            asg=body.get("asg") is True,
        )
    if kind == "flow_rule":
        return FlowRule(
            key=body["key"],
            scope=scope,
            group=body["group"],
            direction=cast(Direction, _one_of(body["direction"], ("ingress", "egress"))),
            protocol=str(body["protocol"]),
            from_port=int(body["from_port"]),
            to_port=int(body["to_port"]),
            peer=body["peer"],
            description=body.get("description", ""),
        )
    if kind == "group_attachment":
        return GroupAttachment(
            key=body["key"],
            scope=scope,
            interface=body["interface"],
            network=body["network"],
            group=body["group"],
            mode=cast(Mode, _one_of(body["mode"], ("add", "exclusive"))),
            others=tuple(str(o) for o in body.get("others", ())),
        )
    route_kind = _ROUTE_KINDS.get(kind)
    if route_kind is not None:
        values = {
            f.name: body[f.name] for f in fields(route_kind) if f.name not in ("scope", "kind")
        }
        return route_kind(scope=scope, **values)
    raise ValueError(f"unknown resource kind {kind!r}")


_ROUTE_KINDS: dict[str, type[RouteResource]] = {
    "hub_table": HubTable,
    "hub_association": HubAssociation,
    "hub_propagation": HubPropagation,
    "hub_route": HubRoute,
    "network_route": NetworkRoute,
    "appliance_mode": ApplianceMode,
    "network_peering": NetworkPeering,
}


def _one_of(value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{value!r} is not one of {allowed}")
    return value
