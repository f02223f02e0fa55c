"""Benchmark: plans and reconciler intervals over many scopes on the latency-injected sandbox.

The local AWS (moto) answers every call 50 ms late (``/_eastwest/faults``' ``latency``) and
holds every account and region to EC2's published request buckets (``/_eastwest/limits``
``published``); eastwest's clients hold themselves to the same buckets (``client_rate_limits``).
Each scope is one account and region with one VPC, tagged ``web`` or ``db`` by turn (10 regions
per account); web may reach db on tcp/5432, so every scope's desired state depends on the
inventory of the others.

1. A plan over 40 scopes, sequential (``workers=1``) and side by side (the default), against
   the plan of one scope: side by side it should cost about the slowest scope, not the sum. The
   local AWS serves from a process of its own (the sandbox daemon), so the CPU counted is the
   client's alone, as against a real cloud, and the server's is counted apart; a second row
   serves it in the benchmark's process, as the tests do. ``--profile`` (needs ``yappi``,
   installed by hand: not a dependency) splits the client's CPU of the side-by-side plan by
   package across all its threads.
2. One reconciler interval at P = 10, 100, 1,000 partitions (audit mode, every partition ticked
   once on the scheduler's 8 threads, as ``eastwest run`` does): API calls per partition, wall
   time, and the throttled calls. With the shared snapshot the calls per partition are flat;
   the "per-tick compile" row (each tick reads every scope, as before) is shown at P = 10.

Run: ``make bench`` (or ``.venv/bin/python -m tests.benchmarks.reconcile_scale [P…]
[--no-plan] [--no-intervals] [--profile]``). The intervals use the server of its own
process.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import yaml

from moto_fixtures.aws.many import ScopeVpc, seed_vpcs
from moto_fixtures.aws.server import AwsServer, start_aws_server
from orchestrator.commands import AdapterCache
from orchestrator.fanout import fan_out
from orchestrator.model.policy import Policy
from orchestrator.pipeline import AdapterFor, compile_for, plan_policy
from orchestrator.reconcile.once import CompileFn, Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from tests.benchmarks.aws_endpoint import Endpoint, InProcess, own_process
from tests.benchmarks.cpu_profile import Profile, by_package

LATENCY = 0.05
INTERVAL = 300.0
SCHEDULER_WORKERS = 8  # eastwest run's default thread pool
REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-south-1",
)


def _scope(index: int) -> tuple[str, str]:
    return f"{200000000000 + index // len(REGIONS)}", REGIONS[index % len(REGIONS)]


def _cidr(index: int) -> str:
    """Each segment's VPCs side by side in its own /16, so its address set aggregates."""
    k = index // 2
    return f"10.{1 + index % 2}.{k // 16}.{k % 16 * 16}/28"


def _segment(index: int) -> str:
    return ("web", "db")[index % 2]


def estate_body(scopes: int) -> dict[str, Any]:
    accounts: dict[str, list[str]] = {}
    for i in range(scopes):
        account, region = _scope(i)
        accounts.setdefault(account, []).append(region)
    members: dict[str, list[dict[str, Any]]] = {"web": [], "db": []}
    for i in range(scopes):
        account, region = _scope(i)
        member = {"account": f"a{account}", "region": region, "tags": {"segment": _segment(i)}}
        members[_segment(i)].append(member)
    return {
        "version": 1,
        "name": "scale",
        "accounts": [
            {"name": f"a{a}", "cloud": "aws", "account_id": a, "regions": r}
            for a, r in accounts.items()
        ],
        # A segment with no scope (the one-scope plan's db) is external: addresses only.
        "segments": [
            {"name": s, "members": m} if m else {"name": s, "cidrs": ["172.16.0.0/12"]}
            for s, m in members.items()
        ],
        "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
    }


def _post(url: str, body: object | None = None, method: str = "POST") -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else None


def calm(url: str) -> None:
    """No latency and no limits: the server as the tests share it."""
    _post(f"{url}/_eastwest/faults", method="DELETE")
    _post(f"{url}/_eastwest/limits", method="DELETE")


def prepare(server: Endpoint | AwsServer, scopes: int) -> dict[str, Any]:
    """Reset, seed one VPC per scope (fast: no latency, no limits yet), then slow it down."""
    if isinstance(server, AwsServer):  # worker_scale.py's in-process server
        server = InProcess(server)
    url = server.url
    _post(f"{url}/moto-api/reset")
    calm(url)
    seed_vpcs(
        url, (ScopeVpc(*_scope(i), _cidr(i), {"segment": _segment(i)}) for i in range(scopes))
    )
    _post(f"{url}/_eastwest/faults", {"latency": LATENCY})
    _post(f"{url}/_eastwest/limits", {"published": True})
    server.clear_calls()
    return {
        "aws": {"endpoint_url": url, "access_key_id": "AKIAB", "secret_access_key": "x"},
        "client_rate_limits": True,
    }


def _quiet(_: str) -> None:
    pass


def measure_plan(
    server: Endpoint, scopes: int = 40, profile: Profile | None = None
) -> dict[str, Any]:
    sandbox = prepare(server, scopes)
    try:
        return _plans(server, sandbox, scopes, profile)
    finally:
        calm(server.url)


