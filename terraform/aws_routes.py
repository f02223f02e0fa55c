"""The AWS module's routing: transit gateway route tables, associations, propagations, static
routes, VPC routes and the route tables' ownership records, as Terraform resource bodies.

In: the routing resources of the AWS scopes of a ``DesiredState`` (``orchestrator.state.routes``)
and, for import blocks, what an observation found. Out: resource types and bodies, the
``aws_ec2_tag`` records (``RecordTag``), import ids, and the warnings for what Terraform cannot
express (appliance mode).
Always: exactly what ``providers/aws/transit_write.py`` creates. Hub tables carry the ownership
tags and ``Name``; their ``eastwest:routes-digest`` is eastwest's bookkeeping and ignored. An
association replaces the attachment's current one (it may sit in the gateway's default table);
VPC routes go in tables eastwest does not own, so each table's ``eastwest:routes:<policy>``
record (``providers/aws/route_records.py``, re-implemented here and held equal by a test) is
written by ``aws_ec2_tag`` resources the routes depend on: the claim exists before the route,
and is released after it. Appliance mode lives on the attachment, which Terraform could only set
by declaring the attachment: it is not generated, only reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.diagnostics import Diagnostic, warning
from orchestrator.state import (
    ApplianceMode,
    DesiredScope,
    HubAssociation,
    HubPropagation,
    HubRoute,
    NetworkRoute,
    ObservedScope,
    Resource,
    Scope,
)
from orchestrator.state.routes import route_line, route_owner, routes_digest

Json = dict[str, Any]

TYPES = {
    "hub_table": "aws_ec2_transit_gateway_route_table",
    "hub_association": "aws_ec2_transit_gateway_route_table_association",
    "hub_propagation": "aws_ec2_transit_gateway_route_table_propagation",
    "hub_route": "aws_ec2_transit_gateway_route",
    "network_route": "aws_route",
}
RECORD_TYPE = "aws_ec2_tag"
# Kinds the module does not declare (the attachment is not eastwest's): see ``caveats``.
NOT_GENERATED = frozenset({"appliance_mode", "group_attachment"})

# The same names as providers/aws (transit_read.py, route_records.py); a test keeps them equal.
TAG_ROUTES_DIGEST = "eastwest:routes-digest"
RECORD_PREFIX = "eastwest:routes:"
_VALUE_MAX = 256  # EC2 tag values: at most 256 characters

# aws_route's argument for each kind of next hop eastwest routes to, by id prefix.
_TARGET_ARGUMENTS = (
    ("tgw-", "transit_gateway_id"),
    ("vpce-", "vpc_endpoint_id"),
    ("eni-", "network_interface_id"),
)


@dataclass(frozen=True, slots=True)
class RecordTag:
    """One tag of a route table's ownership record, as one ``aws_ec2_tag`` resource. ``key`` is
    a pseudo-key (the table's route owner and the tag name): stable, and unique per module."""

    key: str
    scope: Scope
    table: str  # the route table's native id
    tag: str
    value: str


def record_key(policy: str, part: int = 1) -> str:
    return f"{RECORD_PREFIX}{policy}" if part == 1 else f"{RECORD_PREFIX}{policy}:{part}"


def encode_record(policy: str, owned: Mapping[str, str]) -> dict[str, str]:
    """Tag key → value recording ``owned`` (destination → target), as the adapter writes it:
    ``dest=target`` pairs in sorted order, space-separated, split so no value passes 256
    characters."""
    tags: dict[str, str] = {}
    chunk, part = "", 1
    for destination, target in sorted(owned.items()):
        pair = f"{destination}={target}"
        if chunk and len(chunk) + 1 + len(pair) > _VALUE_MAX:
            tags[record_key(policy, part)] = chunk
            part, chunk = part + 1, ""
        chunk = f"{chunk} {pair}" if chunk else pair
    if chunk:
        tags[record_key(policy, part)] = chunk
    return tags


def record_tags(policy: str, scoped: DesiredScope) -> list[RecordTag]:
    """The ownership records of every route table the desired state routes in."""
    owned: dict[str, dict[str, str]] = defaultdict(dict)
    for route in scoped.resources.values():
        if isinstance(route, NetworkRoute):
            owned[route.table][route.destination] = route.target
    return [
        RecordTag(f"{route_owner(scoped.scope, table)}/{tag}", scoped.scope, table, tag, value)
        for table, routes in sorted(owned.items())
        for tag, value in encode_record(policy, routes).items()
    ]


def body(res: Resource | RecordTag, where: Mapping[str, str]) -> Json:
    """The arguments of one routing resource; hub tables, tagged like the other owned
    resources, and the provider are the caller's (``aws.py``)."""
    if isinstance(res, RecordTag):
        return {"resource_id": res.table, "key": res.tag, "value": res.value}
    if isinstance(res, HubAssociation):
        return {
            "transit_gateway_attachment_id": res.attachment,
            "transit_gateway_route_table_id": _table(res.table, where),
            # The attachment may still sit in the gateway's default table: eastwest moves it
            # from there too. The provider never reads the argument back, so an imported
            # association would show it as a change: it only matters on create.
            "replace_existing_association": True,
            "lifecycle": {"ignore_changes": ["replace_existing_association"]},
        }
    if isinstance(res, HubPropagation):
        return {
            "transit_gateway_attachment_id": res.attachment,
            "transit_gateway_route_table_id": _table(res.table, where),
        }
    if isinstance(res, HubRoute):
        return _hub_route(res, where)
    if isinstance(res, NetworkRoute):
        return _network_route(res, where)
    raise ValueError(f"{res.key}: a {res.kind} is not generated")


def _table(table: str, where: Mapping[str, str]) -> str:
    """A reference to an owned table, or the id of one eastwest does not own (``ref:``)."""
    if table.startswith("ref:"):
        return table.removeprefix("ref:")
    if table not in where:
        raise ValueError(f"no hub table {table} in the desired state")
    return f"${{{where[table]}.id}}"


def _hub_route(route: HubRoute, where: Mapping[str, str]) -> Json:
    found: Json = {
        "transit_gateway_route_table_id": _table(route.table, where),
        "destination_cidr_block": route.destination,
    }
    if route.attachment is None:
        return found | {"blackhole": True}
    return found | {"transit_gateway_attachment_id": route.attachment}


def _network_route(route: NetworkRoute, where: Mapping[str, str]) -> Json:
    argument = next((a for p, a in _TARGET_ARGUMENTS if route.target.startswith(p)), None)
    if argument is None:
        raise ValueError(f"{route.key}: {route.target!r} is not a next hop eastwest routes to")
    owner = f"{route_owner(route.scope, route.table)}/"
    # The record claims the route before it exists and releases it after it is gone, as the
    # adapter does: a failed apply leaves a claim without a route, never an unowned route.
    claims = sorted(a for k, a in where.items() if k.startswith(owner + RECORD_PREFIX))
    return {
        "route_table_id": route.table,
        "destination_cidr_block": route.destination,
        argument: route.target,
        "depends_on": claims,
    }


def import_ids(policy: str, scoped: DesiredScope, seen: ObservedScope) -> dict[str, str]:
    """Key → import id of each desired routing resource that exists as the same Terraform
    object (an association with the same table, a route or propagation in the same table, a
    record tag that is there). Hub tables are the adapter's native ids already."""
    tables = {k: ref.id for k, ref in seen.native.items() if k in seen.resources}
    ids: dict[str, str] = {}
    for key, want in scoped.resources.items():
        have = seen.resources.get(key)
        if have is None:
            continue
        if isinstance(want, HubAssociation) and isinstance(have, HubAssociation):
            if have.table == want.table and want.table in tables:
                ids[key] = f"{tables[want.table]}_{want.attachment}"
        elif isinstance(want, HubPropagation) and want.table in tables:
            ids[key] = f"{tables[want.table]}_{want.attachment}"
        elif isinstance(want, HubRoute) and want.table in tables:
            ids[key] = f"{tables[want.table]}_{want.destination}"
        elif isinstance(want, NetworkRoute):
            ids[key] = f"{want.table}_{want.destination}"
    present = _present_records(policy, seen)
    for rec in record_tags(policy, scoped):
        if rec.tag in present.get(rec.table, ()):
            ids[rec.key] = f"{rec.table},{rec.tag}"
    return ids


def _present_records(policy: str, seen: ObservedScope) -> dict[str, set[str]]:
    """Record tags each route table carries, rebuilt from the routes the observation found
    owned. The first part exists whenever there is a record; further parts only count when
    the observed routes give back the digest of the whole record (no claim without a route),
    since importing a tag that is not there fails, while creating one that is overwrites it."""
    owned: dict[str, list[NetworkRoute]] = defaultdict(list)
    for res in seen.resources.values():
        if isinstance(res, NetworkRoute):
            owned[res.table].append(res)
    present: dict[str, set[str]] = {}
    for owner, digest in seen.applied.items():
        table = owner.rpartition("/rtb/")[2]
        if owner != route_owner(seen.scope, table):
            continue  # a hub table's or a group's digest
        routes = owned.get(table, [])
        whole = digest == routes_digest(route_line(r) for r in routes)
        encoded = encode_record(policy, {r.destination: r.target for r in routes}) if whole else {}
        present[table] = set(encoded) | {record_key(policy)}
    return present


def caveats(scopes: Iterable[DesiredScope]) -> list[Diagnostic]:
    """What the policy wants that the module does not declare."""
    modes = sorted(
        (
            m
            for d in scopes
            for m in d.resources.values()
            if isinstance(m, ApplianceMode) and m.enabled
        ),
        key=lambda m: m.key,
    )
    if not modes:
        return []
    attachments = ", ".join(m.attachment for m in modes)
    return [
        warning(
            f"appliance mode must be on for {attachments} (inspection), but the Terraform "
            "configuration does not set it: it lives on the attachment, which eastwest does "
            "not own and Terraform could only set by declaring it",
            detail='set appliance_mode_support = "enable" where the attachment is declared, '
            "or run `eastwest apply` once; until then return traffic may miss the firewall",
        )
    ]
