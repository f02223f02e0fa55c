"""The azurerm and alicloud modules: literal output for small states, determinism, the
reference check, import ids, and the re-implemented names held equal to the adapters'."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from orchestrator.state import (
    FirewallGroup,
    FlowRule,
    HubAssociation,
    NativeRef,
    NetworkRoute,
    ObservedScope,
)
from orchestrator.state.names import NAME_LIMIT, owned_table_name
from providers.alibaba import translate as ali_tr
from providers.alibaba import translate_routing as ali_trr
from providers.azure import priorities as az_prio
from providers.azure import translate as az_tr
from providers.azure import translate_routes as az_trr
from terraform import alibaba, azure, check_references, render, synthesize
from terraform import azure_names as az
from tests.terraform import multicloud_states as ms

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def test_the_azure_module_of_a_small_state_is_this_json() -> None:
    state, world = ms.azure_state()
    assert synthesize(state, world=world)["azure/main.tf.json"] == _golden("azure_small.json")


def test_an_azure_group_with_attach_none_is_associated_with_no_subnet() -> None:
    state, world = ms.azure_state()
    [desired] = state.scopes.values()
    group = desired.resources[ms.AZ_GROUP]
    assert isinstance(group, FirewallGroup)
    resources = {**desired.resources, group.key: replace(group, attach="none")}
    state = replace(state, scopes={desired.scope: replace(desired, resources=resources)})
    text = json.dumps(synthesize(state, world=world)["azure/main.tf.json"])
    assert "azurerm_network_security_group" in text
    assert "azurerm_subnet_network_security_group_association" not in text


def test_the_alibaba_module_of_a_small_state_is_this_json() -> None:
    files = synthesize(ms.alibaba_state())
    assert files["alibaba/main.tf.json"] == _golden("alibaba_small.json")


@pytest.mark.parametrize("cloud", ["azure", "alibaba"])
def test_same_state_same_bytes_and_references_resolve(cloud: str) -> None:
    def make() -> dict[str, str]:
        if cloud == "azure":
            state, world = ms.azure_state()
            files = synthesize(state, world=world)
        else:
            files = synthesize(ms.alibaba_state())
        assert check_references(files) == []
        return {path: render(doc) for path, doc in files.items()}

    assert make() == make()


def test_the_root_names_each_provider_by_its_local_name() -> None:
    state, world = ms.azure_state()
    root = synthesize(state, world=world)["main.tf.json"]
    assert root["terraform"]["required_providers"]["azurerm"]["source"] == "hashicorp/azurerm"
    assert root["provider"]["azurerm"][0]["subscription_id"] == ms.AZ.account
    root = synthesize(ms.alibaba_state())["main.tf.json"]
    assert root["terraform"]["required_providers"]["alicloud"]["source"] == "aliyun/alicloud"


def test_a_module_call_with_an_unknown_provider_fails_the_reference_check() -> None:
    files = synthesize(ms.alibaba_state())
    files["main.tf.json"]["module"]["alibaba"]["providers"] = {"alicloud.x": "alibaba.x"}
    problems = check_references(files)
    assert any("'alibaba.x' is not configured" in p for p in problems)
    assert any("declares no provider 'alicloud.x'" in p for p in problems)


# -- import ids from an observation ------------------------------------------------------------


def test_azure_import_ids_are_arm_ids_of_what_the_observation_shows() -> None:
    state, world = ms.azure_state()
    desired = state.scopes[ms.AZ]
    group = desired.resources[ms.AZ_GROUP]
    assert isinstance(group, FirewallGroup)
    # The deny-out rule is missing and snet-b lost its NSG: those two are created, not imported.
    told = "eastwest: segment web [deny rule eastwest-deny-vnet-out is missing; subnet snet-b is not associated]"  # noqa: E501
    seen = ObservedScope(
        ms.AZ,
        {
            ms.AZ_GROUP: FirewallGroup(ms.AZ_GROUP, ms.AZ, "web", "vnet-web", group.name, told),
            ms.AZ_IN: desired.resources[ms.AZ_IN],
            ms.AZ_DROP: desired.resources[ms.AZ_DROP],
            ms.AZ_WEB_TO_HUB: desired.resources[ms.AZ_WEB_TO_HUB],
        },
        {ms.AZ_GROUP: NativeRef("eastwest-p-web-vnet-web")},
    )
    world = type(world)(world.targets, world.inventory, {ms.AZ: {
        "vnet-web/snet-a": "rt-user", "vnet-web/snet-b": ms.AZ_OWNED}})  # fmt: skip
    base = f"/subscriptions/{ms.AZ.account}/resourceGroups/rg-net/providers/Microsoft.Network"
    nsg = f"{base}/networkSecurityGroups/eastwest-p-web-vnet-web"
    owned = f"{ms.AZ}/rtb/{ms.AZ_OWNED}"
    assert azure.import_ids("p", desired, seen, world) == {
        ms.AZ_GROUP: nsg,
        ms.AZ_IN: f"{nsg}/securityRules/eastwest-in-app-tcp-443",
        f"{ms.AZ_GROUP}/deny/ingress": f"{nsg}/securityRules/eastwest-deny-vnet-in",
        f"{ms.AZ_GROUP}/subnet/snet-a": f"{base}/virtualNetworks/vnet-web/subnets/snet-a",
        ms.AZ_DROP: f"{base}/routeTables/{ms.AZ_OWNED}/routes/eastwest-p-10.3.0.0_16",
        owned: f"{base}/routeTables/{ms.AZ_OWNED}",
        f"{owned}/subnet/vnet-web/snet-b": f"{base}/virtualNetworks/vnet-web/subnets/snet-b",
        # Only the observed direction is imported; the other is created.
        ms.AZ_WEB_TO_HUB: f"{base}/virtualNetworks/vnet-web/virtualNetworkPeerings/"
        "eastwest-p-vnet-hub",
    }


def test_alibaba_import_ids_follow_the_providers_id_formats() -> None:
    desired = ms.alibaba_state().scopes[ms.ALI]
    seen = ObservedScope(
        ms.ALI,
        dict(desired.resources),
        {
            ms.ALI_GROUP: NativeRef("sg-1"),
            ms.ALI_SET: NativeRef("pl-1"),
            ms.ALI_TABLE: NativeRef("vtb-1"),
            ms.ALI_IN: NativeRef("sgr-1"),
            ms.ALI_VPC_ROUTE: NativeRef("rte-1"),
        },
    )
    assert alibaba.import_ids("p", desired, seen) == {
        ms.ALI_SET: "pl-1",
        ms.ALI_GROUP: "sg-1",
        f"{ms.ALI_GROUP}/baseline": "sg-1:egress:all:-1/-1:intranet:0.0.0.0/0:drop:100",
        ms.ALI_IN: "sg-1:ingress:tcp:443/443:intranet:pl-1:accept:1",
        ms.ALI_OUT: "sg-1:egress:all:-1/-1:intranet:172.16.0.0/12:accept:1",
        ms.ALI_TABLE: "tr-hub:vtb-1",
        ms.ALI_ASSOC: "tr-attach-web:vtb-1",
        ms.ALI_PROP: "tr-attach-app:vtb-1",
    }


def test_an_association_with_another_table_is_not_imported() -> None:
    desired = ms.alibaba_state().scopes[ms.ALI]
    elsewhere = HubAssociation(ms.ALI_ASSOC, ms.ALI, "tr-attach-web", "vpc-web", "ref:vtb-sys")
    seen = ObservedScope(ms.ALI, {ms.ALI_ASSOC: elsewhere}, {ms.ALI_TABLE: NativeRef("vtb-1")})
    assert ms.ALI_ASSOC not in alibaba.import_ids("p", desired, seen)


# -- the re-implemented names are the adapters' -----------------------------------------------

RULES = [
    FlowRule("k1", ms.AZ, "g", "ingress", "tcp", 443, 443, "set:app", "eastwest:x"),
    FlowRule("k2", ms.AZ, "g", "egress", "udp", 53, 54, "cidr:10.0.0.0/8", ""),
    FlowRule("k3", ms.AZ, "g", "egress", "all", -1, -1, "set:" + "s" * 90, "d" * 200),
    FlowRule("k4", ms.AZ, "g", "ingress", "icmp", -1, -1, "set:db", ""),
]
GROUPS = [
    FirewallGroup("g1", ms.AZ, "web", "vnet-web", "eastwest-p-web", "eastwest: segment web"),
    FirewallGroup("g2", ms.AZ, "w" * 60, "vnet-" + "x" * 40, "eastwest-p-" + "w" * 60, "d" * 300),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.key)
def test_azure_rule_names_and_descriptions_are_the_adapters(rule: FlowRule) -> None:
    assert az.rule_name(rule) == az_tr.rule_name(rule)
    wire = az_tr.rule_properties(rule, ["10.0.0.0/8"], 100)
    assert az.rule_description(rule) == wire["description"]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.key)
def test_azure_nsg_names_and_tags_are_the_adapters(group: FirewallGroup) -> None:
    assert az.nsg_name(group) == az_tr.nsg_name(group)
    assert az.ownership_tags("p", group) == az_tr.ownership_tags("p", group)


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_azure_deny_rules_are_the_adapters(direction: Any) -> None:
    wire = az_tr.deny_properties(direction, az_prio.HIGHEST)
    assert (az.DENY_NAMES[direction], az.DENY_DESCRIPTION) == (
        az_tr.DENY_NAMES[direction], wire["description"])  # fmt: skip
    assert az.ARM_DIRECTION[direction] == wire["direction"]
    assert (az.HIGHEST, az.LOWEST, az.STEP) == (az_prio.HIGHEST, az_prio.LOWEST, az_prio.STEP)


CROWDED = set(range(100, 4000, 10))


@pytest.mark.parametrize(
    ("count", "taken"),
    [(1, set()), (12, {110, 4096}), (500, {100, 4096}), (3, CROWDED)],
    ids=["one", "gap", "grid-full", "crowded"],
)
def test_the_priority_allocator_is_the_adapters(count: int, taken: set[int]) -> None:
    names = [f"eastwest-in-s{i}-tcp-{i}" for i in range(count)]
    assert az.allocate(names, taken) == az_prio.allocate(names, taken)


def test_azure_route_and_table_names_and_tags_are_the_adapters() -> None:
    assert az.route_name("p", "10.2.0.0/16") == az_trr.route_name("p", "10.2.0.0/16")
    assert az.digest_tag("p") == az_trr.digest_tag("p")
    for segment, network in [("web", "vnet-web"), ("s" * 50, "v" * 50)]:
        name = owned_table_name("p", segment, network)  # one definition, in orchestrator/state
        assert len(name) <= NAME_LIMIT
        assert az.owned_table_tags("p", ms.AZ, name, network) == az_trr.owned_table_tags(
            "p", ms.AZ, name, network
        )


def test_alibaba_names_values_and_tags_are_the_adapters() -> None:
    assert alibaba.entry_name("p") == ali_trr.entry_name("p")
    assert alibaba.ownership_tags("p", "k", "s") == ali_tr.ownership_tags("p", "k", "s")
    assert (alibaba.TAG_RULES_DIGEST, alibaba.TAG_ROUTES_DIGEST) == (
        ali_tr.TAG_RULES_DIGEST, ali_trr.TAG_ROUTES_DIGEST)  # fmt: skip
    baseline = ali_tr.BASELINE
    assert (str(alibaba.BASELINE_PRIORITY), alibaba.BASELINE_DESCRIPTION) == (
        baseline["Priority"], baseline["Description"])  # fmt: skip
    assert str(alibaba.ACCEPT_PRIORITY) == ali_tr.ACCEPT_PRIORITY
    assert alibaba.BASELINE_MISSING == ali_tr.BASELINE_MISSING
    for target in ("eni-1", "tr-attach-1"):
        assert alibaba.hop_type(target) == ali_trr.hop_type(target)


@pytest.mark.parametrize("rule", RULES[:2] + RULES[3:], ids=lambda r: r.key)
def test_alibaba_rule_fields_are_the_adapters_lowered(rule: FlowRule) -> None:
    wire = ali_tr.permission(rule, "pl-1")
    assert alibaba.rule_fields(rule) == (wire["IpProtocol"].lower(), wire["PortRange"])


def test_a_vpc_route_to_something_else_is_refused() -> None:
    state = ms.alibaba_state()
    route = NetworkRoute(ms.ALI_VPC_ROUTE, ms.ALI, "vtb-web", "vpc-web", "10.2.0.0/16", "igw-1")
    scoped = state.scopes[ms.ALI]
    broken = type(scoped)(ms.ALI, {**scoped.resources, route.key: route})
    with pytest.raises(ValueError, match="not a next hop"):
        synthesize(type(state)("p", {ms.ALI: broken}, state.targets))
