"""Which firewall an inspected flow crosses: per zone (AWS, kept symmetric by appliance mode) or
one firewall per group of pairs across zones (Alibaba ``per_pair``).

In: the hub's firewalls, and for ``per_pair`` the inspected segment pairs with each segment's
CIDRs. Out: the firewall for a zone, or per group of segments the firewall both directions of
every pair in it cross, with the diagnostics of the choice.
Always: pure and deterministic (same policy and inventory, same firewall).

Why groups and not single pairs: the security VPC's route tables choose by destination only.
Pair (a, b) goes out by the route for b's CIDRs and comes back by the route for a's, so both
must name one firewall; a pair (a, c) then ties c to the same one. Segments linked by inspected
pairs therefore share a firewall, chosen by a hash of the group's first segment, so groups
spread over the firewalls and keep theirs while the others change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.policy import Firewall, Hub


def zone_firewall(hub: Hub, path: str, zone: str) -> tuple[Firewall | None, list[Diagnostic]]:
    """The zone's own firewall while healthy; else the first healthy one elsewhere."""
    assert hub.inspection is not None
    own = next((f for f in hub.inspection.firewalls if f.zone == zone), None)
    if own is not None and own.healthy:
        return own, []
    spare = next((f for f in _healthy(hub.inspection.firewalls)), None)
    if spare is None:
        return None, [_none_healthy(hub, path, f"zone {zone}")]
    why = "is unhealthy" if own is not None else "has no firewall"
    said = warning(
        f"hub {hub.name!r}: zone {zone} {why}; its inspected traffic goes to "
        f"{spare.next_hop} in {spare.zone}",
        path=f"{path}.inspection.firewalls",
    )
    return spare, [said]


def pair_firewalls(
    hub: Hub,
    path: str,
    inspected: Iterable[tuple[str, str]],
    cidrs: Mapping[str, Sequence[str]],
) -> tuple[list[tuple[tuple[str, ...], Firewall]], list[Diagnostic]]:
    """Per group of segments linked by inspected pairs, the one firewall of all their flows."""
    assert hub.inspection is not None
    healthy = _healthy(hub.inspection.firewalls)
    groups = _groups(inspected)
    if not healthy:
        return [], [_none_healthy(hub, path, "inspected pairs")] if groups else []
    chosen = [(group, healthy[_index(group[0], len(healthy))]) for group in groups]
    return [(g, fw) for g, fw in chosen if any(cidrs.get(s) for s in g)], []


def one_appliance(hub: Hub, path: str) -> list[Diagnostic]:
    """Azure hub-spoke: every route names one appliance address, so both directions of a flow
    cross the same NVA only when that address is one NVA, or one internal load balancer with
    HA ports in front of several (it keeps a flow on one backend both ways). Several healthy
    next hops would be several NVAs used as one: an error. Unhealthy entries are the standby
    list failover picks from (``hub_spoke.py``), one at a time."""
    assert hub.inspection is not None
    healthy = sorted({f.next_hop for f in hub.inspection.firewalls if f.healthy})
    if len(healthy) < 2:
        return []
    return [
        error(
            f"hub {hub.name!r}: {len(healthy)} healthy appliance addresses "
            f"({', '.join(healthy)}): several NVAs without one internal load balancer in front "
            "of them do not keep both directions of a flow on one NVA",
            path=f"{path}.inspection.firewalls",
            detail="name the frontend address of an internal load balancer with HA ports "
            "(protocol All, ports 0) as the only healthy next_hop, or one NVA; mark the "
            "others healthy: false to keep them as standbys",
        )
    ]


def _groups(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Connected segments, each group sorted, groups in order of their first segment."""
    parent: dict[str, str] = {}

    def root(s: str) -> str:
        while parent.setdefault(s, s) != s:
            s = parent[s]
        return s

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    found: dict[str, list[str]] = {}
    for s in sorted(parent):
        found.setdefault(root(s), []).append(s)
    return [tuple(g) for _, g in sorted(found.items())]


def _index(key: str, size: int) -> int:
    # sha256 rather than hash(): Python salts str hashes per process.
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % size


def _healthy(firewalls: Sequence[Firewall]) -> list[Firewall]:
    return sorted((f for f in firewalls if f.healthy), key=lambda f: (f.zone, f.next_hop))


def _none_healthy(hub: Hub, path: str, what: str) -> Diagnostic:
    return error(
        f"hub {hub.name!r}: no healthy firewall is left for {what}",
        path=f"{path}.inspection.firewalls",
        detail="inspected traffic cannot be routed; mark a firewall healthy",
    )
