"""Benchmark: the client CPU of one reconciler tick as the estate grows (issue 13).

The estate of ``reconcile_scale.py`` (one account and region per partition, one VPC each, web
may reach db), on the local AWS in a process of its own, with no latency and no rate limits:
only CPU is measured. The interval's shared snapshot is read and compiled by the first tick;
then ``ticks`` more partitions are ticked one after another (audit mode, access check on), and
the client CPU (``time.process_time``) per tick is printed. A tick that costs its own scope is
flat in P; one that resolves the whole estate again grows with it. ``--profile`` adds the
cProfile of the ticks at the largest P (one thread: the ticks run on the calling thread here;
that row's CPU then includes the profiler's, about twice the tick's own). ``--flows`` gives
the ticks a flow store (``eastwest run --flows-store``): every web VPC talks to the next db
VPC on tcp/5432 (allowed) and tcp/22 (blocked), so each tick dry-runs its own conversations
against the estate's attribution; the row then also says how many attributions were built.
``--parts`` instead prints the CPU of the per-estate work a tick did before and what replaced
it (is the partition still governed; a hub partition's placements for its firewall plan).

Run: ``.venv/bin/python -m tests.benchmarks.tick_cost [P…] [--ticks N] [--flows] [--profile]``
or ``.venv/bin/python -m tests.benchmarks.tick_cost [P…] --parts``.
"""

from __future__ import annotations

import cProfile
import ipaddress
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml

from orchestrator.commands import AdapterCache
from orchestrator.compile.membership import resolve_membership
from orchestrator.flows.audit import FlowDryRun
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy
from orchestrator.pipeline import (
    AdapterFor,
    PlanResult,
    policy_scopes,
)
from orchestrator.reconcile.governed import governed_scopes
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Network, Scope, ScopeInventory
from tests.benchmarks.aws_endpoint import Endpoint, own_process
from tests.benchmarks.reconcile_scale import (
    INTERVAL,
    _cidr,
    _scope,
    _segment,
    calm,
    estate_body,
    prepare,
)


def flow_store(directory: Path, partitions: int) -> Path:
    """Two conversations per web scope with the next db scope: tcp/5432, which the policy
    allows, and tcp/22, which it blocks; each logged both ways, as AWS flow logs do."""
    lines = []
    for i in range(0, partitions - 1, 2):
        web, db = _address(i), _address(i + 1)
        for n, port in enumerate((5432, 22)):
            t = 1_700_000_000 + 60 * n
            lines.append(f"2 {i} eni-{i} {web} {db} 40000 {port} 6 1 60 {t} {t} ACCEPT OK")
            lines.append(f"2 {i} eni-{i + 1} {db} {web} {port} 40000 6 1 60 {t} {t} ACCEPT OK")
    (directory / "flows.log").write_text("\n".join(lines) + "\n")
    store = directory / "flows.duckdb"
    with FlowStore(store) as opened:
        ingest_paths(opened, [directory / "flows.log"])
    return store


def _address(index: int) -> str:
    """An address inside the VPC of scope ``index`` (``reconcile_scale._cidr``)."""
    network = ipaddress.ip_network(_cidr(index))
    return str(network.network_address + 5)


def tick_cpu(
    server: Endpoint,
    partitions: int,
    ticks: int,
    profile: cProfile.Profile | None = None,
    *,
    flows: bool = False,
) -> tuple[float, int, FlowDryRun | None]:
    """Client CPU seconds per tick after the first, how many ticks were measured, and the
    flow dry run the ticks shared (``--flows``)."""
    sandbox = prepare(server, partitions)
    calm(server.url)  # CPU only: no latency, no buckets to wait on
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(yaml.safe_dump(estate_body(partitions), sort_keys=False))
        source = PolicySource([path])
        cache = AdapterCache("scale", sandbox)

        def adapters(_name: str) -> AdapterFor:
            return cache

        check = FlowDryRun(flow_store(Path(tmp), partitions)) if flows else None
        tick = Tick(Mode.AUDIT, compile=SharedCompile(INTERVAL), flows=check)
        first, *rest = partitions_of(source.load().loaded.policy)
        reconcile_once(first, source, adapters, tick)  # reads and compiles the snapshot
        measured = rest[:ticks]
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        for partition in measured:
            reconcile_once(partition, source, adapters, tick)
        if profile is not None:
            profile.disable()
        return (time.process_time() - cpu) / len(measured), len(measured), check


def parts(partitions: int) -> dict[str, float]:
    """CPU milliseconds a call of what a tick did per estate before issue 13's changes, and of
    what it does now, on the estate's policy and an inventory as the sandbox's (no cloud)."""
    policy = Policy.model_validate(estate_body(partitions))
    inventory = {}
    for i in range(partitions):
        scope = Scope("aws", *_scope(i))
        network = Network(f"vpc-{i}", (_cidr(i),), {"segment": _segment(i)})
        inventory[scope] = ScopeInventory(scope, (network,))
    carried = PlanResult(None, None, (), inventory, resolve_membership(policy, inventory))
    return {
        "governed? walking the policy (before)": _per_call(lambda: policy_scopes(policy), 100),
        "governed? once per policy (now)": _per_call(lambda: governed_scopes(policy), 10_000),
        "hub: resolving the estate (before)": _per_call(
            lambda: resolve_membership(policy, inventory), 10
        ),
        "hub: the carried placements (now)": _per_call(lambda: carried.placements(policy), 10_000),
    }


def _per_call(call: Callable[[], object], times: int) -> float:
    cpu = time.process_time()
    for _ in range(times):
        call()
    return 1000 * (time.process_time() - cpu) / times


def main(sizes: tuple[int, ...], ticks: int, *, profile: bool, flows: bool) -> None:
    print("| partitions | flows | ticks measured | client_cpu_per_tick_ms | attributions built |")
    print("|---|---|---|---|---|")
    with own_process() as server:
        for partitions in sizes:
            last = profile and partitions == sizes[-1]
            profiler = cProfile.Profile() if last else None
            per_tick, measured, check = tick_cpu(server, partitions, ticks, profiler, flows=flows)
            views = "-" if check is None else str(check.views)
            row = f"| {partitions} | {'yes' if flows else 'no'} | {measured} "
            print(f"{row}| {1000 * per_tick:.1f} | {views} |", flush=True)
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats("/orchestrator/", 25)


if __name__ == "__main__":
    args = sys.argv[1:]
    ticks = int(args[args.index("--ticks") + 1]) if "--ticks" in args else 100
    numbers = [a for i, a in enumerate(args) if a.isdigit() and args[i - 1] != "--ticks"]
    sizes = tuple(int(a) for a in numbers) or (10, 100, 1000)
    if "--parts" in args:
        print("| partitions | part | cpu_ms_per_call |\n|---|---|---|")
        for size in sizes:
            for part, ms in parts(size).items():
                print(f"| {size} | {part} | {ms:.4f} |", flush=True)
    else:
        main(sizes, ticks, profile="--profile" in args, flows="--flows" in args)
