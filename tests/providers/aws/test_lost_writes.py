"""Writes whose answer is lost, on the sandbox AWS (the landing zone and the sandbox policy).

Faults are injected through botocore's own hooks on the adapter's client (``on_client``), never
by patching: ``after-call`` raises a read timeout once the server has done the write (retries
exhausted, the answer lost); ``before-send`` sends the request itself, then answers 503 so botocore
retries a write that already happened. Everything is read back through boto3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

from moto_fixtures.aws import console
from moto_fixtures.aws.seed import SeedReport
from orchestrator.apply import ApplyReport, apply_plan
from orchestrator.model import load_policy
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.state import Action, Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter
from providers.aws.route_records import read_record

ACCOUNT = "111111111111"
POLICY = load_policy([Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"]).policy


class LoseAnswers:
    """An ``on_client`` hook: the first ``times`` calls of ``action`` are done by the server and
    their answers lost (``after-call`` raises), or, with ``retried``, sent once by the hook and
    answered 503, so botocore sends them again."""

    def __init__(self, action: str, times: int = 1, *, retried: bool = False) -> None:
        self.action, self.left, self.retried = action, times, retried

    def __call__(self, client: Any) -> None:
        if self.retried:
            client.meta.events.register(f"before-send.ec2.{self.action}", self._send_then_503)
        else:
            client.meta.events.register(f"after-call.ec2.{self.action}", self._lose)

    def _lose(self, **_: Any) -> None:
        if self.left > 0:
            self.left -= 1
            raise ReadTimeoutError(endpoint_url=f"lost answer to {self.action}")

    def _send_then_503(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.left <= 0:
            return None
        self.left -= 1
        URLLib3Session().send(request)  # the write happens; its answer never arrives
        raw: Any = _Raw(b"<Response><Errors><Error><Code>ServiceUnavailable</Code></Error>"
                        b"</Errors></Response>")  # fmt: skip
        return AWSResponse(request.url, 503, HTTPHeaders(), raw)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def _adapter(sandbox: dict[str, Any], hook: Callable[[Any], None] | None = None) -> AwsAdapter:
    target = Target("aws", ACCOUNT, "aws-sandbox")
    return make_aws_adapter(target, policy=POLICY.name, sandbox=sandbox, on_client=hook)


def _plan(adapter: AwsAdapter) -> PlanResult:
    result = plan_policy(POLICY, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result


def _apply(adapter: AwsAdapter) -> ApplyReport:
    plan = _plan(adapter).plan
    assert plan is not None
    return apply_plan(plan, lambda _: adapter)


def test_a_route_whose_create_answer_was_lost_keeps_its_claim_and_converges(
    seeded_aws: SeedReport, sandbox: dict[str, Any]
) -> None:
    lose = LoseAnswers("CreateRoute")
    report = _apply(_adapter(sandbox, lose))
    assert lose.left == 0  # the fault really happened
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    for table in ec2.describe_route_tables()["RouteTables"]:
        tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
        claimed = read_record(tags, POLICY.name)
        routed = {r.get("DestinationCidrBlock") for r in table["Routes"]}
        assert set(claimed) <= routed, table["RouteTableId"]
        ours = [r for r in table["Routes"] if r.get("DestinationCidrBlock") in claimed]
        assert len(ours) == len(claimed)
    again = _plan(_adapter(sandbox))
    assert again.plan is not None
    assert not again.plan.has_changes, [c.key for c in again.plan.changes]
    assert not [d.summary for d in again.diagnostics if "not eastwest's" in d.summary]


def _tables_by_key(sandbox: dict[str, Any]) -> dict[str, list[str]]:
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    found: dict[str, list[str]] = {}
    for t in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        tags = {x["Key"]: x["Value"] for x in t.get("Tags", [])}
        if t.get("State") not in ("deleting", "deleted") and "eastwest:key" in tags:
            found.setdefault(tags["eastwest:key"], []).append(t["TransitGatewayRouteTableId"])
    return found


@pytest.mark.parametrize(
    ("times", "retried"),
    [(2, True), (1, False)],
    ids=["sent-again-by-botocore", "answer-lost-after-retries"],
)
def test_a_hub_table_whose_create_answer_was_lost_is_left_once_and_converges(
    seeded_aws: SeedReport, sandbox: dict[str, Any], times: int, retried: bool
) -> None:
    lose = LoseAnswers("CreateTransitGatewayRouteTable", times=times, retried=retried)
    report = _apply(_adapter(sandbox, lose))
    assert lose.left == 0  # the faults really happened
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    tables = _tables_by_key(sandbox)
    assert tables
    assert {k: v for k, v in tables.items() if len(v) > 1} == {}
    again = _plan(_adapter(sandbox))
    assert again.plan is not None
    assert not again.plan.has_changes, [c.key for c in again.plan.changes]


def test_two_owned_tables_with_one_key_are_an_error_in_observe_not_read_over(
    seeded_aws: SeedReport, sandbox: dict[str, Any]
) -> None:
    assert _apply(_adapter(sandbox)).ok
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    key, (table_id,) = sorted(_tables_by_key(sandbox).items())[0]
    original = ec2.describe_transit_gateway_route_tables(TransitGatewayRouteTableIds=[table_id])
    twin: Any = [{"ResourceType": "transit-gateway-route-table",
                  "Tags": original["TransitGatewayRouteTables"][0]["Tags"]}]  # fmt: skip
    hub = original["TransitGatewayRouteTables"][0]["TransitGatewayId"]
    ec2.create_transit_gateway_route_table(TransitGatewayId=hub, TagSpecifications=twin)

    result = plan_policy(POLICY, lambda _: _adapter(sandbox), lambda _: None)
    # The scope is skipped (a partial plan), never planned over the duplicate.
    assert result.plan is not None
    assert not result.plan.complete
    assert any(key in d.summary and "two objects carry" in d.summary for d in result.diagnostics)
    assert not [
        c for c in (result.plan.changes if result.plan else ()) if c.action.name == "DELETE"
    ]


class _Killed(BaseException):
    """The process dies here (a BaseException: nothing in eastwest catches it)."""


class KillAt:
    """An ``on_client`` hook: the first call of ``action`` kills the run before it is sent."""

    def __init__(self, action: str) -> None:
        self.action, self.armed = action, True

    def __call__(self, client: Any) -> None:
        client.meta.events.register(f"before-call.ec2.{self.action}", self._kill)

    def _kill(self, **_: Any) -> None:
        if self.armed:
            self.armed = False
            raise _Killed(self.action)


def _open_egress(sandbox: dict[str, Any]) -> list[str]:
    """eastwest's groups that still allow all egress."""
    return [
        g["GroupName"]
        for g in console.managed_groups(console.sandbox_ec2(sandbox, ACCOUNT))
        for p in g.get("IpPermissionsEgress", [])
        if p.get("IpProtocol") == "-1" and {"CidrIp": "0.0.0.0/0"} in p.get("IpRanges", [])
    ]


