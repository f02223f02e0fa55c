"""Segments proposed from observed addresses, for ``flows recommend --segments discover``:
the policy's own segments set aside, the addresses seen in flows are grouped by where the
inventory puts them.

In: the policy (its accounts name the scopes), the inventory of its scopes, the addresses
seen, the tag key that names segments. Out: segment entries of a policy file, sorted by name.
Always:
- an address in a VPC/VNet carrying the tag joins the segment named by the tag's value, its
  members selected by that tag (``tags: {KEY: value}``) in each scope where it was seen;
- an address in a network without the tag joins a segment of that network alone (``vpc:`` or
  ``vnet:``), named after the network's name or id;
- a private address (RFC 1918, shared 100.64/10, IPv6 ULA) in no network joins a segment of
  addresses only, one per /16 (IPv6: /48), its ``cidrs`` the /24s (/64s) seen in it;
- a public address joins no segment: it stays external, as ``recommend`` leaves it.
Names follow the policy's name rules (lowercase, ``-``); a clash takes a number.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.flows.attribution import Attribution
from orchestrator.model.policy import Policy
from orchestrator.state import Network, Scope, ScopeInventory

_PRIVATE = tuple(
    ipaddress.ip_network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_CLUSTER = {4: (16, 24), 6: (48, 64)}  # (a segment's span, its cidrs' length)


def discover_segments(
    policy: Policy,
    inventory: Mapping[Scope, ScopeInventory],
    addresses: Iterable[str],
    tag: str = "segment",
) -> list[dict[str, Any]]:
    networks = {
        f"{scope}|{net.id}": (scope, net)
        for scope, inv in inventory.items()
        for net in inv.networks
    }
    where = Attribution(
        (cidr, key, net.id) for key, (_, net) in networks.items() for cidr in net.cidrs
    )
    members: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # name → member by key
    clusters: dict[str, set[str]] = defaultdict(set)
    for address in addresses:
        place = where.place(address)
        if not place.external:
            scope, net = networks[place.segment]
            name, member = _member(policy, scope, net, tag)
            members[name][repr(sorted(member.items()))] = member
        elif any(ipaddress.ip_address(address) in p for p in _PRIVATE):
            span, block = _cluster(address)
            clusters[span].add(block)
    return _entries(members, clusters)


def _member(policy: Policy, scope: Scope, net: Network, tag: str) -> tuple[str, dict[str, Any]]:
    account = _account(policy, scope)
    where = {"account": account, "region": scope.region}
    value = net.tags.get(tag)
    if value:
        return _slug(value), {**where, "tags": {tag: value}}
    kind = "vnet" if scope.cloud == "azure" else "vpc"
    return _slug(net.name or net.id), {**where, kind: net.id}


def _account(policy: Policy, scope: Scope) -> str:
    for account in policy.accounts:
        ident = getattr(account, "subscription_id", None) or getattr(account, "account_id", "")
        if account.cloud == scope.cloud and ident == scope.account:
            return account.name
    raise ValueError(f"no account of the policy holds {scope}")  # the inventory came from them


def _cluster(address: str) -> tuple[str, str]:
    ip = ipaddress.ip_address(address)
    span, block = _CLUSTER[ip.version]
    return (
        str(ipaddress.ip_network(f"{ip}/{span}", strict=False)),
        str(ipaddress.ip_network(f"{ip}/{block}", strict=False)),
    )


def _entries(
    members: Mapping[str, Mapping[str, dict[str, Any]]], clusters: Mapping[str, set[str]]
) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def add(name: str, entry: dict[str, Any]) -> None:
        unique, n = name, 1
        while unique in found:
            n += 1
            unique = f"{name[:60]}-{n}"
        found[unique] = {"name": unique, **entry}

    for name in sorted(members):
        add(name, {"members": [members[name][k] for k in sorted(members[name])]})
    for span in sorted(clusters, key=_order):
        cidrs = sorted(clusters[span], key=_order)
        add(_slug("net-" + span.replace("/", "-")), {"cidrs": cidrs})
    return [found[name] for name in sorted(found)]


def _order(cidr: str) -> tuple[int, int]:
    net = ipaddress.ip_network(cidr)
    return net.version, int(net.network_address)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"seg-{slug}".rstrip("-")
    return slug[:63].rstrip("-")
