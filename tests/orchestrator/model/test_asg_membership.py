"""`segments[].azure.asg_membership`: the field, its located errors, what the compiler puts on
each cloud's group, and that a saved plan keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.errors import PolicyError
from orchestrator.model.loader import load_policy
from orchestrator.model.policy import Policy
from orchestrator.state import FirewallGroup, Network, Scope, ScopeInventory, Subnet
from orchestrator.state.codec import resource_from_json, resource_to_json

SUB = "00000000-0000-0000-0000-000000000001"
AZ = Scope("azure", SUB, "eastus")
AWS = Scope("aws", "111111111111", "us-east-1")


def _policy(azure: Any, attach: str | None = None) -> Policy:
    segment: dict[str, Any] = {
        "name": "db",
        "members": [
            {"account": "az", "region": "eastus", "vnet": "vnet-db"},
            {"account": "aws", "region": "us-east-1", "vpc": "vpc-db"},
        ],
    }
    if azure is not None:
        segment["azure"] = azure
    if attach is not None:
        segment["attach"] = attach
    accounts = [
        {"name": "az", "cloud": "azure", "subscription_id": SUB, "resource_group": "rg",
         "regions": ["eastus"]},
        {"name": "aws", "cloud": "aws", "account_id": "111111111111", "regions": ["us-east-1"]},
    ]  # fmt: skip
    return Policy.model_validate(
        {"version": 1, "name": "acme", "accounts": accounts, "segments": [segment]}
    )


def _inventory() -> dict[Scope, ScopeInventory]:
    return {
        AZ: ScopeInventory(
            AZ,
            (Network("vnet-db", ("10.3.0.0/16",), {}, "vnet-db"),),
            (Subnet("snet-db", "vnet-db", ("10.3.1.0/24",), "", {}),),
        ),
        AWS: ScopeInventory(AWS, (Network("vpc-db", ("10.30.0.0/16",), {}),)),
    }


@pytest.mark.parametrize(
    ("azure", "attach", "azure_group", "aws_group"),
    [
        pytest.param({"asg_membership": True}, None, True, False, id="opted-in"),
        pytest.param({"asg_membership": False}, None, False, False, id="opted-out"),
        pytest.param({}, None, False, False, id="default"),
        pytest.param(None, None, False, False, id="no-azure-options"),
        pytest.param(
            {"asg_membership": True}, "none", False, False, id="attach-none-writes-no-nic"
        ),
    ],
)
def test_the_option_reaches_the_azure_group_only(
    azure: Any, attach: str | None, azure_group: bool, aws_group: bool
) -> None:
    state = compile_policy(_policy(azure, attach), _inventory())
    groups = {
        scope.cloud: [r for r in ds.resources.values() if isinstance(r, FirewallGroup)]
        for scope, ds in state.scopes.items()
    }
    assert [g.asg for g in groups["azure"]] == [azure_group]
    assert [g.asg for g in groups["aws"]] == [aws_group]


@pytest.mark.parametrize("asg", [True, False])
def test_a_saved_plan_keeps_the_option(asg: bool) -> None:
    key = f"{AZ}/fwgroup/db@v"
    group = FirewallGroup(key, AZ, "db", "v", "n", "d", attach="add", asg=asg)
    body = resource_to_json(group)
    assert ("asg" in body) == asg
    assert resource_from_json(body) == group


@pytest.mark.parametrize(
    ("azure", "path"),
    [
        pytest.param("{asg_membership: yes-please}", "segments[0].azure.asg_membership", id="type"),
        pytest.param("{asg_members: true}", "segments[0].azure.asg_members", id="unknown-field"),
    ],
)
def test_bad_input_is_a_located_error(tmp_path: Path, azure: str, path: str) -> None:
    text = f"""version: 1
name: acme
accounts:
  - {{name: az, cloud: azure, subscription_id: {SUB}, resource_group: rg, regions: [eastus]}}
segments:
  - name: db
    members: [{{account: az, region: eastus, vnet: vnet-db}}]
    azure: {azure}
"""
    file = tmp_path / "p.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy([file])
    [found] = [d for d in caught.value.diagnostics if d.path == path]
    assert (found.file, found.line) == (str(file), 8)
