"""The CDKTF construct declares what ``eastwest synth`` writes: synthesised with the real cdktf
(and cdktn, CDK Terrain) through jsii and node, ``cdk.tf.json`` is compared, block by block,
with the files ``synthesize`` makes from the same desired state: the sandbox policy (AWS, with
transit routing and inspection) and the small Azure + Alibaba + AWS states, with import blocks.

The expected side is read straight from the synthesized files (each cloud module's resources,
the root's providers and requirements, each re-exported module output, each import block with
its ``module.<cloud>.`` prefix dropped), not through ``terraform.flatten``. cdktf's own
additions are removed before comparing: ``//`` metadata (top level and in each resource) and
``terraform.backend``. Names are not mapped: every resource keeps its synthesized name.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
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
from tests.terraform.cdk_states import existing_ids, multicloud_state, sandbox_state
from tests.terraform.runner import needs_terraform, terraform

Json = dict[str, Any]
Files = Mapping[str, Json]
Case = tuple[DesiredState, World | None, dict[str, str]]


def _library(name: str) -> Any:
    """The library, or a skip naming what is missing (node: jsii runs the library in it)."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: cdktf runs its JavaScript core in Node.js via jsii")
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.skip(f"{name} is not installed (pip install 'eastwest[cdktf]'; dev installs both)")


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
) -> dict[str, tuple[Files, Json, Path]]:
    """Per case: ``synthesize``'s files, the stack's cdk.tf.json, and its directory. One app
    per library for every case: jsii's start-up is the slow part."""
    with pytest.MonkeyPatch.context() as env:
        # jsii prints a banner per process on Node 20 (past its end of life for jsii).
        env.setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        lib = _library(request.param)
        out = tmp_path_factory.mktemp(request.param)
        app = lib.App(outdir=str(out))
        made = {name: make() for name, make in CASES.items()}
        for name, (desired, world, native) in made.items():
            add_to_stack(lib.TerraformStack(app, name), desired, world=world, native=native)
        app.synth()
    return {
        name: (
            synthesize(desired, native, world=world),
            json.loads((out / "stacks" / name / "cdk.tf.json").read_text(encoding="utf-8")),
            out / "stacks" / name,
        )
        for name, (desired, world, native) in made.items()
    }


# -- the expected side, read from the synthesized files --------------------------------------


def _modules(files: Files) -> dict[str, Json]:
    return {name: files[f"{name}/main.tf.json"] for name in files["main.tf.json"]["module"]}


def _expected_resources(files: Files) -> Json:
    merged: Json = {}
    for module in _modules(files).values():
        for rtype, named in module.get("resource", {}).items():
            merged.setdefault(rtype, {}).update(named)
    return merged


def _expected_outputs(files: Files) -> Json:
    """``<cloud>_<output>`` = ``${module.<cloud>.<output>}`` in the root: the module's value."""
    modules = _modules(files)
    expected = {}
    for name, body in files["main.tf.json"]["output"].items():
        module, output = body["value"].removeprefix("${module.").removesuffix("}").split(".")
        expected[name] = {"value": modules[module]["output"][output]["value"]}
    return expected


def _expected_imports(files: Files) -> list[Json]:
    blocks = files.get("imports.tf.json", {}).get("import", [])
    return sorted(
        ({"id": b["id"], "to": b["to"].split(".", 2)[2]} for b in blocks), key=lambda b: b["to"]
    )


# -- the stack's side, without cdktf's own metadata -------------------------------------------


def _stack_resources(cdk: Json) -> Json:
    return {
        rtype: {name: {k: v for k, v in body.items() if k != "//"} for name, body in named.items()}
        for rtype, named in cdk.get("resource", {}).items()
    }


def _stack_terraform(cdk: Json) -> Json:
    return {k: v for k, v in cdk["terraform"].items() if k != "backend"}


PARTS: Mapping[str, tuple[Callable[[Json], Any], Callable[[Files], Any]]] = {
    "resources": (_stack_resources, _expected_resources),
    "providers": (lambda cdk: cdk["provider"], lambda files: files["main.tf.json"]["provider"]),
    "requirements": (_stack_terraform, lambda files: files["main.tf.json"]["terraform"]),
    "outputs": (lambda cdk: cdk["output"], _expected_outputs),
    "imports": (lambda cdk: sorted(cdk["import"], key=lambda b: b["to"]), _expected_imports),
    "nothing else": (
        lambda cdk: sorted(set(cdk) - {"//"}),
        lambda files: ["import", "output", "provider", "resource", "terraform"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("part", sorted(PARTS))
def test_the_stack_declares_what_synth_writes(
    synthesised: dict[str, tuple[Files, Json, Path]], case: str, part: str
) -> None:
    files, cdk, _ = synthesised[case]
    of_stack, of_files = PARTS[part]
    assert of_stack(cdk) == of_files(files)


def test_the_cases_cover_every_cloud_and_every_aws_routing_type(
    synthesised: dict[str, tuple[Files, Json, Path]],
) -> None:
    """What the comparison above covers is what synth generates, not an empty subset."""
    types = {t for _, cdk, _ in synthesised.values() for t in cdk["resource"]}
    assert {"aws_security_group", "aws_ec2_tag", "aws_route", "aws_ec2_transit_gateway_route",
            "azurerm_network_security_group", "alicloud_security_group"} <= types  # fmt: skip
    assert sum(len(named) for named in synthesised["sandbox"][1]["resource"].values()) > 100
    assert {"aws", "azurerm", "alicloud"} == set(synthesised["multicloud"][1]["provider"])


@needs_terraform
def test_the_sandbox_stack_validates_against_the_real_aws_provider(
    synthesised: dict[str, tuple[Files, Json, Path]], tmp_path: Path
) -> None:
    """cdk.tf.json as Terraform loads it: ``init`` and ``validate`` with hashicorp/aws 5.100.0
    (the stack's local backend is kept: it only names a state file beside the app)."""
    _, cdk, _ = synthesised["sandbox"]
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "cdk.tf.json").write_text(json.dumps(cdk), encoding="utf-8")
    tf = terraform(tmp_path / "stack", tmp_path / "home")
    tf.init()
    assert "Success! The configuration is valid." in tf.run("validate").stdout
    assert os.listdir(tmp_path / "stack")  # init wrote its lock file beside it
