"""AWS's word on a hub firewall: the Gateway Load Balancer target health behind its endpoint.

In: the account's clients, and per probe the region, the firewall's zone and its next hop (a
GWLB endpoint ``vpce-…``). Out: ``(up, reason)``. The chain read: the endpoint
(``DescribeVpcEndpoints``) → its service (``DescribeVpcEndpointServiceConfigurations``) → the
GWLB → its listeners' target groups (elbv2 ``DescribeListeners``) → ``DescribeTargetHealth``,
each target placed in a zone (instances by ``DescribeInstances``, IP targets by the subnet
holding the address). Always: up only when at least one target in the firewall's zone is
``healthy`` (or in any zone when the GWLB balances across zones), because a GWLB endpoint
sends its flows to the targets of its own zone; an endpoint that is not a GWLB's, or any
read that fails, is down with the reason; read-only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from providers.aws.session import AwsClients


class GwlbHealth:
    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self._elbv2: dict[str, Any] = {}  # region → client: one per region, as for EC2

    def probe(self, region: str, zone: str, next_hop: str) -> tuple[bool, str]:
        if not next_hop.startswith("vpce-"):
            return False, f"{next_hop} is not a GWLB endpoint: no target health to read"
        try:
            return self._probe(region, zone, next_hop)
        except (ClientError, BotoCoreError) as exc:
            return False, f"target health of {next_hop} unreadable: {exc}"

    def _probe(self, region: str, zone: str, endpoint: str) -> tuple[bool, str]:
        if region not in self._elbv2:
            self._elbv2[region] = self.clients.client("elbv2", region)
        ec2, elbv2 = self.clients.ec2(region), self._elbv2[region]
        (found,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"]
        gwlbs = _gateway_load_balancers(ec2, found["ServiceName"])
        if not gwlbs:
            return False, f"{endpoint}'s service {found['ServiceName']} has no GWLB"
        cross = any(_cross_zone(elbv2, arn) for arn in gwlbs)
        targets = [t for arn in gwlbs for t in _targets(elbv2, arn)]
        zones = _zones(ec2, found["VpcId"], [t["Target"] for t in targets])
        mine = [t for t in targets if cross or zones.get(t["Target"]["Id"]) == zone]
        healthy = [t for t in mine if t["TargetHealth"]["State"] == "healthy"]
        where = "in any zone" if cross else f"in {zone}"
        said = f"GWLB targets {where}: {len(healthy)} of {len(mine)} healthy"
        sick = [_why(t) for t in mine if t not in healthy]
        return bool(healthy), "; ".join([said, *sick[:3]])


def _gateway_load_balancers(ec2: Any, service: str) -> list[str]:
    # Filtered on our side too: moto ignores the filter (SANDBOX-NOTES), real EC2 applies it.
    configs = ec2.describe_vpc_endpoint_service_configurations(
        Filters=[{"Name": "service-name", "Values": [service]}]
    )["ServiceConfigurations"]
    return [
        arn
        for c in configs
        if c["ServiceName"] == service
        for arn in c.get("GatewayLoadBalancerArns", [])
    ]


def _cross_zone(elbv2: Any, arn: str) -> bool:
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return any(
        a["Key"] == "load_balancing.cross_zone.enabled" and a["Value"] == "true" for a in attributes
    )


def _targets(elbv2: Any, arn: str) -> list[dict[str, Any]]:
    groups = {
        group
        for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        for action in listener["DefaultActions"]
        for group in _forwarded(action)
    }
    return [
        t
        for group in sorted(groups)
        for t in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    ]


def _forwarded(action: dict[str, Any]) -> Iterable[str]:
    if "TargetGroupArn" in action:
        yield action["TargetGroupArn"]
    for group in action.get("ForwardConfig", {}).get("TargetGroups", []):
        yield group["TargetGroupArn"]


def _zones(ec2: Any, vpc: str, targets: list[dict[str, Any]]) -> dict[str, str]:
    """Target id → zone: as the answer says, else the instance's, else its subnet's."""
    zones = {t["Id"]: t["AvailabilityZone"] for t in targets if "AvailabilityZone" in t}
    instances = sorted({t["Id"] for t in targets if t["Id"].startswith("i-")} - set(zones))
    if instances:
        for reservation in ec2.describe_instances(InstanceIds=instances)["Reservations"]:
            for instance in reservation["Instances"]:
                zones[instance["InstanceId"]] = instance["Placement"]["AvailabilityZone"]
    addresses = [t["Id"] for t in targets if t["Id"] not in zones]
    if addresses:
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        for address in addresses:
            ip = ipaddress.ip_address(address)
            for s in subnets:
                if ip in ipaddress.ip_network(s["CidrBlock"]):
                    zones[address] = s["AvailabilityZone"]
    return zones


def _why(target: dict[str, Any]) -> str:
    health = target["TargetHealth"]
    reason = health.get("Reason") or health.get("Description") or ""
    return f"{target['Target']['Id']} {health['State']} {reason}".strip()
