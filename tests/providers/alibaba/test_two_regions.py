"""Two Alibaba regions on one CEN, applied side by side under faults.

The seeded landing zone (cn-hangzhou: a hub with inspection) and a second region on the same
CEN (``seed_region``: cn-shanghai, a router of its own, a web and an app spoke). The policy's
``web`` and ``app`` span both regions, ``db`` is in cn-hangzhou only; ``apply_plan`` applies the
two scopes on two threads (``orchestrator/fanout.py``) while the fake throttles 30 % of all
calls, fails 5 % with a 5xx and loses 5 % of the answers (the call is carried out). Afterwards,
read back through the SDK in both regions with the chaos suite's reader: no two objects with
all of the policy's marks share a key, no transit route table holds two static entries for one
destination, no attachment was made, every object with all of the marks is in the plan's
inventory, nothing without them changed, and a plan with the faults off is empty. Every
action sent is in ``eastwest permissions`` for this policy.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.seed_region import RegionReport, seed_region
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.model.loader import load_policy
from orchestrator.model.policy import Policy
from orchestrator.permissions import actions
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.plan.document import plan_to_json
from providers.alibaba.adapter import AlibabaAdapter
from tests.chaos.run import Outcome, check
from tests.chaos.world import View, read_alibaba
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, adapter_for

POLICY = "ali-two"
SH = lz.SECOND_REGION
REGIONS = (lz.REGION, SH)
CBN = "2017-09-12"
SHARES = {"throttle": 0.3, "server_error": 0.05, "lost": 0.05}

Two = tuple[AlibabaServer, SeedReport, RegionReport]


@pytest.fixture
def two(cloud: tuple[AlibabaServer, SeedReport]) -> Two:
    server, first = cloud
    server.faults.clear()
    second = seed_region(server, first.cen)
    server.calls.clear()
    return server, first, second


def two_region_policy(tmp: Path, first: SeedReport, second: RegionReport) -> Policy:
    enis = {z: first.firewall_enis[lz.firewall_eni_name(z)] for z in lz.ZONES}
    doc = two_region_doc(first.transit_router, first.vpcs["security"], enis, second.transit_router)
    path = tmp / "two-regions.yaml"
    path.write_text(json.dumps(doc))  # JSON is YAML
    return load_policy([path]).policy


def two_region_doc(
    hz_router: str, security_vpc: str, firewalls: dict[str, str], sh_router: str
) -> dict[str, Any]:
    """hz: a hub with inspection (a firewall ENI per zone); sh: a hub without; web and app in
    both regions, db in hz; app → db inspected."""
    account = {"name": "ali", "cloud": "alibaba", "account_id": c.ACCOUNT, "regions": REGIONS}
    inspection = {
        "vpc": security_vpc,
        "firewalls": [{"zone": z, "next_hop": eni} for z, eni in sorted(firewalls.items())],
    }
    return {
        "version": 1,
        "name": POLICY,
        "accounts": [account],
        "hubs": [
            {
                "name": "hz",
                "account": "ali",
                "region": lz.REGION,
                "transit": hz_router,
                "inspection": inspection,
            },
            {"name": "sh", "account": "ali", "region": SH, "transit": sh_router},
        ],
        "segments": [
            {"name": s, "members": [_tagged(r, s) for r in regions]}
            for s, regions in (("web", REGIONS), ("app", REGIONS), ("db", (lz.REGION,)))
        ],
        "rules": [
            {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/8080"]},
            {"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}
            | {"inspect": True},
        ],
    }


def _tagged(region: str, segment: str) -> dict[str, Any]:
    return {"account": "ali", "region": region, "tags": {"segment": segment}}


def world(section: dict[str, Any]) -> View:
    """Both regions through the chaos suite's reader (``section``: the sandbox's Alibaba
    section, or one naming a test's own server)."""
    view = View()
    read_alibaba(view, {**section, "regions": list(REGIONS)}, POLICY)
    return view


def own(server: AlibabaServer) -> dict[str, Any]:
    return {
        "endpoint_url": server.url,
        "access_key_id": server.access_key_id,
        "access_key_secret": server.access_key_secret,
    }


def planned(ali: AlibabaAdapter, policy: Policy) -> Plan:
    result = plan_policy(policy, lambda _: ali, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result.plan


def overlapped(sent: Sent) -> bool:
    """Whether the two regions' calls interleave: one region's call came while the other
    region still had calls to make (the scopes ran side by side, not one after the other)."""
    regions = [params.get("RegionId", "") for _, _, params in sent]
    first_sh, last_hz = regions.index(SH), len(regions) - 1 - regions[::-1].index(lz.REGION)
    return first_sh < last_hz


def static_entries(server: AlibabaServer, region: str, table: str) -> list[str]:
    body = c.rpc(
        server,
        CBN,
        "ListTransitRouterRouteEntries",
        TransitRouterRouteTableId=table,
        TransitRouterRouteEntryType="Static",
        MaxResults="100",
        RegionId=region,
    )
    rows = body["TransitRouterRouteEntries"]
    return [e["TransitRouterRouteEntryDestinationCidrBlock"] for e in rows]


def attachments(server: AlibabaServer, region: str) -> list[str]:
    body = c.rpc(server, CBN, "ListTransitRouterVpcAttachments", MaxResults="100", RegionId=region)
    return sorted(a["TransitRouterAttachmentId"] for a in body["TransitRouterAttachments"])


@pytest.mark.parametrize("seed", [3, 11], ids=["faults-seed-3", "faults-seed-11"])
def test_two_regions_on_one_cen_applied_side_by_side_under_faults(
    two: Two, sent: Sent, tmp_path: Path, seed: int
) -> None:
    server, first, second = two
    policy = two_region_policy(tmp_path, first, second)
    ali = adapter_for(server, POLICY, sent, [])
    before = world(own(server))
    atts_before = {r: attachments(server, r) for r in REGIONS}
    plans = [planned(ali, policy)]
    assert {sp.scope.region for sp in plans[0].scopes if sp.changes} == set(REGIONS)

    server.faults.set({**SHARES, "seed": seed})
    reports = [apply_plan(plans[0], lambda _: ali)]
    if not reports[0].ok:  # converged within two applies, as the chaos suite allows
        plans.append(planned(ali, policy))
        reports.append(apply_plan(plans[-1], lambda _: ali))
    server.faults.clear()

    assert reports[-1].ok, [r.message for _, r in reports[-1].results if not r.ok]
    assert overlapped(sent), "the two regions' scopes were not applied side by side"
    faulted = Counter(call.action for call in server.calls.calls())
    assert sum(faulted.values()) > len(sent) // 2  # the fake saw every attempt
    last = planned(ali, policy)
    assert not last.has_changes, [ch.key for ch in last.changes]

    outcome = Outcome(seed, None)
    after = world(own(server))
    check(outcome, before, after, plan_to_json(last))
    assert outcome.duplicates == []
    assert outcome.disowned == []
    assert outcome.unowned_changes == []
    owned = {m.kind for m in after.marked}
    assert {"group", "prefix-list", "hub-table"} <= owned
    hubs = [m for m in after.marked if m.kind == "hub-table"]
    assert {m.key.split("/")[2] for m in hubs} == set(REGIONS)  # tables in both regions
    for region in REGIONS:
        for table in [m.native_id for m in hubs if f"/{region}/" in m.key]:
            entries = static_entries(server, region, table)
            assert len(entries) == len(set(entries)), (table, entries)
        assert attachments(server, region) == atts_before[region]

    granted = {a.split(":", 1)[1] for a in actions(policy, "alibaba")}
    assert {action for _, action, _ in sent} - granted == set()
