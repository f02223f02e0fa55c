"""The firewall's own rulebase as neutral values: what eastwest owns on one NGFW.

In: nothing (pure values). Out: ``NgfwTag``, ``NgfwAddressGroup``, ``NgfwService``,
``NgfwSchedule``, ``NgfwRule``, ``NgfwSection`` (the order of eastwest's rules, its terminal
deny last), ``NgfwPush`` (a Panorama device group's push to its firewalls) and
``NgfwRegisteredIp`` (a segment's addresses registered with its tag, for a
dynamic address group: User-ID runtime state, not configuration), gathered per firewall in a
``FirewallState``. Always: keys are ``ngfw/<firewall>/<kind>/<name>`` (a firewall is
``<cloud>/<zone>`` of a hub, or ``panorama/<host>/<device group>``), values are
frozen and compare by everything the firewall stores, so an edit made by hand is a difference.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from orchestrator.state.change import Action

OWNER_TAG = "eastwest"  # with the name prefix, the mark of everything eastwest owns there


@dataclass(frozen=True, slots=True)
class NgfwTag:
    key: str
    firewall: str
    name: str
    kind: Literal["ngfw_tag"] = "ngfw_tag"


@dataclass(frozen=True, slots=True)
class NgfwAddressGroup:
    """A segment's addresses: a static group of one address object per CIDR, or (``filter``
    set, no CIDRs) a dynamic group matching the tag the segment's addresses are registered
    with."""

    key: str
    firewall: str
    name: str
    segment: str
    cidrs: tuple[str, ...]  # sorted
    # The digest eastwest wrote beside the object (its description) when it last applied it:
    # an object whose content no longer matches was changed by hand (drift).
    recorded: str = field(default="", compare=False)
    filter: str = ""  # a dynamic group's match: "'eastwest-acme-web'"
    kind: Literal["ngfw_address_group"] = "ngfw_address_group"


@dataclass(frozen=True, slots=True)
class NgfwService:
    key: str
    firewall: str
    name: str
    protocol: str  # tcp or udp
    ports: str  # '5432' or '8000-8100'
    recorded: str = field(default="", compare=False)
    kind: Literal["ngfw_service"] = "ngfw_service"


@dataclass(frozen=True, slots=True)
class NgfwSchedule:
    key: str
    firewall: str
    name: str
    days: tuple[str, ...]  # monday … sunday; empty: daily
    hours: tuple[str, ...]
    kind: Literal["ngfw_schedule"] = "ngfw_schedule"


@dataclass(frozen=True, slots=True)
class NgfwRule:
    """One security rule; ``any`` stands for an empty match list, as the firewall writes it."""

    key: str
    firewall: str
    name: str
    source: tuple[str, ...]
    destination: tuple[str, ...]
    applications: tuple[str, ...]
    services: tuple[str, ...]
    users: tuple[str, ...]
    action: str  # allow or deny
    tags: tuple[str, ...]
    schedule: str = ""
    profile: str = ""
    description: str = ""
    recorded: str = field(default="", compare=False)
    kind: Literal["ngfw_rule"] = "ngfw_rule"


@dataclass(frozen=True, slots=True)
class NgfwSection:
    """Where eastwest's rules stand: at the top of the rulebase, in this order, nothing else
    among them. An observed section lists every rule down to eastwest's last one, foreign
    rules included, so a rule slipped in by hand is a difference too."""

    key: str
    firewall: str
    order: tuple[str, ...]
    kind: Literal["ngfw_section"] = "ngfw_section"


@dataclass(frozen=True, slots=True)
class NgfwRegisteredIp:
    """An address (an IP or a CIDR) registered on the firewall with eastwest's tags, which
    a dynamic address group matches. Runtime state: written through the User-ID API, never
    committed."""

    key: str
    firewall: str
    name: str  # the address
    tags: tuple[str, ...]  # sorted, eastwest's only
    kind: Literal["ngfw_registered_ip"] = "ngfw_registered_ip"


@dataclass(frozen=True, slots=True)
class NgfwPush:
    """A Panorama device group pushed to its firewalls: ``pending`` lists the firewalls
    (serials) whose copy is not Panorama's running configuration of the group (wanted: none),
    so a push that failed or never ran after Panorama's commit is a change until one succeeds."""

    key: str
    firewall: str
    name: str  # the device group
    pending: tuple[str, ...] = ()
    kind: Literal["ngfw_push"] = "ngfw_push"


