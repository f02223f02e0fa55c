"""Benchmark: API calls of attachment on Alibaba Cloud at N interfaces (counts, not seconds).

The Alibaba row of docs/benchmarks.md's attachment table: the seeded fake landing zone
(``moto_fixtures/alibaba``) plus secondary ENIs in the spokes' vSwitches up to ``interfaces``
in-scope ENIs, the policy ``tests/fixtures/policies/alibaba/seeded.yaml`` (``attach: add``);
one apply, the no-op plan after it, then one new ENI planned and applied. Calls are counted as
the adapter sends them (``sent``; no faults are injected, so one attempt is one call).

Run: ``.venv/bin/python -m tests.benchmarks.interfaces`` (``make bench`` runs it too, through
``tests.benchmarks.api_calls``).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.seed import SeedReport, seed_alibaba
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from orchestrator.apply import apply_plan
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from providers.alibaba.adapter import AlibabaAdapter
from tests.providers.alibaba.conftest import Sent, adapter_for, policy

READS = ("Describe", "List")
HEADER = (
    "interfaces",
    "groups",
    "interface_writes",
    "apply_writes",
    "noop_plan_calls",
    "region_interfaces",
    "noop_interface_reads",
    "noop_page_size",
    "new_interface_writes",
    "apply_s",
)


@dataclass
class Counted:
    """What one adapter sent, by action."""

    sent: Sent = field(default_factory=list)

    @property
    def calls(self) -> Counter[str]:
        return Counter(action for _, action, _ in self.sent)

    @property
    def writes(self) -> int:
        return sum(n for action, n in self.calls.items() if not action.startswith(READS))

    def params(self, action: str) -> list[dict[str, str]]:
        return [p for _, a, p in self.sent if a == action]


@contextmanager
def estate(interfaces: int) -> Iterator[tuple[AlibabaServer, SeedReport]]:
    """The seeded fake with secondary ENIs added until ``interfaces`` ENIs are in scope."""
    with start_alibaba_server() as server:
        report = seed_alibaba(server)
        add_interfaces(server, report, interfaces - len(in_scope(server, report)))
        server.calls.clear()
        yield server, report


def in_scope(server: AlibabaServer, report: SeedReport) -> list[str]:
    spokes = {report.vpcs[s.name] for s in lz.SPOKES}
    excluded = set(report.excluded_interfaces.values())
    enis = server.backend.workloads.enis.values()
    return [e.eni_id for e in enis if e.vpc_id in spokes and e.eni_id not in excluded]


def add_interfaces(server: AlibabaServer, report: SeedReport, count: int) -> None:
    """Detached secondary ENIs (made the way the seed makes them: the metadata has no create
    action), round-robin over the spokes' vSwitches, each with its spoke's hand-made group."""
    spokes = [
        (vsw, report.security_groups[f"{s.name}-ops"])
        for s in lz.SPOKES
        for name, vsw in report.vswitches.items()
        if name.startswith(s.name)
    ]
    for vsw, group in itertools.islice(itertools.cycle(spokes), count):
        server.backend.workloads.add_eni(vsw, [group], name="bench")


def make_plan(adapter: AlibabaAdapter) -> Plan:
    result = plan_policy(policy(), lambda _: adapter, lambda _: None)
    if result.plan is None or result.failed:
        raise SystemExit("; ".join(map(str, result.diagnostics)))
    return result.plan


def apply(adapter: AlibabaAdapter) -> None:
    report = apply_plan(make_plan(adapter), lambda _: adapter)
    if not report.ok:
        raise SystemExit(f"apply failed: {report.errors}")


def measure(interfaces: int) -> dict[str, float]:
    with estate(interfaces) as (server, report):
        first = Counted()
        start = time.perf_counter()
        apply(adapter_for(server, "ali-test", first.sent, []))
        apply_s = time.perf_counter() - start
        noop = Counted()
        if make_plan(adapter_for(server, "ali-test", noop.sent, [])).has_changes:
            raise SystemExit("the second plan is not empty")
        add_interfaces(server, report, 1)
        one = Counted()
        apply(adapter_for(server, "ali-test", one.sent, []))
        reads = noop.params("DescribeNetworkInterfaces")
        return {
            "interfaces": interfaces,
            "groups": first.calls["CreateSecurityGroup"],
            "interface_writes": first.calls["ModifyNetworkInterfaceAttribute"]
            + first.calls["JoinSecurityGroup"],
            "apply_writes": first.writes,
            "noop_plan_calls": len(noop.sent),
            "region_interfaces": len(server.backend.workloads.enis) - 1,  # before the new one
            "noop_interface_reads": len(reads),
            "noop_page_size": max(int(p.get("PageSize", 0)) for p in reads),
            "new_interface_writes": one.writes,
            "apply_s": apply_s,
        }


def table(sizes: tuple[int, ...]) -> None:
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for size in sizes:
        row = measure(size)
        cells = [f"{row[h]:.3f}" if h.endswith("_s") else str(int(row[h])) for h in HEADER]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    table((100, 1000))
