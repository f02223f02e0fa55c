"""Benchmark: API calls per plan and apply as the estate grows (counts, not seconds).

The real limit of this job is each cloud's API rate limit, so the numbers that matter are calls:
a no-op plan should cost a constant handful whatever the size, and an apply should cost about
one write per security group and direction, never one per rule.

Run: ``make bench`` (or ``.venv/bin/python -m tests.benchmarks.api_calls``). Wall-clock times are
printed for orientation only; they are noisy on shared machines.
"""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from moto_fixtures.aws.server import start_aws_server
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter
from tests.benchmarks import api_calls_access, interfaces
from tests.providers.aws.estate import (
    ACCOUNT,
    CallCounter,
    attach_vpcs,
    build_interfaces,
    build_vpcs,
    estate_policy,
)

SEGMENTS = 5


def adapter(sandbox: dict[str, Any], calls: CallCounter) -> AwsAdapter:
    return make_aws_adapter(
        Target("aws", ACCOUNT, "prod"), policy="bench", sandbox=sandbox, on_client=calls
    )


def make_plan(pol: Policy, ad: AwsAdapter) -> Plan:
    result = plan_policy(pol, lambda _: ad, lambda _: None)
    if result.plan is None:
        raise SystemExit("; ".join(map(str, result.diagnostics)))
    return result.plan


def measure(url: str, groups: int, *, transit: bool = False) -> dict[str, float]:
    sandbox = _reset(url)
    build_vpcs(sandbox, groups, SEGMENTS)
    hub = attach_vpcs(sandbox) if transit else None
    pol = estate_policy(SEGMENTS, name="bench", hub=hub)
    first = CallCounter()
    ad = adapter(sandbox, first)
    start = time.perf_counter()
    plan = make_plan(pol, ad)
    report = apply_plan(plan, lambda _: ad)
    apply_s = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"apply failed: {report.errors}")
    rules = sum(1 for c in plan.changes if c.resource.kind == "flow_rule")
    routing = sum(1 for c in plan.changes if c.resource.kind in ROUTING_KINDS)
    noop = CallCounter()
    start = time.perf_counter()
    again = make_plan(pol, adapter(sandbox, noop))
    plan_s = time.perf_counter() - start
    if again.has_changes:
        raise SystemExit("the second plan is not empty")
    return {
        "groups": groups,
        "rules": rules,
        "routing": routing,
        "apply_calls": first.total,
        "apply_writes": first.writes,
        "writes_per_rule": first.writes / rules,
        "noop_plan_calls": noop.total,
        "apply_s": apply_s,
        "noop_plan_s": plan_s,
    }


def measure_attachment(url: str, interfaces: int, groups: int = 50) -> dict[str, float]:
    """An apply that attaches ``groups`` groups to ``interfaces`` ENIs, the no-op plan after
    it, and the plan and apply that pick up one new ENI."""
    sandbox = _reset(url)
    build_vpcs(sandbox, groups, SEGMENTS)
    build_interfaces(sandbox, interfaces)
    pol = estate_policy(SEGMENTS, name="bench")
    first = CallCounter()
    ad = adapter(sandbox, first)
    start = time.perf_counter()
    report = apply_plan(make_plan(pol, ad), lambda _: ad)
    apply_s = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"apply failed: {report.errors}")
    noop = CallCounter()
    if make_plan(pol, adapter(sandbox, noop)).has_changes:
        raise SystemExit("the second plan is not empty")
    build_interfaces(sandbox, 1)
    one = CallCounter()
    ad = adapter(sandbox, one)
    apply_plan(make_plan(pol, ad), lambda _: ad)
    return {
        "interfaces": interfaces,
        "groups": groups,
        "modify_calls": first.calls["ModifyNetworkInterfaceAttribute"],
        "apply_writes": first.writes,
        "noop_plan_calls": noop.total,
        "noop_interface_reads": noop.calls["DescribeNetworkInterfaces"],
        "new_interface_writes": one.writes,
        "apply_s": apply_s,
    }


