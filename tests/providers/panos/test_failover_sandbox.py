"""Failover end to end on the sandbox: the fake firewall of zone us-east-1a goes unhealthy
(its HA state, or with the cloud probe its GWLB target), and within two reconciler ticks in
enforce mode the zone's routes in AWS point at the other zone's firewall; once it recovers they
come back."""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from moto_fixtures.aws.clients import elbv2_client
from moto_fixtures.aws.firewall_targets import (
    FIREWALL_TARGETS,
    TARGET_GROUP,
)
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.commands import AdapterCache
from orchestrator.reconcile.failover import FirewallHealthSource, Hysteresis
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.probes import with_firewall_health
from orchestrator.reconcile.source import PolicySource
from tests.providers.aws.cloud import ec2_for

POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"


def _faults(state: dict[str, Any], label: str, **faults: object) -> None:
    entry = state["panos"]["firewalls"][label]
    # The fake's certificate is made at each (re)start and not recorded: trust it as
    # pan-os-python does, without verifying.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(
        f"{entry['url']}/_eastwest/faults", json.dumps(faults).encode(), method="POST"
    )
    with urllib.request.urlopen(request, context=context, timeout=10):
        pass


def _zone_a_targets(directory: Path) -> set[str]:
    """Where eastwest's routes of zone a's hub-side table point (the seeded ones left out)."""
    ec2 = ec2_for(directory)
    (table,) = ec2.describe_route_tables(
        Filters=[{"Name": "tag:Name", "Values": ["inspection-tgw-a-rt"]}]
    )["RouteTables"]
    owned = {
        pair.split("=")[0]
        for tag in table.get("Tags", [])
        if tag["Key"].startswith("eastwest:routes:")
        for pair in tag["Value"].split()
    }
    assert owned
    return {
        str(r.get("VpcEndpointId") or r.get("GatewayId"))
        for r in table["Routes"]
        if r.get("DestinationCidrBlock") in owned
    }


def _applied(directory: Path) -> tuple[dict[str, Any], str, str]:
    """The sandbox policy applied; the sandbox's state and zone a's and b's endpoints."""
    result = CliRunner().invoke(
        main, ["--sandbox", str(directory), "apply", str(POLICY), "--auto-approve"]
    )
    assert result.exit_code == 0, result.stderr
    state = load_sandbox(directory)
    zone_a, zone_b = (
        state["aws"]["landing_zone"]["firewalls"][z] for z in ("us-east-1a", "us-east-1b")
    )
    return state, zone_a, zone_b


def _ticker(state: dict[str, Any], probes: tuple[str, ...]) -> tuple[FirewallHealthSource, Any]:
    """The probed policy source, and one enforce tick of the sandbox policy's partition."""
    source = with_firewall_health(
        PolicySource([POLICY]), "sandbox", state, interval=0,
        hysteresis=Hysteresis(2, 2, 0), probes=probes,
    )  # fmt: skip
    (partition,) = partitions_of(source.inner.load().loaded.policy)

    def tick() -> None:
        adapters = lambda name: AdapterCache(name, state)  # noqa: E731 - one line, one use
        outcome = reconcile_once(partition, source, adapters, Tick(Mode.ENFORCE))
        assert not outcome.errors, outcome.errors

    return source, tick


def test_an_unhealthy_firewall_moves_its_zone_within_two_ticks_and_back(
    sandbox_dir: Path,
) -> None:
    state, zone_a, zone_b = _applied(sandbox_dir)
    assert zone_a in _zone_a_targets(sandbox_dir)
    source, tick = _ticker(state, ("panos",))
    _faults(state, "aws/us-east-1a", ha_state="suspended")
    tick()  # one failed probe: not yet down
    assert zone_a in _zone_a_targets(sandbox_dir)
    tick()  # the second: down, and the zone's routes move
    targets = _zone_a_targets(sandbox_dir)
    assert zone_b in targets
    assert zone_a not in targets
    _faults(state, "aws/us-east-1a", ha_state="active")
    tick()
    tick()
    targets = _zone_a_targets(sandbox_dir)
    assert zone_a in targets
    assert zone_b not in targets
    assert [(s.firewall, s.healthy) for s in source.failover.history] == [
        ("aws/us-east-1a", False),
        ("aws/us-east-1a", True),
    ]


def test_with_the_cloud_probe_a_deregistered_gwlb_target_moves_its_zone_and_back(
    sandbox_dir: Path,
) -> None:
    """``--firewall-probes panos,cloud``, the GWLB's targets as the sandbox seeds them: the
    firewall answers active, but the GWLB's target of zone a is taken out (deregistered
    through boto3, as an operator would): the zone's routes move within two ticks, and come
    back once it is registered again."""
    state, zone_a, zone_b = _applied(sandbox_dir)
    source, tick = _ticker(state, ("panos", "cloud"))
    elbv2 = elbv2_client(state["aws"]["endpoint_url"], "111111111111", "us-east-1")
    (group,) = elbv2.describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"]
    target = [{"Id": FIREWALL_TARGETS["us-east-1a"]}]
    tick()
    assert zone_a in _zone_a_targets(sandbox_dir)
    elbv2.deregister_targets(TargetGroupArn=group["TargetGroupArn"], Targets=target)
    tick()
    assert zone_a in _zone_a_targets(sandbox_dir)
    tick()
    assert _zone_a_targets(sandbox_dir) == {zone_b}
    elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=target)
    tick()
    tick()
    assert _zone_a_targets(sandbox_dir) == {zone_a}
    (down, up) = source.failover.history
    assert (down.firewall, down.healthy, up.healthy) == ("aws/us-east-1a", False, True)
    assert down.reason.startswith("cloud: GWLB targets in us-east-1a: 0 of 0 healthy")
    assert up.reason.startswith("panos: HA state active; cloud: GWLB targets in us-east-1a: 1 of 1")
