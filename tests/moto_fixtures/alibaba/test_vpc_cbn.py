"""VPC route entries and CBN transit-router objects through the product request classes
(``aliyunsdkvpc``, ``aliyunsdkcbn``) on a seeded fake, plus pagination at the documented maxima."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aliyunsdkcbn.request.v20170912 import (
    AssociateTransitRouterAttachmentWithRouteTableRequest,
    CreateTransitRouterRouteEntryRequest,
    CreateTransitRouterRouteTableRequest,
    DeleteTransitRouterRouteEntryRequest,
    EnableTransitRouterRouteTablePropagationRequest,
    ListTransitRouterRouteEntriesRequest,
    ListTransitRouterRouteTableAssociationsRequest,
    ListTransitRouterRouteTablePropagationsRequest,
    ListTransitRouterRouteTablesRequest,
)
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkvpc.request.v20160428 import (
    AssociateRouteTableRequest,
    CreateRouteEntryRequest,
    DeleteRouteEntryRequest,
    DescribeRouteEntryListRequest,
    DescribeVSwitchesRequest,
)

from moto_fixtures.alibaba.clients import call
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer

Seeded = tuple[AlibabaServer, SeedReport]
# Long enough to observe a transition between two loopback calls, short enough for the suite.
DELAY = 0.6  # long enough that a loaded CI machine still sees the in-between state


def error_code(acs: Any, server: AlibabaServer, request: Any) -> str:
    with pytest.raises(ServerException) as caught:
        call(acs, server, request)
    return str(caught.value.get_error_code())


# -- VPC route entries ------------------------------------------------------------------------


def route_entry(table: str, destination: str, hop_type: str, hop_id: str) -> Any:
    request = CreateRouteEntryRequest.CreateRouteEntryRequest()
    request.set_RouteTableId(table)
    request.set_DestinationCidrBlock(destination)
    request.set_NextHopType(hop_type)
    request.set_NextHopId(hop_id)
    return request


def custom_entries(acs: Any, server: AlibabaServer, table: str) -> list[tuple[str, str, str]]:
    request = DescribeRouteEntryListRequest.DescribeRouteEntryListRequest()
    request.set_RouteTableId(table)
    request.set_RouteEntryType("Custom")
    return [
        (e["DestinationCidrBlock"], hop["NextHopType"], hop["NextHopId"])
        for e in call(acs, server, request)["RouteEntrys"]["RouteEntry"]
        for hop in e["NextHops"]["NextHop"]
    ]


def test_route_entry_to_a_firewall_eni_round_trip(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    table, eni = report.route_tables["spoke-web-1-rt"], report.firewall_enis["fw-eni-h"]
    created = call(acs, server, route_entry(table, "10.20.0.0/16", "NetworkInterface", eni))
    assert ("10.20.0.0/16", "NetworkInterface", eni) in custom_entries(acs, server, table)
    delete = DeleteRouteEntryRequest.DeleteRouteEntryRequest()
    delete.set_RouteEntryId(created["RouteEntryId"])
    call(acs, server, delete)
    # Only the hand-made route is left.
    assert custom_entries(acs, server, table) == [
        ("172.16.0.0/12", "Attachment", report.attachments["spoke-web-1-attachment"])
    ]


@pytest.mark.parametrize(
    ("destination", "hop", "code"),
    [
        ("172.16.0.0/12", "fw-eni-h", "InvalidCIDRBlock.Duplicate"),
        ("10.20.0.0/16", "eni-missing", "InvalidNextHop.NotFound"),
        ("10.20.0.1/16", "fw-eni-h", "InvalidCidrBlock.Malformed"),
    ],
    ids=["duplicate-destination", "unknown-eni", "host-bits-set"],
)
def test_route_entry_refusals(
    seeded: Seeded, acs: Any, destination: str, hop: str, code: str
) -> None:
    server, report = seeded
    eni = report.firewall_enis.get(hop, hop)
    table = report.route_tables["spoke-db-2-rt"]
    request = route_entry(table, destination, "NetworkInterface", eni)
    assert error_code(acs, server, request) == code


def test_a_vswitch_joins_one_custom_table_only(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    table_id = server.backend.vpc.create_table(report.vpcs["spoke-web-1"], "second").table_id
    request = AssociateRouteTableRequest.AssociateRouteTableRequest()
    request.set_RouteTableId(table_id)
    request.set_VSwitchId(report.vswitches["spoke-web-1-h"])
    assert error_code(acs, server, request) == "ResourceAlreadyAssociated.RouteTable"


# -- CBN: states and conflicts ----------------------------------------------------------------


@pytest.fixture
def slow(seeded: Seeded) -> Seeded:
    """The seeded fake with CBN transitions that take ``DELAY`` seconds from now on."""
    seeded[0].backend.cbn.delay = DELAY
    return seeded


def new_table(acs: Any, server: AlibabaServer, router: str) -> str:
    request = CreateTransitRouterRouteTableRequest.CreateTransitRouterRouteTableRequest()
    request.set_TransitRouterId(router)
    return str(call(acs, server, request)["TransitRouterRouteTableId"])


# kind → (write request class, list request class, list key in the answer)
LINKS: dict[str, tuple[Any, Any, str]] = {
    "association": (
        AssociateTransitRouterAttachmentWithRouteTableRequest.AssociateTransitRouterAttachmentWithRouteTableRequest,
        ListTransitRouterRouteTableAssociationsRequest.ListTransitRouterRouteTableAssociationsRequest,
        "TransitRouterAssociations",
    ),
    "propagation": (
        EnableTransitRouterRouteTablePropagationRequest.EnableTransitRouterRouteTablePropagationRequest,
        ListTransitRouterRouteTablePropagationsRequest.ListTransitRouterRouteTablePropagationsRequest,
        "TransitRouterPropagations",
    ),
}


def link(kind: str, attachment: str, table: str) -> Any:
    request = LINKS[kind][0]()
    request.set_TransitRouterAttachmentId(attachment)
    request.set_TransitRouterRouteTableId(table)
    return request


def link_states(acs: Any, server: AlibabaServer, kind: str, table: str) -> list[str]:
    _, listing, key = LINKS[kind]
    request = listing()
    request.set_TransitRouterRouteTableId(table)
    return [row["Status"] for row in call(acs, server, request)[key]]


def tr_route(table: str, destination: str, attachment: str) -> Any:
    request = CreateTransitRouterRouteEntryRequest.CreateTransitRouterRouteEntryRequest()
    request.set_TransitRouterRouteTableId(table)
    request.set_TransitRouterRouteEntryDestinationCidrBlock(destination)
    request.set_TransitRouterRouteEntryNextHopType("Attachment")
    request.set_TransitRouterRouteEntryNextHopId(attachment)
    return request


@pytest.mark.parametrize(
    ("kind", "transitional"),
    [("association", "Associating"), ("propagation", "Enabling")],
    ids=["associate", "propagate"],
)
def test_links_move_to_active(slow: Seeded, acs: Any, kind: str, transitional: str) -> None:
    server, report = slow
    attachment = report.attachments["spoke-web-1-attachment"]
    # The seed associated it with the system table: an attachment has one association at most.
    server.backend.cbn.associations.pop((attachment, report.tr_system_route_table))
    table = new_table(acs, server, report.transit_router)
    time.sleep(DELAY * 1.5)
    call(acs, server, link(kind, attachment, table))
    assert link_states(acs, server, kind, table) == [transitional]
    time.sleep(DELAY * 1.5)
    assert link_states(acs, server, kind, table) == ["Active"]


def test_a_route_on_a_creating_table_is_incorrect_status(slow: Seeded, acs: Any) -> None:
    server, report = slow
    table = new_table(acs, server, report.transit_router)
    request = tr_route(table, "10.10.0.0/16", report.attachments["spoke-web-1-attachment"])
    assert error_code(acs, server, request) == "IncorrectStatus.TransitRouterRouteTable"


def test_a_concurrent_write_on_the_same_router_conflicts(slow: Seeded, acs: Any) -> None:
    server, report = slow
    table = new_table(acs, server, report.transit_router)
    time.sleep(DELAY * 1.5)
    call(acs, server, link("propagation", report.attachments["spoke-web-1-attachment"], table))
    second = link("propagation", report.attachments["spoke-web-2-attachment"], table)
    assert error_code(acs, server, second) == "OperationConflict"
    # Another router is not held up by this one's transition.
    other, _ = server.backend.cbn.add_transit_router(server.backend.cbn.add_cen("cen-other"))
    assert new_table(acs, server, other)


def test_tr_route_entry_lifecycle(slow: Seeded, acs: Any) -> None:
    server, report = slow
    system, security = report.tr_system_route_table, report.attachments["security-attachment"]
    created = call(acs, server, tr_route(system, "0.0.0.0/0", security))

    def states() -> list[str]:
        request = ListTransitRouterRouteEntriesRequest.ListTransitRouterRouteEntriesRequest()
        request.set_TransitRouterRouteTableId(system)
        request.set_TransitRouterRouteEntryType("Static")  # not what it learned by propagation
        rows = call(acs, server, request)["TransitRouterRouteEntries"]
        return [r["TransitRouterRouteEntryStatus"] for r in rows]

    assert states() == ["Creating"]
    time.sleep(DELAY * 1.5)
    assert states() == ["Active"]
    assert error_code(acs, server, tr_route(system, "0.0.0.0/0", security)) == (
        "InstanceExist.TransitRouterRouteEntry"
    )
    delete = DeleteTransitRouterRouteEntryRequest.DeleteTransitRouterRouteEntryRequest()
    delete.set_TransitRouterRouteEntryId(created["TransitRouterRouteEntryId"])
    call(acs, server, delete)
    assert states() == ["Deleting"]
    time.sleep(DELAY * 1.5)
    assert states() == []


# -- pagination at the documented maxima ------------------------------------------------------


def test_describe_vswitches_pages_at_fifty(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    for i in range(40):  # 16 seeded + 40 = 56: a full page of 50, then 6
        server.backend.vpc.add_vswitch(
            report.vpcs["security"], "cn-hangzhou-h", f"10.150.{10 + i}.0/24", f"extra-{i}"
        )
    seen: list[str] = []
    for number, expected in ((1, 50), (2, 6)):
        request = DescribeVSwitchesRequest.DescribeVSwitchesRequest()
        request.set_PageSize(50)
        request.set_PageNumber(number)
        body = call(acs, server, request)
        assert (body["TotalCount"], len(body["VSwitches"]["VSwitch"])) == (56, expected)
        seen += [s["VSwitchId"] for s in body["VSwitches"]["VSwitch"]]
    assert len(set(seen)) == 56
    request = DescribeVSwitchesRequest.DescribeVSwitchesRequest()
    request.set_PageSize(51)
    assert error_code(acs, server, request) == "InvalidParameter"


def test_list_tr_route_tables_pages_at_one_hundred(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    for i in range(104):  # plus the system table: 105, a page of 100 then 5
        server.backend.cbn.create_table(report.transit_router, f"rt-{i}", "", {})
    seen: list[str] = []
    token = ""
    for expected in (100, 5):
        request = ListTransitRouterRouteTablesRequest.ListTransitRouterRouteTablesRequest()
        request.set_TransitRouterId(report.transit_router)
        request.set_MaxResults(100)
        if token:
            request.set_NextToken(token)
        body = call(acs, server, request)
        assert len(body["TransitRouterRouteTables"]) == expected
        seen += [t["TransitRouterRouteTableId"] for t in body["TransitRouterRouteTables"]]
        token = body["NextToken"]
    assert (token, len(set(seen))) == ("", 105)
    request = ListTransitRouterRouteTablesRequest.ListTransitRouterRouteTablesRequest()
    request.set_MaxResults(101)
    assert error_code(acs, server, request) == "InvalidParameter"
