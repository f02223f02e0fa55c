"""Port specifications: ``tcp/443``, ``udp/53``, ``tcp/8000-8100``, ``icmp``, ``any``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Protocol = Literal["tcp", "udp", "icmp", "all"]

# [0-9], not \d: \d also matches other scripts' digits, which int() would quietly accept.
_SPEC = re.compile(r"^(?P<proto>tcp|udp)/(?P<lo>[0-9]{1,5})(?:-(?P<hi>[0-9]{1,5}))?$")


@dataclass(frozen=True, slots=True, order=True)
class PortRange:
    """A protocol and an inclusive port range; ICMP and 'all' carry no ports (-1, -1)."""

    protocol: Protocol
    from_port: int = -1
    to_port: int = -1

    def __str__(self) -> str:
        if self.protocol in ("icmp", "all"):
            return "icmp" if self.protocol == "icmp" else "any"
        if self.from_port == self.to_port:
            return f"{self.protocol}/{self.from_port}"
        return f"{self.protocol}/{self.from_port}-{self.to_port}"


def parse_port_spec(spec: str) -> PortRange:
    """Parse one port spec; raises ValueError with a message fit for a user."""
    text = spec.strip().lower()
    if text == "any":
        return PortRange("all")
    if text == "icmp":
        return PortRange("icmp")
    match = _SPEC.match(text)
    if match is None:
        raise ValueError(
            f"{spec!r} is not a port spec; use 'tcp/443', 'udp/53', 'tcp/8000-8100', "
            "'icmp' or 'any'"
        )
    lo = int(match["lo"])
    hi = int(match["hi"]) if match["hi"] else lo
    if not 1 <= lo <= 65535 or not 1 <= hi <= 65535:
        raise ValueError(f"{spec!r}: ports run from 1 to 65535")
    if lo > hi:
        raise ValueError(f"{spec!r}: the range is reversed ({lo} > {hi})")
    proto: Protocol = "tcp" if match["proto"] == "tcp" else "udp"
    return PortRange(proto, lo, hi)


def check_port_spec(spec: str) -> str:
    parse_port_spec(spec)
    return spec
