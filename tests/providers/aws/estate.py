"""A synthetic AWS estate for call-budget tests and the API-call benchmark: N VPCs in a few
tag-selected segments, every segment allowed to every other on two ports, plus an external
segment allowed in on two ports — 20 rules per security group with 5 segments."""

from __future__ import annotations

from collections import Counter
from typing import Any

from moto_fixtures.aws import console
from orchestrator.model.policy import Policy

ACCOUNT = "111111111111"
READS = ("Describe", "Get", "Search")


class CallCounter:
    """Counts API calls through botocore's event hooks (pass as an adapter's ``on_client``)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if not op.startswith(READS))


def vpc_layout(count: int, segments: int = 5) -> list[tuple[str, str]]:
    """(CIDR, segment tag) of each of ``count`` VPCs: consecutive /24s per segment, so each
    segment aggregates to few CIDRs and stays under the rule quota whatever ``count`` is."""
    per_segment = max(1, count // segments)
    return [(f"10.{i // 250}.{i % 250}.0/24", f"s{i // per_segment}") for i in range(count)]


def build_vpcs(sandbox: dict[str, Any], count: int, segments: int = 5) -> None:
    """``count`` VPCs laid out by ``vpc_layout`` in the sandbox."""
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    for cidr, segment in vpc_layout(count, segments):
        ec2.create_vpc(
            CidrBlock=cidr,
            TagSpecifications=[
                {"ResourceType": "vpc", "Tags": [{"Key": "segment", "Value": segment}]}
            ],
        )


def attach_vpcs(sandbox: dict[str, Any]) -> str:
    """A transit gateway (default association and propagation off) with every VPC attached
    through one subnet, and the VPC's main route table as the one its workloads use."""
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    tgw = ec2.create_transit_gateway(
        Options={
            "DefaultRouteTableAssociation": "disable",
            "DefaultRouteTablePropagation": "disable",
        }
    )["TransitGateway"]["TransitGatewayId"]
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["segment"]}])["Vpcs"]:
        cidr = vpc["CidrBlock"].replace(".0/24", ".240/28")
        subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=cidr)["Subnet"]["SubnetId"]
        ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw, VpcId=vpc["VpcId"], SubnetIds=[subnet]
        )
    return str(tgw)


def estate_policy(segments: int = 5, name: str = "budget", hub: str | None = None) -> Policy:
    names = [f"s{i}" for i in range(segments)]
    rules = [
        {"name": f"{a}-to-{b}", "from": a, "to": b, "ports": ["tcp/443", "tcp/8443"]}
        for a in names
        for b in names
        if a != b
    ]
    rules += [
        {"name": f"vpn-{a}", "from": "onprem", "to": a, "ports": ["tcp/22", "udp/53"]}
        for a in names
    ]
    member = {"account": "prod", "region": "us-east-1"}
    return Policy.model_validate(
        {
            "version": 1,
            "name": name,
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "hubs": [{"name": "hub", "account": "prod", "region": "us-east-1", "transit": hub}]
            if hub
            else [],
            "segments": [
                *({"name": n, "members": [{**member, "tags": {"segment": n}}]} for n in names),
                {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
            ],
            "rules": rules,
        }
    )


def build_interfaces(sandbox: dict[str, Any], total: int) -> list[str]:
    """``total`` ENIs spread over the tagged VPCs, each in a subnet of the VPC's first /25 (made
    on the first call) with the VPC's default group: workloads eastwest attaches groups to."""
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["segment"]}])["Vpcs"]
    subnets = [_workload_subnet(ec2, v["VpcId"], v["CidrBlock"]) for v in vpcs]
    return [
        ec2.create_network_interface(SubnetId=subnets[i % len(subnets)])["NetworkInterface"][
            "NetworkInterfaceId"
        ]
        for i in range(total)
    ]


def _workload_subnet(ec2: Any, vpc: str, cidr: str) -> str:
    block = cidr.replace(".0/24", ".0/25")
    found = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "cidr-block", "Values": [block]}]
    )["Subnets"]
    if found:
        return str(found[0]["SubnetId"])
    return str(ec2.create_subnet(VpcId=vpc, CidrBlock=block)["Subnet"]["SubnetId"])
