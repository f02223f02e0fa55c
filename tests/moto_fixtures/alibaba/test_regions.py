"""The fake keeps one backend per region (the request's ``RegionId``) over one global CEN: a
second region seeded on the first one's CEN, read and written through the real SDK from
clients of either region; and the documented ``TooMany…`` and busy-router codes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import acs_client
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.seed_region import RegionReport, seed_region
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server

ECS, VPC, CBN = "2014-05-26", "2016-04-28", "2017-09-12"
SH = lz.SECOND_REGION


@pytest.fixture
def two(seeded: tuple[AlibabaServer, SeedReport]) -> tuple[AlibabaServer, SeedReport, RegionReport]:
    server, first = seeded
    return server, first, seed_region(server, first.cen)


def rpc(server: AlibabaServer, region: str, version: str, action: str, **params: str) -> Any:
    request = CommonRequest(domain=server.endpoint, version=version, action_name=action)
    request.set_method("POST")
    for key, value in params.items():
        request.add_query_param(key, value)
    # The client's region is what the SDK signs as RegionId, as with a regional endpoint.
    return json.loads(acs_client(server, region).do_action_with_exception(request))


def refused(server: AlibabaServer, region: str, version: str, action: str, **params: str) -> Any:
    with pytest.raises(ServerException) as caught:
        rpc(server, region, version, action, **params)
    return caught.value


@pytest.mark.parametrize(
    ("region", "names"),
    [
        pytest.param(lz.REGION, {s.name for s in lz.SPOKES} | {"security"}, id="hangzhou"),
        pytest.param(SH, {s.name for s in lz.SECOND_SPOKES}, id="shanghai"),
        pytest.param("ap-southeast-1", set(), id="a-region-nobody-seeded-is-empty"),
    ],
)
def test_vpcs_and_groups_are_per_region(
    two: tuple[AlibabaServer, SeedReport, RegionReport], region: str, names: set[str]
) -> None:
    server = two[0]
    vpcs = rpc(server, region, VPC, "DescribeVpcs", PageSize="50")["Vpcs"]["Vpc"]
    assert {v["VpcName"] for v in vpcs} == names
    assert {v["RegionId"] for v in vpcs} <= {region}
    groups = rpc(server, region, ECS, "DescribeSecurityGroups", PageSize="50")
    ops = {g["SecurityGroupName"] for g in groups["SecurityGroups"]["SecurityGroup"]}
    assert {f"{n}-ops" for n in names - {"security"}} <= ops


def test_ids_are_unique_across_regions(two: tuple[AlibabaServer, SeedReport, RegionReport]) -> None:
    _, first, second = two
    assert not set(second.vpcs.values()) & set(first.vpcs.values())
    assert second.transit_router != first.transit_router


@pytest.mark.parametrize("region", [lz.REGION, SH])
def test_cen_is_global_and_routers_regional(
    two: tuple[AlibabaServer, SeedReport, RegionReport], region: str
) -> None:
    server, first, second = two
    mine = first.transit_router if region == lz.REGION else second.transit_router
    routers = rpc(server, region, CBN, "ListTransitRouters", CenId=first.cen)["TransitRouters"]
    assert [(r["TransitRouterId"], r["RegionId"]) for r in routers] == [(mine, region)]
    atts = rpc(server, region, CBN, "ListTransitRouterVpcAttachments", CenId=first.cen)
    rows = atts["TransitRouterAttachments"]
    assert {r["TransitRouterId"] for r in rows} == {mine}
    assert {r["VpcRegionId"] for r in rows} == {region}
    # A router is addressed by id from a client of any region: CBN has one endpoint.
    other = SH if region == lz.REGION else lz.REGION
    tables = rpc(server, other, CBN, "ListTransitRouterRouteTables", TransitRouterId=mine)
    assert {t["RegionId"] for t in tables["TransitRouterRouteTables"]} == {region}


def test_an_attachment_learns_its_own_regions_vpc(
    two: tuple[AlibabaServer, SeedReport, RegionReport],
) -> None:
    server, _, second = two
    entries = rpc(
        server,
        SH,
        CBN,
        "ListTransitRouterRouteEntries",
        TransitRouterRouteTableId=second.tr_system_route_table,
    )["TransitRouterRouteEntries"]
    assert {e["TransitRouterRouteEntryDestinationCidrBlock"] for e in entries} == {
        s.cidr for s in lz.SECOND_SPOKES
    }


def test_a_vpc_cannot_attach_to_another_regions_router(
    two: tuple[AlibabaServer, SeedReport, RegionReport],
) -> None:
    server, first, second = two
    error = refused(
        server,
        lz.REGION,
        CBN,
        "CreateTransitRouterVpcAttachment",
        CenId=first.cen,
        TransitRouterId=second.transit_router,
        VpcId=first.vpcs["spoke-web-1"],
        **{"ZoneMappings.1.VSwitchId": first.vswitches["spoke-web-1-h"]},
        **{"ZoneMappings.1.ZoneId": lz.ZONES[0]},
    )
    assert error.get_error_code() == "InvalidTransitRouterId.NotFound"


def test_tagging_a_table_from_another_region_is_not_found(
    two: tuple[AlibabaServer, SeedReport, RegionReport],
) -> None:
    server, _, second = two
    table = rpc(
        server, SH, CBN, "CreateTransitRouterRouteTable", TransitRouterId=second.transit_router
    )["TransitRouterRouteTableId"]
    tag = {"ResourceType": "TransitRouterRouteTable", "ResourceId.1": table}
    tag |= {"Tag.1.Key": "k", "Tag.1.Value": "v"}
    error = refused(server, lz.REGION, CBN, "TagResources", **tag)
    assert error.get_error_code() == "InvalidInstanceIds.NotFound"
    rpc(server, SH, CBN, "TagResources", **tag)
    assert server.region(SH).cbn.tables[table].tags == {"k": "v"}


def test_a_malformed_region_is_refused(alibaba: AlibabaServer) -> None:
    error = refused(alibaba, "not a region", ECS, "DescribeSecurityGroups")
    assert error.get_error_code() == "InvalidRegionId"
    assert alibaba.regions.regions() == [lz.REGION]


def test_a_busy_router_refuses_a_create_with_its_documented_code() -> None:
    """Two writes on one router at once: the second create answers the metadata's
    ``IncorrectStatus.TransitRouter``; a router of another region is not held up."""
    with start_alibaba_server(async_delay=30.0) as server:
        cbn = server.backend.cbn
        cen = cbn.add_cen("cen")
        hz, _ = cbn.add_transit_router(cen, lz.REGION)
        sh, _ = cbn.add_transit_router(cen, SH)
        rpc(server, lz.REGION, CBN, "CreateTransitRouterRouteTable", TransitRouterId=hz)
        error = refused(server, lz.REGION, CBN, "CreateTransitRouterRouteTable", TransitRouterId=hz)
        assert (error.get_error_code(), error.get_http_status()) == (
            "IncorrectStatus.TransitRouter",
            400,
        )
        assert rpc(server, SH, CBN, "CreateTransitRouterRouteTable", TransitRouterId=sh)


@pytest.mark.parametrize(
    ("count", "code", "status"),
    [
        pytest.param(100, None, 200, id="100-ids-are-allowed"),
        pytest.param(101, "InvalidParameter.TooManyInstanceIds", 403, id="101-the-documented"),
    ],
)
def test_too_many_instance_ids_answer_the_documented_code(
    alibaba: AlibabaServer, count: int, code: str | None, status: int
) -> None:
    ids = {f"InstanceId.{n}": f"i-{n}" for n in range(1, count + 1)}
    if code is None:
        assert rpc(alibaba, lz.REGION, ECS, "DescribeInstanceStatus", **ids)["TotalCount"] == 0
        return
    error = refused(alibaba, lz.REGION, ECS, "DescribeInstanceStatus", **ids)
    assert (error.get_error_code(), error.get_http_status()) == (code, status)
    assert error.get_error_msg() == "Instance ids cannot be more than 100."


def test_too_many_items_without_a_documented_code_is_invalid_parameter(
    alibaba: AlibabaServer,
) -> None:
    # DescribeSecurityGroups documents SecurityGroupIds as a JSON string, so a list parameter
    # with maxItems and no TooMany code of its action is needed: Tag.N (at most 20).
    tags = {f"Tag.{n}.Key": f"k{n}" for n in range(1, 22)}
    error = refused(alibaba, lz.REGION, ECS, "DescribeSecurityGroups", **tags)
    assert error.get_error_code() == "InvalidParameter"


def _post_region(server: AlibabaServer, region: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{server.url}/_eastwest/regions",
        data=json.dumps({"RegionId": region}).encode(),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_control_endpoint_seeds_a_region_once(
    seeded: tuple[AlibabaServer, SeedReport],
) -> None:
    server, first = seeded
    status, body = _post_region(server, SH)
    assert status == 200, body
    assert body["region"] == SH
    assert server.backend.cbn.region_of(body["transit_router"]) == SH
    routers = rpc(server, SH, CBN, "ListTransitRouters", CenId=first.cen)["TransitRouters"]
    assert [r["TransitRouterId"] for r in routers] == [body["transit_router"]]
    assert _post_region(server, SH)[0] == 409  # a CEN has one router per region


def test_the_control_endpoint_needs_a_seeded_cen(alibaba: AlibabaServer) -> None:
    status, body = _post_region(alibaba, SH)
    assert (status, body["Message"]) == (409, "no seeded CEN to join")
