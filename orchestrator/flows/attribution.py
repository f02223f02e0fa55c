"""Which segment (and which network of it) an address belongs to, from the compiler's own
membership: the same inventory and the same rules that decide a segment's addresses decide
where a flow's ends are.

In: a ``Membership`` (``orchestrator.compile.membership``). Out: for an address, its
``Place``: the segment and network, or for an address in no segment an external group named
by its /24 (IPv4) or /64 (IPv6), ``ext:203.0.113.0/24``.
Always: the longest prefix wins, as in routing; a segment's declared ``cidrs`` (external
segments) count like its members' networks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from orchestrator.compile.membership import Membership

EXTERNAL_PREFIX = "ext:"
# (first address, last address, prefix length, segment, network) of an IPv4 entry
Interval = tuple[int, int, int, str, str]
_EXTERNAL_LENGTH = {4: 24, 6: 64}


@dataclass(frozen=True, slots=True)
class Place:
    segment: str
    network: str  # the VPC/VNet id, the declared CIDR of an external segment, or the group

    @property
    def external(self) -> bool:
        return self.segment.startswith(EXTERNAL_PREFIX)


class Attribution:
    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        """``entries``: (CIDR, segment, network)."""
        self._table: dict[tuple[int, int], dict[int, Place]] = {}
        for cidr, segment, network in entries:
            net = ipaddress.ip_network(cidr, strict=False)
            key = (net.version, net.prefixlen)
            self._table.setdefault(key, {})[int(net.network_address)] = Place(segment, network)
        # Longest prefix first, per IP version.
        self._lengths = sorted(self._table, key=lambda k: -k[1])
        self.place = lru_cache(maxsize=1 << 16)(self._place)
        self._networks: dict[str, list[Interval]] | None = None

    @classmethod
    def of(cls, membership: Membership) -> Attribution:
        # A segment's addresses first (declared CIDRs included), then its networks over them,
        # so that an address in a member network is placed in that network.
        entries = [(c, s, c) for s, cidrs in membership.cidrs.items() for c in cidrs]
        entries += [(c, p.segment, p.network) for p in membership.placements for c in p.cidrs]
        return cls(entries)

    def ipv4_intervals(self, networks: Iterable[str] | None = None) -> list[Interval]:
        """Every IPv4 entry (or those of ``networks``) as (first address, last address, prefix
        length, segment, network): what a range join places addresses with, longest prefix
        first among those holding an address (``analysis``). The entries of a few networks
        cost those networks: a reconciler tick asks for its own scope's (issue 13)."""
        if networks is None:
            return [i for held in self._by_network().values() for i in held]
        by_network = self._by_network()
        return [i for n in sorted(set(networks)) for i in by_network.get(n, ())]

    def _by_network(self) -> dict[str, list[Interval]]:
        """The IPv4 entries by network, in table order; made once (the attribution is shared
        by the ticks of an interval), then only read."""
        if self._networks is None:
            found: dict[str, list[Interval]] = {}
            for (version, length), entries in self._table.items():
                if version != 4:
                    continue
                for start, place in entries.items():
                    end = start + (1 << (32 - length)) - 1
                    found.setdefault(place.network, []).append(
                        (start, end, length, place.segment, place.network)
                    )
            self._networks = found
        return self._networks

    def _place(self, address: str) -> Place:
        ip = ipaddress.ip_address(address)
        value = int(ip)
        bits = ip.max_prefixlen
        for version, length in self._lengths:
            if version != ip.version:
                continue
            mask = ((1 << length) - 1) << (bits - length) if length else 0
            found = self._table[(version, length)].get(value & mask)
            if found is not None:
                return found
        group = ipaddress.ip_network(f"{ip}/{_EXTERNAL_LENGTH[ip.version]}", strict=False)
        return Place(f"{EXTERNAL_PREFIX}{group}", str(group))
