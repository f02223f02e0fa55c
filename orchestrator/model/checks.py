"""Semantic checks: what a structurally valid policy can still get wrong.

In: a ``Policy`` that pydantic accepted. Out: every problem found, as diagnostics that carry
a field path (``rules[3].to``) but no file position; the loader locates them. Nothing here
raises or stops at the first problem: each check yields all it finds and the checks are
independent, so one bad name does not hide an unrelated overlap.

A reference that does not resolve (an unknown account) is reported once, by the reference
check, and the checks that would need it skip that item rather than pile on.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import combinations

from orchestrator.diagnostics import WIDE_PREFIX, Diagnostic, error, warning
from orchestrator.model.limits import check_names
from orchestrator.model.policy import AlibabaAccount, AwsAccount, AzureAccount, Member, Policy, Rule
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.model.regions import known_regions

Account = AwsAccount | AlibabaAccount | AzureAccount
_SELECTOR_FOR = {"aws": "vpc", "alibaba": "vpc", "azure": "vnet"}
_NETWORK_WORD = {"vpc": "a VPC (AWS, Alibaba)", "vnet": "an Azure VNet"}
# Shorter prefixes than these are a warning (an error with --strict): /8 is a large private
# range an on-premises segment may well hold; anything wider is most of the internet.
_WIDEST = {4: 8, 6: 16}


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to a mistyped ``word``, if any is close enough to suggest."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def check_policy(policy: Policy) -> list[Diagnostic]:
    """Run every semantic check; errors and warnings together, in check order."""
    checks: Sequence[Callable[[Policy], Iterator[Diagnostic]]] = (
        _duplicate_names,
        _regions,
        _references,
        _hubs,
        _members,
        _subnets,
        _cidrs,
        _rules,
        _firewall_fields,
        _cross_cloud_inspection,
        _symmetry,
        check_names,
    )
    return [diagnostic for check in checks for diagnostic in check(policy)]


def _duplicate_names(policy: Policy) -> Iterator[Diagnostic]:
    sections: tuple[tuple[str, str, Sequence[object]], ...] = (
        ("accounts", "account", policy.accounts),
        ("hubs", "hub", policy.hubs),
        ("segments", "segment", policy.segments),
        ("rules", "rule", policy.rules),
    )
    for section, kind, items in sections:
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            name = str(getattr(item, "name", ""))
            if name in first:
                summary = f"another {kind} is already named '{name}' ({section}[{first[name]}])"
                yield error(summary, path=f"{section}[{index}].name")
            first.setdefault(name, index)


def _regions(policy: Policy) -> Iterator[Diagnostic]:
    for a, account in enumerate(policy.accounts):
        known = known_regions(account.cloud)
        for r, region in enumerate(account.regions):
            if region not in known:
                guess = nearest(region, known)
                hint = f"; did you mean '{guess}'?" if guess else ""
                summary = f"'{region}' is not a region of {account.cloud}{hint}"
                yield error(summary, path=f"accounts[{a}].regions[{r}]")


def _unknown(kind: str, name: str, known: Sequence[str], path: str) -> Diagnostic:
    known = list(dict.fromkeys(known))  # duplicate names are reported on their own
    guess = nearest(name, known)
    hint = f"did you mean '{guess}'?" if guess else f"known: {', '.join(known) or 'none'}"
    return error(f"no {kind} named '{name}'; {hint}", path=path)


def _references(policy: Policy) -> Iterator[Diagnostic]:
    accounts = [a.name for a in policy.accounts]
    segments = [s.name for s in policy.segments]
    # Sets for the lookups: a policy of 100,000 segments and rules is checked in linear time.
    known_accounts, known_segments = set(accounts), set(segments)
    for h, hub in enumerate(policy.hubs):
        if hub.account not in known_accounts:
            yield _unknown("account", hub.account, accounts, f"hubs[{h}].account")
    for path, member in _members_of(policy):
        if member.account not in known_accounts:
            yield _unknown("account", member.account, accounts, f"{path}.account")
    for r, rule in enumerate(policy.rules):
        for field, name in (("from", rule.from_), ("to", rule.to)):
            if name not in known_segments:
                yield _unknown("segment", name, segments, f"rules[{r}].{field}")


def _members_of(policy: Policy) -> Iterator[tuple[str, Member]]:
    for s, segment in enumerate(policy.segments):
        for m, member in enumerate(segment.members):
            yield f"segments[{s}].members[{m}]", member


def _accounts_by_name(policy: Policy) -> dict[str, Account]:
    # The first of two accounts with one name is the real one: the second is the duplicate
    # that _duplicate_names reports, so checks against it would only add noise.
    return {a.name: a for a in reversed(policy.accounts)}


def _hubs(policy: Policy) -> Iterator[Diagnostic]:
    accounts = _accounts_by_name(policy)
    first: dict[tuple[str, str], str] = {}
    for h, hub in enumerate(policy.hubs):
        account = accounts.get(hub.account)
        if account is not None and hub.region not in account.regions:
            listed = ", ".join(account.regions)
            summary = f"account '{account.name}' does not list region '{hub.region}' ({listed})"
            yield error(summary, path=f"hubs[{h}].region")
        if account is not None and hub.peerings != "observe" and account.cloud != "azure":
            summary = (
                f"'peerings: {hub.peerings}' is for Azure hubs (hub VNet peerings); account "
                f"'{account.name}' is {account.cloud}"
            )
            yield error(summary, path=f"hubs[{h}].peerings")
        place = (hub.account, hub.region)
        if place in first:
            summary = (
                f"a second hub for account '{hub.account}' in {hub.region} (hub '{first[place]}'"
                " is the first); one hub per account and region"
            )
            yield error(summary, path=f"hubs[{h}]")
        first.setdefault(place, hub.name)


def _members(policy: Policy) -> Iterator[Diagnostic]:
    accounts = _accounts_by_name(policy)
    for path, member in _members_of(policy):
        account = accounts.get(member.account)
        if account is None:
            continue
        if member.region not in account.regions:
            summary = (
                f"no account covers this member: account '{account.name}' lists "
                f"{', '.join(account.regions)}, not '{member.region}'"
            )
            yield error(summary, path=f"{path}.region")
        expected = _SELECTOR_FOR[account.cloud]
        for wrong in {"vpc", "vnet"} - {expected}:
            if getattr(member, wrong) is not None:
                summary = (
                    f"'{wrong}' names {_NETWORK_WORD[wrong]}, but account '{account.name}' is on "
                    f"{account.cloud}; use '{expected}'"
                )
                yield error(summary, path=f"{path}.{wrong}")


def _subnets(policy: Policy) -> Iterator[Diagnostic]:
    # Azure subnet names repeat across VNets, so a subnet is identified within its network.
    first: dict[tuple[str, str, str, str], str] = {}
    for path, member in _members_of(policy):
        network = member.vpc or member.vnet or ""
        for k, subnet in enumerate(member.subnets or []):
            here = f"{path}.subnets[{k}]"
            key = (member.account, member.region, network, subnet)
            if key in first:
                yield error(f"subnet '{subnet}' is already listed at {first[key]}", path=here)
            first.setdefault(key, here)


def _cidrs(policy: Policy) -> Iterator[Diagnostic]:
    declared: list[tuple[int, str, ipaddress.IPv4Network]] = []
    for s, segment in enumerate(policy.segments):
        for c, network in enumerate(segment.cidrs):
            path = f"segments[{s}].cidrs[{c}]"
            if network.prefixlen < _WIDEST[network.version]:
                yield _wide(segment.name, network, path)
            if isinstance(network, ipaddress.IPv4Network):
                declared.append((s, path, network))
            else:
                summary = f"{network} is IPv6: accepted, but not compiled yet (IPv4 only for now)"
                yield warning(summary, path=path)
    yield from _overlaps(policy, declared)


def _wide(
    segment: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network, path: str
) -> Diagnostic:
    whole = "every address" if network.prefixlen == 0 else f"{network.num_addresses:,} addresses"
    summary = (
        f"{network} is {whole}: every rule from segment '{segment}' admits all of them "
        f"(prefixes shorter than /{_WIDEST[network.version]} are warned of)"
    )
    return warning(summary, path=path, code=WIDE_PREFIX)


def _overlaps(
    policy: Policy, declared: list[tuple[int, str, ipaddress.IPv4Network]]
) -> Iterator[Diagnostic]:
    # Pairwise is fine: declared CIDRs are external ranges, tens per policy, not inventory.
    for (s1, path1, net1), (s2, path2, net2) in combinations(declared, 2):
        if not net1.overlaps(net2):
            continue
        if s1 == s2:
            yield warning(f"{net2} overlaps {net1} of the same segment ({path1})", path=path2)
        else:
            summary = (
                f"{net2} overlaps {net1} of segment '{policy.segments[s1].name}' ({path1}); "
                "an address can belong to one segment only"
            )
            yield error(summary, path=path2)


def _rules(policy: Policy) -> Iterator[Diagnostic]:
    first: dict[tuple[str, str, frozenset[PortRange]], tuple[str, bool]] = {}
    for r, rule in enumerate(policy.rules):
        if rule.from_ == rule.to:
            summary = (
                f"rule goes from segment '{rule.to}' to itself; traffic inside a segment is "
                "always allowed, rules are for flows between two segments"
            )
            yield error(summary, path=f"rules[{r}].to")
        yield from _rule_ports(rule, f"rules[{r}]")
        flow = (rule.from_, rule.to, frozenset(parse_port_spec(p) for p in rule.ports))
        if flow in first:
            name, inspect = first[flow]
            differs = "" if inspect == rule.inspect else "; the two disagree on 'inspect'"
            summary = f"rule '{rule.name}' allows the same flow as rule '{name}'{differs}"
            yield warning(summary, path=f"rules[{r}]")
        first.setdefault(flow, (rule.name, rule.inspect))


# The fields only an inspecting firewall can decide (docs/panos.md): a cloud's groups see
# addresses and ports, so on an uninspected rule they would silently mean nothing.
FIREWALL_FIELDS = ("applications", "users", "groups", "schedule", "category", "profile")


def _firewall_fields(policy: Policy) -> Iterator[Diagnostic]:
    for r, rule in enumerate(policy.rules):
        if rule.inspect:
            continue
        for name in FIREWALL_FIELDS:
            if getattr(rule, name) not in (None, []):
                summary = (
                    f"'{name}' is decided by the hub's firewall, which sees only inspected "
                    f"flows: set 'inspect: true' on rule '{rule.name}' or remove '{name}'"
                )
                yield error(summary, path=f"rules[{r}].{name}")


def _rule_ports(rule: Rule, path: str) -> Iterator[Diagnostic]:
    # One diagnostic per port at most: the first earlier port it repeats, else overlaps.
    ranges = [parse_port_spec(spec) for spec in rule.ports]
    for j, port in enumerate(ranges):
        here = f"{path}.ports[{j}]"
        earlier = list(enumerate(ranges[:j]))
        same = next((i for i, other in earlier if other == port), None)
        if same is not None:
            yield error(f"{port} is already listed in this rule (ports[{same}])", path=here)
            continue
        close = next(((i, o) for i, o in earlier if _overlap(o, port)), None)
        if close is not None:
            yield warning(f"{port} overlaps {close[1]} (ports[{close[0]}]) in this rule", path=here)


def _overlap(a: PortRange, b: PortRange) -> bool:
    if "all" in (a.protocol, b.protocol):
        return True
    if a.protocol != b.protocol:
        return False
    return a.protocol == "icmp" or (a.from_port <= b.to_port and b.from_port <= a.to_port)


def _cross_cloud_inspection(policy: Policy) -> Iterator[Diagnostic]:
    """An inspected rule whose ends have members in different clouds: no firewall sits between
    clouds (traffic there crosses links eastwest does not route), so it would pass uninspected."""
    accounts = _accounts_by_name(policy)
    segments = {s.name: s for s in reversed(policy.segments)}

    def clouds(name: str) -> set[str]:
        segment = segments.get(name)
        members = segment.members if segment is not None else []
        return {accounts[m.account].cloud for m in members if m.account in accounts}

    for r, rule in enumerate(policy.rules):
        ends = clouds(rule.from_), clouds(rule.to)
        crossing = sorted({(a, b) for a in ends[0] for b in ends[1] if a != b})
        if not rule.inspect or not crossing:
            continue
        pairs = ", ".join(f"{a} → {b}" for a, b in crossing)
        if rule.cross_cloud == "uninspected":
            summary = f"rule '{rule.name}': its flows {pairs} are not inspected (cross_cloud)"
            yield warning(summary, path=f"rules[{r}].inspect")
            continue
        summary = (
            f"rule '{rule.name}' asks for inspection, but segments '{rule.from_}' and "
            f"'{rule.to}' have members in different clouds ({pairs}): no inspection point "
            "between clouds exists, so those flows would pass uninspected"
        )
        detail = (
            "keep the inspected flow within one cloud (a segment per cloud), drop 'inspect', "
            "or set 'cross_cloud: uninspected' to allow the cross-cloud flows uninspected"
        )
        yield error(summary, path=f"rules[{r}].inspect", detail=detail)


# Why each Alibaba symmetry but per_pair is refused (what the shipped API metadata lacks).
_NOT_BUILT = {
    "havip": "CreateRouteEntry accepts NextHopType=HaVip, but the shipped VPC API metadata has no "
    "action to create, read or bind a HaVip, so eastwest can neither make nor prove one",
    "gwlb": "NextHopType=GatewayLoadBalancerEndpoint is not in the shipped CreateRouteEntry "
    "metadata (nor any GWLB action), so eastwest cannot route to one",
}


def _symmetry(policy: Policy) -> Iterator[Diagnostic]:
    accounts = _accounts_by_name(policy)
    for h, hub in enumerate(policy.hubs):
        account = accounts.get(hub.account)
        symmetry = hub.inspection.symmetry if hub.inspection is not None else None
        if account is None or symmetry is None:
            continue
        path = f"hubs[{h}].inspection.symmetry"
        if account.cloud != "alibaba":
            summary = (
                f"'symmetry' is for Alibaba hubs; account '{account.name}' is {account.cloud}, "
                "whose hubs keep both directions on one firewall by themselves"
            )
            yield error(summary, path=path)
        elif symmetry in _NOT_BUILT:
            summary = f"'symmetry: {symmetry}' is not supported: {_NOT_BUILT[symmetry]}"
            yield error(summary, path=path, detail="use 'per_pair' (the default)")
