"""The JSON Schema of the policy file, for editors and CI linters.

Generated from the pydantic models in by-alias mode, so it spells fields as files do
(``from``, not ``from_``). The schema checks shape only: references between sections,
overlaps and the other semantic checks need ``eastwest validate``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.model.policy import Policy

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version-1 policy file."""
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        **schema,
        "title": "eastwest policy (version 1)",
        "description": "One east-west policy: accounts, hubs, segments and the flows allowed "
        "between segments. Reference: docs/policy.md.",
    }
