from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.model import policy_json_schema

ROOT = Path(__file__).parents[3]
EXAMPLES = sorted((ROOT / "policies" / "examples").glob("*.yaml"))


def properties(schema: dict[str, Any]) -> dict[str, set[str]]:
    """Model title → its field names, for the policy and every nested definition."""
    models = {"Policy": schema, **schema["$defs"]}
    return {name: set(m.get("properties", {})) for name, m in models.items()}


def test_the_schema_spells_fields_as_files_do() -> None:
    schema = policy_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"from", "to", "ports"} <= properties(schema)["Rule"]
    assert "from_" not in json.dumps(schema)


def test_the_schema_is_json() -> None:
    assert json.loads(json.dumps(policy_json_schema())) == policy_json_schema()


@pytest.mark.parametrize(
    ("model", "required"),
    [
        pytest.param("Policy", {"version", "name", "accounts", "segments"}, id="policy"),
        pytest.param("Rule", {"name", "from", "to", "ports"}, id="rule"),
        pytest.param("AwsAccount", {"name", "cloud", "account_id", "regions"}, id="aws"),
        pytest.param("Member", {"account", "region"}, id="member"),
    ],
)
def test_required_fields(model: str, required: set[str]) -> None:
    schema = policy_json_schema()
    definition = schema if model == "Policy" else schema["$defs"][model]
    assert set(definition["required"]) == required


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_validate_against_the_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    instance = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(policy_json_schema()).validate(instance)


def test_the_schema_rejects_unknown_fields() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    instance = yaml.safe_load(EXAMPLES[0].read_text(encoding="utf-8"))
    instance["rules"][0]["from_"] = instance["rules"][0].pop("from")
    validator = jsonschema.Draft202012Validator(policy_json_schema())
    assert not validator.is_valid(instance)


def test_every_field_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "policy.md").read_text()))
    fields = set().union(*properties(policy_json_schema()).values())
    assert fields - documented == set()
