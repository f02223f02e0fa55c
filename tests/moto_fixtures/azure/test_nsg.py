from __future__ import annotations

import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import (
    ApplicationSecurityGroup,
    NetworkSecurityGroup,
    NetworkSecurityGroupPropertiesFormat,
    SecurityRule,
)

from tests.moto_fixtures.azure.conftest import RG


def _rule(priority: int = 100, direction: str = "Inbound", **extra: Any) -> SecurityRule:
    fields: dict[str, Any] = {
        "protocol": "Tcp",
        "access": "Allow",
        "direction": direction,
        "priority": priority,
        "source_address_prefix": "10.0.0.0/8",
        "source_port_range": "*",
        "destination_address_prefix": "*",
        "destination_port_range": "443",
    }
    fields.update(extra)
    return SecurityRule(**fields)


def _nsg(client: NetworkManagementClient, *rules: SecurityRule) -> str:
    name = f"nsg-{uuid.uuid4().hex[:8]}"
    group = NetworkSecurityGroup(
        location="eastus",
        properties=NetworkSecurityGroupPropertiesFormat(security_rules=list(rules)),
    )
    client.network_security_groups.begin_create_or_update(RG, name, group).result()
    return name


def test_create_nsg_with_rules_and_default_rules(client: NetworkManagementClient) -> None:
    name = _nsg(client, _rule(name="web", priority=100))
    nsg = client.network_security_groups.get(RG, name)
    assert nsg.provisioning_state == "Succeeded"
    assert [r.name for r in nsg.security_rules or []] == ["web"]
    assert {r.name for r in nsg.default_security_rules or []} == {
        "AllowVnetInBound",
        "AllowAzureLoadBalancerInBound",
        "DenyAllInBound",
        "AllowVnetOutBound",
        "AllowInternetOutBound",
        "DenyAllOutBound",
    }
    assert nsg.id
    assert nsg.id.endswith(f"/networkSecurityGroups/{name}")
    assert nsg.etag
    assert nsg.resource_guid


def test_rule_put_get_delete_as_child(client: NetworkManagementClient) -> None:
    name = _nsg(client)
    rule = client.security_rules.begin_create_or_update(RG, name, "r1", _rule(200)).result()
    assert rule.type == "Microsoft.Network/networkSecurityGroups/securityRules"
    assert client.security_rules.get(RG, name, "r1").priority == 200
    client.security_rules.begin_delete(RG, name, "r1").result()
    with pytest.raises(ResourceNotFoundError):
        client.security_rules.get(RG, name, "r1")


def test_duplicate_priority_is_security_rule_conflict(client: NetworkManagementClient) -> None:
    name = _nsg(
        client, _rule(name="a", priority=300), _rule(name="out", priority=310, direction="Outbound")
    )
    with pytest.raises(HttpResponseError) as caught:
        client.security_rules.begin_create_or_update(RG, name, "b", _rule(300)).result()
    assert caught.value.status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.code == "SecurityRuleConflict"
    assert "Rules cannot have the same Priority and Direction" in str(caught.value)
    # the same priority in the other direction is fine
    client.security_rules.begin_create_or_update(RG, name, "c", _rule(310)).result()


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        pytest.param(_rule(99), "SecurityRuleInvalidPriority", id="priority-99"),
        pytest.param(_rule(4097), "SecurityRuleInvalidPriority", id="priority-4097"),
        pytest.param(_rule(access="Allowed"), "InvalidRequestFormat", id="bad-enum"),
        pytest.param(_rule(protocol=None), "InvalidRequestFormat", id="missing-protocol"),
    ],
)
def test_swagger_validation(client: NetworkManagementClient, rule: SecurityRule, code: str) -> None:
    name = _nsg(client)
    with pytest.raises(HttpResponseError) as caught:
        client.security_rules.begin_create_or_update(RG, name, "bad", rule).result()
    assert caught.value.status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.code == code


def test_enum_case_is_normalised(client: NetworkManagementClient) -> None:
    name = _nsg(client)
    rule = client.security_rules.begin_create_or_update(
        RG, name, "r", _rule(protocol="tcp")
    ).result()
    assert rule.protocol == "Tcp"


def test_missing_nsg_is_resource_not_found(client: NetworkManagementClient) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        client.network_security_groups.get(RG, "nope")
    assert caught.value.error is not None
    assert caught.value.error.code == "ResourceNotFound"


def test_list_follows_next_link(client: NetworkManagementClient) -> None:
    name = _nsg(client, *(_rule(name=f"r{i}", priority=100 + i) for i in range(8)))
    assert [r.name for r in client.security_rules.list(RG, name)] == [f"r{i}" for i in range(8)]
    assert len(list(client.network_security_groups.list(RG))) >= 1


@pytest.mark.parametrize(
    ("count", "refused"),
    [pytest.param(10, False, id="ten-accepted"), pytest.param(11, True, id="eleven-refused")],
)
@pytest.mark.parametrize("side", ["source", "destination"])
def test_a_rule_names_at_most_ten_asgs_per_side(
    client: NetworkManagementClient, count: int, refused: bool, side: str
) -> None:
    asgs = [
        client.application_security_groups.begin_create_or_update(
            RG, f"asg-{side}-{i}", ApplicationSecurityGroup(location="eastus")
        ).result()
        for i in range(count)
    ]
    sides: dict[str, Any] = {
        f"{side}_address_prefix": None,
        f"{side}_application_security_groups": asgs,
    }
    rule = _rule(**sides)
    name = _nsg(client)
    if not refused:
        client.security_rules.begin_create_or_update(RG, name, "r", rule).result()
        return
    with pytest.raises(HttpResponseError) as caught:
        client.security_rules.begin_create_or_update(RG, name, "r", rule).result()
    assert caught.value.error is not None
    code = "NumberOfApplicationSecurityGroupsReferencedInSecurityRuleLimitReached"
    assert caught.value.error.code == code
    with pytest.raises(ResourceNotFoundError):
        client.security_rules.get(RG, name, "r")