def _plans(
    server: Endpoint, sandbox: dict[str, Any], scopes: int, profile: Profile | None
) -> dict[str, Any]:
    policy = Policy.model_validate(estate_body(scopes))
    one = Policy.model_validate(estate_body(1))
    times: dict[str, Any] = {"server": server.where, "scopes": scopes}
    for label, pol, workers in (("one_scope_s", one, 1), ("sequential_s", policy, 1)):
        start = time.perf_counter()
        plan_policy(pol, AdapterCache("scale", sandbox), _quiet, workers=workers)
        times[label] = time.perf_counter() - start
    server.clear_calls()
    served, start, cpu = server.server_cpu(), time.perf_counter(), time.process_time()
    with by_package(profile):
        result = plan_policy(policy, AdapterCache("scale", sandbox), _quiet)
    times["concurrent_s"] = time.perf_counter() - start
    times["client_cpu_s"] = time.process_time() - cpu
    after = server.server_cpu()
    times["server_cpu_s"] = None if after is None or served is None else after - served
    if result.plan is None or result.failed:
        raise SystemExit(f"the plan failed: {result.diagnostics}")
    return {"calls": server.calls(), **times}


def measure_interval(server: Endpoint, partitions: int, compile_fn: CompileFn) -> dict[str, Any]:
    sandbox = prepare(server, partitions)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(yaml.safe_dump(estate_body(partitions), sort_keys=False))
        source = PolicySource([path])
        cache = AdapterCache("scale", sandbox)
        tick = Tick(Mode.AUDIT, compile=compile_fn)

        def adapters(_name: str) -> AdapterFor:
            return cache

        def one(partition: Partition) -> Outcome:
            return reconcile_once(partition, source, adapters, tick).outcome

        served, start, cpu = server.server_cpu(), time.perf_counter(), time.process_time()
        try:
            outcomes = fan_out(partitions_of(source.load().loaded.policy), one, SCHEDULER_WORKERS)
        finally:
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            after = server.server_cpu()
            limits = _post(f"{server.url}/_eastwest/limits", method="GET")
            calm(server.url)
    calls = server.calls()
    return {
        "partitions": partitions,
        "compile": "shared snapshot" if isinstance(compile_fn, SharedCompile) else "per tick",
        "calls": calls,
        "calls_per_partition": calls / partitions,
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": None if after is None or served is None else after - served,
        "throttled": limits["throttled"],
        "outcomes": dict(Counter(str(o) for o in outcomes)),
    }


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _plan_table(own: Endpoint, *, profile: bool) -> None:
    """The plan over 40 scopes, against the server of its own process, then in this one."""
    print(
        "| server | scopes | calls | one_scope_s | sequential_s | concurrent_s | client_cpu_s "
        "| client_cpu_per_scope_ms | server_cpu_s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    local = start_aws_server()
    try:
        for server in (own, InProcess(local)):
            row = measure_plan(server)
            print(
                f"| {row['server']} | {row['scopes']} | {row['calls']} | "
                f"{row['one_scope_s']:.2f} | {row['sequential_s']:.2f} | "
                f"{row['concurrent_s']:.2f} | {row['client_cpu_s']:.2f} | "
                f"{1000 * row['client_cpu_s'] / row['scopes']:.0f} | "
                f"{_seconds(row['server_cpu_s'])} |",
                flush=True,
            )
    finally:
        local.stop()
    if profile:  # a run of its own: yappi's hooks cost more CPU than they measure
        shares: Profile = Counter()
        measure_plan(own, profile=shares)
        _profile_table(shares)
    print()


def _profile_table(shares: Profile) -> None:
    total = sum(shares.values())
    print("\nThe side-by-side plan's client CPU by package (yappi, every thread; self time):\n")
    print("| package | cpu_s | share |\n|---|---|---|")
    for package, seconds in shares.most_common():
        print(f"| {package} | {seconds:.2f} | {seconds / total:.0%} |")


def main(
    sizes: tuple[int, ...] = (10, 100, 1000), *, plan: bool = True, profile: bool = False
) -> None:
    """``sizes`` empty: the plan table only."""
    with own_process() as server:
        if plan:
            _plan_table(server, profile=profile)
        if sizes:
            _interval_table(server, sizes)


def _interval_table(server: Endpoint, sizes: tuple[int, ...]) -> None:
    print(
        "| partitions | compile | calls | calls_per_partition | wall_s | cpu_s "
        "| server_cpu_s | throttled |"
    )
    print("|---|---|---|---|---|---|---|---|")
    runs: list[tuple[int, CompileFn]] = [(10, compile_for)]
    runs += [(p, SharedCompile(INTERVAL)) for p in sizes]
    for partitions, compile_fn in runs:
        got = measure_interval(server, partitions, compile_fn)
        print(
            f"| {got['partitions']} | {got['compile']} | {got['calls']} | "
            f"{got['calls_per_partition']:.2f} | {got['wall_s']:.1f} | {got['cpu_s']:.1f} | "
            f"{_seconds(got['server_cpu_s'])} | {got['throttled']} |"
            f"  <!-- {got['outcomes']} -->",
            flush=True,
        )


if __name__ == "__main__":
    flags = {"--no-plan", "--profile", "--no-intervals"}
    args = [a for a in sys.argv[1:] if a not in flags]
    sizes = tuple(int(a) for a in args) or (10, 100, 1000)
    main(
        () if "--no-intervals" in sys.argv else sizes,
        plan="--no-plan" not in sys.argv,
        profile="--profile" in sys.argv,
    )
