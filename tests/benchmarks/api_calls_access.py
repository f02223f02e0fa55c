"""Benchmark: what the effective-access check adds to a no-op plan, against the plan without it
and against the minimum the clouds' APIs allow, as the estate grows. Counts, not seconds.

The minimum of a checked no-op plan (issue 13): one paged read per resource kind it must read,
at the largest page size, and one read per object where the API has no batched read. Here:
the kinds the unchecked plan reads, once each (its own reads are taken as they are; the
account proof, ``GetCallerIdentity`` or Alibaba's ``DescribeVpcs`` at one row, is one), plus what
only the check needs: AWS, the network ACLs (``api_calls.measure_access``); Alibaba, one
``DescribeSecurityGroupAttribute`` per group on a member ENI that the plan did not read (ECS has
no batched rule read; groups on ENIs of networks no segment holds are not judged, so not
needed); Azure, the resource group's NIC list, in the pages the fake answers (ARM takes no page
size).

Alibaba: the seeded fake landing zone (``moto_fixtures/alibaba``) with secondary ENIs added
until N are in scope, ``handmade`` more hand-made groups each on one member ENI and ``outside``
hand-made groups on ENIs of the security VPC (no segment's), applied with
``tests/fixtures/policies/alibaba/seeded.yaml``; then the no-op plan without and with the
check, each on a fresh adapter, calls as the adapter sends them.

Azure: the seeded fake ARM (``moto_fixtures/azure``, page size 100) with NICs added to the
spokes until N workload NICs exist, ``handmade`` of them with a hand-made NSG of their own; the
three spokes ``web``, ``app``, ``db`` by tag, ``app`` → ``db`` on tcp/5432, eastwest's rules
shared into the user's NSGs (``existing_nsgs: share``), applied; ARM requests counted by the
fake (``/_eastwest/calls``).

Run: ``.venv/bin/python -m tests.benchmarks.api_calls_access`` (also run by ``make bench``
through ``api_calls``).
"""

from __future__ import annotations

import math

from azure.mgmt.network.models import NetworkInterface, NetworkSecurityGroup

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from moto_fixtures.aws.server import start_aws_server
from moto_fixtures.azure import AzureServer, seed_azure, start_azure_server
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import AdapterFor, PlanResult, plan_policy
from orchestrator.state import Target
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from providers.azure.session import FAST
from tests.benchmarks import api_calls  # (a module: api_calls imports this one too)
from tests.benchmarks.interfaces import Counted, apply, estate
from tests.providers.alibaba.conftest import adapter_for, policy
from tests.providers.azure.conftest import RG, SUB, console, sandbox_of
from tests.providers.azure.conftest import policy as azure_policy

HEADER = ("cloud", "interfaces", "hand_made", "not_judged", "noop_plan_calls",
          "checked_plan_calls", "minimum", "vs_minimum", "vs_noop", "findings")  # fmt: skip
ATTRIBUTE = "DescribeSecurityGroupAttribute"
AZURE_PAGE = 100
SPOKES = ("web", "app", "db")


def _quiet(_: str) -> None:
    return None


def measure_alibaba(
    interfaces: int,
    sent: Counted | None = None,
    unchecked: Counted | None = None,
    *,
    handmade: int = 0,
    outside: int = 0,
) -> dict[str, object]:
    """``sent`` and ``unchecked``, when given, receive what the checked and the unchecked plan
    sent."""
    with estate(interfaces) as (server, report):
        _hand_made(server, report, handmade, outside)
        apply(adapter_for(server, "ali-test", [], []))
        bare = unchecked if unchecked is not None else Counted()
        checked = sent if sent is not None else Counted()
        pol = policy()
        ad = adapter_for(server, "ali-test", bare.sent, [])
        if plan_policy(pol, lambda _: ad, _quiet).plan is None:
            raise SystemExit("no plan")
        ad = adapter_for(server, "ali-test", checked.sent, [])
        result = with_access_check(
            plan_policy(pol, lambda _: ad, _quiet), pol, lambda _: ad, _quiet
        )
        if result.plan is None or result.plan.has_changes or not result.plan.access.ran:
            raise SystemExit(f"the checked plan failed: {result.diagnostics}")
        # The account proof is a read of its own (``DescribeVpcs`` at ``PageSize`` 1, as AWS
        # has ``GetCallerIdentity``), though it shares the inventory's action name.
        kinds = len(set(bare.calls) - {ATTRIBUTE}) + 1
        on_members = set(member_groups(server, report))
        groups = _read_groups(bare) | on_members
        row = _row("alibaba", interfaces, len(bare.sent), len(checked.sent), kinds + len(groups))
        return {**row, "hand_made": handmade + len(lz.SPOKES) + 1, "outside": outside,
                "findings": len(result.plan.access.findings), "on_members": on_members,
                "elsewhere": outside_groups(server, report),
                "not_judged": len(outside_groups(server, report))}  # fmt: skip


