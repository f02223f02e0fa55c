"""The adapter's edges against the fake: identity, credentials, proxies, idempotency, quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.compile import compile_policy
from orchestrator.errors import AccountMismatchError, ObservationError, PermanentError
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.state import Action, Scope, Target
from providers import ADAPTERS
from providers.alibaba.adapter import AlibabaAdapter
from providers.alibaba.session import Credentials, credentials_from_env
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, adapter_for, policy, sandbox_of

WRITES = ("Create", "Authorize", "Revoke", "Delete", "Modify", "Tag", "Untag")


def test_identity_is_the_owner_of_what_the_credentials_see(adapter: AlibabaAdapter) -> None:
    adapter.check_identity("cn-hangzhou")  # no error: the seeded VPCs are 5123456789012345's


def test_another_account_is_refused_before_any_write(
    server: AlibabaServer, sent: Sent, sleeps: list[float]
) -> None:
    other = adapter_for(server, "ali-test", sent, sleeps, account="5999999999999999")
    result = plan_policy(
        policy().model_copy(
            update={
                "accounts": [
                    policy().accounts[0].model_copy(update={"account_id": "5999999999999999"})
                ]
            }
        ),
        lambda _: other,
        lambda _: None,
    )
    assert result.plan is not None  # a partial plan: the account's scope skipped, no change
    assert result.plan.changes == ()
    assert all(sp.skipped for sp in result.plan.scopes)
    assert any("5123456789012345" in d.summary for d in result.diagnostics)
    with pytest.raises(AccountMismatchError, match="5123456789012345"):
        other.check_identity("cn-hangzhou")
    assert not [a for _, a, _ in sent if a.startswith(WRITES)]


def test_the_factory_builds_from_the_sandbox_mapping(server: AlibabaServer) -> None:
    made = ADAPTERS["alibaba"](
        Target("alibaba", c.ACCOUNT, "ali-sandbox"), policy="ali-test", sandbox=sandbox_of(server)
    )
    server.faults.set({"throttle": 0.0})
    made.check_identity("cn-hangzhou")
    assert made.inventory("cn-hangzhou").networks


def test_a_wrong_secret_is_a_permanent_error_without_the_secret(server: AlibabaServer) -> None:
    server.faults.set({"throttle": 0.0})
    sandbox = sandbox_of(server)
    sandbox["alibaba"] = {**sandbox["alibaba"], "access_key_secret": "wrong-and-secret-value"}
    made = ADAPTERS["alibaba"](Target("alibaba", c.ACCOUNT, "x"), policy="p", sandbox=sandbox)
    with pytest.raises(ObservationError) as caught:
        made.inventory("cn-hangzhou")
    assert "credentials were refused" in str(caught.value)
    assert "wrong-and-secret-value" not in str(caught.value)


def test_loopback_ignores_a_configured_proxy(
    server: AlibabaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK ignores NO_PROXY; a proxy that does not exist would fail every call.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    server.faults.set({"throttle": 0.0})
    made = ADAPTERS["alibaba"](
        Target("alibaba", c.ACCOUNT, "x"), policy="p", sandbox=sandbox_of(server)
    )
    assert made.inventory("cn-hangzhou").networks


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "hush"},
            Credentials("id", "hush"),
        ),
        (
            {
                "ALICLOUD_ACCESS_KEY": "id2",
                "ALICLOUD_SECRET_KEY": "hush2",
                "ALICLOUD_SECURITY_TOKEN": "t",
            },
            Credentials("id2", "hush2", "t"),
        ),
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "id"}, None),
        ({}, None),
    ],
    ids=["alibaba-cloud", "alicloud-sts", "no-secret", "nothing"],
)
def test_credentials_from_the_environment(
    env: dict[str, str], expected: Credentials | None
) -> None:
    found = credentials_from_env(env)
    assert found == expected
    if found is not None:
        assert found.access_key_secret not in repr(found)


def test_without_credentials_the_error_says_where_to_put_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALICLOUD_ACCESS_KEY",
        "ALICLOUD_SECRET_KEY",
        "ALIBABA_CLOUD_ROLE_ARN",
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aliyun/config.json
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")  # not on ECS
    made = ADAPTERS["alibaba"](Target("alibaba", c.ACCOUNT, "x"), policy="p", sandbox=None)
    with pytest.raises(PermanentError, match="ALIBABA_CLOUD_ACCESS_KEY_ID") as caught:
        made.check_identity("cn-hangzhou")
    assert "alibaba cn-hangzhou: no Alibaba Cloud credentials found" in str(caught.value)


def test_a_rerun_of_the_same_plan_converges_without_duplicates(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    plan = plan_policy(policy(), lambda _: adapter, lambda _: None).plan
    assert plan is not None
    assert apply_plan(plan, lambda _: adapter).ok
    # As if the first apply had crashed after its writes: the same plan (same run id) again.
    again = apply_plan(plan, lambda _: adapter)
    assert again.ok, [r.message for _, r in again.results if not r.ok]
    assert len(c.owned_groups(server, "ali-test")) == 6
    after = plan_policy(policy(), lambda _: adapter, lambda _: None).plan
    assert after is not None
    assert not after.has_changes


def test_deleting_what_is_already_gone_is_success(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    # Unattached groups (attach: none): ECS refuses to delete a group instances are in, so the
    # console user below could not delete an attached one.
    unattached = Policy.model_validate({**policy().model_dump(by_alias=True), "attach": "none"})
    plan = plan_policy(unattached, lambda _: adapter, lambda _: None).plan
    assert plan is not None
    assert apply_plan(plan, lambda _: adapter).ok
    # The policy loses every segment member: everything owned is to be deleted.
    emptied = Policy.model_validate(
        {
            "version": 1,
            "name": "ali-test",
            "accounts": [
                {
                    "name": "ali-sandbox",
                    "cloud": "alibaba",
                    "account_id": c.ACCOUNT,
                    "regions": ["cn-hangzhou"],
                }
            ],
            "segments": [{"name": "onprem", "cidrs": ["172.16.0.0/12"]}],
        }
    )
    teardown = plan_policy(emptied, lambda _: adapter, lambda _: None).plan
    assert teardown is not None
    assert {ch.action for ch in teardown.changes} == {Action.DELETE}
    victim = c.owned_groups(server, "ali-test")[0]["SecurityGroupId"]
    c.rpc(server, c.ECS, "DeleteSecurityGroup", SecurityGroupId=victim)
    report = apply_plan(teardown, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    assert c.owned_groups(server, "ali-test") == []


def test_rule_quota_is_checked_at_plan_time_with_the_alibaba_default() -> None:
    raw = policy().model_dump(by_alias=True)
    raw["accounts"][0]["quotas"] = {"rules_per_group": 1}
    tight = Policy.model_validate(raw)
    scope = Scope("alibaba", c.ACCOUNT, "cn-hangzhou")
    from orchestrator.state import Network, ScopeInventory

    nets = tuple(
        Network(f"vpc-{s}", (cidr,), {"segment": s})
        for s, cidr in (("web", "10.10.0.0/16"), ("app", "10.20.0.0/16"), ("db", "10.30.0.0/16"))
    )
    desired = compile_policy(tight, {scope: ScopeInventory(scope, nets)})
    assert any("the limit is 1" in d.summary for d in desired.diagnostics)
    default = compile_policy(policy(), {scope: ScopeInventory(scope, nets)})
    assert not [d for d in default.diagnostics if "limit" in d.summary]
