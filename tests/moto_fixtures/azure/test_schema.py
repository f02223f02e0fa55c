"""The fake's property tables (moto_fixtures/azure/schema.py) against the published swagger as
shipped in moto_fixtures/azure/api: every property the fake accepts exists and is writable
there, every property the swagger requires is required by the fake, and every enum matches
value for value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest

from moto_fixtures.api_metadata import shipped
from moto_fixtures.azure import schema

TABLES: dict[str, Mapping[str, schema.Prop]] = {
    "SecurityRulePropertiesFormat": schema.SECURITY_RULE,
    "RoutePropertiesFormat": schema.ROUTE,
    "SubnetPropertiesFormat": schema.SUBNET,
    "VirtualNetworkPeeringPropertiesFormat": schema.PEERING,
    "NetworkInterfacePropertiesFormat": schema.NIC,
    "NetworkInterfaceIPConfigurationPropertiesFormat": schema.IP_CONFIGURATION,
    "ApplicationSecurityGroupPropertiesFormat": schema.ASG,
    "FrontendIPConfigurationPropertiesFormat": schema.FRONTEND,
    "BackendAddressPoolPropertiesFormat": schema.BACKEND_POOL,
    "LoadBalancerBackendAddressPropertiesFormat": schema.BACKEND_ADDRESS,
    "LoadBalancingRulePropertiesFormat": schema.LB_RULE,
    "ProbePropertiesFormat": schema.PROBE,
}


@cache
def definitions() -> dict[str, Any]:
    found: dict[str, Any] = {}
    files = [f for f in shipped("azure").iterdir() if f.name.endswith(".json")]
    for path in sorted(files, key=lambda f: f.name):
        found.update(json.loads(path.read_text(encoding="utf-8")).get("definitions", {}))
    return found


def enum_values(definition: str, prop: str) -> tuple[str, ...]:
    """A property's enum, inline (with x-ms-enum) or behind a $ref, as the swagger has both."""
    body = definitions()[definition]["properties"][prop]
    if "$ref" in body:
        body = definitions()[body["$ref"].rsplit("/", 1)[-1]]
    return tuple(body["enum"])


@pytest.mark.parametrize("definition", sorted(TABLES))
def test_every_accepted_property_is_writable_in_the_swagger(definition: str) -> None:
    properties = definitions()[definition]["properties"]
    for name in TABLES[definition]:
        assert name in properties, f"{definition}.{name} is not in the swagger"
        assert not properties[name].get("readOnly"), f"{definition}.{name} is readOnly"


@pytest.mark.parametrize("definition", sorted(TABLES))
def test_required_properties_agree(definition: str) -> None:
    required = set(definitions()[definition].get("required", []))
    fake = {name for name, prop in TABLES[definition].items() if prop.required}
    assert fake == required


@pytest.mark.parametrize(
    ("values", "definition", "prop"),
    [
        (schema.PROTOCOLS, "SecurityRulePropertiesFormat", "protocol"),
        (schema.ACCESS, "SecurityRulePropertiesFormat", "access"),
        (schema.DIRECTIONS, "SecurityRulePropertiesFormat", "direction"),
        (schema.NEXT_HOP_TYPES, "RoutePropertiesFormat", "nextHopType"),
        (
            schema.ALLOCATION,
            "NetworkInterfaceIPConfigurationPropertiesFormat",
            "privateIPAllocationMethod",
        ),
        (schema.TRANSPORT, "LoadBalancingRulePropertiesFormat", "protocol"),
        (schema.PROBE_PROTOCOLS, "ProbePropertiesFormat", "protocol"),
        (schema.ADMIN_STATES, "LoadBalancerBackendAddressPropertiesFormat", "adminState"),
    ],
    ids=[
        "protocol",
        "access",
        "direction",
        "nextHopType",
        "privateIPAllocationMethod",
        "lb-rule-protocol",
        "probe-protocol",
        "adminState",
    ],
)
def test_enums_match_the_swagger(values: tuple[str, ...], definition: str, prop: str) -> None:
    assert sorted(values) == sorted(enum_values(definition, prop))
