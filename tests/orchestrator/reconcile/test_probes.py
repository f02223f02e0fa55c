"""The probes ``eastwest run --probe-firewalls`` combines: the option that names them, and a
firewall no cloud probe can be made for counted as down, never as up."""

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


@pytest.mark.parametrize(
    ("target", "said"),
    [
        (Target("gcp", "p-1", "g"), "no client: no cloud health probe for gcp"),
        (Target("azure", "00000000-0000-0000-0000-000000000001", "az"),
         "no client: azure account az has no resource group to read"),
    ],
    ids=["unknown-cloud", "azure-without-group"],
)  # fmt: skip
def test_a_firewall_no_probe_can_be_made_for_is_down(target: Target, said: str) -> None:
    firewall = FirewallAt("x/1", "hub", target, "eastus", "1", "10.0.1.4")
    answer = cloud_prober(None)(firewall)
    assert not answer.up
    assert answer.reason.startswith(said)
