"""providers/azure/asg.py on literal ARM payloads: which NICs are in scope, a NIC's body with
eastwest's ASG added or removed (the rest as read), what the plan says, and which rules name an
ASG (``peers``)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.state import Scope
from providers.azure import asg as ag
from providers.azure import translate as tr

SCOPE = Scope("azure", "sub", "eastus")
RG = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network"
OURS = f"{RG}/applicationSecurityGroups/eastwest-acme-db-vnet-db"
THEIRS = f"{RG}/applicationSecurityGroups/asg-db-legacy"
KEY = "azure/sub/eastus/fwgroup/db@vnet-db"


def _subnet(name: str, vnet: str = "vnet-db") -> dict[str, Any]:
    return {"id": f"{RG}/virtualNetworks/{vnet}/subnets/{name}", "name": name}


def _nic(name: str, subnet: str, *asgs: str, **extra: Any) -> dict[str, Any]:
    config = {"subnet": {"id": _subnet(subnet)["id"]}, "primary": True,
              "privateIPAddress": "10.3.2.4", "provisioningState": "Succeeded",
              "applicationSecurityGroups": [{"id": a} for a in asgs]}  # fmt: skip
    configs = [{"name": "ipconfig1", "id": "x", "properties": config}]
    props = {"ipConfigurations": configs, "macAddress": "00-0D-3A-00-00-01",
             "provisioningState": "Succeeded", **extra}  # fmt: skip
    return {"id": f"{RG}/networkInterfaces/{name}", "name": name, "location": "eastus",
            "tags": {"owner": "dba"}, "etag": "W/1", "properties": props}  # fmt: skip


def _asg(asg_id: str, **tags: str) -> dict[str, Any]:
    return {"id": asg_id, "name": tr.name_of_id(asg_id), "location": "eastus", "tags": tags}


MARKS = {"eastwest:managed": "true", "eastwest:policy": "acme", "eastwest:key": KEY}


@pytest.mark.parametrize(
    ("nic", "inside"),
    [
        pytest.param(_nic("a", "snet-db-2"), True, id="member-subnet"),
        pytest.param(_nic("b", "snet-db"), False, id="other-subnet"),
        pytest.param(_nic("c", "snet-db-2", enableIPForwarding=True), False, id="appliance"),
        pytest.param(_nic("d", "snet-db-2", privateEndpoint={"id": "pe"}), False, id="endpoint"),
    ],
)
def test_which_nics_are_in_scope(nic: dict[str, Any], inside: bool) -> None:
    assert bool(ag.in_scope([nic], [_subnet("snet-db-2")])) == inside


@pytest.mark.parametrize(
    ("held", "member", "after"),
    [
        pytest.param((THEIRS,), True, [THEIRS, OURS], id="join-keeps-theirs-first"),
        pytest.param((THEIRS, OURS), False, [THEIRS], id="leave-keeps-theirs"),
        pytest.param((OURS.upper(),), True, [OURS], id="join-case-insensitive"),
        pytest.param((), False, [], id="leave-when-out"),
    ],
)
def test_a_nics_body_changes_only_eastwests_asg(
    held: tuple[str, ...], member: bool, after: list[str]
) -> None:
    nic = _nic("n", "snet-db-2", *held)
    body = ag.with_membership(nic, OURS, member=member)
    [config] = body["properties"]["ipConfigurations"]
    assert [a["id"] for a in config["properties"]["applicationSecurityGroups"]] == after
    assert config["properties"]["privateIPAddress"] == "10.3.2.4"
    assert "provisioningState" not in config["properties"]
    assert "macAddress" not in body["properties"]  # read-only: a PUT cannot set it
    assert (body["location"], body["tags"]) == ("eastus", {"owner": "dba"})
    assert ag.is_member(body, OURS) == member


def _nsg() -> dict[str, Any]:
    tags = {**MARKS, "eastwest:segment": "db", "eastwest:asg": "members"}
    return {"name": "eastwest-acme-db-vnet-db", "tags": tags}


@pytest.mark.parametrize(
    ("asgs", "nics", "said"),
    [
        pytest.param([], [], ["application security group eastwest-acme-db-vnet-db is missing"],
                     id="asg-missing"),
        pytest.param([_asg(OURS, **{**MARKS, "eastwest:key": "other"})], [],
                     ["application security group eastwest-acme-db-vnet-db is not eastwest's "
                      "(apply refuses it)"], id="decoy"),
        pytest.param([_asg(OURS, **MARKS)], [_nic("a", "snet-db-2", THEIRS)],
                     ["NIC a is not in eastwest-acme-db-vnet-db"], id="nic-out"),
        pytest.param([_asg(OURS, **MARKS)], [_nic("b", "snet-db", OURS)],
                     ["NIC b is in eastwest-acme-db-vnet-db but in no member subnet"],
                     id="nic-left-the-subnet"),
        pytest.param([_asg(OURS, **MARKS)], [_nic("a", "snet-db-2", THEIRS, OURS)], [],
                     id="in-step"),
    ],
)  # fmt: skip
def test_what_the_plan_says(asgs: list[Any], nics: list[Any], said: list[str]) -> None:
    assert ag.problems(SCOPE, _nsg(), asgs, nics, [_subnet("snet-db-2")]) == said


def _opted(segment: str, network: str = "vnet-shared") -> ag.OptedIn:
    key = f"azure/sub/eastus/fwgroup/{segment}@{network}"
    return ag.OptedIn(segment, network, key, f"eastwest-acme-{segment}-{network}")


BACK_ID = f"{RG}/applicationSecurityGroups/eastwest-acme-back-vnet-shared"
BACK_MARKS = {**MARKS, "eastwest:key": "azure/sub/eastus/fwgroup/back@vnet-shared"}
VNET = {"properties": {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}}}


@pytest.mark.parametrize(
    ("opted", "prefixes", "asgs", "tokens"),
    [
        pytest.param([_opted("back")], ["10.50.2.0/24"], [_asg(BACK_ID, **BACK_MARKS)],
                     {"back": tr.asg_token(BACK_ID)}, id="same-vnet"),
        pytest.param([_opted("back")], ["10.50.2.0/24"], [], {"back": ag.MISSING},
                     id="asg-not-made-yet"),
        pytest.param([_opted("back")], ["10.50.2.0/24"], [_asg(BACK_ID, **MARKS)],
                     {"back": ag.MISSING}, id="asg-not-eastwests"),
        pytest.param([_opted("back")], ["10.50.2.0/24", "10.9.0.0/16"],
                     [_asg(BACK_ID, **BACK_MARKS)], {}, id="peer-also-elsewhere"),
        pytest.param([_opted("back", "vnet-other")], ["10.50.2.0/24"],
                     [_asg(BACK_ID, **BACK_MARKS)], {}, id="peer-in-another-vnet"),
        pytest.param([], ["10.50.2.0/24"], [_asg(BACK_ID, **BACK_MARKS)], {},
                     id="peer-not-opted-in"),
    ],
)  # fmt: skip
def test_which_peers_rules_name_an_asg(
    opted: list[ag.OptedIn], prefixes: list[str], asgs: list[Any], tokens: dict[str, str]
) -> None:
    me = _opted("front")
    found = ag.peers("acme", SCOPE, me, [me, *opted], asgs, {"back": prefixes}, VNET)
    assert found == tokens


@pytest.mark.parametrize(
    ("direction", "prefixes", "side"),
    [
        pytest.param("Inbound", [tr.asg_token(BACK_ID)],
                     {"sourceApplicationSecurityGroups": [{"id": BACK_ID}]}, id="asg-in"),
        pytest.param("Outbound", [tr.asg_token(BACK_ID)],
                     {"destinationApplicationSecurityGroups": [{"id": BACK_ID}]}, id="asg-out"),
        pytest.param("Inbound", ["10.2.0.0/16", "10.1.0.0/16"],
                     {"sourceAddressPrefixes": ["10.1.0.0/16", "10.2.0.0/16"]}, id="prefixes"),
    ],
)  # fmt: skip
def test_the_peer_side_of_a_rule(direction: str, prefixes: list[str], side: Any) -> None:
    assert tr.peer_side(direction, prefixes) == side
