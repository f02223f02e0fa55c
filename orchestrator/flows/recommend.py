"""``flows recommend``: a policy proposed from observed flows.

In: the policy given (its accounts, hubs and segments are kept as written), its ``PolicyView``
and the ``Observed`` services. Out: the text of a policy file whose rules are the fewest that
allow every conversation seen between two segments: one rule per ordered pair, its ports
merged into ranges the way the compiler merges them, each rule preceded by its evidence (flow
records, bytes, first and last seen, per port).
Always: traffic inside a segment needs no rule; conversations with an end in no segment
(``ext:`` groups) or between two external segments are left out, named in the header; a rule
keeps ``inspect: true`` where the given policy inspects that pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrator.compile.flows import merge_port_ranges
from orchestrator.flows.analysis import Observed, Service
from orchestrator.flows.context import PolicyView
from orchestrator.flows.graph import human_size
from orchestrator.flows.records import FlowError
from orchestrator.flows.segments import discover_segments
from orchestrator.model.policy import Policy
from orchestrator.model.ports import PortRange
from orchestrator.state import Scope, ScopeInventory

_KEPT = "external"  # the verdict of conversations the policy cannot govern


def recommend_policy(
    sources: Iterable[Path], view: PolicyView, observed: Observed, *, discovered: str = ""
) -> str:
    """``discovered``: the tag key the segments were discovered by (``with_discovered``);
    empty when they are the given policy's."""
    body = view.policy.model_dump(mode="json", by_alias=True, exclude_unset=True)
    body.pop("rules", None)
    pairs = {p: s for p, s in observed.pairs().items() if p[0] != p[1]}
    governed = {p: s for p, s in pairs.items() if all(x.verdict != _KEPT for x in s)}
    # Pair → the given rule's cross_cloud: an inspected pair keeps how its cross-cloud flows
    # were allowed, or a proposal over several clouds would not validate.
    inspected = {p: r.cross_cloud for r in view.policy.rules if r.inspect for p in r.directions()}
    head = [
        f"# Proposed by `eastwest flows recommend` from observed flows, {_when(None)}.",
        f"# Accounts, hubs{'' if discovered else ' and segments'} as in: "
        f"{', '.join(str(p) for p in sources)}.",
        *_discovered_note(discovered),
        f"# {len(governed)} rule(s) cover every flow seen between two segments;",
        "# traffic inside a segment needs none.",
        *_left_out(pairs, governed),
    ]
    rules = [
        _rule(pair, services, inspected.get(pair)) for pair, services in sorted(governed.items())
    ]
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return "\n".join([*head, text.rstrip(), "rules:" if rules else "rules: []", *rules]) + "\n"


def with_discovered(
    policy: Policy, inventory: Mapping[Scope, ScopeInventory], addresses: Iterable[str], tag: str
) -> Policy:
    """The policy with its segments replaced by those discovered from the addresses seen,
    and no rules. Raises ``FlowError`` when no address seen is in a network or private."""
    segments = discover_segments(policy, inventory, addresses, tag)
    if not segments:
        raise FlowError("no address seen is in a network of the policy's accounts or private")
    body = policy.model_dump(mode="json", by_alias=True, exclude_unset=True)
    body.pop("rules", None)
    return Policy.model_validate({**body, "segments": segments})


def _discovered_note(tag: str) -> list[str]:
    if not tag:
        return []
    return [
        f"# Segments discovered from the addresses seen: by the tag '{tag}' of their VPC/VNet,",
        "# by the network itself when untagged, by /16 for private addresses in no network.",
    ]


def _left_out(
    pairs: dict[tuple[str, str], list[Service]], governed: dict[tuple[str, str], list[Service]]
) -> list[str]:
    skipped = sorted(p for p in pairs if p not in governed)
    if not skipped:
        return []
    listed = ", ".join(f"{a} -> {b}" for a, b in skipped[:10])
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return [f"# Left out (an end outside every managed segment): {listed}{more}."]


def _rule(pair: tuple[str, str], services: list[Service], cross_cloud: str | None) -> str:
    """``cross_cloud``: the given rule's, where it inspects the pair; None: not inspected."""
    source, target = pair
    ports = [str(p) for p in merge_port_ranges(_ranges(services))]
    records = sum(s.records for s in services)
    volume = sum(s.bytes for s in services)
    first = min(s.first_seen for s in services)
    last = max(s.last_seen for s in services)
    per_port = ", ".join(f"{s.label} ({s.records})" for s in sorted(services, key=_order))
    entry: dict[str, Any] = {"name": f"{source}-to-{target}"[:63].rstrip("-")}
    entry |= {"from": source, "to": target, "ports": ports}
    if cross_cloud is not None:
        entry["inspect"] = True
        if cross_cloud != "refuse":  # the default, left out as a user would
            entry["cross_cloud"] = cross_cloud
    lines = [
        f"  # evidence: {records} flow record(s), {human_size(volume)}, first seen "
        f"{_when(first)}, last seen {_when(last)}",
        f"  # per port: {per_port}",
    ]
    dumped = yaml.safe_dump([entry], sort_keys=False, default_flow_style=None).rstrip()
    return "\n".join([*lines, *("  " + line for line in dumped.splitlines())])


def _ranges(services: list[Service]) -> list[PortRange]:
    ranges: list[PortRange] = []
    for service in services:
        if service.proto == 6 and service.port:
            ranges.append(PortRange("tcp", service.port, service.port))
        elif service.proto == 17 and service.port:
            ranges.append(PortRange("udp", service.port, service.port))
        elif service.proto in (1, 58):
            ranges.append(PortRange("icmp"))
        else:  # another protocol (GRE, ESP, …) or port 0: only 'any' allows it
            ranges.append(PortRange("all"))
    return ranges


def _order(service: Service) -> tuple[int, int]:
    return service.proto, service.port


def _when(epoch: int | None) -> str:
    moment = datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
