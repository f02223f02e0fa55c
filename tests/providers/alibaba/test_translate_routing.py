"""Pure translation of CBN and VPC routing payloads, on literal API answers."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.state import HopKind, SubnetRoute, TransitRoute
from providers.alibaba import translate_routing as trr

HUB_OF = {"tr-attach-web": "tr-hz"}


def _entry(kind: str, hop: str, entry_type: str = "Custom") -> dict[str, Any]:
    hops = [{"NextHopType": kind, "NextHopId": hop}] if kind else []
    return {
        "DestinationCidrBlock": "10.60.0.0/15",
        "Type": entry_type,
        "RouteEntryName": "",
        "NextHops": {"NextHop": hops},
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_entry("", "", "System"), SubnetRoute("10.60.0.0/15", HopKind.LOCAL, "local")),
        (_entry("local", "", "System"), SubnetRoute("10.60.0.0/15", HopKind.LOCAL, "local")),
        (
            _entry("Attachment", "tr-attach-web"),
            SubnetRoute("10.60.0.0/15", HopKind.TRANSIT, "tr-hz"),
        ),
        (
            _entry("NetworkInterface", "eni-fw"),
            SubnetRoute("10.60.0.0/15", HopKind.FIREWALL, "eni-fw"),
        ),
        # An attachment of no router the scope shows goes nowhere the walk can follow.
        (
            _entry("Attachment", "tr-attach-else"),
            SubnetRoute("10.60.0.0/15", HopKind.OTHER, "tr-attach-else"),
        ),
        (_entry("NatGateway", "ngw-1"), SubnetRoute("10.60.0.0/15", HopKind.OTHER, "ngw-1")),
    ],
    ids=["system", "local", "attachment", "eni", "foreign-attachment", "nat"],
)
def test_vpc_route_entries_become_subnet_routes(
    entry: dict[str, Any], expected: SubnetRoute
) -> None:
    assert trr.subnet_route(entry, HUB_OF) == expected


def test_static_entries_come_before_learned_ones_and_busy_ones_are_left_out() -> None:
    def row(dest: str, kind: str, hop: str, entry_type: str, status: str = "Active") -> Any:
        return {
            "TransitRouterRouteEntryDestinationCidrBlock": dest,
            "TransitRouterRouteEntryNextHopType": kind,
            "TransitRouterRouteEntryNextHopId": hop,
            "TransitRouterRouteEntryType": entry_type,
            "TransitRouterRouteEntryStatus": status,
        }

    routes = trr.transit_routes(
        [
            row("10.70.0.0/16", "Attachment", "tr-attach-db", "Propagated"),
            row("10.70.0.0/16", "Attachment", "tr-attach-sec", "Static"),
            row("10.80.0.0/16", "BlackHole", "", "Static"),
            row("10.90.0.0/16", "Attachment", "tr-attach-x", "Static", "Creating"),
        ]
    )
    assert routes == (
        TransitRoute("10.70.0.0/16", "tr-attach-sec", False),
        TransitRoute("10.80.0.0/16", None, False),
        TransitRoute("10.70.0.0/16", "tr-attach-db", True),
    )


@pytest.mark.parametrize(
    ("target", "kind"),
    [("eni-abc", "NetworkInterface"), ("tr-attach-abc", "Attachment")],
    ids=["eni", "attachment"],
)
def test_hop_type(target: str, kind: str) -> None:
    assert trr.hop_type(target) == kind


def test_hop_type_refuses_what_eastwest_never_routes_to() -> None:
    with pytest.raises(ValueError, match="not a next hop"):
        trr.hop_type("tr-abc")


def test_attachment_subnets_are_its_zone_vswitches() -> None:
    att = trr.transit_attachment(
        {
            "TransitRouterAttachmentId": "tr-attach-sec",
            "TransitRouterId": "tr-hz",
            "VpcId": "vpc-sec",
            "ZoneMappings": [
                {"ZoneId": "cn-hangzhou-h", "VSwitchId": "vsw-h"},
                {"ZoneId": "cn-hangzhou-i", "VSwitchId": "vsw-i"},
            ],
        },
        "vtb-inspection",
    )
    assert (att.hub, att.network, att.subnets, att.table) == (
        "tr-hz",
        "vpc-sec",
        ("vsw-h", "vsw-i"),
        "vtb-inspection",
    )
