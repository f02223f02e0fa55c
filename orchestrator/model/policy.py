"""The version-1 policy format (DESIGN.md, "Policy file"): pydantic models, frozen, unknown
fields rejected.

Field names here are the user-facing contract; every addition is documented in
``docs/policy.md``. Checks that need more than one field (references between sections,
overlaps) live in ``checks.py`` so that all problems are reported together.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from orchestrator.model.ngfw import (
    Application,
    ObjectName,
    Panorama,
    Principal,
    Schedule,
    SegmentPanos,
)
from orchestrator.model.ports import check_port_spec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# The loader maps these patterns to messages (loader.py, _PATTERN_MESSAGES): a user sees
# "an AWS account id is 12 digits", not a regular expression. [0-9], not \d: pydantic's regex
# engine reads \d as any Unicode digit.
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
REGION_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
AWS_ACCOUNT_PATTERN = r"^[0-9]{12}$"
ALIBABA_ACCOUNT_PATTERN = r"^[0-9]{16}$"
SUBSCRIPTION_PATTERN = r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"

Name = Annotated[
    str,
    StringConstraints(pattern=NAME_PATTERN),
    Field(description="lower-case letters, digits and '-', starting with a letter, at most 63"),
]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN, max_length=40)]
PortSpec = Annotated[
    str,
    AfterValidator(check_port_spec),
    Field(
        description="'tcp/443', 'udp/53', 'tcp/8000-8100', 'icmp' or 'any'",
        examples=["tcp/443", "udp/53", "tcp/8000-8100", "icmp", "any"],
    ),
]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
TagValue = Annotated[str, StringConstraints(max_length=256)]


def _whole_number(value: object) -> object:
    """Python counts ``true`` as 1 and ``1.0`` equals 1: a policy saying either meant something
    else, so only a written whole number passes (``version: true`` is refused)."""
    if isinstance(value, bool | float):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise ValueError(f"expected a whole number such as 1, got {shown}")
    return value


def _cidr_text(value: object) -> object:
    """Explain a bad CIDR in network terms before pydantic's generic "not a valid network".

    Numbers are refused although ``ipaddress`` would take ``5`` as ``0.0.0.5/32``: in a policy
    file a bare number is a mistake, never an address.
    """
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"expected a CIDR such as '10.0.0.0/16', got the number {value}")
        return value
    if "/" not in value:
        raise ValueError(_bare_address(value))
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(_cidr_problem(value)) from None
    return value


def _bare_address(text: str) -> str:
    """ipaddress reads a bare address as a /32 (or /128); a policy must say which it means."""
    try:
        longest = 32 if ipaddress.ip_address(text).version == 4 else 128
    except ValueError:
        return f"'{text}' is not a CIDR: '{text}' is not an IP address"
    return (
        f"'{text}' has no prefix length; write '{text}/{longest}' for this one address, or the "
        "network it belongs to"
    )


def _cidr_problem(text: str) -> str:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        address, _, prefix = text.partition("/")
        try:
            version = ipaddress.ip_address(address).version
        except ValueError:
            return f"'{text}' is not a CIDR: '{address}' is not an IP address"
        longest = 32 if version == 4 else 128
        return f"'{text}' is not a CIDR: the prefix length must be 0 to {longest}, not '{prefix}'"
    return f"'{text}' has host bits set; the network is {network.with_prefixlen}"


Cidr = Annotated[
    IPvAnyNetwork,
    BeforeValidator(_cidr_text),
    Field(description="an IPv4 or IPv6 network in CIDR form, e.g. '10.0.0.0/16'"),
]


class Quotas(_Strict):
    """Per-account overrides of cloud limits checked at plan time."""

    rules_per_group: StrictInt | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="rules per security group and direction (AWS default 60, Alibaba 200)",
    )


class _Account(_Strict):
    name: Name
    regions: list[Region] = Field(min_length=1)
    quotas: Quotas = Quotas()


class AwsAccount(_Account):
    cloud: Literal["aws"]
    account_id: Annotated[str, StringConstraints(pattern=AWS_ACCOUNT_PATTERN)]
    profile: str | None = Field(
        default=None, description="boto3 profile name; default: the standard credential chain"
    )


class AlibabaAccount(_Account):
    cloud: Literal["alibaba"]
    account_id: Annotated[str, StringConstraints(pattern=ALIBABA_ACCOUNT_PATTERN)]
    profile: str | None = Field(
        default=None,
        min_length=1,
        description="aliyun CLI profile name (~/.aliyun/config.json); default: the standard "
        "credential chain (environment, OIDC/RRSA, CLI profile, ECS RAM role)",
    )


class AzureAccount(_Account):
    cloud: Literal["azure"]
    subscription_id: Annotated[str, StringConstraints(pattern=SUBSCRIPTION_PATTERN)]
    resource_group: Annotated[str, StringConstraints(min_length=1, max_length=90)]
    existing_nsgs: Literal["conflict", "share"] = Field(
        default="conflict",
        description="a member subnet that already has an NSG: 'conflict' leaves it alone "
        "(a warning), 'share' writes eastwest's rules into that NSG, by name, beside yours",
    )
    azure_cloud: Literal["AZURE_PUBLIC_CLOUD", "AZURE_CHINA_CLOUD", "AZURE_US_GOVERNMENT"] = Field(
        default="AZURE_PUBLIC_CLOUD",
        description="the sovereign cloud of the subscription, named as azure-core's AzureClouds: "
        "Resource Manager's endpoint and the sign-in authority follow it",
    )


Account = Annotated[AwsAccount | AlibabaAccount | AzureAccount, Field(discriminator="cloud")]
Cloud = Literal["aws", "alibaba", "azure"]


class Firewall(_Strict):
    zone: str
    next_hop: str = Field(description="vpce-… / eni-… (AWS), eni-… (Alibaba), NVA IP (Azure)")
    healthy: StrictBool = Field(
        default=True, description="false sends this zone to another firewall"
    )


class Inspection(_Strict):
    vpc: str
    firewalls: list[Firewall] = Field(min_length=1)
    symmetry: Literal["per_pair", "havip", "gwlb"] | None = Field(
        default=None,
        description="Alibaba: how both directions of an inspected pair cross one firewall "
        "('per_pair', the default there); AWS keeps appliance mode, Azure one NVA address",
    )
    panorama: Panorama | None = Field(
        default=None,
        description="the Panorama managing these firewalls: eastwest's rulebase goes to its "
        "device group's pre-rulebase (none: to each firewall itself)",
    )


class Hub(_Strict):
    name: Name
    account: Name
    region: Region
    transit: str = Field(description="TGW id / transit router id / hub VNet name")
    inspection: Inspection | None = None
    peerings: Literal["observe", "create"] = Field(
        default="observe",
        description="Azure: 'observe' reads the hub-spoke peerings, 'create' makes eastwest's "
        "own (both directions, forwarded traffic allowed) for member VNets",
    )


class Member(_Strict):
    """One place a segment lives: a VPC/VNet, some of its subnets, or VPCs selected by tags."""

    account: Name
    region: Region
    vpc: str | None = None
    vnet: str | None = None
    subnets: list[str] | None = Field(
        default=None, min_length=1, description="narrow a vpc/vnet member to these subnets"
    )
    tags: dict[TagKey, TagValue] | None = Field(
        default=None, min_length=1, description="every VPC/VNet carrying all these tags"
    )

    @model_validator(mode="after")
    def _one_selector(self) -> Member:
        chosen = [k for k in ("vpc", "vnet", "tags") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "a member names exactly one of 'vpc', 'vnet' or 'tags'"
                + (f" (found {', '.join(chosen)})" if chosen else "")
            )
        if self.subnets is not None and self.tags is not None:
            raise ValueError("'subnets' narrows a 'vpc' or 'vnet' member, not a 'tags' one")
        return self


# How a segment's group reaches its workloads' network interfaces (docs/policy.md,
# "Attachment"). 'add' is the default: it enforces eastwest's group without cutting what the
# interface's other groups allow, so turning eastwest on never breaks a working flow by itself.
AttachMode = Literal["add", "exclusive", "none"]
# Interface kinds, as every cloud's translate.py names them. The infrastructure kinds in
# DEFAULT_ATTACH_EXCLUDE never get a workload group: a segment's rules would cut the traffic
# they forward (a firewall's, a load balancer's) or the cloud refuses the change (endpoints).
InterfaceKind = Literal[
    "instance",
    "detached",
    "container",
    "function",
    "managed",
    "load_balancer",
    "nat",
    "endpoint",
    "transit",
    "firewall",
]
# The kinds after the workloads' four: every infrastructure kind.
DEFAULT_ATTACH_EXCLUDE: tuple[InterfaceKind, ...] = get_args(InterfaceKind)[4:]


class AzureSegment(_Strict):
    """A segment's Azure-only options (docs/azure.md, "Application security groups")."""

    asg_membership: StrictBool = Field(
        default=False,
        description="put the network interfaces of the segment's member subnets into an "
        "application security group eastwest owns (a write to each NIC), and name that group in "
        "rules between segments of one VNet instead of prefixes",
    )


