"""Drift on the firewall: edits made by hand in eastwest's section are found, marked and
restored; what is not eastwest's is never written over; bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from panos.firewall import Firewall
from panos.objects import AddressGroup
from panos.policies import Rulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from orchestrator.firewalls import apply_rulebase, plan_rulebase
from orchestrator.state.change import Action
from providers.panos.adapter import PanosAdapter

from .conftest import LABEL, POLICY, load, membership_of

PREFIX = "eastwest-acme-"
Edit = Callable[[Firewall], None]


def _converge(tmp_path: Path, adapter: PanosAdapter, text: str = POLICY) -> None:
    policy = load(tmp_path, text)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    apply_rulebase(plan, adapter)


def _hand(server: PanosServer, edit: Edit) -> None:
    """A change made by someone else, committed as the operator would."""
    firewall = Firewall("127.0.0.1", server.username, server.password, port=server.port)
    edit(firewall)
    firewall.commit(sync=True)


def _edit_rule(firewall: Firewall) -> None:
    rule = SecurityRule(f"{PREFIX}web-to-db")
    firewall.add(Rulebase()).add(rule)
    rule.refresh()
    rule.application = ["any"]
    rule.apply()


def _insert_foreign(firewall: Firewall) -> None:
    rulebase = firewall.add(Rulebase())
    rule = rulebase.add(SecurityRule("hand-allow-all", source=["any"], action="allow"))
    rule.create()
    rule.move("before", f"{PREFIX}-deny")


def _owned_by_hand(firewall: Firewall) -> None:
    rulebase = firewall.add(Rulebase())
    rule = rulebase.add(SecurityRule(f"{PREFIX}extra", tag=["eastwest"], action="allow"))
    rule.create()
    rule.move("top")


def _group_member(firewall: Firewall) -> None:
    group = firewall.add(AddressGroup(f"{PREFIX}db"))
    group.refresh()
    group.static_value = [*group.static_value, "ops-jump-host"]
    group.apply()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_edit_rule, ("ngfw_rule", Action.UPDATE)),
        (_insert_foreign, ("ngfw_section", Action.UPDATE)),
        (_owned_by_hand, ("ngfw_rule", Action.DELETE)),
        (_group_member, ("ngfw_address_group", Action.UPDATE)),
    ],
    ids=["rule-edited", "foreign-rule-in-section", "rule-added-with-our-marks", "group-edited"],
)
def test_a_hand_edit_is_drift_and_is_restored(
    tmp_path: Path,
    adapter: PanosAdapter,
    panos_server: PanosServer,
    edit: Edit,
    expected: tuple[str, Action],
) -> None:  # fmt: skip
    _converge(tmp_path, adapter)
    _hand(panos_server, edit)
    policy = load(tmp_path)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    found = [(c.resource.kind, c.action, c.drift) for c in plan.changes]
    assert (*expected, True) in found
    apply_rulebase(plan, adapter)
    assert plan_rulebase(policy, membership_of(policy), LABEL, adapter).changes == ()


def test_a_policy_change_is_not_drift(tmp_path: Path, adapter: PanosAdapter) -> None:
    _converge(tmp_path, adapter)
    policy = load(tmp_path, POLICY.replace("[postgres]", "[postgres, ssl]"))
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    assert [(c.resource.kind, c.action, c.drift) for c in plan.changes] == [
        ("ngfw_rule", Action.UPDATE, False)
    ]


def test_the_foreign_rule_survives_restoring_the_section(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    _converge(tmp_path, adapter)
    _hand(panos_server, _insert_foreign)
    _converge(tmp_path, adapter)
    rulebase = Firewall("127.0.0.1", "admin", panos_server.password, port=panos_server.port)
    names = [r.name for r in SecurityRule.refreshall(rulebase.add(Rulebase()), running_config=True)]
    assert names.index("hand-allow-all") == names.index(f"{PREFIX}-deny") + 1


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (("[postgres]", "[postgres, not-an-app]"), "rules[0].applications[1]"),
        (("category: payments", "category: payments\n    profile: paranoid"), "rules[0].profile"),
    ],
    ids=["unknown-application", "unknown-profile"],
)
def test_unknown_names_are_located_errors_and_nothing_is_written(
    tmp_path: Path,
    adapter: PanosAdapter,
    panos_server: PanosServer,
    change: tuple[str, str],
    path: str,
) -> None:
    policy = load(tmp_path, POLICY.replace(*change))
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    assert [d.path for d in plan.diagnostics] == [path]
    with pytest.raises(ValueError, match="has errors"):
        apply_rulebase(plan, adapter)
    assert not panos_server.device.pending()
    assert panos_server.device.commits == 0


def test_a_name_taken_without_our_tag_is_never_written_over(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    _hand(
        panos_server,
        lambda fw: (
            fw.add(Rulebase()).add(SecurityRule(f"{PREFIX}web-to-db", action="deny")).create()
        ),
    )
    policy = load(tmp_path)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    assert plan.failed
    assert "without eastwest's tag" in plan.diagnostics[0].summary
