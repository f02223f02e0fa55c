"""ARM payloads → neutral resources, on literal JSON as ARM answers it."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import HttpRequest, HttpResponse

from orchestrator.errors import PermanentError, TemporaryError
from orchestrator.state import FirewallGroup, FlowRule, ObservedScope, Scope
from providers.azure import translate as tr
from providers.azure import translate_nsg as trn
from providers.azure.errors import translate
from providers.azure.reader import observe_nsgs

SCOPE = Scope("azure", "00000000-0000-0000-0000-000000000001", "eastus")
GROUP = f"{SCOPE}/fwgroup/app@vnet-app"
NSG_ID = (
    "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/n"
)


def _rule(name: str, **props: Any) -> dict[str, Any]:
    base = {"protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 100,
            "sourcePortRange": "*", "destinationPortRange": "443",
            "sourceAddressPrefixes": ["172.16.0.0/12"], "destinationAddressPrefix": "*",
            "description": "set:onprem eastwest:onprem-to-app", "provisioningState": "Succeeded",
            "sourcePortRanges": [], "destinationPortRanges": [],
            "destinationAddressPrefixes": []}  # fmt: skip
    base.update(props)
    return {"name": name, "id": f"{NSG_ID}/securityRules/{name}", "properties": base}


def _deny(direction: str, priority: int = 4096) -> dict[str, Any]:
    name = "eastwest-deny-vnet-in" if direction == "Inbound" else "eastwest-deny-vnet-out"
    props = tr.deny_properties("ingress" if direction == "Inbound" else "egress", priority)
    return {"name": name, "properties": {**props, "provisioningState": "Succeeded"}}


def _nsg(*rules: dict[str, Any], subnets: tuple[str, ...] = ()) -> dict[str, Any]:
    tags = {"eastwest:managed": "true", "eastwest:policy": "acme", "eastwest:key": GROUP,
            "eastwest:segment": "app", "eastwest:name": "eastwest-acme-app",
            "eastwest:description": "eastwest: segment app of policy acme"}  # fmt: skip
    properties: dict[str, Any] = {"securityRules": list(rules)}
    if subnets:
        properties["subnets"] = [
            {"id": f"/x/virtualNetworks/vnet-app/subnets/{s}"} for s in subnets
        ]
    return {"name": "eastwest-acme-app-vnet-app", "id": NSG_ID, "location": "eastus",
            "tags": tags, "properties": properties}  # fmt: skip


WELL_FORMED = _rule("eastwest-in-onprem-tcp-443")


@pytest.mark.parametrize(
    ("rule", "peer", "key_peer"),
    [
        pytest.param(WELL_FORMED, "set:onprem", "set:onprem", id="eastwest-rule"),
        pytest.param(
            _rule("eastwest-in-onprem-tcp-443", destinationPortRange="22"),
            "cidr:172.16.0.0/12",
            "ref:eastwest-in-onprem-tcp-443",
            id="port-edited",
        ),
        pytest.param(
            _rule("eastwest-in-onprem-tcp-443", access="Deny"),
            "cidr:172.16.0.0/12",
            "ref:eastwest-in-onprem-tcp-443",
            id="access-edited",
        ),
        pytest.param(
            _rule("allow-ssh", description=""), "cidr:172.16.0.0/12", "ref:allow-ssh",
            id="hand-made",
        ),
        pytest.param(
            _rule("eastwest-in-onprem-tcp-443", sourceAddressPrefixes=["0.0.0.0/0"]),
            "cidr:0.0.0.0/0",
            "ref:eastwest-in-onprem-tcp-443",
            id="prefix-edited",
        ),
        pytest.param(
            _rule("allow-3389-from-anywhere", sourceAddressPrefixes=[],
                  sourceAddressPrefix="Internet", description=""),
            "ref:Internet",
            "ref:allow-3389-from-anywhere",
            id="service-tag",
        ),
        pytest.param(
            _rule("allow-all", sourceAddressPrefixes=[], sourceAddressPrefix="*"),
            "ref:Any",
            "ref:allow-all",
            id="any-source",
        ),
        pytest.param(
            _rule("from-asgs", sourceAddressPrefixes=[], sourceApplicationSecurityGroups=[
                {"id": "/x/applicationSecurityGroups/asg-b"},
                {"id": "/x/applicationSecurityGroups/asg-a"}]),
            "ref:asg-a,asg-b",
            "ref:from-asgs",
            id="asg-source",
        ),
        pytest.param(
            _rule("to-two", direction="Outbound", sourceAddressPrefixes=[],
                  sourceAddressPrefix="*", destinationAddressPrefix="",
                  destinationAddressPrefixes=["10.9.0.0/16", "10.8.0.0/16"]),
            "cidr:10.8.0.0/16,10.9.0.0/16",
            "ref:to-two",
            id="egress-prefixes",
        ),
    ],
)  # fmt: skip
def test_rules_read_back_with_their_source_as_peer_and_their_name_in_the_key(
    rule: dict[str, Any], peer: str, key_peer: str
) -> None:
    view = trn.read_nsg(SCOPE, _nsg(rule, _deny("Inbound"), _deny("Outbound")),
                       {"onprem": ("172.16.0.0/12",)})  # fmt: skip
    assert [n.rule.peer for n in view.rules] == [peer]
    assert [n.rule.key.rsplit("/", 1)[1] for n in view.rules] == [key_peer]
    assert view.problems == ()


def test_hand_made_rules_alike_but_for_their_names_keep_apart() -> None:
    """Rule names are unique per NSG: the keys carry them, so two rules letting the same
    source in on the same port never collapse into one key (one of them would never go)."""
    first = _rule("allow-rdp", destinationPortRange="3389", priority=200)
    second = _rule("allow-rdp-too", destinationPortRange="3389", priority=210)
    view = trn.read_nsg(SCOPE, _nsg(first, second, _deny("Inbound"), _deny("Outbound")), {})
    assert [n.rule.peer for n in view.rules] == ["cidr:172.16.0.0/12"] * 2
    assert len({n.rule.key for n in view.rules}) == 2


def test_what_eastwest_writes_reads_back_with_the_same_key() -> None:
    rule = FlowRule(f"{GROUP}/egress/tcp:5432/set:db", SCOPE, GROUP, "egress", "tcp", 5432, 5432,
                    "set:db", "eastwest:app-to-db")  # fmt: skip
    native = {"name": tr.rule_name(rule),
              "properties": tr.rule_properties(rule, ["10.3.2.0/24"], 110)}  # fmt: skip
    view = trn.read_nsg(SCOPE, _nsg(native), {"db": ("10.3.2.0/24",)})
    assert [n.rule for n in view.rules] == [rule]
    assert [n.rule.key for n in view.rules] == [rule.key]


def test_deny_rules_are_part_of_the_group() -> None:
    view = trn.read_nsg(SCOPE, _nsg(WELL_FORMED, _deny("Outbound")), {"onprem": ("172.16.0.0/12",)})
    assert view.problems == ("deny rule eastwest-deny-vnet-in is missing",)
    above = trn.read_nsg(SCOPE, _nsg(WELL_FORMED, _deny("Inbound", 99), _deny("Outbound")),
                        {"onprem": ("172.16.0.0/12",)})  # fmt: skip
    assert above.problems == ("deny rule eastwest-deny-vnet-in is above an allow",)


def test_consensus_outvotes_one_edited_rule() -> None:
    odd = _rule("eastwest-out-onprem-tcp-443", direction="Outbound",
                destinationAddressPrefixes=["0.0.0.0/0"])  # fmt: skip
    third = _rule("eastwest-in-onprem-tcp-8443", destinationPortRange="8443")
    assert trn.consensus([_nsg(WELL_FORMED, odd, third)]) == {"onprem": ("172.16.0.0/12",)}


def _description(observed: ObservedScope) -> str:
    group = observed.resources[GROUP]
    assert isinstance(group, FirewallGroup)
    return group.description


def test_observation_reports_unassociated_member_subnets() -> None:
    vnet: dict[str, Any] = {"name": "vnet-app", "properties": {"subnets": [
        {"name": "snet-app-2", "id": "/x/virtualNetworks/vnet-app/subnets/snet-app-2",
         "properties": {"addressPrefix": "10.2.2.0/24"}},
        {"name": "snet-other", "id": "/x/virtualNetworks/vnet-app/subnets/snet-other",
         "properties": {"addressPrefix": "10.2.9.0/24"}}]}}  # fmt: skip
    app = _rule("eastwest-in-app-any", protocol="*", destinationPortRange="*",
                sourceAddressPrefixes=["10.2.2.0/24"], description="set:app")  # fmt: skip
    nsg = _nsg(app, _deny("Inbound"), _deny("Outbound"))
    observed = observe_nsgs(SCOPE, "acme", [nsg], {"vnet-app": vnet})
    assert "[subnet snet-app-2 is not associated]" in _description(observed)
    associated = _nsg(app, _deny("Inbound"), _deny("Outbound"), subnets=("snet-app-2",))
    vnet["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {"id": NSG_ID}
    clean = observe_nsgs(SCOPE, "acme", [associated], {"vnet-app": vnet})
    assert _description(clean) == "eastwest: segment app of policy acme"
    assert clean.applied == {}


def test_a_member_holding_someone_elses_nsg_is_no_repairable_problem() -> None:
    """Apply never takes such a subnet over: as a "problem" in the description, the group would
    show as changed (``~``, no attribute differing) in every plan and never converge."""
    vnet = {"name": "vnet-app", "properties": {"subnets": [
        {"name": "snet-app", "id": "/x/virtualNetworks/vnet-app/subnets/snet-app",
         "properties": {"addressPrefix": "10.2.1.0/24",
                        "networkSecurityGroup": {"id": "/x/networkSecurityGroups/nsg-app"}}},
        {"name": "snet-app-2", "id": "/x/virtualNetworks/vnet-app/subnets/snet-app-2",
         "properties": {"addressPrefix": "10.2.2.0/24",
                        "networkSecurityGroup": {"id": NSG_ID}}}]}}  # fmt: skip
    app = _rule("eastwest-in-app-any", protocol="*", destinationPortRange="*",
                sourceAddressPrefixes=["10.2.0.0/16"], description="set:app")  # fmt: skip
    nsg = _nsg(app, _deny("Inbound"), _deny("Outbound"), subnets=("snet-app-2",))
    observed = observe_nsgs(SCOPE, "acme", [nsg], {"vnet-app": vnet})
    assert _description(observed) == "eastwest: segment app of policy acme"


def test_ownership_needs_policy_key_and_region() -> None:
    assert tr.is_owned(_nsg(), "acme", SCOPE)
    assert not tr.is_owned(_nsg(), "other", SCOPE)
    assert not tr.is_owned({**_nsg(), "location": "westus"}, "acme", SCOPE)
    assert not tr.is_owned({**_nsg(), "tags": {}}, "acme", SCOPE)


def test_long_names_stay_within_arm_limits() -> None:
    rule = FlowRule("k", SCOPE, GROUP, "ingress", "tcp", 10000, 20000, "set:" + "s" * 63)
    name = tr.rule_name(rule)
    assert len(name) <= 80
    assert name == tr.rule_name(rule)


def _http_error(status: int, body: bytes, headers: dict[str, str]) -> HttpResponseError:
    request = HttpRequest("PUT", "https://management.azure.com/x")

    class _Response(HttpResponse):
        def body(self) -> bytes:
            return body

    response = _Response(request, None)
    response.status_code = status
    response.headers = headers
    response.reason = "x"
    response.content_type = "application/json"
    return HttpResponseError(response=response)


def test_errors_are_translated_without_credentials() -> None:
    busy = _http_error(
        429,
        b'{"error": {"code": "RetryableError", "message": "A retryable error occurred.", '
        b'"details": [{"code": "RetryableErrorDueToAnotherOperation", "message": "m"}]}}',
        {"Retry-After": "7", "Authorization": "Bearer secret-token"},
    )
    error = translate(busy, "azure subscription s eastus rg-net: fwgroup/app@vnet-app")
    assert isinstance(error, TemporaryError)
    assert error.delay == 7.0
    assert "fwgroup/app@vnet-app" in str(error)
    assert "secret-token" not in str(error)
    conflict = _http_error(
        400, b'{"error": {"code": "SecurityRuleConflict", "message": "Rules cannot..."}}', {}
    )
    assert isinstance(translate(conflict, "where"), PermanentError)
    assert "SecurityRuleConflict" in str(translate(conflict, "where"))
