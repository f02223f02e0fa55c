"""The AWS landing zone's workloads, seeded through the EC2 API after the network exists.

In: an EC2 client of the main account and the VPC and subnet ids by Name. Out:
``SeededWorkloads``. Always: made last, so the ids drawn before (VPCs, subnets, groups…) are the
ones they were before workloads existed; two seeds of a fresh server hold the same ids.

What gets built (names in ``landing_zone.py``): an AMI (``RegisterImage``: EC2 launches
nothing without one); per spoke one instance ``<spoke>-vm-a|b`` (zones alternate) in its
workload subnet and its VPC's default group, tag ``app=<segment>``, its primary ENI named
``<instance>-eth0``; the hand-made group ``pg-open-db-1`` (TCP 5432 from 0.0.0.0/0, tag
``owner=dba``) added to ``spoke-db-1-vm-a``'s ENI; and the kinds no workload group may touch: a
firewall data ENI in ``inspection-firewall-a``, a private NAT gateway and an SSM interface
endpoint in ``spoke-app-1-workload-a`` (their ENIs read ``nat_gateway`` / ``vpc_endpoint``,
requester-managed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from moto_fixtures.aws import landing_zone as lz

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client
    from mypy_boto3_ec2.literals import ResourceTypeType
    from mypy_boto3_ec2.type_defs import TagSpecificationTypeDef, TagTypeDef


@dataclass
class SeededWorkloads:
    image: str = ""
    instances: dict[str, str] = field(default_factory=dict)
    enis: dict[str, str] = field(default_factory=dict)  # every ENI below, by name
    excluded: dict[str, str] = field(default_factory=dict)  # ENIs no workload group may touch
    groups: dict[str, str] = field(default_factory=dict)  # hand-made, as seed.py's


def tag_spec(
    resource_type: ResourceTypeType, name: str, **extra: str
) -> list[TagSpecificationTypeDef]:
    """``TagSpecifications`` with a ``Name`` tag (every seeded resource has one) and ``extra``."""
    tags: list[TagTypeDef] = [{"Key": "Name", "Value": name}]
    tags += [{"Key": key, "Value": value} for key, value in extra.items()]
    return [{"ResourceType": resource_type, "Tags": tags}]


def seed_workloads(
    ec2: EC2Client, vpcs: Mapping[str, str], subnets: Mapping[str, str]
) -> SeededWorkloads:
    out = SeededWorkloads()
    out.image = ec2.register_image(Name=lz.IMAGE_NAME, Description="base image")["ImageId"]
    defaults = {
        g["VpcId"]: g["GroupId"]
        for g in ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"]
    }
    for index, spoke in enumerate(lz.SPOKES):
        name = lz.instance_name(spoke, index)
        subnet = subnets[f"{spoke.name}-workload-{name[-1]}"]
        instance = ec2.run_instances(
            ImageId=out.image,
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet,
            SecurityGroupIds=[defaults[vpcs[spoke.name]]],
            TagSpecifications=tag_spec("instance", name, app=spoke.segment),
        )["Instances"][0]
        out.instances[name] = instance["InstanceId"]
        out.enis[f"{name}-eth0"] = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    _permissive(ec2, vpcs, defaults, out)
    _excluded(ec2, vpcs, subnets, out)
    return out


def _permissive(
    ec2: EC2Client, vpcs: Mapping[str, str], defaults: dict[str, str], out: SeededWorkloads
) -> None:
    vpc = vpcs[lz.PERMISSIVE_SPOKE]
    group = ec2.create_security_group(
        GroupName="pg-open",
        Description="temporary: PostgreSQL for the migration (hand-made)",
        VpcId=vpc,
        TagSpecifications=tag_spec("security-group", lz.PERMISSIVE_GROUP, owner="dba"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "pg from anywhere"}],
            }
        ],
    )
    out.groups[lz.PERMISSIVE_GROUP] = group
    index = [s.name for s in lz.SPOKES].index(lz.PERMISSIVE_SPOKE)
    eni = out.enis[f"{lz.instance_name(lz.SPOKES[index], index)}-eth0"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[defaults[vpc], group])


def _excluded(
    ec2: EC2Client, vpcs: Mapping[str, str], subnets: Mapping[str, str], out: SeededWorkloads
) -> None:
    firewall = ec2.create_network_interface(
        SubnetId=subnets["inspection-firewall-a"],
        Description="VM-Series data interface (firewall)",
        TagSpecifications=tag_spec("network-interface", lz.FIREWALL_ENI, role="firewall"),
    )["NetworkInterface"]["NetworkInterfaceId"]
    out.enis[lz.FIREWALL_ENI] = out.excluded[lz.FIREWALL_ENI] = firewall
    subnet = subnets["spoke-app-1-workload-a"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet,
        ConnectivityType="private",
        TagSpecifications=tag_spec("natgateway", lz.NAT_GATEWAY),
    )["NatGateway"]
    nat_eni = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    out.enis[f"{lz.NAT_GATEWAY}-eni"] = out.excluded[f"{lz.NAT_GATEWAY}-eni"] = nat_eni
    endpoint = ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=vpcs["spoke-app-1"],
        ServiceName=lz.ENDPOINT_SERVICE,
        SubnetIds=[subnet],
        TagSpecifications=tag_spec("vpc-endpoint", lz.ENDPOINT),
    )["VpcEndpoint"]
    (endpoint_eni,) = endpoint["NetworkInterfaceIds"]
    out.enis[f"{lz.ENDPOINT}-eni"] = out.excluded[f"{lz.ENDPOINT}-eni"] = endpoint_eni
