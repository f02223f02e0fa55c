"""Workload ENIs on the patched moto, through boto3: groups as EC2 keeps and refuses them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]


@dataclass(frozen=True)
class Net:
    ec2: EC2Client
    vpc: str
    subnet: str
    other_vpc_group: str
    groups: tuple[str, ...]  # six groups of the VPC
    instance: str
    primary: str  # the instance's primary ENI
    secondary: str  # a second ENI attached to it

    def groups_of(self, eni: str) -> list[str]:
        found = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])
        return [g["GroupId"] for g in found["NetworkInterfaces"][0]["Groups"]]

    def instance_groups(self) -> list[str]:
        reservation = self.ec2.describe_instances(InstanceIds=[self.instance])["Reservations"][0]
        return [g["GroupId"] for g in reservation["Instances"][0]["SecurityGroups"]]


@pytest.fixture
def net(ec2_client: Clients) -> Net:
    ec2 = ec2_client()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    subnet_id = subnet["Subnet"]["SubnetId"]
    groups = tuple(
        ec2.create_security_group(GroupName=f"g{i}", Description="x", VpcId=vpc)["GroupId"]
        for i in range(6)
    )
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other_group = ec2.create_security_group(GroupName="o", Description="x", VpcId=other)
    image = ec2.register_image(Name="base")["ImageId"]
    instance = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=[groups[0]]
    )["Instances"][0]
    secondary = ec2.create_network_interface(SubnetId=subnet_id, Groups=[groups[1]])
    secondary_id = secondary["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(
        NetworkInterfaceId=secondary_id, InstanceId=instance["InstanceId"], DeviceIndex=1
    )
    return Net(
        ec2,
        vpc,
        subnet_id,
        other_group["GroupId"],
        groups,
        instance["InstanceId"],
        instance["NetworkInterfaces"][0]["NetworkInterfaceId"],
        secondary_id,
    )


def test_an_attached_secondary_eni_lists_only_its_own_groups(net: Net) -> None:
    assert net.groups_of(net.secondary) == [net.groups[1]]  # moto added the instance's
    assert net.groups_of(net.primary) == [net.groups[0]]


def test_changing_the_primary_enis_groups_changes_the_instances(net: Net) -> None:
    wanted = [net.groups[2], net.groups[3]]
    net.ec2.modify_network_interface_attribute(NetworkInterfaceId=net.primary, Groups=wanted)
    assert net.groups_of(net.primary) == wanted
    assert net.instance_groups() == wanted  # moto kept the instance's old group as well
    net.ec2.modify_instance_attribute(InstanceId=net.instance, Groups=[net.groups[4]])
    assert net.groups_of(net.primary) == [net.groups[4]]


@pytest.mark.parametrize(
    ("groups", "code"),
    [
        pytest.param(lambda n: list(n.groups), "SecurityGroupsPerInterfaceLimitExceeded", id="six"),
        pytest.param(lambda n: [n.other_vpc_group], "InvalidParameter", id="other-vpc"),
        pytest.param(lambda n: ["sg-0123456789abcdef0"], "InvalidGroup.NotFound", id="unknown"),
        pytest.param(
            lambda n: [n.groups[2], "sg-0123456789abcdef0"], "InvalidGroup.NotFound", id="partly"
        ),
    ],
)
def test_a_refused_modify_changes_nothing(net: Net, groups: Any, code: str) -> None:
    for eni in (net.primary, net.secondary):
        before = net.groups_of(eni)
        with pytest.raises(ClientError) as caught:
            net.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=groups(net))
        assert caught.value.response["Error"]["Code"] == code
        assert net.groups_of(eni) == before
    assert net.instance_groups() == [net.groups[0]]


def test_five_groups_are_accepted(net: Net) -> None:
    five = list(net.groups[:5])
    net.ec2.modify_network_interface_attribute(NetworkInterfaceId=net.secondary, Groups=five)
    assert net.groups_of(net.secondary) == five


def test_the_other_vpc_error_names_both_networks(net: Net) -> None:
    with pytest.raises(ClientError) as caught:
        net.ec2.modify_network_interface_attribute(
            NetworkInterfaceId=net.secondary, Groups=[net.other_vpc_group]
        )
    message = caught.value.response["Error"]["Message"]
    assert message == (
        f"Security group {net.other_vpc_group} and subnet {net.subnet} belong to different"
        " networks."
    )


@pytest.mark.parametrize(
    ("groups", "code"),
    [
        pytest.param(lambda n: ["sg-0123456789abcdef0"], "InvalidGroup.NotFound", id="unknown"),
        pytest.param(lambda n: [n.other_vpc_group], "InvalidParameter", id="other-vpc"),
        pytest.param(lambda n: list(n.groups), "SecurityGroupsPerInterfaceLimitExceeded", id="six"),
    ],
)
def test_create_refuses_what_ec2_refuses(net: Net, groups: Any, code: str) -> None:
    before = net.ec2.describe_security_groups()["SecurityGroups"]
    with pytest.raises(ClientError) as caught:
        net.ec2.create_network_interface(SubnetId=net.subnet, Groups=groups(net))
    assert caught.value.response["Error"]["Code"] == code
    assert net.ec2.describe_security_groups()["SecurityGroups"] == before  # none made up


def test_service_enis_read_as_ec2_shows_them(net: Net) -> None:
    nat = net.ec2.create_nat_gateway(SubnetId=net.subnet, ConnectivityType="private")
    nat_eni = nat["NatGateway"]["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    endpoint = net.ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=net.vpc,
        ServiceName="com.amazonaws.us-east-1.ssm",
        SubnetIds=[net.subnet],
    )["VpcEndpoint"]
    (endpoint_eni,) = endpoint["NetworkInterfaceIds"]
    found = net.ec2.describe_network_interfaces(NetworkInterfaceIds=[nat_eni, endpoint_eni])
    rows = {e["NetworkInterfaceId"]: e for e in found["NetworkInterfaces"]}
    assert (rows[nat_eni]["InterfaceType"], rows[nat_eni]["RequesterManaged"]) == (
        "nat_gateway",
        True,
    )
    assert rows[nat_eni]["Groups"] == []
    assert rows[nat_eni]["Description"].startswith("Interface for NAT Gateway nat-")
    assert (rows[endpoint_eni]["InterfaceType"], rows[endpoint_eni]["RequesterManaged"]) == (
        "vpc_endpoint",
        True,
    )
    by_type = net.ec2.describe_network_interfaces(
        Filters=[{"Name": "interface-type", "Values": ["interface"]}, _in_vpc(net)]
    )
    assert {e["NetworkInterfaceId"] for e in by_type["NetworkInterfaces"]} == {
        net.primary,
        net.secondary,
    }


def _in_vpc(net: Net) -> Any:
    return {"Name": "vpc-id", "Values": [net.vpc]}


def test_max_results_with_interface_ids_is_refused(net: Net) -> None:
    with pytest.raises(ClientError) as caught:
        net.ec2.describe_network_interfaces(NetworkInterfaceIds=[net.primary], MaxResults=5)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterCombination"
    paged = net.ec2.describe_network_interfaces(Filters=[_in_vpc(net)], MaxResults=5)
    assert len(paged["NetworkInterfaces"]) == 2


@pytest.mark.parametrize(
    ("names", "wanted"),
    [
        pytest.param(["g0"], "primary", id="the-primary-enis-group"),
        pytest.param(["g1"], "secondary", id="the-secondary-enis-group"),
        pytest.param(["g5"], None, id="a-group-on-no-eni"),
    ],
)
def test_the_group_name_filter_finds_the_enis_of_a_group(
    net: Net, names: list[str], wanted: str | None
) -> None:
    # moto answered HTTP 500 (FilterNotImplementedError); EC2 filters by the groups' names.
    found = net.ec2.describe_network_interfaces(
        Filters=[{"Name": "group-name", "Values": names}, {"Name": "vpc-id", "Values": [net.vpc]}]
    )["NetworkInterfaces"]
    ids = [e["NetworkInterfaceId"] for e in found]
    assert ids == ([] if wanted is None else [getattr(net, wanted)])
