"""The ECS state of a firewall ENI's instance as Alibaba Cloud's word on a hub firewall, on the
seeded security VPC (fw-vm-h / fw-vm-i with their data ENIs fw-eni-h / -i), with a fifth of
calls throttled. The instance's state is set on the fake's backend: RunInstances and
StopInstance are not in the metadata the fake serves (docs/sandbox.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.state import Target
from providers.health import health_checker
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import sandbox_of

ZONE_H = lz.ZONES[0]


def _stop(server: AlibabaServer, report: SeedReport) -> None:
    server.backend.workloads.instance(
        report.instances[lz.firewall_instance_name(ZONE_H)]
    ).stopped = True


def _pending(server: AlibabaServer, report: SeedReport) -> None:
    instance = server.backend.workloads.instance(
        report.instances[lz.firewall_instance_name(ZONE_H)]
    )
    instance.ready_at = float("inf")


def _nothing(server: AlibabaServer, report: SeedReport) -> None:
    del server, report


@pytest.mark.parametrize(
    ("edit", "up", "said"),
    [
        (_nothing, True, "Running"),
        (_stop, False, "Stopped"),
        (_pending, False, "Pending"),
    ],
    ids=["running", "stopped", "pending"],
)
def test_the_firewall_enis_instance_state(
    cloud: tuple[AlibabaServer, SeedReport],
    edit: Callable[[AlibabaServer, SeedReport], None],
    up: bool,
    said: str,
) -> None:
    server, report = cloud
    edit(server, report)
    checker = health_checker(Target("alibaba", c.ACCOUNT, "ali"), sandbox=sandbox_of(server))
    eni = report.firewall_enis[lz.firewall_eni_name(ZONE_H)]
    found = checker.probe(c.REGION, ZONE_H, eni)
    instance = report.instances[lz.firewall_instance_name(ZONE_H)]
    assert found == (up, f"instance {instance} of {eni}: {said}")
    other = lz.ZONES[1]
    assert checker.probe(c.REGION, other, report.firewall_enis[lz.firewall_eni_name(other)])[0]


@pytest.mark.parametrize(
    ("hop", "said"),
    [
        ("10.0.1.4", "is not an ENI"),
        ("eni-doesnotexist00000000", "ENI eni-doesnotexist00000000 not found"),
    ],
    ids=["an-address", "an-unknown-eni"],
)
def test_what_cannot_be_read_is_down(
    cloud: tuple[AlibabaServer, SeedReport], hop: str, said: str
) -> None:
    server, _ = cloud
    checker = health_checker(Target("alibaba", c.ACCOUNT, "ali"), sandbox=sandbox_of(server))
    up, reason = checker.probe(c.REGION, ZONE_H, hop)
    assert not up
    assert said in reason


def test_describe_instance_status_follows_the_metadata(
    cloud: tuple[AlibabaServer, SeedReport],
) -> None:
    server, report = cloud
    ids = sorted(report.instances.values())
    body: dict[str, Any] = c.rpc(server, c.ECS, "DescribeInstanceStatus", PageSize="50")
    assert body["TotalCount"] == len(ids)
    assert [r["InstanceId"] for r in body["InstanceStatuses"]["InstanceStatus"]] == ids[:50]
    assert {r["Status"] for r in body["InstanceStatuses"]["InstanceStatus"]} == {"Running"}
    many = {f"InstanceId.{n}": f"i-{n}" for n in range(1, 102)}
    with pytest.raises(Exception, match=r"InvalidParameter\.TooManyInstanceIds"):
        c.rpc(server, c.ECS, "DescribeInstanceStatus", **many)
    with pytest.raises(Exception, match=r"InvalidZoneId\.NotFound"):
        c.rpc(server, c.ECS, "DescribeInstanceStatus", ZoneId="cn-hangzhou-z")