@pytest.mark.parametrize("saved", [True, False], ids=["same-plan-again", "planned-again"])
def test_a_run_killed_between_creating_a_group_and_closing_its_egress_is_closed_on_rerun(
    seeded_aws: SeedReport, sandbox: dict[str, Any], saved: bool
) -> None:
    """Re-running the same plan adopts the group and closes it in the same step; a new plan
    sees the open egress as drift on an owned group, and removes it."""
    plan = _plan(_adapter(sandbox)).plan
    assert plan is not None
    kill = KillAt("RevokeSecurityGroupEgress")
    with pytest.raises(_Killed):
        apply_plan(plan, lambda _: _adapter(sandbox, kill))
    assert _open_egress(sandbox)  # the state the crash left

    if not saved:
        plan = _plan(_adapter(sandbox)).plan
        assert plan is not None
        gone = [c.key for c in plan.changes if c.action is Action.DELETE]
        assert [k for k in gone if k.endswith("/egress/any/cidr:0.0.0.0/0")], gone
    report = apply_plan(plan, lambda _: _adapter(sandbox))

    assert report.ok, [r.message for _, r in report.results if not r.ok]
    assert _open_egress(sandbox) == []
    again = _plan(_adapter(sandbox))
    assert again.plan is not None
    assert not again.plan.has_changes, [c.key for c in again.plan.changes]
