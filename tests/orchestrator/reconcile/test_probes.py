"""The probes ``eastwest run --probe-firewalls`` combines: the option that names them, and a
cloud without a health probe counted as down, never as up."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.reconcile.failover import FirewallAt
from orchestrator.reconcile.probes import cloud_prober
from orchestrator.state import Target

POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"


@pytest.mark.parametrize("value", ["bogus", "cloud,panos", "panos,cloud,aws"])
def test_unknown_firewall_probes_are_refused_before_anything_starts(
    tmp_path: Path, value: str
) -> None:
    result = CliRunner().invoke(
        main,
        ["run", str(POLICY), "--store", str(tmp_path / "h.sqlite3"), "--probe-firewalls",
         "--firewall-probes", value],
    )  # fmt: skip
    assert result.exit_code == 1  # usage errors exit 1 here, as every error (docs/cli.md)
    assert "Invalid value for '--firewall-probes'" in result.stderr
    assert not (tmp_path / "h.sqlite3").exists()


def test_a_cloud_without_a_health_probe_is_down() -> None:
    target = Target("azure", "00000000-0000-0000-0000-000000000001", "az", None, "rg-net")
    firewall = FirewallAt("azure/1", "eus", target, "eastus", "1", "10.0.1.4")
    answer = cloud_prober(None)(firewall)
    assert not answer.up
    assert answer.reason.startswith("no client: no cloud health probe for azure yet")