NgfwResource = (
    NgfwTag | NgfwAddressGroup | NgfwService | NgfwSchedule | NgfwRule | NgfwSection
    | NgfwRegisteredIp | NgfwPush
)  # fmt: skip
NGFW_KINDS = (
    NgfwTag, NgfwAddressGroup, NgfwService, NgfwSchedule, NgfwRule, NgfwSection, NgfwRegisteredIp,
    NgfwPush,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FirewallState:
    """Everything eastwest owns (or wants) on one firewall, by key. Observed, ``foreign``
    names what carries eastwest's name prefix without its tag: never written over."""

    firewall: str
    resources: Mapping[str, NgfwResource] = field(default_factory=dict)
    foreign: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FirewallCatalogue:
    """Which of the applications and profile groups a plan names the firewall knows."""

    applications: frozenset[str]
    profiles: frozenset[str]


@dataclass(frozen=True, slots=True)
class FirewallApplied:
    job: str  # the commit job, "" when nothing was committed
    edits: int  # sub-requests of the one batched request

    def summary(self) -> str:
        """``3 edit(s) committed (job 12)``; registrations alone need no commit."""
        if not self.job:
            return f"{self.edits} edit(s), no commit needed"
        return f"{self.edits} edit(s) committed (job {self.job})"


@dataclass(frozen=True, slots=True)
class NgfwChange:
    action: Action
    before: NgfwResource | None
    after: NgfwResource | None
    drift: bool = False

    @property
    def resource(self) -> NgfwResource:
        found = self.after if self.after is not None else self.before
        if found is None:
            raise ValueError("a change needs a before or an after")
        return found


def ngfw_key(firewall: str, kind: str, name: str) -> str:
    return f"ngfw/{firewall}/{kind.removeprefix('ngfw_')}/{name}"


def section_key(firewall: str) -> str:
    return ngfw_key(firewall, "ngfw_section", "eastwest")


def address_name(prefix: str, cidr: str) -> str:
    """The address object of one CIDR of a segment's group (the same on the firewall and in
    the Terraform configuration)."""
    return prefix + cidr.replace("/", "_").replace(":", ".")


def with_digest(description: str, resource: NgfwResource) -> str:
    """A description with the digest eastwest records of ``resource``'s content at its end."""
    return f"{description} [d:{content_digest(resource)}]".strip()


def content_digest(resource: NgfwResource) -> str:
    """A short digest of what the firewall stores of ``resource`` (not where it was read)."""
    body = {k: v for k, v in asdict(resource).items() if k not in ("key", "firewall", "recorded")}
    if not body.get("filter", True):
        del body["filter"]  # a static group's digest as recorded before dynamic groups existed
    return hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:12]


_BY_KIND: Mapping[str, type[NgfwResource]] = {
    "ngfw_tag": NgfwTag,
    "ngfw_address_group": NgfwAddressGroup,
    "ngfw_service": NgfwService,
    "ngfw_schedule": NgfwSchedule,
    "ngfw_rule": NgfwRule,
    "ngfw_section": NgfwSection,
    "ngfw_registered_ip": NgfwRegisteredIp,
    "ngfw_push": NgfwPush,
}


def ngfw_to_json(resource: NgfwResource) -> dict[str, object]:
    """Every field, ``recorded`` included: a saved plan's drift is re-derived from it."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(resource).items()}


def ngfw_from_json(body: Mapping[str, object]) -> NgfwResource:
    """The resource ``ngfw_to_json`` wrote; raises ``ValueError`` for an unknown kind and
    ``TypeError`` for fields the kind does not have."""
    cls = _BY_KIND.get(str(body.get("kind")))
    if cls is None:
        raise ValueError(f"unknown firewall resource kind {body.get('kind')!r}")
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in body.items()}
    return cls(**fields)


def fingerprint(state: FirewallState) -> str:
    """What was observed on a firewall, as one digest: a saved plan whose firewall moved since
    is stale, not tampered with."""
    body = [ngfw_to_json(r) for _, r in sorted(state.resources.items())]
    text = json.dumps([body, sorted(state.foreign)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
