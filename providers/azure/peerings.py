"""ARM JSON ↔ neutral peerings: VNet peerings eastwest owns, and somebody else's in the way.
Pure, tested on literal payloads.

Ownership: a peering is a named sub-resource of its VNet without tags, so it is eastwest's when
its name is ``eastwest-<policy>-<remote VNet>`` (``hub_spoke.peering_name``); any other peering
is somebody else's and never written. A peering eastwest wants between two VNets that somebody
else's peering already joins (either direction: Azure allows one peering per pair and
direction, and a usable pair needs both) is a conflict. The digest of eastwest's peerings in a
VNet at the last apply is the VNet's ``eastwest:peerings-digest:<policy>`` tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.state import Scope
from orchestrator.state.names import peering_name
from orchestrator.state.routes import NetworkPeering, network_peering_key, peering_owner
from providers.azure import translate as tr

Payload = Mapping[str, Any]
CONNECTED = "Connected"


def peering_prefix(policy: str) -> str:
    return f"eastwest-{policy}-"


def digest_tag(policy: str) -> str:
    return f"eastwest:peerings-digest:{policy}"


def is_owned(peering: Payload, policy: str) -> bool:
    """Exactly the name eastwest gives a peering to its remote VNet, so another policy's
    ``eastwest-acme-prod-…`` is not ``eastwest-acme-…``'s."""
    return str(peering.get("name", "")) == peering_name(policy, remote_of(peering))


def remote_of(peering: Payload) -> str:
    ref = tr.props(peering).get("remoteVirtualNetwork") or {}
    return tr.name_of_id(str(ref.get("id", "")))


def peerings_of(vnet: Payload) -> list[Payload]:
    return list(tr.props(vnet).get("virtualNetworkPeerings") or ())


def state_of(peering: Payload) -> str:
    return str(tr.props(peering).get("peeringState", ""))


def peering_body(remote_id: str, peering: NetworkPeering) -> dict[str, Any]:
    """What eastwest writes: reach and forwarded traffic as the neutral peering says; gateways
    are left off (east-west traffic needs none)."""
    return {
        "properties": {
            "remoteVirtualNetwork": {"id": remote_id},
            "allowVirtualNetworkAccess": peering.network_access,
            "allowForwardedTraffic": peering.forwarded,
            "allowGatewayTransit": False,
            "useRemoteGateways": False,
        }
    }


def observed_peerings(
    scope: Scope, policy: str, vnets: Iterable[Payload]
) -> list[tuple[NetworkPeering, str]]:
    """eastwest's peerings in every VNet, with their native names."""
    found = []
    for vnet in vnets:
        network = str(vnet["name"])
        for peering in peerings_of(vnet):
            if not is_owned(peering, policy):
                continue
            p = tr.props(peering)
            remote = remote_of(peering)
            key = network_peering_key(scope, network, remote)
            name = str(peering["name"])
            found.append(
                (
                    NetworkPeering(
                        key,
                        scope,
                        network,
                        remote,
                        name,
                        forwarded=bool(p.get("allowForwardedTraffic", False)),
                        network_access=bool(p.get("allowVirtualNetworkAccess", True)),
                    ),
                    name,
                )
            )
    return found


def foreign_peerings(
    vnets: Mapping[str, Payload], policy: str, wanted: Iterable[NetworkPeering]
) -> dict[str, str]:
    """Desired peerings whose two VNets somebody else's peering already joins."""
    others: dict[frozenset[str], str] = {}
    for name, vnet in sorted(vnets.items()):
        for peering in peerings_of(vnet):
            if not is_owned(peering, policy):
                pair = frozenset({name, remote_of(peering)})
                others.setdefault(pair, f"the peering {peering['name']} of {name} with "
                                        f"{remote_of(peering)}")  # fmt: skip
    return {
        w.key: others[frozenset({w.network, w.remote})]
        for w in wanted
        if frozenset({w.network, w.remote}) in others
    }


def applied_digests(scope: Scope, policy: str, vnets: Iterable[Payload]) -> dict[str, str]:
    return {
        peering_owner(scope, str(v["name"])): digest
        for v in vnets
        if (digest := tr.tags_of(v).get(digest_tag(policy)))
    }
