"""Failover end to end on the sandbox: the fake firewall of zone us-east-1a goes unhealthy
(its HA state), and within two reconciler ticks in enforce mode the zone's routes in AWS point
at the other zone's firewall; once it recovers they come back."""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.commands import AdapterCache
from orchestrator.reconcile.failover import Hysteresis
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


def test_an_unhealthy_firewall_moves_its_zone_within_two_ticks_and_back(
    sandbox_dir: Path,
) -> None:
    result = CliRunner().invoke(
        main, ["--sandbox", str(sandbox_dir), "apply", str(POLICY), "--auto-approve"]
    )
    assert result.exit_code == 0, result.stderr
    state = load_sandbox(sandbox_dir)
    zone_a, zone_b = (
        state["aws"]["landing_zone"]["firewalls"][z] for z in ("us-east-1a", "us-east-1b")
    )
    assert zone_a in _zone_a_targets(sandbox_dir)
    source = with_firewall_health(
        PolicySource([POLICY]), "sandbox", state, interval=0, hysteresis=Hysteresis(2, 2, 0)
    )
    (partition,) = partitions_of(source.inner.load().loaded.policy)

    def tick() -> None:
        adapters = lambda name: AdapterCache(name, state)  # noqa: E731 - one line, one use
        outcome = reconcile_once(partition, source, adapters, Tick(Mode.ENFORCE))
        assert not outcome.errors, outcome.errors

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
