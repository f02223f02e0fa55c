"""The JSON Schema of the policy file, for editors and CI linters.

Generated from the pydantic models in by-alias mode, so it spells fields as files do
(``from``, not ``from_``), then given what the models check in code: port specs, CIDRs
(host bits included, for IPv4), resource id shapes, "exactly one of vpc, vnet or tags", a
segment that is not empty, no repeated port or subnet. What stays for ``eastwest validate``
is what a JSON Schema cannot say: references between sections (an unknown account or
segment, a hub's region its account does not list), names unique across a list, overlaps,
a rule from a segment to itself, a selector the account's cloud does not have (docs/policy.md,
"Editors").
"""

from __future__ import annotations

import copy
from typing import Any

from orchestrator.model.policy import Policy
from orchestrator.model.schema_patterns import (
    CIDR_PATTERN,
    NETWORK_NAME_PATTERN,
    NEXT_HOP_PATTERN,
    PORT_PATTERN,
    REVERSED_RANGE_PATTERN,
    SUBNET_PATTERN,
    VPC_ID_PATTERN,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:eastwest:schema:policy:1"

Schema = dict[str, Any]

_PORT: Schema = {
    "type": "string",
    "pattern": PORT_PATTERN,
    "not": {"pattern": REVERSED_RANGE_PATTERN},
    "description": "'tcp/443', 'udp/53', 'tcp/8000-8100' (ports 1 to 65535, low to high), "
    "'icmp' or 'any'",
    "examples": ["tcp/443", "udp/53", "tcp/8000-8100", "icmp", "any"],
}
_CIDR: Schema = {
    "type": "string",
    "pattern": CIDR_PATTERN,
    "description": "an IPv4 or IPv6 network in CIDR form with no host bits set, e.g. "
    "'10.0.0.0/16' (a bare address is a /32)",
}


def _string(pattern: str, description: str) -> Schema:
    return {"type": "string", "pattern": pattern, "description": description}


def _not_null(field: str) -> Schema:
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


def _non_empty(field: str) -> Schema:
    return {"required": [field], "properties": {field: {"minItems": 1}}}


def _member(member: Schema) -> None:
    props = member["properties"]
    props["vpc"]["anyOf"][0] = _string(VPC_ID_PATTERN, "a VPC id: vpc-… (AWS, Alibaba)")
    props["vnet"]["anyOf"][0] = _string(NETWORK_NAME_PATTERN, "an Azure VNet name")
    subnets = props["subnets"]["anyOf"][0]
    subnets["items"] = _string(SUBNET_PATTERN, "subnet-… (AWS), vsw-… (Alibaba), a name (Azure)")
    subnets["uniqueItems"] = True
    tags_only = {**_not_null("tags"), "not": _not_null("subnets")}
    member["oneOf"] = [_not_null("vpc"), _not_null("vnet"), tags_only]


def _hub(defs: Schema) -> None:
    defs["Hub"]["properties"]["transit"]["pattern"] = NETWORK_NAME_PATTERN
    defs["Inspection"]["properties"]["vpc"]["pattern"] = NETWORK_NAME_PATTERN
    defs["Firewall"]["properties"]["next_hop"]["pattern"] = NEXT_HOP_PATTERN


def _refine(schema: Schema) -> Schema:
    defs = schema["$defs"]
    defs["Cidr"] = _CIDR
    defs["PortSpec"] = _PORT
    _member(defs["Member"])
    _hub(defs)
    segment = defs["Segment"]
    segment["properties"]["cidrs"]["items"] = {"$ref": "#/$defs/Cidr"}
    segment["anyOf"] = [_non_empty("members"), _non_empty("cidrs")]
    ports = defs["Rule"]["properties"]["ports"]
    ports["items"] = {"$ref": "#/$defs/PortSpec"}
    ports["uniqueItems"] = True
    return schema


def policy_json_schema() -> Schema:
    """The JSON Schema (draft 2020-12) of a version-1 policy file."""
    generated = Policy.model_json_schema(by_alias=True, mode="validation")
    schema = _refine(copy.deepcopy(generated))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": "eastwest policy (version 1)",
        "description": "One east-west policy: accounts, hubs, segments and the flows allowed "
        "between segments. Reference: docs/policy.md. References between sections, unique "
        "names and overlaps are checked by `eastwest validate`.",
    }