def _read_groups(counted: Counted) -> set[str]:
    return {p["SecurityGroupId"] for p in counted.params(ATTRIBUTE)}


def member_groups(server: AlibabaServer, report: SeedReport) -> dict[str, int]:
    """Group → how many ENIs of member (spoke) VPCs carry it."""
    spokes = {report.vpcs[s.name] for s in lz.SPOKES}
    found: dict[str, int] = {}
    for eni in server.backend.workloads.enis.values():
        if eni.vpc_id in spokes and not eni.service_managed:
            for g in eni.groups:
                found[g] = found.get(g, 0) + 1
    return found


def outside_groups(server: AlibabaServer, report: SeedReport) -> set[str]:
    """Groups on ENIs of the security VPC only (no segment's network)."""
    security = report.vpcs[lz.SECURITY.name]
    enis = server.backend.workloads.enis.values()
    on_security = {g for e in enis if e.vpc_id == security for g in e.groups}
    return on_security - set(member_groups(server, report))


def _hand_made(server: AlibabaServer, report: SeedReport, handmade: int, outside: int) -> None:
    """``handmade`` groups, each joined to one of the benchmark's spoke ENIs (a group per ENI:
    no inner access across segments), and ``outside`` groups on new security-VPC ENIs."""
    spokes = {report.vpcs[s.name] for s in lz.SPOKES}
    workloads, ecs = server.backend.workloads, server.backend.ecs
    bench = [e for e in workloads.enis.values() if e.vpc_id in spokes and e.name == "bench"]
    for i, eni in enumerate(bench[:handmade]):
        group = ecs.create_group(f"hand-made-{i}", "by hand", eni.vpc_id, "normal", {})
        workloads.replace_groups(eni.eni_id, [*eni.groups, group.group_id])
    fw = report.vswitches[lz.security_vswitch_name("fw", lz.ZONES[0])]
    for i in range(outside):
        vpc = report.vpcs[lz.SECURITY.name]
        group = ecs.create_group(f"appliance-{i}", "by hand", vpc, "normal", {})
        workloads.add_eni(fw, [group.group_id], name="appliance")
    if len(bench) < handmade:
        raise SystemExit(f"{handmade} hand-made groups need as many benchmark ENIs")


def measure_azure(nics: int = 0, handmade: int = 0) -> dict[str, object]:
    with start_azure_server(retry_after=0, page_size=AZURE_PAGE) as server:
        report = seed_azure(server)
        _more_nics(server, nics - len(report.workload_nics), handmade)
        pol = _spokes()
        ad = _azure(server)
        assert apply_plan(_checked(pol, ad).plan, lambda _: ad).ok  # type: ignore[arg-type]
        server.control.clear()
        if plan_policy(pol, _for(_azure(server)), _quiet).plan is None:
            raise SystemExit("no plan")
        bare = len(server.control.calls())
        server.control.clear()
        result = _checked(pol, _azure(server))
        if result.plan is None or result.plan.has_changes or not result.plan.access.ran:
            raise SystemExit(f"the checked plan failed: {result.diagnostics}")
        checked = len(server.control.calls())
        listed = len(list(console(server).network_interfaces.list(RG)))
        workloads = len(report.workload_nics) + max(0, nics - len(report.workload_nics))
        row = _row("azure", workloads, bare, checked, bare + math.ceil(listed / AZURE_PAGE))
        return {**row, "hand_made": handmade + len(report.nic_nsgs),
                "findings": len(result.plan.access.findings), "nic_list_pages":
                math.ceil(listed / AZURE_PAGE)}  # fmt: skip


