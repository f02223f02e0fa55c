"""Group attachments: eastwest's group on a workload's network interface.

In: nothing (pure values). Out: ``Interface`` (inventory: an interface eastwest never owns, with
the groups it carries and the claims eastwest recorded on it), ``GroupAttachment`` (one
segment's group on one interface, a CLAIMED resource), the key function and the digest of a
claim.
Always: an interface carries at most one attachment of a policy (a network, or a subnet, is in
one segment), so the key is the interface's; ``others`` is meaningful in ``exclusive`` mode
only, where it lists the groups besides eastwest's still on the interface (wanted: none).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from orchestrator.state.scope import Scope

Mode = Literal["add", "exclusive"]


@dataclass(frozen=True, slots=True)
class Interface:
    """A network interface as the inventory reads it. ``kind`` is one of the policy's interface
    kinds (``orchestrator.model.policy.InterfaceKind``); ``groups`` are native group ids in
    the order the cloud lists them."""

    id: str
    network: str
    subnet: str
    kind: str
    groups: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    # The ledger of the policy whose adapter read it: the group it claimed ("" none) and the
    # groups an exclusive attachment took off, to be put back.
    claim: str = ""
    prior: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupAttachment:
    key: str
    scope: Scope
    interface: str
    network: str
    group: str  # the owned group's key
    mode: Mode = "add"
    others: tuple[str, ...] = ()  # exclusive only: native ids of other groups still attached
    kind: Literal["group_attachment"] = "group_attachment"


def attachment_key(scope: Scope, interface: str) -> str:
    return f"{scope}/attach/{interface}"


def claim_digest(mode: str, group: str, others: tuple[str, ...] = ()) -> str:
    """What eastwest recorded on an interface (``others`` empty), or what it holds now: the two
    differ when a group was detached, or another one added in exclusive mode, by hand."""
    text = f"{mode} {group} {','.join(sorted(others))}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
