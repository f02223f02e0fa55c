"""What a policy says of an observed conversation: the compiler's own flows (its rules plus
the traffic inside each segment), matched on segment pair, protocol and server port.

In: the compiled ``Flow`` list (``orchestrator.compile.flows``). Out: for a conversation, a
``Verdict``: ``inspected`` (allowed by a rule with ``inspect: true``), ``uninspected``
(allowed without inspection: a rule without it, or traffic inside one segment), ``denied``
(no rule allows it: the policy would block it), or ``external`` (an end in no segment, or
both in external segments: the policy neither allows nor denies it), with the names of the
rules that allow it.
Always: a rule applies in the direction it names (return traffic is the state of the
conversation, and conversations are stored client → server).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from orchestrator.compile.flows import Flow
from orchestrator.flows.attribution import EXTERNAL_PREFIX
from orchestrator.model.ports import PortRange

VERDICTS = ("inspected", "uninspected", "denied", "external")
_PROTOCOLS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str
    rules: tuple[str, ...] = ()


def covers(ports: PortRange, proto: int, port: int) -> bool:
    if ports.protocol == "all":
        return True
    if ports.protocol != _PROTOCOLS.get(proto):
        return False
    return ports.protocol == "icmp" or ports.from_port <= port <= ports.to_port


class Judge:
    def __init__(self, flows: Iterable[Flow], unmanaged: Iterable[str] = ()) -> None:
        """``unmanaged``: the segments of addresses only (no member eastwest guards): traffic
        with both ends among them never meets a control of the policy."""
        self._unmanaged = frozenset(unmanaged)
        self._pairs: dict[tuple[str, str], list[Flow]] = defaultdict(list)
        for flow in flows:
            self._pairs[(flow.from_, flow.to)].append(flow)

    def pairs(self) -> list[tuple[str, str]]:
        return sorted(self._pairs)

    def flows(self, source: str, target: str) -> list[Flow]:
        return self._pairs.get((source, target), [])

    def judge(self, source: str, target: str, proto: int, port: int) -> Verdict:
        if source.startswith(EXTERNAL_PREFIX) or target.startswith(EXTERNAL_PREFIX):
            return Verdict("external")
        if source in self._unmanaged and target in self._unmanaged:
            return Verdict("external")
        allowing = [
            f
            for f in self._pairs.get((source, target), [])
            if any(covers(p, proto, port) for p in f.ports)
        ]
        if not allowing:
            return Verdict("denied")
        names = tuple(sorted({n for f in allowing for n in f.names}))
        inspected = any(f.inspect for f in allowing)
        return Verdict("inspected" if inspected else "uninspected", names)
