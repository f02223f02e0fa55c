"""Where a group's record outlives the group, on AWS and Alibaba Cloud: a tag on its VPC.

In: the VPCs the inventory read (``Network``, tags and all). Out: group key → the rules digest
eastwest recorded for it. Always: pure, apart from ``NetworkCache``'s clock; only tags named
``eastwest:rules-digest:<policy>:<segment>`` count.

Why: the digest on a security group goes with the group. When somebody deletes the group in a
console, nothing is left to say that eastwest made it, and the next plan would show a plain
create. With the record on the VPC (which the user keeps), the planner sees a group that was
recorded and is gone, and marks its re-creation, rules and all, as drift
(``orchestrator/plan/drift.py``). Azure keeps the same record on the VNet
(``providers/azure/records.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from orchestrator.state import Network, Scope
from orchestrator.state.resources import group_key

RECORD_PREFIX = "eastwest:rules-digest"
MAX_KEY = 128  # EC2's and Alibaba's tag key limit; a longer record is not written


def record_tag(policy: str, segment: str) -> str:
    # ':' separates: policy and segment names are [a-z0-9-] (NAME_PATTERN), so policy "acme"
    # segment "prod-web" and policy "acme-prod" segment "web" never share a tag.
    return f"{RECORD_PREFIX}:{policy}:{segment}"


def group_parts(scope: Scope, key: str) -> tuple[str, str] | None:
    """(segment, network) of a group key of this scope, else None."""
    head, _, rest = key.partition("/fwgroup/")
    segment, _, network = rest.partition("@")
    if head != str(scope) or not segment or not network or "/" in network:
        return None
    return segment, network


def records_to_write(
    scope: Scope, policy: str, applied: Mapping[str, str]
) -> dict[tuple[str, str], list[str]]:
    """(record tag, digest) → the networks to carry it, from the applied groups' digests: one
    tag call can set a segment's record on all its networks at once."""
    by_tag: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, digest in sorted(applied.items()):
        parts = group_parts(scope, key)
        tag = record_tag(policy, parts[0]) if parts else ""
        if parts is not None and len(tag) <= MAX_KEY:
            by_tag[(tag, digest)].append(parts[1])
    return dict(sorted(by_tag.items()))


def recorded_groups(scope: Scope, policy: str, networks: Iterable[Network]) -> dict[str, str]:
    """Group key → digest, from the records on the scope's VPCs."""
    prefix = record_tag(policy, "")
    found: dict[str, str] = {}
    for network in networks:
        for tag, digest in network.tags.items():
            segment = tag.removeprefix(prefix)
            if tag.startswith(prefix) and segment and ":" not in segment and digest:
                found[group_key(scope, segment, network.id)] = digest
    return found


class NetworkCache:
    """The VPCs an adapter read for the inventory, kept for the observation that follows, so
    reading the records costs no call of its own. Older than ``fresh`` seconds, or taken once,
    they are read again (an adapter lives across reconciler ticks)."""

    def __init__(self, clock: Callable[[], float], fresh: float = 60.0) -> None:
        self._clock, self._fresh = clock, fresh
        self._kept: dict[str, tuple[float, tuple[Network, ...]]] = {}

    def keep(self, region: str, networks: tuple[Network, ...], age: float = 0.0) -> None:
        """``age``: seconds since they were read (by another process: ``seed_reads``)."""
        self._kept[region] = (self._clock() - age, networks)

    def take(self, region: str, read: Callable[[], tuple[Network, ...]]) -> tuple[Network, ...]:
        read_at, networks = self._kept.pop(region, (float("-inf"), ()))
        return networks if self._clock() - read_at < self._fresh else read()
