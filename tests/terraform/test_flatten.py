"""``flatten``: synth's files as one root module, and what it refuses rather than drops; and
which CDK library the construct loads for a stack (no node needed here)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from terraform import check_references, synthesize
from terraform.cdktf import INSTALL, library
from terraform.flatten import flatten
from tests.terraform import multicloud_states as ms
from tests.terraform import states
from tests.terraform.cdk_states import multicloud_state

Files = dict[str, Any]


def _files() -> Files:
    desired, world = multicloud_state()
    native = {states.GROUP: "sg-1", ms.ALI_GROUP: "sg-ali"}
    return synthesize(desired, native, world=world)


def test_the_flat_module_resolves_every_reference_and_keeps_every_resource() -> None:
    files = _files()
    flat = flatten(files)
    assert check_references({"main.tf.json": flat}) == []
    modules = [files[f"{cloud}/main.tf.json"] for cloud in ("alibaba", "aws", "azure")]
    assert sum(len(n) for m in modules for n in m["resource"].values()) == sum(
        len(named) for named in flat["resource"].values()
    )
    assert (
        flat["resource"]["aws_vpc_security_group_ingress_rule"]
        == (files["aws/main.tf.json"]["resource"]["aws_vpc_security_group_ingress_rule"])
    )
    assert sorted(b["to"] for b in flat["import"]) == [
        "alicloud_security_group.fwgroup_web_vpc_web_f7148270",
        "aws_security_group.fwgroup_db_vpc_0db_27d3ba95",
    ]
    assert "module" not in flat


def _data_source(files: Files) -> None:
    files["aws/main.tf.json"]["data"] = {"aws_vpc": {"x": {"id": "vpc-1"}}}


def _root_local(files: Files) -> None:
    files["main.tf.json"]["locals"] = {"x": 1}


def _renamed_provider(files: Files) -> None:
    files["main.tf.json"]["module"]["aws"]["providers"] = {"aws.a": "aws.b"}


def _override_file(files: Files) -> None:
    files["aws_sandbox_override.tf.json"] = {"provider": {"aws": []}}


def _foreign_source(files: Files) -> None:
    files["main.tf.json"]["module"]["aws"]["source"] = "git::https://example.com/m"


def _same_name_twice(files: Files) -> None:
    files["main.tf.json"]["module"]["again"] = {"source": "./again"}
    files["again/main.tf.json"] = copy.deepcopy(files["aws/main.tf.json"])


def _unknown_module_output(files: Files) -> None:
    files["main.tf.json"]["output"]["x"] = {"value": "${module.aws.nothing}"}


def _import_outside_modules(files: Files) -> None:
    files["imports.tf.json"]["import"].append({"to": "aws_vpc.x", "id": "vpc-1"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(_data_source, "'data' block of aws/main.tf.json", id="data-source"),
        pytest.param(_root_local, "'locals' block of main.tf.json", id="local"),
        pytest.param(_renamed_provider, "renames its providers", id="renamed-provider"),
        pytest.param(_override_file, "aws_sandbox_override.tf.json", id="override-file"),
        pytest.param(_foreign_source, "not a generated directory", id="foreign-source"),
        pytest.param(_same_name_twice, "declared twice", id="same-name-twice"),
        pytest.param(_unknown_module_output, "not defined by module aws", id="module-output"),
        pytest.param(_import_outside_modules, "not into a generated module", id="import"),
    ],
)
def test_what_cannot_be_carried_is_refused(change: Callable[[Files], None], message: str) -> None:
    files = _files()
    flatten(files)  # the unchanged files flatten
    change(files)
    with pytest.raises(ValueError, match=message):
        flatten(files)


def _stack_of(*modules: str) -> object:
    """A stack whose class (and its bases) live in ``modules``, most derived first."""
    base: type = object
    for module in reversed(modules):
        base = type("Stack", (base,), {"__module__": module})
    return base()


def _fails(error: Exception) -> Callable[[str], ModuleType]:
    def load(name: str) -> ModuleType:
        raise error

    return load


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        pytest.param(("cdktf",), "cdktf", id="cdktf-stack"),
        pytest.param(("cdktn",), "cdktn", id="cdk-terrain-stack"),
        pytest.param(("main", "cdktn"), "cdktn", id="user-subclass"),
        pytest.param(("main",), "cdktf", id="neither"),
    ],
)
def test_the_library_is_the_stacks_own(modules: tuple[str, ...], expected: str) -> None:
    assert library(_stack_of(*modules), ModuleType).__name__ == expected


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(ModuleNotFoundError("cdktf"), INSTALL, id="not-installed"),
        pytest.param(FileNotFoundError("node"), "Node.js on PATH", id="no-node"),
    ],
)
def test_a_missing_library_or_node_says_what_to_install(error: Exception, message: str) -> None:
    with pytest.raises(ImportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        library(_stack_of("main"), _fails(error))