class Segment(_Strict):
    name: Name
    description: str = ""
    members: list[Member] = []
    cidrs: list[Cidr] = Field(
        default=[], description="addresses of the segment besides its members' (external)"
    )
    attach: AttachMode | None = Field(
        default=None,
        description="put the segment's group on its members' network interfaces: 'add' beside "
        "their other groups, 'exclusive' in place of them (restored on removal), 'none' not at "
        "all; default: the policy's 'attach'",
    )
    attach_exclude: list[InterfaceKind] = Field(
        default=[], description="interface kinds never attached, besides the policy's"
    )
    azure: AzureSegment | None = Field(default=None, description="options for Azure members")
    panos: SegmentPanos | None = Field(
        default=None, description="options for the segment's address group on the hub firewalls"
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Segment:
        if not self.members and not self.cidrs:
            raise ValueError("a segment needs 'members', 'cidrs' or both")
        return self


class Rule(_Strict):
    name: Name
    from_: Name = Field(alias="from")
    to: Name
    ports: list[PortSpec] = Field(min_length=1)
    inspect: StrictBool = False
    cross_cloud: Literal["refuse", "uninspected"] = Field(
        default="refuse",
        description="with inspect: true, flows between members in different clouds: 'refuse' "
        "(an error: no inspection point between clouds exists yet) or 'uninspected' (allowed by "
        "the firewall groups only, said as a warning)",
    )
    description: str = ""
    bidirectional: StrictBool = Field(
        default=False,
        description="connections may be opened both ways: from → to and to → from (the "
        "clouds' groups allow both; a hub firewall gets one security rule per direction)",
    )
    # Inspected rules only: what the hub's PAN-OS firewall decides besides ports (docs/panos.md).
    applications: list[Application] = Field(default=[], description="App-IDs; none: any")
    users: list[Principal] = Field(default=[], description="User-ID users; none: any user")
    groups: list[Principal] = Field(default=[], description="User-ID groups (e.g. an LDAP DN)")
    schedule: Schedule | None = Field(default=None, description="when the flow is allowed")
    category: ObjectName | None = Field(default=None, description="why: a tag on the rule")
    profile: ObjectName | None = Field(default=None, description="how: a profile group")

    def directions(self) -> tuple[tuple[str, str], ...]:
        """The (from, to) pairs in which connections are opened: one, or both ways."""
        forward = (self.from_, self.to)
        return (forward, (self.to, self.from_)) if self.bidirectional else (forward,)


class Policy(_Strict):
    version: Annotated[Literal[1], BeforeValidator(_whole_number)]
    name: Name
    accounts: list[Account] = Field(min_length=1)
    hubs: list[Hub] = []
    segments: list[Segment] = Field(min_length=1)
    rules: list[Rule] = []
    attach: AttachMode = Field(
        default="add", description="the 'attach' of every segment that gives none"
    )
    attach_exclude: list[InterfaceKind] = Field(
        default=[],
        description="interface kinds never attached, besides the default "
        + ", ".join(DEFAULT_ATTACH_EXCLUDE),
    )

    def account(self, name: str) -> AwsAccount | AlibabaAccount | AzureAccount:
        return next(a for a in self.accounts if a.name == name)

    def segment(self, name: str) -> Segment:
        return next(s for s in self.segments if s.name == name)

    def attach_mode(self, segment: Segment) -> AttachMode:
        return segment.attach if segment.attach is not None else self.attach

    def asg_membership(self, segment: Segment) -> bool:
        """Memberships are part of attaching: ``attach: none`` writes no NIC either."""
        wanted = segment.azure is not None and segment.azure.asg_membership
        return wanted and self.attach_mode(segment) != "none"

    def attach_excluded(self, segment: Segment) -> frozenset[str]:
        return frozenset((*DEFAULT_ATTACH_EXCLUDE, *self.attach_exclude, *segment.attach_exclude))
