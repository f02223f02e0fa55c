"""The reference checker: silent on what synth makes, precise on what is broken."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from terraform import check_references, synthesize
from tests.terraform.states import GROUP, routing_state, small_state

SG = "aws_security_group.fwgroup_db_vpc_0db_27d3ba95"


def _files() -> dict[str, Any]:
    return copy.deepcopy(synthesize(small_state(), {GROUP: "sg-1"}))


def test_synthesized_files_have_no_problems() -> None:
    assert check_references(_files()) == []
    assert check_references(synthesize(routing_state())) == []


def _drop_prefix_list(files: dict[str, Any]) -> None:
    del files["aws/main.tf.json"]["resource"]["aws_ec2_managed_prefix_list"]


def _drop_module_output(files: dict[str, Any]) -> None:
    del files["aws/main.tf.json"]["output"]["prefix_list_ids"]


def _unknown_variable(files: dict[str, Any]) -> None:
    files["aws/main.tf.json"]["resource"]["aws_security_group"][SG.split(".")[1]]["vpc_id"] = (
        "${var.vpc}"
    )


def _import_to_nothing(files: dict[str, Any]) -> None:
    files["imports.tf.json"]["import"][0]["to"] = "module.aws.aws_security_group.gone"


def _unconfigured_provider(files: dict[str, Any]) -> None:
    del files["aws/main.tf.json"]["terraform"]["required_providers"]["aws"]["configuration_aliases"]


def _module_without_files(files: dict[str, Any]) -> None:
    files["main.tf.json"]["module"]["aws"]["source"] = "./azure"


def _depends_on_nothing(files: dict[str, Any]) -> None:
    files["aws/main.tf.json"]["resource"]["aws_security_group"][SG.split(".")[1]]["depends_on"] = [
        "aws_ec2_tag.gone"
    ]


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (_drop_prefix_list, "reference 'aws_ec2_managed_prefix_list.addrset_web_19930ba8.id'"),
        (_drop_module_output, "reference 'module.aws.prefix_list_ids'"),
        (_unknown_variable, "reference 'var.vpc'"),
        (_import_to_nothing, "import to 'module.aws.aws_security_group.gone'"),
        (_unconfigured_provider, "provider 'aws.acct_111111111111_us_east_1' is not configured"),
        (_module_without_files, "source directory 'azure' has no files"),
        (_depends_on_nothing, "depends_on 'aws_ec2_tag.gone' resolves to nothing"),
    ],
    ids=["resource", "module-output", "variable", "import", "provider", "module-source", "depends"],
)
def test_broken_references_are_named(breaks: Any, expected: str) -> None:
    files = _files()
    breaks(files)
    problems = check_references(files)
    assert problems
    assert any(expected in p for p in problems), problems


def test_builtins_and_a_defined_variable_resolve() -> None:
    files = {
        "m/main.tf.json": {
            "variable": {"x": {}},
            "output": {"o": {"value": "${var.x} ${path.module}"}},
        }
    }
    assert check_references(files) == []
