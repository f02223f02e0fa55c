"""The attachment budget on Alibaba Cloud at 1,000 interfaces (docs/benchmarks.md): a no-op plan
reads the region's ENIs once, page by page at the largest page (1,000), and writes nothing; an
apply writes once per ENI that changes; a new ENI costs its own write and its ledger tag. The
AWS budget: ``tests/providers/aws/test_adapter.py::
test_interfaces_cost_one_read_per_plan_and_one_write_per_changed_interface``."""

from __future__ import annotations

import math

from tests.benchmarks.interfaces import (
    Counted,
    add_interfaces,
    apply,
    estate,
    in_scope,
    make_plan,
)
from tests.providers.alibaba.conftest import adapter_for

INTERFACES = 1000
WRITES = ("ModifyNetworkInterfaceAttribute", "JoinSecurityGroup", "LeaveSecurityGroup")


def test_alibaba_attachment_at_1000_interfaces_keeps_its_budget() -> None:
    with estate(INTERFACES) as (server, report):
        assert len(in_scope(server, report)) == INTERFACES
        first = Counted()
        apply(adapter_for(server, "ali-test", first.sent, []))
        assert sum(first.calls[a] for a in WRITES) == INTERFACES  # one per ENI, no leave

        noop = Counted()
        assert not make_plan(adapter_for(server, "ali-test", noop.sent, [])).has_changes
        pages = math.ceil(len(server.backend.workloads.enis) / 1000)
        reads = noop.params("DescribeNetworkInterfaces")
        assert [(p["PageSize"], p["PageNumber"]) for p in reads] == [
            ("1000", str(n)) for n in range(1, pages + 1)
        ]
        assert noop.writes == 0

        add_interfaces(server, report, 1)
        one = Counted()
        apply(adapter_for(server, "ali-test", one.sent, []))
        written = {a: n for a, n in one.calls.items() if not a.startswith(("Describe", "List"))}
        assert written == {"ModifyNetworkInterfaceAttribute": 1, "TagResources": 1}
