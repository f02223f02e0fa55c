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
from collections import Counter
from typing import Any

from moto_fixtures.aws import console
from moto_fixtures.aws.server import start_aws_server
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter

ACCOUNT = "111111111111"
SEGMENTS = 5
READS = ("Describe", "Get", "Search")


class Calls:
    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()

    def __call__(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.by_operation.items() if not op.startswith(READS))


def policy() -> Policy:
    names = [f"s{i}" for i in range(SEGMENTS)]
    rules = [
        {"name": f"{a}-{b}", "from": a, "to": b, "ports": ["tcp/443", "tcp/8443"]}
        for a in names
        for b in names
        if a != b
    ]
    rules += [
        {"name": f"vpn-{a}", "from": "onprem", "to": a, "ports": ["tcp/22", "udp/53"]}
        for a in names
    ]
    return Policy.model_validate(
        {
            "version": 1,
            "name": "bench",
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "segments": [
                *(
                    {
                        "name": n,
                        "members": [
                            {"account": "prod", "region": "us-east-1", "tags": {"segment": n}}
                        ],
                    }
                    for n in names
                ),
                {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
            ],
            "rules": rules,
        }
    )


def build_vpcs(sandbox: dict[str, Any], count: int) -> None:
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    per_segment = max(1, count // SEGMENTS)
    for i in range(count):
        ec2.create_vpc(
            CidrBlock=f"10.{i // 250}.{i % 250}.0/24",
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [{"Key": "segment", "Value": f"s{i // per_segment}"}],
                }
            ],
        )


def adapter(sandbox: dict[str, Any], calls: Calls) -> AwsAdapter:
    return make_aws_adapter(
        Target("aws", ACCOUNT, "prod"), policy="bench", sandbox=sandbox, on_client=calls
    )


def make_plan(pol: Policy, ad: AwsAdapter) -> Plan:
    result = plan_policy(pol, lambda _: ad, lambda _: None)
    if result.plan is None:
        raise SystemExit("; ".join(map(str, result.diagnostics)))
    return result.plan


def measure(url: str, groups: int) -> dict[str, float]:
    reset = urllib.request.Request(url + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=30):
        pass
    sandbox = {"aws": {"endpoint_url": url, "access_key_id": "AKIAB", "secret_access_key": "x"}}
    build_vpcs(sandbox, groups)
    pol = policy()
    first = Calls()
    ad = adapter(sandbox, first)
    start = time.perf_counter()
    plan = make_plan(pol, ad)
    report = apply_plan(plan, lambda _: ad)
    apply_s = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"apply failed: {report.errors}")
    rules = sum(1 for c in plan.changes if c.resource.kind == "flow_rule")
    noop = Calls()
    start = time.perf_counter()
    again = make_plan(pol, adapter(sandbox, noop))
    plan_s = time.perf_counter() - start
    if again.has_changes:
        raise SystemExit("the second plan is not empty")
    return {
        "groups": groups,
        "rules": rules,
        "apply_calls": first.total,
        "apply_writes": first.writes,
        "writes_per_rule": first.writes / rules,
        "noop_plan_calls": noop.total,
        "apply_s": apply_s,
        "noop_plan_s": plan_s,
    }


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


def main() -> None:
    server = start_aws_server()
    try:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "---|" * len(HEADER))
        for groups in (10, 50, 250):
            row = measure(server.url, groups)
            cells = [
                f"{row[h]:.3f}" if h.endswith(("_s", "_rule")) else str(int(row[h])) for h in HEADER
            ]
            print("| " + " | ".join(cells) + " |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
