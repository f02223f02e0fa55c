from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.model.checks import check_policy, nearest
from orchestrator.model.policy import Policy

Body = dict[str, Any]

BASE: Body = {
    "version": 1,
    "name": "acme",
    "accounts": [
        {
            "name": "aws-prod",
            "cloud": "aws",
            "account_id": "111111111111",
            "regions": ["us-east-1"],
        },
        {
            "name": "az-prod",
            "cloud": "azure",
            "subscription_id": "00000000-0000-0000-0000-000000000001",
            "resource_group": "rg-net",
            "regions": ["eastus"],
        },
    ],
    "hubs": [{"name": "use1", "account": "aws-prod", "region": "us-east-1", "transit": "tgw-1"}],
    "segments": [
        {
            "name": "web",
            "members": [
                {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-1"},
                {"account": "az-prod", "region": "eastus", "vnet": "spoke-web"},
            ],
        },
        {
            "name": "db",
            "members": [
                {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-2", "subnets": ["s-1"]}
            ],
        },
        {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
    ],
    "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
}


def checked(change: Callable[[Body], object] | None = None) -> list[tuple[str, str, str]]:
    body = copy.deepcopy(BASE)
    if change is not None:
        change(body)
    policy = Policy.model_validate(body, by_alias=True, by_name=False)
    return [(str(d.severity), d.path, d.summary) for d in check_policy(policy)]


def test_the_base_policy_is_clean() -> None:
    assert checked() == []


def add(section: str, item: Body) -> Callable[[Body], object]:
    return lambda body: body[section].append(item)


def set_at(*path: str | int, value: object) -> Callable[[Body], object]:
    def change(body: Body) -> None:
        node: Any = body
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return change


SEG0_M0 = ("segments", 0, "members", 0)
AWS_MEMBER = {"account": "aws-prod", "region": "us-east-1"}


def _one_cloud_web(change: Callable[[Body], object]) -> Callable[[Body], object]:
    """``change``, with web in AWS only: an inspected rule across clouds is its own error."""

    def both(body: Body) -> None:
        change(body)
        del body["segments"][0]["members"][1]

    return both


CASES = [
    pytest.param(
        add("accounts", {**BASE["accounts"][0], "account_id": "222222222222"}),
        ("error", "accounts[2].name", "another account is already named 'aws-prod' (accounts[0])"),
        id="duplicate-account",
    ),
    pytest.param(
        add("hubs", {**BASE["hubs"][0], "region": "eastus", "account": "az-prod"}),
        ("error", "hubs[1].name", "another hub is already named 'use1'"),
        id="duplicate-hub",
    ),
    pytest.param(
        add("segments", {"name": "db", "cidrs": ["192.168.0.0/16"]}),
        ("error", "segments[3].name", "another segment is already named 'db'"),
        id="duplicate-segment",
    ),
    pytest.param(
        add("rules", {"name": "web-to-db", "from": "db", "to": "web", "ports": ["tcp/1"]}),
        ("error", "rules[1].name", "another rule is already named 'web-to-db'"),
        id="duplicate-rule",
    ),
    pytest.param(
        set_at("hubs", 0, "account", value="aws-prd"),
        ("error", "hubs[0].account", "no account named 'aws-prd'; did you mean 'aws-prod'?"),
        id="hub-unknown-account",
    ),
    pytest.param(
        set_at(*SEG0_M0, "account", value="oci-main"),
        ("error", "segments[0].members[0].account", "known: aws-prod, az-prod"),
        id="member-unknown-account-no-guess",
    ),
    pytest.param(
        set_at("rules", 0, "from", value="webb"),
        ("error", "rules[0].from", "no segment named 'webb'; did you mean 'web'?"),
        id="rule-unknown-from",
    ),
    pytest.param(
        set_at("rules", 0, "to", value="web"),
        ("error", "rules[0].to", "rule goes from segment 'web' to itself"),
        id="rule-to-itself",
    ),
    pytest.param(
        set_at("hubs", 0, "region", value="us-west-2"),
        ("error", "hubs[0].region", "account 'aws-prod' does not list region 'us-west-2'"),
        id="hub-region-not-listed",
    ),
    pytest.param(
        add(
            "hubs", {"name": "use1-b", "account": "aws-prod", "region": "us-east-1", "transit": "t"}
        ),
        ("error", "hubs[1]", "a second hub for account 'aws-prod' in us-east-1"),
        id="two-hubs-one-place",
    ),
    pytest.param(
        set_at("hubs", 0, "peerings", value="create"),
        ("error", "hubs[0].peerings", "'peerings: create' is for Azure hubs"),
        id="peerings-create-on-aws-hub",
    ),
    pytest.param(
        set_at(*SEG0_M0, "region", value="eu-west-1"),
        ("error", "segments[0].members[0].region", "no account covers this member"),
        id="member-region",
    ),
    pytest.param(
        set_at(*SEG0_M0, value={**AWS_MEMBER, "vnet": "spoke"}),
        ("error", "segments[0].members[0].vnet", "use 'vpc'"),
        id="vnet-on-aws",
    ),
    pytest.param(
        set_at(
            "segments",
            0,
            "members",
            1,
            value={"account": "az-prod", "region": "eastus", "vpc": "x"},
        ),
        ("error", "segments[0].members[1].vpc", "use 'vnet'"),
        id="vpc-on-azure",
    ),
    pytest.param(
        set_at("segments", 1, "members", 0, "subnets", value=["s-1", "s-2", "s-1"]),
        ("error", "segments[1].members[0].subnets[2]", "subnet 's-1' is already listed"),
        id="subnet-twice-in-member",
    ),
    pytest.param(
        add(
            "segments",
            {"name": "app", "members": [{**AWS_MEMBER, "vpc": "vpc-2", "subnets": ["s-1"]}]},
        ),
        ("error", "segments[3].members[0].subnets[0]", "at segments[1].members[0].subnets[0]"),
        id="subnet-in-two-segments",
    ),
    pytest.param(
        add("segments", {"name": "branch", "cidrs": ["172.20.0.0/16"]}),
        ("error", "segments[3].cidrs[0]", "overlaps 172.16.0.0/12 of segment 'onprem'"),
        id="cidrs-overlap-across-segments",
    ),
    pytest.param(
        set_at("segments", 2, "cidrs", value=["172.16.0.0/12", "172.20.0.0/16"]),
        ("warning", "segments[2].cidrs[1]", "overlaps 172.16.0.0/12 of the same segment"),
        id="cidrs-overlap-within-segment",
    ),
    pytest.param(
        set_at("segments", 2, "cidrs", value=["2001:db8::/32"]),
        ("warning", "segments[2].cidrs[0]", "not compiled yet"),
        id="ipv6",
    ),
    pytest.param(
        set_at("rules", 0, "ports", value=["tcp/5432", "udp/53", "TCP/5432"]),
        ("error", "rules[0].ports[2]", "tcp/5432 is already listed in this rule (ports[0])"),
        id="duplicate-port",
    ),
    pytest.param(
        set_at("rules", 0, "ports", value=["tcp/5432", "tcp/5000-6000"]),
        ("warning", "rules[0].ports[1]", "tcp/5000-6000 overlaps tcp/5432 (ports[0])"),
        id="overlapping-ports",
    ),
    pytest.param(
        set_at("rules", 0, "ports", value=["icmp", "any"]),
        ("warning", "rules[0].ports[1]", "any overlaps icmp"),
        id="any-with-others",
    ),
    pytest.param(
        add("rules", {"name": "again", "from": "web", "to": "db", "ports": ["tcp/5432"]}),
        ("warning", "rules[1]", "rule 'again' allows the same flow as rule 'web-to-db'"),
        id="same-flow-twice",
    ),
    pytest.param(
        _one_cloud_web(
            add(
                "rules",
                {
                    "name": "again",
                    "from": "web",
                    "to": "db",
                    "ports": ["tcp/5432"],
                    "inspect": True,
                },
            )
        ),
        ("warning", "rules[1]", "disagree on 'inspect'"),
        id="same-flow-inspect-differs",
    ),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_check(change: Callable[[Body], object], expected: tuple[str, str, str]) -> None:
    found = checked(change)
    severity, path, message = expected
    assert [(s, p) for s, p, _ in found] == [(severity, path)], found
    assert message in found[0][2]


def test_all_problems_are_reported_together() -> None:
    def many(body: Body) -> None:
        body["rules"][0]["to"] = "web"
        body["hubs"][0]["region"] = "us-west-2"
        body["segments"][2]["cidrs"].append("2001:db8::/32")

    paths = [p for _, p, _ in checked(many)]
    assert paths == ["hubs[0].region", "segments[2].cidrs[1]", "rules[0].to"]


def test_an_unknown_account_is_reported_once_not_by_every_check() -> None:
    found = checked(set_at(*SEG0_M0, "account", value="nobody"))
    assert len(found) == 1


def test_tcp_and_udp_on_the_same_port_do_not_overlap() -> None:
    assert checked(set_at("rules", 0, "ports", value=["tcp/53", "udp/53"])) == []


def test_adjacent_cidrs_of_different_segments_do_not_overlap() -> None:
    assert checked(add("segments", {"name": "branch", "cidrs": ["172.32.0.0/16"]})) == []


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        pytest.param("vcp", ["vpc", "vnet", "tags"], "vpc", id="transposed"),
        pytest.param("segment", ["segments", "rules"], "segments", id="singular"),
        pytest.param("zzz", ["vpc", "vnet"], None, id="nothing-close"),
    ],
)
def test_nearest(word: str, candidates: list[str], expected: str | None) -> None:
    assert nearest(word, candidates) == expected


def test_the_first_of_two_accounts_with_one_name_is_the_one_checked_against() -> None:
    second = {**BASE["accounts"][0], "account_id": "222222222222", "regions": ["eu-west-1"]}
    found = checked(add("accounts", second))
    assert [p for _, p, _ in found] == ["accounts[2].name"]


def test_peerings_create_on_an_azure_hub_and_observe_anywhere_are_clean() -> None:
    azure_hub = {"name": "hub", "account": "az-prod", "region": "eastus", "transit": "vnet-hub",
                 "peerings": "create"}  # fmt: skip
    assert checked(add("hubs", azure_hub)) == []
    assert checked(set_at("hubs", 0, "peerings", value="observe")) == []
