"""The CDKTF construct declares what ``eastwest synth`` writes: synthesised with the real cdktf
(and cdktn, CDK Terrain) through jsii and node, ``cdk.tf.json`` is compared, block by block,
with the files ``synthesize`` makes from the same desired state: the sandbox policy (AWS, with
transit routing and inspection) and the small Azure + Alibaba + AWS states, with import blocks.

How the two are compared: ``cdk_compare.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from orchestrator.state import DesiredState
from terraform import synthesize
from terraform.cdktf import add_to_stack
from terraform.world import World
from tests.terraform import multicloud_states as ms
from tests.terraform import states
from tests.terraform.cdk_compare import PARTS, Files, Json, synth_stacks
from tests.terraform.cdk_states import existing_ids, multicloud_state, sandbox_state
from tests.terraform.runner import needs_terraform, terraform

Case = tuple[DesiredState, World | None, dict[str, str]]


def _multicloud() -> Case:
    desired, world = multicloud_state()
    native = {ms.AZ_GROUP: "/subscriptions/x/nsg", ms.ALI_GROUP: "sg-ali", states.GROUP: "sg-1"}
    return desired, world, native


def _sandbox() -> Case:
    desired = sandbox_state()
    return desired, None, existing_ids(desired)


CASES: Mapping[str, Callable[[], Case]] = {"sandbox": _sandbox, "multicloud": _multicloud}


@pytest.fixture(scope="module", params=["cdktf", "cdktn"])
def synthesised(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Files, Json]]:
    """Per case: ``synthesize``'s files and the stack's cdk.tf.json. One app per library for
    every case: jsii's start-up is the slow part."""
    made = {name: make() for name, make in CASES.items()}

    def filler(desired: DesiredState, world: World | None, native: dict[str, str]) -> Any:
        return lambda stack: add_to_stack(stack, desired, world=world, native=native)

    out = tmp_path_factory.mktemp(request.param)
    stacks = synth_stacks(request.param, out, {n: filler(*case) for n, case in made.items()})
    return {
        name: (synthesize(desired, native, world=world), stacks[name])
        for name, (desired, world, native) in made.items()
    }


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("part", sorted(PARTS))
def test_the_stack_declares_what_synth_writes(
    synthesised: dict[str, tuple[Files, Json]], case: str, part: str
) -> None:
    files, cdk = synthesised[case]
    of_stack, of_files = PARTS[part]
    assert of_stack(cdk) == of_files(files)


def test_the_cases_cover_every_cloud_and_every_aws_routing_type(
    synthesised: dict[str, tuple[Files, Json]],
) -> None:
    """What the comparison above covers is what synth generates, not an empty subset."""
    types = {t for _, cdk in synthesised.values() for t in cdk["resource"]}
    assert {"aws_security_group", "aws_ec2_tag", "aws_route", "aws_ec2_transit_gateway_route",
            "azurerm_network_security_group", "alicloud_security_group"} <= types  # fmt: skip
    assert sum(len(named) for named in synthesised["sandbox"][1]["resource"].values()) > 100
    assert {"aws", "azurerm", "alicloud"} == set(synthesised["multicloud"][1]["provider"])


@needs_terraform
@pytest.mark.parametrize("synthesised", ["cdktf"], indirect=True)  # once: both libraries agree
def test_the_sandbox_stack_validates_against_the_real_aws_provider(
    synthesised: dict[str, tuple[Files, Json]], tmp_path: Path
) -> None:
    """cdk.tf.json as Terraform loads it: ``init`` and ``validate`` with hashicorp/aws 5.100.0
    (the stack's local backend is kept: it only names a state file beside the app)."""
    _, cdk = synthesised["sandbox"]
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "cdk.tf.json").write_text(json.dumps(cdk), encoding="utf-8")
    tf = terraform(tmp_path / "stack", tmp_path / "home")
    tf.init()
    assert "Success! The configuration is valid." in tf.run("validate").stdout