def _more_nics(server: AzureServer, count: int, handmade: int) -> None:
    """``count`` NICs round-robin over the spokes' NSG-guarded subnets, the first
    ``handmade`` each with a hand-made NSG of its own (default rules only)."""
    client = console(server)
    base = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
    for i in range(count):
        segment = SPOKES[i % len(SPOKES)]
        config = {"name": "ipconfig1", "properties": {
            "subnet": {"id": f"{base}/virtualNetworks/vnet-{segment}/subnets/snet-{segment}"},
            "privateIPAllocationMethod": "Dynamic", "primary": True}}  # fmt: skip
        props: dict[str, object] = {"ipConfigurations": [config]}
        if i < handmade:
            nsg = NetworkSecurityGroup({"location": "eastus", "properties": {}})
            made = client.network_security_groups.begin_create_or_update(RG, f"nsg-hand-{i}", nsg)
            props["networkSecurityGroup"] = {"id": made.result().id}
        body = {"location": "eastus", "tags": {"segment": segment}, "properties": props}
        client.network_interfaces.begin_create_or_update(
            RG, f"nic-bench-{i}", NetworkInterface(body)
        ).result()


def _azure(server: AzureServer) -> AzureAdapter:
    target = Target("azure", SUB, "az-prod", None, RG)
    return make_azure_adapter(
        target, policy="acme", sandbox=sandbox_of(server), tuning=FAST, existing_nsgs="share"
    )


def _for(ad: AzureAdapter) -> AdapterFor:
    return lambda _: ad


def _checked(pol: Policy, ad: AzureAdapter) -> PlanResult:
    return with_access_check(plan_policy(pol, _for(ad), _quiet), pol, _for(ad), _quiet)


def _spokes() -> Policy:
    members = {s: {"account": "az-prod", "region": "eastus", "tags": {"segment": s}}
               for s in SPOKES}  # fmt: skip
    rules = [{"name": "app-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}]
    return azure_policy("acme", [{"name": s, "members": [m]} for s, m in members.items()], rules)


def measure_aws(url: str, interfaces: int, groups: int) -> dict[str, object]:
    """``api_calls.measure_access`` with the minimum: the plan's kinds and the ACLs."""
    row = api_calls.measure_access(url, interfaces, groups)
    noop, checked = int(row["noop_plan_calls"]), int(row["checked_plan_calls"])
    found = _row("aws", interfaces, noop, checked, int(row["noop_plan_kinds"]) + 1)
    return {**found, "hand_made": 0, "findings": int(row["findings"]),
            "checked_plan_kinds": int(row["checked_plan_kinds"])}  # fmt: skip


def _row(cloud: str, interfaces: int, bare: int, checked: int, minimum: int) -> dict[str, object]:
    return {
        "cloud": cloud,
        "interfaces": interfaces,
        "noop_plan_calls": bare,
        "checked_plan_calls": checked,
        "minimum": minimum,
        "vs_minimum": f"{checked / minimum:.3f}",
        "vs_noop": f"{checked / bare:.3f}",
        "not_judged": 0,
    }


def rows() -> list[dict[str, object]]:
    """The growth table: 10 → 40 → 100 interfaces (Alibaba from 20: its seeded zone already
    has 13 workload ENIs), with more hand-made groups as it grows."""
    server = start_aws_server()
    try:
        found = [measure_aws(server.url, n, g) for n, g in ((10, 10), (40, 20), (100, 40))]
    finally:
        server.stop()
    found += [measure_alibaba(n, handmade=h, outside=o)
              for n, h, o in ((20, 2, 1), (40, 8, 2), (100, 20, 4))]  # fmt: skip
    found += [measure_azure(n, h) for n, h in ((10, 2), (40, 8), (100, 20))]
    return found


def table() -> None:
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for row in rows():
        print("| " + " | ".join(str(row[h]) for h in HEADER) + " |", flush=True)


if __name__ == "__main__":
    table()
