"""The published JSON Schemas of eastwest's JSON documents, shipped as package data.

In: a document name (``plan``, ``paths``). Out: its schema (draft 2020-12) as a dict, read
from ``<name>.schema.json`` beside this module. The policy's schema is generated from the
models instead (``orchestrator.model.policy_json_schema``). docs/schemas/ holds copies; a test
keeps them equal and validates real documents against them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

DOCUMENTS = ("plan", "paths")


def document_schema(name: str) -> dict[str, Any]:
    if name not in DOCUMENTS:
        raise ValueError(f"no schema for {name!r}; known: {', '.join(DOCUMENTS)}")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
