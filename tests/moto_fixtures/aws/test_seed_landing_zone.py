"""The seeded landing zone: what exists, how it is tagged, what eastwest does not own."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ec2_client as make_ec2_client
from moto_fixtures.aws.seed import SeedReport, seed_landing_zone

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer

pytestmark = pytest.mark.sandbox


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def zone(aws_server: AwsServer) -> Iterator[tuple[SeedReport, EC2Client]]:
    """Seeded once for the read-only tests of this module (seeding takes a second or so)."""
    _reset(aws_server.url)
    yield seed_landing_zone(aws_server.url), make_ec2_client(aws_server.url, lz.ACCOUNT_ID)
    _reset(aws_server.url)


@pytest.fixture
def report(zone: tuple[SeedReport, EC2Client]) -> SeedReport:
    return zone[0]


@pytest.fixture
def ec2(zone: tuple[SeedReport, EC2Client]) -> EC2Client:
    return zone[1]


def _tags(resource: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def _by_name(resources: list[Any]) -> dict[str, Any]:
    return {_tags(r)["Name"]: r for r in resources if "Name" in _tags(r)}


def test_the_seeded_fixture_yields_the_report_and_an_empty_call_log(
    seeded_aws: SeedReport, aws_calls: Callable[[], list[dict[str, str]]]
) -> None:
    assert seeded_aws.vpcs.keys() >= {"spoke-web-1", "inspection", "shared-services"}
    assert aws_calls() == []


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("web", {"spoke-web-1": "10.10.0.0/16", "spoke-web-2": "10.11.0.0/16"}),
        ("app", {"spoke-app-1": "10.20.0.0/16", "spoke-app-2": "10.21.0.0/16"}),
        ("db", {"spoke-db-1": "10.30.0.0/16", "spoke-db-2": "10.31.0.0/16"}),
        ("shared", {"shared-services": "10.40.0.0/16"}),
    ],
)
def test_segments_are_found_by_tag_in_the_main_account_only(
    ec2: EC2Client, segment: str, expected: dict[str, str]
) -> None:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:segment", "Values": [segment]}])["Vpcs"]

    assert {name: vpc["CidrBlock"] for name, vpc in _by_name(vpcs).items()} == expected


def test_every_spoke_has_workload_and_transit_subnets_in_three_zones(
    ec2: EC2Client, report: SeedReport
) -> None:
    for spoke in lz.SPOKES:
        subnets = ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [report.vpcs[spoke.name]]}]
        )["Subnets"]
        tiers = {(_tags(s)["tier"], s["AvailabilityZone"]) for s in subnets}
        assert tiers == {(tier, zone) for tier in ("workload", "tgw") for zone in lz.ZONES}
        tables = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [report.vpcs[spoke.name]]}]
        )["RouteTables"]
        associated = {a["SubnetId"] for t in tables for a in t["Associations"] if "SubnetId" in a}
        assert associated == {s["SubnetId"] for s in subnets}


def test_counts(report: SeedReport) -> None:
    kinds = [report.vpcs, report.subnets, report.route_tables, report.tgw_attachments]
    kinds += [report.gwlb_endpoints, report.security_groups, report.prefix_lists]
    kinds += [report.instances, report.network_interfaces]
    assert len(report.ids) == 1 + sum(len(kind) for kind in kinds)  # names unique across kinds
    assert len(report.vpcs) == 8
    assert len(report.subnets) == 6 * 6 + 2 + 4
    assert len(report.tgw_attachments) == 8
    assert len(report.gwlb_endpoints) == 2
    assert len(report.route_tables) == 6 * 2 + 1 + 3
    assert len(report.security_groups) == 5
    assert (len(report.instances), len(report.network_interfaces)) == (6, 6 + 3)
    assert len(report.excluded_interfaces) == 3


def test_one_instance_per_spoke_alternating_zones_in_the_default_group(
    ec2: EC2Client, report: SeedReport
) -> None:
    found = ec2.describe_instances(InstanceIds=list(report.instances.values()))
    instances = _by_name([i for r in found["Reservations"] for i in r["Instances"]])
    zones = {name: i["Placement"]["AvailabilityZone"] for name, i in instances.items()}
    assert zones == {
        "spoke-web-1-vm-a": "us-east-1a",
        "spoke-web-2-vm-b": "us-east-1b",
        "spoke-app-1-vm-a": "us-east-1a",
        "spoke-app-2-vm-b": "us-east-1b",
        "spoke-db-1-vm-a": "us-east-1a",
        "spoke-db-2-vm-b": "us-east-1b",
    }
    for name, instance in instances.items():
        spoke = name.rsplit("-vm-", 1)[0]
        assert instance["VpcId"] == report.vpcs[spoke]
        assert instance["SubnetId"] == report.subnets[f"{spoke}-workload-{name[-1]}"]
        assert instance["ImageId"] == report.image
        groups = [g["GroupId"] for g in instance["SecurityGroups"]]
        assert groups[0] == report.default_security_groups[spoke]
        (eni,) = instance["NetworkInterfaces"]
        assert eni["NetworkInterfaceId"] == report.network_interfaces[f"{name}-eth0"]


def test_the_permissive_group_opens_postgres_on_one_instance(
    ec2: EC2Client, report: SeedReport
) -> None:
    group = report.security_groups[lz.PERMISSIVE_GROUP]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    ingress = [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
    assert [(r["CidrIpv4"], r["FromPort"], r["ToPort"]) for r in ingress] == [
        ("0.0.0.0/0", 5432, 5432)
    ]
    carriers = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group]}])
    assert [e["NetworkInterfaceId"] for e in carriers["NetworkInterfaces"]] == [
        report.network_interfaces["spoke-db-1-vm-a-eth0"]
    ]


def test_excluded_interfaces_are_a_firewall_a_nat_gateway_and_an_endpoint(
    ec2: EC2Client, report: SeedReport
) -> None:
    found = ec2.describe_network_interfaces(
        NetworkInterfaceIds=list(report.excluded_interfaces.values())
    )["NetworkInterfaces"]
    kinds = {e["NetworkInterfaceId"]: (e["InterfaceType"], e["RequesterManaged"]) for e in found}
    assert {name: kinds[eni] for name, eni in report.excluded_interfaces.items()} == {
        lz.FIREWALL_ENI: ("interface", False),
        f"{lz.NAT_GATEWAY}-eni": ("nat_gateway", True),
        f"{lz.ENDPOINT}-eni": ("vpc_endpoint", True),
    }
    firewall = next(
        e for e in found if e["NetworkInterfaceId"] == report.excluded_interfaces[lz.FIREWALL_ENI]
    )
    assert firewall["VpcId"] == report.vpcs[lz.INSPECTION_NAME]


def test_every_vpc_is_attached_to_the_hub_without_appliance_mode(
    ec2: EC2Client, report: SeedReport
) -> None:
    attachments = ec2.describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "transit-gateway-id", "Values": [report.transit_gateway]}]
    )["TransitGatewayVpcAttachments"]

    assert {a["VpcId"] for a in attachments} == set(report.vpcs.values())
    assert {a["Options"]["ApplianceModeSupport"] for a in attachments} == {"disable"}


def test_the_inspection_vpc_has_one_gwlb_endpoint_per_zone(
    ec2: EC2Client, report: SeedReport
) -> None:
    endpoints = ec2.describe_vpc_endpoints(VpcEndpointIds=list(report.firewalls.values()))

    for endpoint in endpoints["VpcEndpoints"]:
        assert endpoint["VpcEndpointType"] == "GatewayLoadBalancer"
        assert endpoint["VpcId"] == report.vpcs["inspection"]
        assert endpoint["ServiceName"] == report.endpoint_service_name
    assert sorted(report.firewalls) == list(lz.INSPECTION_ZONES)
    transit_a = ec2.describe_route_tables(
        RouteTableIds=[report.route_tables["inspection-tgw-a-rt"]]
    )
    default = next(
        r for r in transit_a["RouteTables"][0]["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0"
    )
    # EC2's Route has no VpcEndpointId: a GWLB endpoint target shows as GatewayId.
    assert default["GatewayId"] == report.firewalls["us-east-1a"]


def test_the_unowned_prefix_list_belongs_to_netops(ec2: EC2Client, report: SeedReport) -> None:
    corp = ec2.describe_managed_prefix_lists(PrefixListIds=[report.prefix_lists["corp-vpn"]])
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=report.prefix_lists["corp-vpn"])

    assert _tags(corp["PrefixLists"][0]) == {"Name": "corp-vpn", "owner": "netops"}
    assert sorted(e["Cidr"] for e in entries["Entries"]) == ["172.16.0.0/16", "172.20.0.0/16"]


def test_hand_made_groups_reference_prefix_lists_and_groups(
    ec2: EC2Client, report: SeedReport
) -> None:
    rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": list(report.security_groups.values())}]
    )["SecurityGroupRules"]

    assert {r["GroupId"] for r in rules} == set(report.security_groups.values())
    assert any(r.get("PrefixListId") == report.prefix_lists["corp-vpn"] for r in rules)
    assert any(
        r.get("ReferencedGroupInfo", {}).get("GroupId") == report.security_groups["bastion"]
        for r in rules
    )
    assert any(r["IsEgress"] and r.get("PrefixListId") for r in rules)


def test_a_default_group_has_a_hand_added_rule(ec2: EC2Client, report: SeedReport) -> None:
    group = report.default_security_groups["spoke-db-1"]

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])

    assert any(
        r.get("CidrIpv4") == "10.20.0.0/16" and r.get("FromPort") == 5432 and not r["IsEgress"]
        for r in rules["SecurityGroupRules"]
    )


def test_nothing_seeded_carries_an_eastwest_marker(ec2: EC2Client, report: SeedReport) -> None:
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": list(report.ids.values())}])

    assert tags["Tags"]
    assert not [t for t in tags["Tags"] if "eastwest" in t["Key"] or "eastwest" in t["Value"]]


def test_the_second_account_holds_only_its_own_vpc(
    aws_server: AwsServer, report: SeedReport
) -> None:
    other = make_ec2_client(aws_server.url, lz.OTHER_ACCOUNT_ID)

    vpcs = other.describe_vpcs(Filters=[{"Name": "tag:segment", "Values": ["web"]}])["Vpcs"]

    assert [v["VpcId"] for v in vpcs] == [report.other_accounts[lz.OTHER_ACCOUNT_ID]["other-web-1"]]
    assert vpcs[0]["VpcId"] not in report.ids.values()


def test_seeding_gives_the_same_ids_every_time(aws_endpoint: str) -> None:
    first = seed_landing_zone(aws_endpoint)
    _reset(aws_endpoint)

    second = seed_landing_zone(aws_endpoint)

    assert second == first
    assert dict(second.ids) == dict(first.ids)
