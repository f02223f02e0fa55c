"""The seeded Alibaba landing zone, read back through the real SDK like eastwest would."""

from __future__ import annotations

from typing import Any

import pytest
from aliyunsdkcbn.request.v20170912 import ListTransitRouterVpcAttachmentsRequest
from aliyunsdkecs.request.v20140526 import (
    DescribeNetworkInterfacesRequest,
    DescribeSecurityGroupAttributeRequest,
    DescribeSecurityGroupsRequest,
)
from aliyunsdkvpc.request.v20160428 import (
    DescribeRouteEntryListRequest,
    DescribeVpcsRequest,
    DescribeVSwitchesRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import call
from moto_fixtures.alibaba.seed import SeedReport, seed_alibaba
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from tests.moto_fixtures.alibaba.marks import needs_metadata

pytestmark = needs_metadata
Seeded = tuple[AlibabaServer, SeedReport]


def test_counts(seeded: Seeded) -> None:
    _, report = seeded
    assert (
        len(report.vpcs),
        len(report.vswitches),
        len(report.route_tables),
        len(report.firewall_enis),
        len(report.attachments),
        len(report.security_groups),
        len(report.route_entries),
        len(report.instances),
        len(report.network_interfaces),
        len(report.excluded_interfaces),
    ) == (7, 16, 9, 2, 7, 8, 7, 14, 18, 5)
    assert (report.account_id, report.region) == ("5123456789012345", "cn-hangzhou")


@pytest.mark.parametrize("segment", ["web", "app", "db"])
def test_two_spokes_per_segment_with_distinct_cidrs(seeded: Seeded, acs: Any, segment: str) -> None:
    server, _ = seeded
    request = DescribeVpcsRequest.DescribeVpcsRequest()
    request.set_Tags([{"Key": "segment", "Value": segment}])
    vpcs = call(acs, server, request)["Vpcs"]["Vpc"]
    assert sorted(v["VpcName"] for v in vpcs) == [f"spoke-{segment}-1", f"spoke-{segment}-2"]
    assert len({v["CidrBlock"] for v in vpcs}) == 2
    assert all(v["CidrBlock"].endswith("/16") for v in vpcs)


def test_spoke_vswitches_span_both_zones_on_the_custom_table(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    request = DescribeVSwitchesRequest.DescribeVSwitchesRequest()
    request.set_VpcId(report.vpcs["spoke-app-2"])
    vswitches = call(acs, server, request)["VSwitches"]["VSwitch"]
    assert sorted(s["ZoneId"] for s in vswitches) == list(lz.ZONES)
    assert {s["RouteTable"]["RouteTableId"] for s in vswitches} == {
        report.route_tables["spoke-app-2-rt"]
    }
    assert {s["RouteTable"]["RouteTableType"] for s in vswitches} == {"Custom"}


def test_every_vpc_is_attached_to_the_transit_router(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    request = ListTransitRouterVpcAttachmentsRequest.ListTransitRouterVpcAttachmentsRequest()
    request.set_TransitRouterId(report.transit_router)
    rows = call(acs, server, request)["TransitRouterAttachments"]
    assert {r["VpcId"] for r in rows} == set(report.vpcs.values())
    assert {r["Status"] for r in rows} == {"Attached"}
    assert all(len(r["ZoneMappings"]) == 2 for r in rows)
    security = next(r for r in rows if r["VpcId"] == report.vpcs["security"])
    assert {z["VSwitchId"] for z in security["ZoneMappings"]} == {
        report.vswitches["security-tr-h"],
        report.vswitches["security-tr-i"],
    }


def test_firewall_enis_sit_in_the_firewall_vswitches(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    request = DescribeNetworkInterfacesRequest.DescribeNetworkInterfacesRequest()
    request.set_NetworkInterfaceIds(list(report.firewall_enis.values()))
    rows = call(acs, server, request)["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    names = {v: k for k, v in report.firewall_enis.items()}
    assert {names[r["NetworkInterfaceId"]]: r["VSwitchId"] for r in rows} == {
        "fw-eni-h": report.vswitches["security-fw-h"],
        "fw-eni-i": report.vswitches["security-fw-i"],
    }
    # The ids the example multi-cloud policy names as next hops.
    assert sorted(report.firewall_enis.values()) == [
        "eni-eastwest00000000llpu",
        "eni-eastwest00000000lrtt",
    ]


def test_hand_made_groups_keep_cidr_and_group_references(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    listing = DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()
    listing.set_Tags([{"Key": "owner", "Value": "netops"}])
    listing.set_PageSize(50)
    groups = call(acs, server, listing)["SecurityGroups"]["SecurityGroup"]
    assert {g["SecurityGroupName"] for g in groups} == set(report.security_groups) - {
        lz.PERMISSIVE_GROUP  # tagged owner=dba
    }
    group_id = report.security_groups["spoke-db-1-ops"]
    request = DescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    request.set_SecurityGroupId(group_id)
    rules = call(acs, server, request)["Permissions"]["Permission"]
    assert sorted(
        (r["Direction"], r["SourceCidrIp"] or r["DestCidrIp"] or r["SourceGroupId"]) for r in rules
    ) == [
        ("egress", "0.0.0.0/0"),
        ("ingress", lz.SECURITY.cidr),
        ("ingress", "172.16.0.0/12"),
        ("ingress", group_id),
    ]


def test_hand_made_route_entries_are_in_every_spoke_table(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    for spoke in lz.SPOKES:
        request = DescribeRouteEntryListRequest.DescribeRouteEntryListRequest()
        request.set_RouteTableId(report.route_tables[spoke.route_table])
        request.set_RouteEntryType("Custom")
        entries = call(acs, server, request)["RouteEntrys"]["RouteEntry"]
        assert [
            (e["RouteEntryId"], e["DestinationCidrBlock"], e["NextHops"]["NextHop"][0]["NextHopId"])
            for e in entries
        ] == [
            (
                report.route_entries[f"{spoke.route_table}/corp-onprem"],
                lz.CORP_CIDR,
                report.attachments[spoke.attachment],
            )
        ]


def test_security_vswitches_have_a_table_per_zone_and_one_for_firewalls(
    seeded: Seeded, acs: Any
) -> None:
    server, report = seeded
    request = DescribeVSwitchesRequest.DescribeVSwitchesRequest()
    request.set_VpcId(report.vpcs["security"])
    vswitches = call(acs, server, request)["VSwitches"]["VSwitch"]
    names = {v: k for k, v in report.vswitches.items()}
    tables = {names[s["VSwitchId"]]: s["RouteTable"]["RouteTableId"] for s in vswitches}
    assert tables == {
        "security-tr-h": report.route_tables["security-tr-h-rt"],
        "security-tr-i": report.route_tables["security-tr-i-rt"],
        "security-fw-h": report.route_tables["security-fw-rt"],
        "security-fw-i": report.route_tables["security-fw-rt"],
    }


def test_attachments_join_the_system_table_and_it_learns_every_vpc(seeded: Seeded) -> None:
    server, report = seeded
    cbn = server.backend.cbn
    system = report.tr_system_route_table
    assert {a for a, t in cbn.associations if t == system} == set(report.attachments.values())
    assert {a for a, t in cbn.propagations if t == system} == set(report.attachments.values())
    assert {link.status for link in [*cbn.associations.values(), *cbn.propagations.values()]} == {
        "Active"
    }


def test_unowned_and_ids_cover_the_report(seeded: Seeded) -> None:
    _, report = seeded
    assert set(report.unowned) == set(report.security_groups) | set(report.route_entries)
    assert report.ids["security"] == report.vpcs["security"]
    assert report.ids[lz.CEN_NAME] == report.cen


def test_a_second_seed_on_a_fresh_server_has_the_same_shape(seeded: Seeded) -> None:
    _, first = seeded
    with start_alibaba_server() as other:
        assert seed_alibaba(other) == first


def test_the_seed_waits_for_attachments_on_a_slow_transit_router() -> None:
    with start_alibaba_server(async_delay=0.02) as slow:
        report = seed_alibaba(slow)
    assert {a.status for a in slow.backend.cbn.attachments.values()} == {"Attached"}
    assert len(report.attachments) == 7
    assert {i.status for i in slow.backend.workloads.instances.values()} == {"Running"}
