"""Transit routing in the AWS module: each resource as literal JSON, the route tables' ownership
records as the adapter writes them, import ids from an observation, and appliance mode named
rather than generated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.diagnostics import Severity
from orchestrator.state import (
    DesiredScope,
    DesiredState,
    HubAssociation,
    HubRoute,
    NativeRef,
    NetworkRoute,
    ObservedScope,
    Resource,
)
from orchestrator.state.routes import route_owner, routes_digest
from providers.aws import route_records, transit_read
from terraform import aws, aws_routes, caveats, check_references, synthesize
from tests.terraform.states import (
    APPLIANCE,
    ASSOCIATION,
    BLACKHOLE,
    FIREWALL_TABLE,
    HUB,
    INSPECTION_TABLE,
    PROPAGATION,
    SCOPE,
    SPOKE_TABLE,
    TO_ENDPOINT,
    TO_ENI,
    TO_HUB,
    TO_INSPECTION,
    WEB_ATTACH,
    WEB_TABLE,
    routing_resources,
    routing_state,
)

ALIAS = "aws.acct_111111111111_us_east_1"
WEB = "aws_ec2_transit_gateway_route_table.hubtable_use1_segment_web_99429b34"
INSPECTION = "aws_ec2_transit_gateway_route_table.hubtable_use1_inspection_b83a988d"
FW_RECORD = "aws_ec2_tag.rtb_rtb_0fw_eastwest_routes_p_2029c710"
SPOKE_RECORD = "aws_ec2_tag.rtb_rtb_0spoke_eastwest_routes_p_4622f613"


def _table_tags(key: str, segment: str, name: str) -> dict[str, str]:
    return {
        "eastwest:managed": "true",
        "eastwest:policy": "p",
        "eastwest:key": key,
        "eastwest:segment": segment,
        "Name": name,
    }


EXPECTED: dict[str, dict[str, Any]] = {
    WEB: {
        "transit_gateway_id": "tgw-0hub",
        "tags": _table_tags(WEB_TABLE, "web", "eastwest-p-web"),
        "lifecycle": {"ignore_changes": ['tags["eastwest:routes-digest"]']},
    },
    INSPECTION: {
        "transit_gateway_id": "tgw-0hub",
        "tags": _table_tags(INSPECTION_TABLE, "", "eastwest-p-inspection"),
        "lifecycle": {"ignore_changes": ['tags["eastwest:routes-digest"]']},
    },
    "aws_ec2_transit_gateway_route_table_association.hubassoc_tgw_attach_0web_0903e40f": {
        "transit_gateway_attachment_id": "tgw-attach-0web",
        "transit_gateway_route_table_id": f"${{{WEB}.id}}",
        "replace_existing_association": True,
        "lifecycle": {"ignore_changes": ["replace_existing_association"]},
    },
    "aws_ec2_transit_gateway_route_table_propagation."
    "hubtable_use1_inspection_propagation_tgw_attach_0web_00a50d49": {
        "transit_gateway_attachment_id": "tgw-attach-0web",
        "transit_gateway_route_table_id": f"${{{INSPECTION}.id}}",
    },
    "aws_ec2_transit_gateway_route.hubtable_use1_segment_web_route_10_20_0_0_15_424e684f": {
        "transit_gateway_route_table_id": f"${{{WEB}.id}}",
        "destination_cidr_block": "10.20.0.0/15",
        "transit_gateway_attachment_id": "tgw-attach-0insp",
    },
    "aws_ec2_transit_gateway_route.hubtable_use1_segment_web_route_10_99_0_0_16_5d1df7b4": {
        "transit_gateway_route_table_id": f"${{{WEB}.id}}",
        "destination_cidr_block": "10.99.0.0/16",
        "blackhole": True,
    },
    "aws_route.rtb_rtb_0spoke_10_20_0_0_15_0569d903": {
        "route_table_id": SPOKE_TABLE,
        "destination_cidr_block": "10.20.0.0/15",
        "transit_gateway_id": "tgw-0hub",
        "depends_on": [SPOKE_RECORD],
    },
    "aws_route.rtb_rtb_0fw_10_10_0_0_15_e0f9b8ab": {
        "route_table_id": FIREWALL_TABLE,
        "destination_cidr_block": "10.10.0.0/15",
        "vpc_endpoint_id": "vpce-0fw",
        "depends_on": [FW_RECORD],
    },
    "aws_route.rtb_rtb_0fw_10_30_0_0_16_01fd9b8a": {
        "route_table_id": FIREWALL_TABLE,
        "destination_cidr_block": "10.30.0.0/16",
        "network_interface_id": "eni-0fw",
        "depends_on": [FW_RECORD],
    },
    FW_RECORD: {
        "resource_id": FIREWALL_TABLE,
        "key": "eastwest:routes:p",
        "value": "10.10.0.0/15=vpce-0fw 10.30.0.0/16=eni-0fw",
    },
    SPOKE_RECORD: {
        "resource_id": SPOKE_TABLE,
        "key": "eastwest:routes:p",
        "value": "10.20.0.0/15=tgw-0hub",
    },
}


def _declared() -> dict[str, Any]:
    module = synthesize(routing_state())["aws/main.tf.json"]["resource"]
    return {
        f"{rtype}.{name}": body for rtype, named in module.items() for name, body in named.items()
    }


@pytest.mark.parametrize("address", sorted(EXPECTED), ids=lambda a: a.split(".")[0])
def test_each_routing_resource_is_the_literal_json(address: str) -> None:
    assert _declared()[address] == {"provider": ALIAS, **EXPECTED[address]}


def test_everything_routed_is_declared_once_but_appliance_mode() -> None:
    declared = _declared()
    # A prefix list's proof tags (terraform/aws_lists.py) are aws_ec2_tag too, but not routing.
    routing = {
        a
        for a, body in declared.items()
        if not a.startswith(("aws_vpc_security", "aws_security", "aws_ec2_m"))
        and "aws_ec2_managed_prefix_list" not in str(body.get("resource_id", ""))
    }
    assert routing == set(EXPECTED)
    assert APPLIANCE not in aws.addresses("p", routing_state().scopes.values())
    assert check_references(synthesize(routing_state())) == []


def test_appliance_mode_is_named_as_a_warning() -> None:
    (said,) = caveats(routing_state())
    assert said.severity is Severity.WARNING
    assert "tgw-attach-0insp" in said.summary
    assert "appliance_mode_support" in said.detail


def test_a_next_hop_of_another_kind_is_refused() -> None:
    odd = NetworkRoute("k", SCOPE, SPOKE_TABLE, "vpc-0", "10.0.0.0/8", "pcx-0peer")
    with pytest.raises(ValueError, match="pcx-0peer"):
        aws_routes.body(odd, {})


def test_names_and_tags_are_the_adapters() -> None:
    assert aws_routes.TAG_ROUTES_DIGEST == transit_read.TAG_ROUTES_DIGEST
    assert aws_routes.RECORD_PREFIX == route_records.PREFIX
    for part in (1, 2, 7):
        assert aws_routes.record_key("p", part) == route_records.record_key("p", part)


_CIDRS = st.builds(
    lambda a, b, n: f"10.{a}.{b}.0/{n}",
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(16, 28),
)
_TARGETS = st.sampled_from(["tgw-0a1b2c3d4e5f60718", "vpce-0123456789abcdef0", "eni-0fedcba98"])


@given(st.dictionaries(_CIDRS, _TARGETS, max_size=40), st.sampled_from(["p", "sandbox", "a-b"]))
def test_the_record_is_encoded_as_the_adapter_encodes_it(
    owned: dict[str, str], policy: str
) -> None:
    # Up to 40 routes runs over several 256-character values.
    assert aws_routes.encode_record(policy, owned) == route_records.encode_record(policy, owned)


def _big_table() -> tuple[list[NetworkRoute], DesiredState]:
    """Thirty routes in one table: a record of three tags."""
    routes = [
        NetworkRoute(
            f"{SCOPE}/rtb/rtb-0big/10_{i}_0_0_16", SCOPE, "rtb-0big", "v", f"10.{i}.0.0/16", HUB
        )
        for i in range(30)
    ]
    state = routing_state()
    resources = {**state.scopes[SCOPE].resources, **{r.key: r for r in routes}}
    return routes, DesiredState("p", {SCOPE: DesiredScope(SCOPE, resources)}, state.targets)


def test_a_long_record_is_several_tags_every_route_depends_on() -> None:
    module = synthesize(_big_table()[1])["aws/main.tf.json"]["resource"]
    tags = [b for b in module["aws_ec2_tag"].values() if b["resource_id"] == "rtb-0big"]
    assert sorted(t["key"] for t in tags) == [
        "eastwest:routes:p",
        "eastwest:routes:p:2",
        "eastwest:routes:p:3",
    ]
    assert all(len(t["value"]) <= 256 for t in tags)
    depends = {
        tuple(b["depends_on"])
        for b in module["aws_route"].values()
        if b["route_table_id"] == "rtb-0big"
    }
    (claims,) = depends
    assert len(claims) == 3


# -- import ids --------------------------------------------------------------------------------


def _observed(overrides: Mapping[str, Resource | None] | None = None) -> ObservedScope:
    """What an observation after `eastwest apply` of the routing state finds, but for
    ``overrides`` (key → what is there instead; None: nothing)."""
    resources: dict[str, Resource] = {
        r.key: r for r in routing_resources() if r.kind != "appliance_mode"
    }
    for key, res in (overrides or {}).items():
        if res is None:
            del resources[key]
        else:
            resources[key] = res
    routes = [r for r in resources.values() if isinstance(r, NetworkRoute)]
    applied = {
        route_owner(SCOPE, table): routes_digest(
            f"{r.destination}={r.target}" for r in routes if r.table == table
        )
        for table in (SPOKE_TABLE, FIREWALL_TABLE)
    }
    native = {WEB_TABLE: NativeRef("tgw-rtb-0web"), INSPECTION_TABLE: NativeRef("tgw-rtb-0insp")}
    return ObservedScope(SCOPE, resources, native, applied)


def test_import_ids_of_everything_that_exists() -> None:
    ids = aws_routes.import_ids("p", routing_state().scopes[SCOPE], _observed())
    assert ids == {
        ASSOCIATION: "tgw-rtb-0web_tgw-attach-0web",
        PROPAGATION: "tgw-rtb-0insp_tgw-attach-0web",
        TO_INSPECTION: "tgw-rtb-0web_10.20.0.0/15",
        BLACKHOLE: "tgw-rtb-0web_10.99.0.0/16",
        TO_HUB: "rtb-0spoke_10.20.0.0/15",
        TO_ENDPOINT: "rtb-0fw_10.10.0.0/15",
        TO_ENI: "rtb-0fw_10.30.0.0/16",
        f"{SCOPE}/rtb/{SPOKE_TABLE}/eastwest:routes:p": "rtb-0spoke,eastwest:routes:p",
        f"{SCOPE}/rtb/{FIREWALL_TABLE}/eastwest:routes:p": "rtb-0fw,eastwest:routes:p",
    }


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        (
            {
                ASSOCIATION: HubAssociation(
                    ASSOCIATION, SCOPE, WEB_ATTACH, "vpc-0web", "ref:tgw-rtb-0"
                )
            },
            ASSOCIATION,
        ),
        ({PROPAGATION: None}, PROPAGATION),
        ({BLACKHOLE: None}, BLACKHOLE),
        ({TO_HUB: None}, TO_HUB),
    ],
    ids=["association-in-the-default-table", "no-propagation", "no-static-route", "no-vpc-route"],
)
def test_what_is_not_the_same_object_is_not_imported(
    overrides: dict[str, Resource | None], missing: str
) -> None:
    ids = aws_routes.import_ids("p", routing_state().scopes[SCOPE], _observed(overrides))
    assert missing not in ids


def test_a_changed_route_is_still_imported_and_then_corrected() -> None:
    moved = HubRoute(TO_INSPECTION, SCOPE, WEB_TABLE, "10.20.0.0/15", "tgw-attach-0other")
    ids = aws_routes.import_ids(
        "p", routing_state().scopes[SCOPE], _observed({TO_INSPECTION: moved})
    )
    assert ids[TO_INSPECTION] == "tgw-rtb-0web_10.20.0.0/15"


def test_record_parts_past_the_first_are_imported_only_when_the_record_is_whole() -> None:
    routes, state = _big_table()
    scoped = state.scopes[SCOPE]
    whole = routes_digest(f"{r.destination}={r.target}" for r in routes)
    seen = _observed()
    for digest, parts in ((whole, 3), ("a-claim-without-its-route", 1)):
        observed = ObservedScope(
            SCOPE,
            {**seen.resources, **{r.key: r for r in routes}},
            seen.native,
            {**seen.applied, route_owner(SCOPE, "rtb-0big"): digest},
        )
        ids = aws_routes.import_ids("p", scoped, observed)
        assert len([i for i in ids.values() if i.startswith("rtb-0big,")]) == parts


def test_import_blocks_carry_the_ids_to_the_declared_addresses() -> None:
    native = {WEB_TABLE: "tgw-rtb-0web", ASSOCIATION: "tgw-rtb-0web_tgw-attach-0web"}
    blocks = synthesize(routing_state(), native)["imports.tf.json"]["import"]
    association = (
        "aws_ec2_transit_gateway_route_table_association.hubassoc_tgw_attach_0web_0903e40f"
    )
    assert blocks == [
        {"to": f"module.aws.{association}", "id": "tgw-rtb-0web_tgw-attach-0web"},
        {"to": f"module.aws.{WEB}", "id": "tgw-rtb-0web"},
    ]
