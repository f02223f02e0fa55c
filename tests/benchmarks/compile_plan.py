"""Benchmark: compile and first plan of a large estate, in time and peak memory, with the growth
exponent (the slope of log time over log rules; 1.0 is linear).

The estate is the API-call benchmark's (``tests/providers/aws/estate.py``): VPCs in 5
tag-selected segments, 20 rules per security group, held in memory instead of a sandbox, and a
first plan against an empty observation (everything is created). Each size runs in its own
process so that its peak resident memory (``ru_maxrss``) is its own. CPU time
(``time.process_time``) is reported beside wall time: the machine is shared, and wall time
counts the other work on it.

Run: ``make bench`` (or ``.venv/bin/python -m tests.benchmarks.compile_plan [RULES…]``).
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

from orchestrator.compile import compile_policy
from orchestrator.plan import make_plan
from orchestrator.state import Network, ObservedScope, Scope, ScopeInventory
from tests.providers.aws.estate import ACCOUNT, estate_policy, vpc_layout

SEGMENTS = 5
RULES_PER_GROUP = 20  # what a first plan of this estate creates per security group
SIZES = (1_000, 10_000, 100_000, 300_000)
SCOPE = Scope("aws", ACCOUNT, "us-east-1")


def estate(rules: int) -> dict[Scope, ScopeInventory]:
    """The inventory of an estate whose first plan creates about ``rules`` flow rules."""
    vpcs = max(SEGMENTS, rules // RULES_PER_GROUP)
    nets = tuple(
        Network(f"vpc-{i:08x}", (cidr,), {"segment": segment})
        for i, (cidr, segment) in enumerate(vpc_layout(vpcs, SEGMENTS))
    )
    return {SCOPE: ScopeInventory(SCOPE, nets)}


def measure(rules: int) -> dict[str, float]:
    """Compile and first plan in this process: counts, CPU and wall seconds, peak RSS."""
    inventory = estate(rules)
    policy = estate_policy(SEGMENTS, name="bench")
    wall, cpu = time.perf_counter(), time.process_time()
    desired = compile_policy(policy, inventory)
    compile_cpu = time.process_time() - cpu
    observed = {s: ObservedScope(s, {}, {}) for s in desired.targets}
    plan = make_plan(desired, observed, desired.targets)
    total_cpu, total_wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "rules": sum(1 for c in plan.changes if c.resource.kind == "flow_rule"),
        "groups": sum(1 for c in plan.changes if c.resource.kind == "firewall_group"),
        "changes": len(plan.changes),
        "errors": sum(1 for d in plan.diagnostics if d.severity == "error"),
        "compile_cpu_s": compile_cpu,
        "plan_cpu_s": total_cpu - compile_cpu,
        "cpu_s": total_cpu,
        "wall_s": total_wall,
        # Linux reports KiB: the whole process (interpreter and imports included).
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_apart(rules: int) -> dict[str, float]:
    """``measure`` in a fresh interpreter, so that peak memory is this size's alone."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.compile_plan", "--one", str(rules)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    row: dict[str, float] = json.loads(out)
    return row


def slope(rows: Sequence[dict[str, float]], column: str) -> float:
    """Least-squares slope of log(column) over log(rules)."""
    xs = [math.log(r["rules"]) for r in rows]
    ys = [math.log(max(r[column], 1e-6)) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mx) ** 2 for x in xs)


HEADER = ("rules", "changes", "compile_cpu_s", "plan_cpu_s", "cpu_s", "wall_s", "peak_mb")


def table(rows: Sequence[dict[str, float]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = [f"{row[h]:.2f}" if h.endswith(("_s", "_mb")) else str(int(row[h])) for h in HEADER]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(argv: Sequence[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    for rules in sizes:
        rows.append(measure_apart(rules))
        print(table(rows)[-1] if len(rows) > 1 else "\n".join(table(rows)), flush=True)
    if len(rows) > 1:
        upper = rows[-2:]
        print(
            f"\ngrowth exponent (log-log slope of CPU time over rules): "
            f"{slope(rows, 'cpu_s'):.2f} over all sizes, "
            f"{slope(upper, 'cpu_s'):.2f} from {int(upper[0]['rules'])} to "
            f"{int(upper[1]['rules'])}; wall {slope(upper, 'wall_s'):.2f}; "
            f"peak memory {slope(upper, 'peak_mb'):.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
