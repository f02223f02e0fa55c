"""Attachments compiled from the policy and the interfaces the inventory read."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.model.policy import Policy
from orchestrator.state import GroupAttachment, Interface, ScopeInventory
from tests.orchestrator.factories import SCOPE, inventory, policy

P = f"{SCOPE}"
WEB_GROUP = f"{P}/fwgroup/web@vpc-web"
INTERFACES = (
    Interface("eni-web-a", "vpc-web", "subnet-web-a", "instance", ("sg-own",)),
    Interface("eni-web-b", "vpc-web", "subnet-web-b", "instance", ()),
    Interface("eni-web-lb", "vpc-web", "subnet-web-a", "load_balancer", ("sg-lb",)),
    Interface("eni-web-fn", "vpc-web", "subnet-web-b", "function", ()),
    Interface("eni-db-1", "vpc-db", "subnet-db", "instance", ("sg-x",)),
)


def read(*interfaces: Interface) -> dict[Any, ScopeInventory]:
    inv = inventory()
    return {SCOPE: replace(inv[SCOPE], interfaces=interfaces or INTERFACES)}


def attached(pol: Policy, *interfaces: Interface) -> dict[str, GroupAttachment]:
    scope = compile_policy(pol, read(*interfaces)).scopes[SCOPE]
    return {a.interface: a for a in scope.of_kind(GroupAttachment)}  # type: ignore[type-var]


def errors(pol: Policy, *interfaces: Interface) -> list[Diagnostic]:
    diags = compile_policy(pol, read(*interfaces)).diagnostics
    return [d for d in diags if d.severity is Severity.ERROR]


def with_web(**fields: Any) -> list[dict[str, Any]]:
    base = policy().model_dump(by_alias=True, exclude_defaults=True)["segments"]
    base[0].update(fields)
    return list(base)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({}, {"eni-web-a", "eni-web-b", "eni-web-fn", "eni-db-1"}, id="default-add"),
        pytest.param(
            {"attach_exclude": ["function"]},
            {"eni-web-a", "eni-web-b", "eni-db-1"},
            id="policy-extends-exclusions",
        ),
        pytest.param({"segments": with_web(attach="none")}, {"eni-db-1"}, id="segment-attach-none"),
        pytest.param(
            {"segments": with_web(attach_exclude=["instance"])},
            {"eni-web-fn", "eni-db-1"},
            id="segment-extends-exclusions",
        ),
        pytest.param(
            {
                "segments": with_web(
                    members=[
                        {
                            "account": "prod",
                            "region": "us-east-1",
                            "vpc": "vpc-web",
                            "subnets": ["subnet-web-a"],
                        }
                    ]
                )
            },
            {"eni-web-a", "eni-db-1"},
            id="subnet-member-only-its-subnets",
        ),
        pytest.param(
            {
                "hubs": [
                    {
                        "name": "h",
                        "account": "prod",
                        "region": "us-east-1",
                        "transit": "tgw-1",
                        "inspection": {
                            "vpc": "vpc-insp",
                            "firewalls": [{"zone": "us-east-1a", "next_hop": "eni-web-a"}],
                        },
                    }
                ]
            },
            {"eni-web-b", "eni-web-fn", "eni-db-1"},
            id="firewall-next-hop-never",
        ),
    ],
)
def test_in_scope_interfaces(overrides: dict[str, Any], expected: set[str]) -> None:
    assert set(attached(policy(**overrides))) == expected


def test_an_attachment_names_its_segment_group_and_mode() -> None:
    found = attached(policy(segments=with_web(attach="exclusive")))
    assert found["eni-web-a"] == GroupAttachment(
        f"{P}/attach/eni-web-a", SCOPE, "eni-web-a", "vpc-web", WEB_GROUP, "exclusive"
    )
    assert found["eni-db-1"].mode == "add"  # the policy's default


def test_attach_none_is_said_not_silent() -> None:
    diags = compile_policy(policy(attach="none"), read()).diagnostics
    unenforced = [d for d in diags if "attach: none" in d.summary]
    assert [d.path for d in unenforced] == ["segments[0]", "segments[1]"]
    assert all(d.severity is Severity.WARNING for d in unenforced)


def test_interfaces_not_read_are_said_not_silent() -> None:
    diags = compile_policy(policy(), inventory()).diagnostics
    assert any("not read by this version" in d.summary for d in diags)


FULL = ("sg-1", "sg-2", "sg-3", "sg-4")


@pytest.mark.parametrize(
    ("iface", "mode", "problem"),
    [
        pytest.param(
            Interface("eni-4", "vpc-web", "subnet-web-a", "instance", FULL),
            "add",
            None,
            id="fifth-group-fits",
        ),
        pytest.param(
            Interface("eni-5", "vpc-web", "subnet-web-a", "instance", (*FULL, "sg-5")),
            "add",
            "eni-5 in vpc-web",
            id="sixth-group-refused",
        ),
        pytest.param(
            Interface("eni-5", "vpc-web", "subnet-web-a", "instance", (*FULL, "sg-5")),
            "exclusive",
            None,
            id="exclusive-needs-one-slot",
        ),
        pytest.param(
            Interface(
                "eni-c", "vpc-web", "subnet-web-a", "instance", (*FULL, "sg-e"), claim="sg-e"
            ),
            "add",
            None,
            id="own-claimed-group-counted-once",
        ),
        pytest.param(
            Interface(
                "eni-p",
                "vpc-web",
                "subnet-web-a",
                "instance",
                ("sg-e",),
                claim="sg-e",
                prior=(*FULL, "sg-5"),
            ),
            "add",
            "eni-p in vpc-web",
            id="restored-prior-groups-count",
        ),
    ],
)
def test_groups_per_interface_quota(iface: Interface, mode: str, problem: str | None) -> None:
    found = errors(policy(segments=with_web(attach=mode)), iface)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1
        assert problem in found[0].summary
        assert found[0].path == "segments[0].attach"


def test_rules_times_groups_limit_on_aws() -> None:
    accounts = [
        {
            "name": "prod",
            "cloud": "aws",
            "account_id": "111111111111",
            "regions": ["us-east-1"],
            "quotas": {"rules_per_group": 300},
        }
    ]
    iface = Interface("eni-3", "vpc-web", "subnet-web-a", "instance", ("sg-1", "sg-2", "sg-3"))
    found = errors(policy(accounts=accounts), iface)
    assert [d.path for d in found] == ["segments[0].attach"]
    assert "1000 rules per interface" in found[0].summary


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"attach": "sometimes"}, id="unknown-mode"),
        pytest.param({"attach_exclude": ["printer"]}, id="unknown-kind"),
        pytest.param({"segments": with_web(attach="exclusively")}, id="unknown-segment-mode"),
    ],
)
def test_bad_attach_values_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="attach"):
        policy(**body)
