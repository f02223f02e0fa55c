"""Benchmark: what the effective-access check adds to a no-op plan on Alibaba Cloud and Azure
(AWS: ``api_calls.measure_access``). Counts, not seconds.

Alibaba: the seeded fake landing zone (``moto_fixtures/alibaba``) with secondary ENIs added
until N are in scope, applied with ``tests/fixtures/policies/alibaba/seeded.yaml``; then the
no-op plan without and with the check, each on a fresh adapter, calls as the adapter sends them.

Azure: the seeded fake ARM (``moto_fixtures/azure``, its seeded NICs, page size 100), the
three spokes ``web``, ``app``, ``db`` by tag, ``app`` → ``db`` on tcp/5432, eastwest's rules
shared into the user's NSGs (``existing_nsgs: share``), applied; ARM requests counted by the
fake (``/_eastwest/calls``).

Run: ``.venv/bin/python -m tests.benchmarks.api_calls_access`` (also run by ``make bench``
through ``api_calls``).
"""

from __future__ import annotations

from moto_fixtures.azure import AzureServer, seed_azure, start_azure_server
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import AdapterFor, PlanResult, plan_policy
from orchestrator.state import Target
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from providers.azure.session import FAST
from tests.benchmarks.interfaces import Counted, apply, estate
from tests.providers.alibaba.conftest import adapter_for, policy
from tests.providers.azure.conftest import RG, SUB, console, sandbox_of
from tests.providers.azure.conftest import policy as azure_policy

HEADER = ("cloud", "interfaces", "noop_plan_calls", "checked_plan_calls", "ratio", "findings")


def _quiet(_: str) -> None:
    return None


def measure_alibaba(
    interfaces: int, sent: Counted | None = None, unchecked: Counted | None = None
) -> dict[str, object]:
    """``sent`` and ``unchecked``, when given, receive what the checked and the unchecked plan
    sent."""
    with estate(interfaces) as (server, _):
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
        return _row("alibaba", interfaces, len(bare.sent), len(checked.sent), result.plan.access)


def measure_azure() -> dict[str, object]:
    with start_azure_server(retry_after=0, page_size=100) as server:
        seed_azure(server)
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
        nics = len(list(console(server).network_interfaces.list(RG)))
        return _row("azure", nics, bare, checked, result.plan.access)


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
               for s in ("web", "app", "db")}  # fmt: skip
    rules = [{"name": "app-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}]
    return azure_policy("acme", [{"name": s, "members": [m]} for s, m in members.items()], rules)


def _row(cloud: str, interfaces: int, bare: int, checked: int, access: object) -> dict[str, object]:
    findings = getattr(access, "findings", ())
    return {
        "cloud": cloud,
        "interfaces": interfaces,
        "noop_plan_calls": bare,
        "checked_plan_calls": checked,
        "ratio": f"{checked / bare:.3f}",
        "findings": len(findings),
    }


def table() -> None:
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    rows = [measure_alibaba(100), measure_alibaba(1000), measure_azure()]
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in HEADER) + " |", flush=True)


if __name__ == "__main__":
    table()