def measure_access(url: str, interfaces: int, groups: int = 10) -> dict[str, float]:
    """The no-op plan of an applied estate with ``interfaces`` workload ENIs, without and with
    the effective-access check (``eastwest plan``'s default), each on a fresh adapter."""
    sandbox = _reset(url)
    build_vpcs(sandbox, groups, SEGMENTS)
    build_interfaces(sandbox, interfaces)
    pol = estate_policy(SEGMENTS, name="bench")
    ad = adapter(sandbox, CallCounter())
    if not apply_plan(make_plan(pol, ad), lambda _: ad).ok:
        raise SystemExit("apply failed")
    bare = CallCounter()
    if make_plan(pol, adapter(sandbox, bare)).has_changes:
        raise SystemExit("the second plan is not empty")
    checked = CallCounter()
    ad = adapter(sandbox, checked)
    result = with_access_check(plan_policy(pol, lambda _: ad, _quiet), pol, lambda _: ad, _quiet)
    if result.plan is None or result.plan.has_changes or not result.plan.access.ran:
        raise SystemExit(f"the checked plan failed: {result.diagnostics}")
    return {
        "interfaces": interfaces,
        "groups": groups,
        "noop_plan_calls": bare.total,
        "checked_plan_calls": checked.total,
        "ratio": checked.total / bare.total,
        "findings": len(result.plan.access.findings),
        # What each plan reads, by kind (one API action a kind): the minimum's terms.
        "noop_plan_kinds": len(bare.calls),
        "checked_plan_kinds": len(checked.calls),
    }


def _quiet(_: str) -> None:
    return None


def _reset(url: str) -> dict[str, Any]:
    reset = urllib.request.Request(url + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30):
        pass
    return {"aws": {"endpoint_url": url, "access_key_id": "AKIAB", "secret_access_key": "x"}}


ATTACH_HEADER = (
    "interfaces",
    "groups",
    "modify_calls",
    "apply_writes",
    "noop_plan_calls",
    "noop_interface_reads",
    "new_interface_writes",
    "apply_s",
)

ROUTING_KINDS = ("hub_table", "hub_association", "hub_propagation", "hub_route", "network_route")
HEADER = (
    "groups",
    "rules",
    "apply_calls",
    "apply_writes",
    "writes_per_rule",
    "noop_plan_calls",
    "apply_s",
    "noop_plan_s",
)


TRANSIT_HEADER = (
    "groups",
    "routing",
    "apply_calls",
    "apply_writes",
    "noop_plan_calls",
    "apply_s",
    "noop_plan_s",
)


ACCESS_HEADER = (
    "interfaces", "groups", "noop_plan_calls", "checked_plan_calls", "ratio", "findings",
)  # fmt: skip


def table(url: str, header: tuple[str, ...], sizes: tuple[int, ...], *, transit: bool) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for size in sizes:
        if header is ATTACH_HEADER:
            row = measure_attachment(url, size)
        elif header is ACCESS_HEADER:
            row = measure_access(url, size)
        else:
            row = measure(url, size, transit=transit)
        cells = [
            f"{row[h]:.3f}" if h.endswith(("_s", "_rule", "ratio")) else str(int(row[h]))
            for h in header
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    server = start_aws_server()
    try:
        print("Security groups only (no hub):\n")
        table(server.url, HEADER, (10, 50, 250), transit=False)
        print(
            "\nWith a hub: every VPC attached to one transit gateway, every segment pair direct:\n"
        )
        table(server.url, TRANSIT_HEADER, (10, 50, 250), transit=True)
        print("\nAttachment: 50 groups on N interfaces (ENIs), then one new interface:\n")
        table(server.url, ATTACH_HEADER, (100, 1000), transit=False)
        print("\nNo-op plan with the effective-access check: 10 groups, N workload ENIs:\n")
        table(server.url, ACCESS_HEADER, (10, 100), transit=False)
    finally:
        server.stop()
    print("\nAttachment on Alibaba Cloud: the seeded landing zone's 6 member VPCs, N ENIs:\n")
    interfaces.table((100, 1000))
    print("\nNo-op plan with the effective-access check on Alibaba Cloud and Azure:\n")
    api_calls_access.table()


if __name__ == "__main__":
    main()
