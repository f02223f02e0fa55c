"""Membership's overlap checks: the indexed sweep finds what the old pairwise comparison found,
in the same order, and placements resolve through the indexed inventory as before."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.compile.membership import (
    IPNetwork,
    Placement,
    _external_overlaps,
    _overlaps,
    _parse,
    resolve_membership,
)
from orchestrator.diagnostics import EXTERNAL_OVERLAP, Diagnostic, error, warning
from orchestrator.model.policy import Policy
from orchestrator.state import Network, Scope, ScopeInventory, Subnet
from tests.orchestrator.factories import ACCOUNT, SCOPE, policy

OTHER = Scope("aws", ACCOUNT, "eu-west-1")


def pairwise_overlaps(placements: list[Placement]) -> list[Diagnostic]:
    """The quadratic reference the sweep replaced, kept verbatim as the oracle."""
    diags: list[Diagnostic] = []
    for i, a in enumerate(placements):
        for b in placements[i + 1 :]:
            if a.scope != b.scope or a.segment == b.segment:
                continue
            clash = _first_overlap(a.cidrs, b.cidrs)
            if clash is not None:
                diags.append(
                    error(
                        f"segments {a.segment!r} and {b.segment!r} overlap in {a.scope}: "
                        f"{clash[0]} ({a.network}) and {clash[1]} ({b.network})",
                        path=b.path,
                        detail="a network (or subnet) can belong to one segment only",
                    )
                )
    return diags


def _first_overlap(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[str, str] | None:
    for x in left:
        for y in right:
            nx, ny = ipaddress.ip_network(x), ipaddress.ip_network(y)
            if nx.version == ny.version and nx.overlaps(ny):
                return x, y
    return None


def _v4(address: int, prefix: int) -> str:
    # A small address space (10.0.0.0/20) so that random blocks often nest or repeat.
    net = ipaddress.ip_network((0x0A000000 + address * 256, prefix), strict=False)
    return net.with_prefixlen


def _v6(address: int, prefix: int) -> str:
    return ipaddress.ip_network((0xFD << 120 | address << 100, prefix), strict=False).compressed


_CIDRS = st.one_of(
    st.builds(_v4, st.integers(0, 15), st.integers(20, 26)),
    st.builds(_v6, st.integers(0, 15), st.integers(4, 12)),
)
_PLACEMENTS = st.lists(
    st.builds(
        lambda seg, scope, n, cidrs: Placement(seg, scope, f"vpc-{n}", tuple(cidrs), f"m[{n}]"),
        st.sampled_from(["web", "db", "app"]),
        st.sampled_from([SCOPE, OTHER]),
        st.integers(0, 99),
        st.lists(_CIDRS, max_size=4),
    ),
    max_size=25,
)


@settings(deadline=None)  # a shared, loaded machine: what is tested is the result
@given(_PLACEMENTS)
def test_the_sweep_reports_what_the_pairwise_check_reported(placements: list[Placement]) -> None:
    assert _overlaps(placements, _parse(placements)) == pairwise_overlaps(placements)


def pairwise_external_overlaps(pol: Policy, placements: list[Placement]) -> list[Diagnostic]:
    """The reference that parsed every placement's CIDRs again for each declared CIDR."""
    diags: list[Diagnostic] = []
    for s_index, segment in enumerate(pol.segments):
        for c_index, declared in enumerate(segment.cidrs):
            hit = next(
                (p for p in placements if p.segment != segment.name and _covers(declared, p)), None
            )
            if hit is None:
                continue
            summary = (
                f"{declared} of segment {segment.name!r} overlaps {hit.network} of segment "
                f"{hit.segment!r} in {hit.scope}: whatever is allowed from {segment.name!r} "
                f"is also allowed from those addresses"
            )
            path = f"segments[{s_index}].cidrs[{c_index}]"
            diags.append(warning(summary, path=path, code=EXTERNAL_OVERLAP))
    return diags


def _covers(declared: IPNetwork, placement: Placement) -> bool:
    nets = (ipaddress.ip_network(c) for c in placement.cidrs)
    return any(n.version == declared.version and n.overlaps(declared) for n in nets)


@settings(deadline=None)  # a shared, loaded machine: what is tested is the result
@given(_PLACEMENTS, st.lists(_CIDRS, min_size=1, max_size=3), st.sampled_from(["web", "x"]))
def test_declared_cidrs_warn_on_the_first_placement_they_cover(
    placements: list[Placement], declared: list[str], name: str
) -> None:
    pol = policy(segments=[{"name": name, "cidrs": declared}], rules=[])
    found = _external_overlaps(pol, placements, _parse(placements))
    assert found == pairwise_external_overlaps(pol, placements)


def _member(**where: object) -> dict[str, object]:
    return {"account": "prod", "region": "us-east-1", **where}


_INVENTORY = {
    SCOPE: ScopeInventory(
        SCOPE,
        (
            Network("vpc-a", ("10.1.0.0/16",), {"segment": "web", "env": "prod"}),
            Network("vpc-b", ("10.2.0.0/16",), {"segment": "web"}),
            Network("vpc-a", ("10.9.0.0/16",), {}),  # a duplicate id: the first one counts
            Network("vpc-c", ("10.3.0.0/16",), {"env": "prod"}),
        ),
        (
            Subnet("subnet-1", "vpc-a", ("10.1.1.0/24",), "us-east-1a"),
            Subnet("subnet-2", "vpc-a", ("10.1.2.0/24",), "us-east-1b"),
            Subnet("subnet-3", "vpc-b", ("10.2.3.0/24",), "us-east-1a"),
        ),
    )
}


@pytest.mark.parametrize(
    ("member", "networks", "cidrs", "errors"),
    [
        pytest.param(_member(vpc="vpc-a"), ["vpc-a"], ["10.1.0.0/16"], [], id="by-id"),
        pytest.param(
            _member(tags={"segment": "web"}),
            ["vpc-a", "vpc-b"],
            ["10.1.0.0/16", "10.2.0.0/16"],
            [],
            id="by-tag-in-inventory-order",
        ),
        pytest.param(
            _member(tags={"env": "prod", "segment": "web"}),
            ["vpc-a"],
            ["10.1.0.0/16"],
            [],
            id="by-every-tag",
        ),
        pytest.param(_member(tags={"env": "dev"}), [], [], [], id="no-tag-match"),
        pytest.param(
            _member(vpc="vpc-a", subnets=["subnet-2", "subnet-3"]),
            ["vpc-a"],
            ["10.1.2.0/24"],
            ["subnet subnet-3 is not in vpc-a"],
            id="subnets-of-that-network-only",
        ),
        pytest.param(_member(vpc="vpc-x"), [], [], ["vpc-x was not found"], id="unknown-id"),
    ],
)
def test_members_resolve_through_the_indexed_inventory(
    member: dict[str, object], networks: list[str], cidrs: list[str], errors: list[str]
) -> None:
    pol = policy(segments=[{"name": "web", "members": [member]}], rules=[])
    found = resolve_membership(pol, _INVENTORY)
    assert [p.network for p in found.of("web")] == networks
    assert [c for p in found.of("web") for c in p.cidrs] == cidrs
    problems = [d.summary for d in found.diagnostics if d.severity == "error"]
    assert [any(e in s for s in problems) for e in errors] == [True] * len(errors)
    assert len(problems) == len(errors)
