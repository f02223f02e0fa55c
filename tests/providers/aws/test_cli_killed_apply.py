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

from moto_fixtures.aws import console
from tests.providers.aws.cloud import ec2_for

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
    assert final.returncode == 0, out

    names = Counter(g["GroupName"] for g in console.managed_groups(ec2))
    assert sum(names.values()) == 7  # one group per segment and member VPC
    lists = Counter(
        pl["PrefixListName"]
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if pl.get("OwnerId") != "AWS" and not pl["State"].startswith("delete")
    )
    assert all(n == 1 for n in lists.values()), lists
    assert console.unowned_snapshot(ec2) == before
