"""CIDR arithmetic shared by the compiler and the path check. Pure functions."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def within(cidr: str, blocks: Iterable[str]) -> bool:
    """Whether ``cidr`` lies inside one of ``blocks`` (same address family)."""
    net = ipaddress.ip_network(cidr, strict=False)
    for block in blocks:
        outer = ipaddress.ip_network(block, strict=False)
        if net.version == outer.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def collapse(cidrs: Iterable[str]) -> list[str]:
    """IPv4 CIDRs with adjacent blocks merged: the fewest routes for the same addresses."""
    nets = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    return [n.with_prefixlen for n in ipaddress.collapse_addresses(v4)]
