"""Kill `eastwest apply` in the middle (SIGKILL, no chance to clean up), then run it again: it
converges with no duplicate groups or prefix lists, and unowned resources are unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from moto_fixtures.aws import console
from tests.providers.aws.cloud import ec2_for

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")


def _eastwest(directory: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "--sandbox", str(directory), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_apply_killed_midway_then_rerun_converges(sandbox_dir: Path) -> None:
    ec2 = ec2_for(sandbox_dir)
    before = console.unowned_snapshot(ec2)
    proc = _eastwest(sandbox_dir, "apply", POLICY, "--auto-approve")
    deadline = time.monotonic() + 60
    # Watch the cloud, not the output: kill as soon as some groups exist, well before all.
    while len(console.managed_groups(ec2)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(console.managed_groups(ec2)) < 7  # it really stopped halfway

    rerun = _eastwest(sandbox_dir, "apply", POLICY, "--auto-approve")
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out
    final = _eastwest(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    out, _ = final.communicate(timeout=120)
    assert final.returncode == 3, out  # converged; the seeded DBA group is a finding

    names = Counter(g["GroupName"] for g in console.managed_groups(ec2))
    assert sum(names.values()) == 7  # one group per segment and member VPC
    lists = Counter(
        pl["PrefixListName"]
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if pl.get("OwnerId") != "AWS" and not pl["State"].startswith("delete")
    )
    assert all(n == 1 for n in lists.values()), lists
    assert console.unowned_snapshot(ec2) == before


def test_apply_killed_in_the_routing_then_rerun_converges(sandbox_dir: Path) -> None:
    """Killed once VPC routes have started (their records are claimed before each route is
    made): the rerun makes no second transit gateway route table, leaves no route behind
    without a claim, and the paths hold."""
    ec2 = ec2_for(sandbox_dir)
    proc = _eastwest(sandbox_dir, "apply", POLICY, "--auto-approve")
    deadline = time.monotonic() + 60
    while not _claimed(ec2) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _owned_hub_tables(ec2)  # the hub tables came first, in step 1
    propagations_then = _propagations(ec2)

    rerun = _eastwest(sandbox_dir, "apply", POLICY, "--auto-approve")
    out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out
    final = _eastwest(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    out, _ = final.communicate(timeout=120)
    assert final.returncode == 3, out  # converged; the seeded DBA group is a finding
    assert propagations_then < _propagations(ec2)  # it really stopped halfway
    keys = Counter(_owned_hub_tables(ec2).values())
    assert sorted(keys.values()) == [1] * 5, keys  # four segments and inspection, once each
    paths = _eastwest(sandbox_dir, "paths", "--routing-only", POLICY)
    out, _ = paths.communicate(timeout=120)
    assert paths.returncode == 0, out


def _claimed(ec2: EC2Client) -> bool:
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "tag-key", "Values": ["eastwest:routes:sandbox"]}]
    )["RouteTables"]
    return bool(tables)


def _propagations(ec2: EC2Client) -> int:
    return sum(
        len(
            ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=table)[
                "TransitGatewayRouteTablePropagations"
            ]
        )
        for table in _owned_hub_tables(ec2)
    )


def _owned_hub_tables(ec2: EC2Client) -> dict[str, str]:
    """Transit gateway route table id → eastwest's key, for every live owned table."""
    found: dict[str, str] = {}
    for t in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        tags = {x["Key"]: x["Value"] for x in t.get("Tags", [])}
        if tags.get("eastwest:managed") == "true" and t["State"] == "available":
            found[t["TransitGatewayRouteTableId"]] = tags["eastwest:key"]
    return found
