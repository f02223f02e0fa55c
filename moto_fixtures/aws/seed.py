"""Seed the local AWS with a realistic landing zone, through the API like any other client.

In: the endpoint URL of a running local AWS (empty, or just reset). Out: a ``SeedReport`` of the
ids created, keyed by their ``Name`` tag. Always: the same ids on every run (moto's random
generator is seeded first); everything is in account 111111111111 / us-east-1 except one small
VPC in 222222222222; nothing carries an eastwest ownership marker — to eastwest, all of it is
somebody else's.

What gets built (``landing_zone.py`` holds the names and CIDRs):

- six spoke VPCs in segments web/app/db (tag ``segment``), each with a workload subnet and a
  /28 transit subnet in us-east-1a/b/c and one route table per tier (workloads: 0.0.0.0/0 → TGW);
- ``shared-services`` (``segment=shared``) with two subnets;
- ``inspection`` over two zones: transit and firewall subnets, a Gateway Load Balancer, its
  endpoint service and one GWLB endpoint per zone, transit subnets routed to their zone's endpoint;
  the GWLB target group ``inspection-firewalls`` holding one firewall address per zone
  (``firewall_targets.py``);
- a transit gateway ``tgw-hub`` attached to every VPC above (appliance mode off);
- unowned security controls: the prefix list ``corp-vpn`` (``owner=netops``), hand-made groups
  (``bastion``, ``legacy-admin`` twice, ``dba-tools``) with CIDR, prefix-list and group
  references, and a hand-added rule in spoke-db-1's default group;
- workloads (``seed_workloads.py``): an instance per spoke, one also in the permissive
  ``pg-open-db-1``, and ENIs of kinds no workload group may touch.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ec2_client, elbv2_client
from moto_fixtures.aws.firewall_targets import register_firewall_targets
from moto_fixtures.aws.flowlog_objects import publish_s3
from moto_fixtures.aws.seed_workloads import SeededWorkloads, seed_workloads
from moto_fixtures.aws.seed_workloads import tag_spec as _tags

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client
    from mypy_boto3_ec2.type_defs import IpPermissionTypeDef


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SeedReport:
    """Ids of the seeded landing zone, keyed by Name tag unless a comment says otherwise.

    Names are unique across kinds (route tables end in ``-rt``, attachments in
    ``-attachment``), so ``ids`` loses nothing.
    """

    account_id: str
    region: str
    vpcs: Mapping[str, str]
    subnets: Mapping[str, str]
    route_tables: Mapping[str, str]
    transit_gateway: str
    tgw_attachments: Mapping[str, str]
    gateway_load_balancer_arn: str
    endpoint_service_name: str
    gwlb_endpoints: Mapping[str, str]
    firewalls: Mapping[str, str]  # zone → GWLB endpoint id: a hub's `firewalls:` next hops
    security_groups: Mapping[str, str]  # the hand-made groups eastwest must not touch
    prefix_lists: Mapping[str, str]  # the customer-managed lists eastwest must not touch
    default_security_groups: Mapping[str, str]  # VPC name → its default group
    other_accounts: Mapping[str, Mapping[str, str]]  # account id → Name → id seeded there
    image: str  # the AMI the instances run
    instances: Mapping[str, str]  # "<spoke>-vm-<zone>" → instance id
    network_interfaces: Mapping[str, str]  # "<instance>-eth0", the excluded ENIs below
    excluded_interfaces: Mapping[str, str]  # ENIs no workload group may touch (firewall, NAT…)

    @property
    def ids(self) -> Mapping[str, str]:
        """Every Name → id created in the main account, across kinds."""
        merged: dict[str, str] = {lz.TRANSIT_GATEWAY_NAME: self.transit_gateway}
        for kind in (
            self.vpcs,
            self.subnets,
            self.route_tables,
            self.tgw_attachments,
            self.gwlb_endpoints,
            self.security_groups,
            self.prefix_lists,
            self.instances,
            self.network_interfaces,
        ):
            merged.update(kind)
        return _frozen(merged)

    @property
    def unowned(self) -> Mapping[str, str]:
        """The security controls eastwest must never change: hand-made groups and lists."""
        return _frozen({**self.security_groups, **self.prefix_lists})


def seed_landing_zone(endpoint_url: str, random_seed: int = lz.RANDOM_SEED) -> SeedReport:
    """Build the landing zone on the local AWS at ``endpoint_url``; return what was made."""
    ec2 = ec2_client(endpoint_url, lz.ACCOUNT_ID, lz.REGION)
    elbv2 = elbv2_client(endpoint_url, lz.ACCOUNT_ID, lz.REGION)
    other = ec2_client(endpoint_url, lz.OTHER_ACCOUNT_ID, lz.REGION)
    # moto builds an account's backend (default VPC, groups…) lazily, drawing random ids. Build
    # them before seeding so a fresh server and a reset one draw the same numbers afterwards.
    ec2.describe_vpcs()
    other.describe_vpcs()
    elbv2.describe_load_balancers()
    _post(endpoint_url, f"/moto-api/seed?a={int(random_seed)}")

    builder = _Builder(ec2)
    tgw = builder.transit_gateway()
    for spoke in lz.SPOKES:
        builder.spoke(spoke, tgw)
    builder.shared_services(tgw)
    builder.inspection(tgw, elbv2)
    builder.unowned_controls()
    others = {lz.OTHER_ACCOUNT_ID: _other_account(other)}
    report = builder.report(seed_workloads(ec2, builder.vpcs, builder.subnets), others)
    # Last: moto draws random numbers when it registers targets, and every id seeded after
    # would move (the example policies name the seeded ids).
    register_firewall_targets(elbv2)
    # After every id the policies name: the flow log's id is drawn at random too.
    publish_s3(endpoint_url)
    return report


def _post(endpoint_url: str, path: str) -> None:
    if not endpoint_url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) endpoint: {endpoint_url!r}")
    url = endpoint_url.rstrip("/") + path
    request = urllib.request.Request(url, method="POST")  # noqa: S310 (scheme checked above)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (same)
        response.read()


class _Builder:
    """Creates the landing zone in one account and remembers every id by Name."""

    def __init__(self, ec2: EC2Client) -> None:
        self.ec2 = ec2
        self.vpcs: dict[str, str] = {}
        self.subnets: dict[str, str] = {}
        self.route_tables: dict[str, str] = {}
        self.attachments: dict[str, str] = {}
        self.endpoints: dict[str, str] = {}
        self.firewalls: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.prefix_lists: dict[str, str] = {}
        self.tgw = ""
        self.gwlb_arn = ""
        self.service_name = ""

    def transit_gateway(self) -> str:
        self.tgw = self.ec2.create_transit_gateway(
            Description="landing zone hub",
            Options={"AmazonSideAsn": 64512},
            TagSpecifications=_tags("transit-gateway", lz.TRANSIT_GATEWAY_NAME, owner="platform"),
        )["TransitGateway"]["TransitGatewayId"]
        return self.tgw

    def vpc(self, name: str, cidr: str, **tags: str) -> str:
        vpc_id = self.ec2.create_vpc(
            CidrBlock=cidr, TagSpecifications=_tags("vpc", name, owner="platform", **tags)
        )["Vpc"]["VpcId"]
        self.vpcs[name] = vpc_id
        return vpc_id

    def subnet(self, vpc_id: str, name: str, cidr: str, zone: str, tier: str) -> str:
        subnet_id = self.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=_tags("subnet", name, tier=tier),
        )["Subnet"]["SubnetId"]
        self.subnets[name] = subnet_id
        return subnet_id

    def route_table(self, vpc_id: str, name: str, subnet_ids: list[str]) -> str:
        table_id = self.ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=_tags("route-table", name)
        )["RouteTable"]["RouteTableId"]
        for subnet_id in subnet_ids:
            self.ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
        self.route_tables[name] = table_id
        return table_id

    def attach(self, vpc_name: str, subnet_ids: list[str]) -> str:
        name = f"{vpc_name}-attachment"
        attachment_id = self.ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=self.tgw,
            VpcId=self.vpcs[vpc_name],
            SubnetIds=subnet_ids,
            Options={"ApplianceModeSupport": "disable"},
            TagSpecifications=_tags("transit-gateway-attachment", name),
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
        self.attachments[name] = attachment_id
        return attachment_id

    def spoke(self, spoke: lz.Spoke, tgw: str) -> None:
        vpc_id = self.vpc(spoke.name, spoke.cidr, segment=spoke.segment)
        workload, transit = [], []
        for index, zone in enumerate(lz.ZONES):
            suffix = lz.zone_suffix(zone)
            workload.append(
                self.subnet(
                    vpc_id,
                    f"{spoke.name}-workload-{suffix}",
                    spoke.workload_cidr(index),
                    zone,
                    "workload",
                )
            )
            transit.append(
                self.subnet(
                    vpc_id, f"{spoke.name}-tgw-{suffix}", spoke.tgw_cidr(index), zone, "tgw"
                )
            )
        self.attach(spoke.name, transit)
        workload_table = self.route_table(vpc_id, f"{spoke.name}-workload-rt", workload)
        self.route_table(vpc_id, f"{spoke.name}-tgw-rt", transit)
        # The usual hub-and-spoke default: everything not local leaves through the hub.
        self.ec2.create_route(
            RouteTableId=workload_table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw
        )

    def shared_services(self, tgw: str) -> None:
        shared = lz.SHARED
        vpc_id = self.vpc(shared.name, shared.cidr, segment=shared.segment)
        subnet_ids = [
            self.subnet(vpc_id, name, cidr, zone, "workload")
            for name, cidr, zone in lz.SHARED_SUBNETS
        ]
        self.attach(shared.name, subnet_ids)
        table = self.route_table(vpc_id, f"{shared.name}-rt", subnet_ids)
        self.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="10.0.0.0/8", TransitGatewayId=tgw
        )

    def inspection(self, tgw: str, elbv2: Any) -> None:
        name = lz.INSPECTION_NAME
        vpc_id = self.vpc(name, lz.INSPECTION_CIDR, role="inspection")
        subnet = {
            (tier, zone): self.subnet(
                vpc_id, f"{name}-{tier}-{lz.zone_suffix(zone)}", cidr, zone, tier
            )
            for (tier, zone), cidr in lz.INSPECTION_SUBNETS.items()
        }
        firewall_subnets = [subnet["firewall", zone] for zone in lz.INSPECTION_ZONES]
        self.attach(name, [subnet["tgw", zone] for zone in lz.INSPECTION_ZONES])
        self._gateway_load_balancer(elbv2, vpc_id, firewall_subnets)
        for zone in lz.INSPECTION_ZONES:
            suffix = lz.zone_suffix(zone)
            endpoint_id = self.ec2.create_vpc_endpoint(
                VpcEndpointType="GatewayLoadBalancer",
                VpcId=vpc_id,
                ServiceName=self.service_name,
                SubnetIds=[subnet["firewall", zone]],
                TagSpecifications=_tags("vpc-endpoint", f"{name}-gwlbe-{suffix}"),
            )["VpcEndpoint"]["VpcEndpointId"]
            self.endpoints[f"{name}-gwlbe-{suffix}"] = endpoint_id
            self.firewalls[zone] = endpoint_id
            # Traffic arriving from the hub goes to the firewall of its own zone.
            table = self.route_table(vpc_id, f"{name}-tgw-{suffix}-rt", [subnet["tgw", zone]])
            self.ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", VpcEndpointId=endpoint_id
            )
        table = self.route_table(vpc_id, f"{name}-firewall-rt", firewall_subnets)
        self.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="10.0.0.0/8", TransitGatewayId=tgw
        )

    def _gateway_load_balancer(self, elbv2: Any, vpc_id: str, subnet_ids: list[str]) -> None:
        self.gwlb_arn = elbv2.create_load_balancer(
            Name=lz.GWLB_NAME,
            Type="gateway",
            Subnets=subnet_ids,
            Tags=[{"Key": "Name", "Value": lz.GWLB_NAME}],
        )["LoadBalancers"][0]["LoadBalancerArn"]
        target_group = elbv2.create_target_group(
            Name="inspection-firewalls",
            Protocol="GENEVE",
            Port=6081,
            VpcId=vpc_id,
            TargetType="ip",
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_listener(
            LoadBalancerArn=self.gwlb_arn,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
        )
        self.service_name = self.ec2.create_vpc_endpoint_service_configuration(
            GatewayLoadBalancerArns=[self.gwlb_arn],
            AcceptanceRequired=False,
            TagSpecifications=_tags("vpc-endpoint-service", f"{lz.GWLB_NAME}-service"),
        )["ServiceConfiguration"]["ServiceName"]

    def unowned_controls(self) -> None:
        corp_vpn = self.ec2.create_managed_prefix_list(
            PrefixListName=lz.CORP_VPN,
            AddressFamily="IPv4",
            MaxEntries=10,
            Entries=[{"Cidr": cidr, "Description": text} for cidr, text in lz.CORP_VPN_ENTRIES],
            TagSpecifications=_tags("prefix-list", lz.CORP_VPN, owner="netops"),
        )["PrefixList"]["PrefixListId"]
        self.prefix_lists[lz.CORP_VPN] = corp_vpn
        vpn = {"PrefixListIds": [{"PrefixListId": corp_vpn, "Description": "corp vpn"}]}

        bastion = self.group("spoke-web-1", "bastion", "bastion", "netops")
        self.allow(bastion, "ingress", [_tcp(22, **vpn)])
        self.allow(bastion, "egress", [_tcp(22, IpRanges=[{"CidrIp": "10.0.0.0/8"}])])

        legacy_web = self.group("spoke-web-1", "legacy-admin", "legacy-admin-web-1", "app-team")
        from_bastion = {"UserIdGroupPairs": [{"GroupId": bastion, "Description": "bastion"}]}
        self.allow(legacy_web, "ingress", [_tcp(22, **from_bastion), _tcp(3389, **from_bastion)])
        self.allow(legacy_web, "ingress", [_tcp(443, IpRanges=[{"CidrIp": "192.168.100.0/24"}])])
        self.allow(legacy_web, "egress", [_tcp(443, **vpn)])

        legacy_app = self.group("spoke-app-1", "legacy-admin", "legacy-admin-app-1", "app-team")
        to_self = {"UserIdGroupPairs": [{"GroupId": legacy_app, "Description": "cluster"}]}
        self.allow(legacy_app, "ingress", [_tcp(22, **vpn), _tcp(8443, **to_self)])

        dba = self.group("spoke-db-2", "dba-tools", "dba-tools", "dba")
        self.allow(dba, "ingress", [_tcp(5432, **vpn)])
        self.allow(dba, "ingress", [_tcp(1521, IpRanges=[{"CidrIp": "172.16.10.0/24"}])])

        # Someone opened the default group by hand once; it stays that way.
        default = self.default_group("spoke-db-1")
        hand_made = {"CidrIp": "10.20.0.0/16", "Description": "hand-added by the dba team"}
        self.allow(default, "ingress", [_tcp(5432, IpRanges=[hand_made])])

    def group(self, vpc_name: str, group_name: str, name: str, owner: str) -> str:
        group_id = self.ec2.create_security_group(
            GroupName=group_name,
            Description=f"{group_name} (hand-made)",
            VpcId=self.vpcs[vpc_name],
            TagSpecifications=_tags("security-group", name, owner=owner),
        )["GroupId"]
        self.groups[name] = group_id
        return group_id

    def default_group(self, vpc_name: str) -> str:
        return self.ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [self.vpcs[vpc_name]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]

    def allow(self, group_id: str, direction: str, permissions: list[IpPermissionTypeDef]) -> None:
        if direction == "ingress":
            self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)
        else:
            self.ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=permissions)

    def report(
        self, workloads: SeededWorkloads, other_accounts: Mapping[str, Mapping[str, str]]
    ) -> SeedReport:
        return SeedReport(
            account_id=lz.ACCOUNT_ID,
            region=lz.REGION,
            vpcs=_frozen(self.vpcs),
            subnets=_frozen(self.subnets),
            route_tables=_frozen(self.route_tables),
            transit_gateway=self.tgw,
            tgw_attachments=_frozen(self.attachments),
            gateway_load_balancer_arn=self.gwlb_arn,
            endpoint_service_name=self.service_name,
            gwlb_endpoints=_frozen(self.endpoints),
            firewalls=_frozen(self.firewalls),
            security_groups=_frozen({**self.groups, **workloads.groups}),
            prefix_lists=_frozen(self.prefix_lists),
            default_security_groups=_frozen({name: self.default_group(name) for name in self.vpcs}),
            other_accounts=MappingProxyType(
                {account: _frozen(ids) for account, ids in other_accounts.items()}
            ),
            image=workloads.image,
            instances=_frozen(workloads.instances),
            network_interfaces=_frozen(workloads.enis),
            excluded_interfaces=_frozen(workloads.excluded),
        )


def _tcp(port: int, **peers: Any) -> IpPermissionTypeDef:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}  # type: ignore[typeddict-item]


def _other_account(ec2: EC2Client) -> dict[str, str]:
    other = lz.OTHER_VPC
    vpc_id = ec2.create_vpc(
        CidrBlock=other.cidr, TagSpecifications=_tags("vpc", other.name, segment=other.segment)
    )["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=other.workload_cidr(0),
        AvailabilityZone=lz.ZONES[0],
        TagSpecifications=_tags("subnet", f"{other.name}-a", tier="workload"),
    )["Subnet"]["SubnetId"]
    return {other.name: vpc_id, f"{other.name}-a": subnet_id}
