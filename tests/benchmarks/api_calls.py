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
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter
from tests.providers.aws.estate import (
    ACCOUNT,
    CallCounter,
    attach_vpcs,
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
    reset = urllib.request.Request(url + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30):
        pass
    sandbox = {"aws": {"endpoint_url": url, "access_key_id": "AKIAB", "secret_access_key": "x"}}
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


def table(url: str, header: tuple[str, ...], sizes: tuple[int, ...], *, transit: bool) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for groups in sizes:
        row = measure(url, groups, transit=transit)
        cells = [
            f"{row[h]:.3f}" if h.endswith(("_s", "_rule")) else str(int(row[h])) for h in header
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
    finally:
        server.stop()


if __name__ == "__main__":
    main()
