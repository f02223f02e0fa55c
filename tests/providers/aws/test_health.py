"""GWLB target health as AWS's word on a hub firewall, on the seeded landing zone (moto): the
inspection GWLB's IP target group, with one firewall address per zone registered by the seed
(``moto_fixtures/aws/firewall_targets.py``), edited through boto3 as an operator would
(deregister, cross-zone, an instance target stopped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ec2_client, elbv2_client
from moto_fixtures.aws.firewall_targets import FIREWALL_TARGETS, register_firewall_targets
from moto_fixtures.aws.seed import SeedReport
from orchestrator.state import Target
from providers.health import health_checker

ZONE_A, ZONE_B = lz.INSPECTION_ZONES


class Estate:
    def __init__(self, endpoint: str, seeded: SeedReport) -> None:
        self.seeded = seeded
        self.ec2 = ec2_client(endpoint, lz.ACCOUNT_ID, lz.REGION)
        self.elbv2 = elbv2_client(endpoint, lz.ACCOUNT_ID, lz.REGION)
        (listener,) = self.elbv2.describe_listeners(
            LoadBalancerArn=seeded.gateway_load_balancer_arn
        )["Listeners"]
        self.listener = listener["ListenerArn"]
        self.group = listener["DefaultActions"][0]["TargetGroupArn"]

    def deregister(self, zone: str) -> None:
        self.elbv2.deregister_targets(
            TargetGroupArn=self.group, Targets=[{"Id": FIREWALL_TARGETS[zone]}]
        )

    def cross_zone(self) -> None:
        self.elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=self.seeded.gateway_load_balancer_arn,
            Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}],
        )

    def stopped_instance_in(self, zone: str) -> None:
        """The listener forwards to an instance target group whose zone's firewall VM is
        stopped; the other zone's runs."""
        vpc = self.seeded.vpcs[lz.INSPECTION_NAME]
        group = self.elbv2.create_target_group(
            Name="firewall-vms", Protocol="GENEVE", Port=6081, VpcId=vpc, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]
        for each in lz.INSPECTION_ZONES:
            subnet = self.seeded.subnets[f"{lz.INSPECTION_NAME}-firewall-{lz.zone_suffix(each)}"]
            (vm,) = self.ec2.run_instances(
                ImageId=self.seeded.image, MinCount=1, MaxCount=1, SubnetId=subnet
            )["Instances"]
            self.elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": vm["InstanceId"]}])
            if each == zone:
                self.ec2.stop_instances(InstanceIds=[vm["InstanceId"]])
        self.elbv2.modify_listener(
            ListenerArn=self.listener, DefaultActions=[{"Type": "forward", "TargetGroupArn": group}]
        )


@pytest.fixture
def estate(aws_endpoint: str, seeded_aws: SeedReport) -> Estate:
    return Estate(aws_endpoint, seeded_aws)


def _probe(sandbox: dict[str, Any], seeded: SeedReport, zone: str, hop: str = "") -> Any:
    checker = health_checker(Target("aws", lz.ACCOUNT_ID, "aws-prod"), sandbox=sandbox)
    return checker.probe(lz.REGION, zone, hop or seeded.firewalls[zone])


def _nothing(estate: Estate) -> None:
    del estate


def _deregister_a_cross_zone(estate: Estate) -> None:
    estate.deregister(ZONE_A)
    estate.cross_zone()


CASES: list[tuple[str, Callable[[Estate], None], bool, bool, str]] = [
    ("as-seeded", _nothing, True, True, "GWLB targets in us-east-1a: 1 of 1 healthy"),
    ("registered-again", lambda e: register_firewall_targets(e.elbv2), True, True,
     "GWLB targets in us-east-1a: 1 of 1 healthy"),
    ("a-deregistered", lambda e: e.deregister(ZONE_A), False, True,
     "GWLB targets in us-east-1a: 0 of 0 healthy"),
    ("a-deregistered-cross-zone", _deregister_a_cross_zone, True, True,
     "GWLB targets in any zone: 1 of 1 healthy"),
    ("a-vm-stopped", lambda e: e.stopped_instance_in(ZONE_A), False, True,
     "GWLB targets in us-east-1a: 0 of 1 healthy; i-"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "edit", "up_a", "up_b", "said_a"), CASES, ids=[c[0] for c in CASES]
)
def test_gwlb_target_health_per_zone(  # noqa: PLR0917 - fixtures and one table row
    estate: Estate,
    sandbox: dict[str, Any],
    seeded_aws: SeedReport,
    name: str,
    edit: Callable[[Estate], None],
    up_a: bool,
    up_b: bool,
    said_a: str,
) -> None:
    edit(estate)
    up, said = _probe(sandbox, seeded_aws, ZONE_A)
    assert (up, said.startswith(said_a)) == (up_a, True), said
    assert _probe(sandbox, seeded_aws, ZONE_B)[0] is up_b
    if name == "a-vm-stopped":
        assert "unused Target.InvalidState" in said


@pytest.mark.parametrize(
    ("hop", "said"),
    [
        ("eni-0123456789abcdef0", "is not a GWLB endpoint"),
        ("vpce-0123456789abcdef0", "target health of vpce-0123456789abcdef0 unreadable"),
    ],
    ids=["an-eni", "an-unknown-endpoint"],
)
def test_what_cannot_be_read_is_down(
    estate: Estate, sandbox: dict[str, Any], seeded_aws: SeedReport, hop: str, said: str
) -> None:
    up, reason = _probe(sandbox, seeded_aws, ZONE_A, hop)
    assert not up
    assert said in reason
