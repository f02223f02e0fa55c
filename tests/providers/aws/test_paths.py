"""The path check against the local AWS: the seeded landing zone (one default TGW table, every
VPC reachable from every other) and a segmented routing built by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from moto_fixtures.aws.seed import SeedReport
from orchestrator.cli import main
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.policy import Policy
from orchestrator.paths.check import Member, check_scope
from orchestrator.paths.command import expectations, firewalls
from orchestrator.state import Scope, Target
from providers.aws.adapter import make_aws_adapter
from providers.aws.routing import search_routes
from tests.providers.aws.cloud import ec2_for, writes

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ACCOUNT, REGION = "111111111111", "us-east-1"
SCOPE = Scope("aws", ACCOUNT, REGION)
POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")
pytestmark = pytest.mark.sandbox


def _policy(seed: SeedReport) -> Policy:
    member = {"account": "prod", "region": REGION}
    zones = sorted(seed.firewalls.items())
    return Policy.model_validate(
        {
            "version": 1,
            "name": "paths",
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": [REGION]}
            ],
            "hubs": [
                {
                    "name": "hub",
                    "account": "prod",
                    "region": REGION,
                    "transit": seed.transit_gateway,
                    "inspection": {
                        "vpc": seed.vpcs["inspection"],
                        "firewalls": [{"zone": z, "next_hop": h} for z, h in zones],
                    },
                }
            ],
            "segments": [
                {"name": n, "members": [{**member, "tags": {"segment": n}}]}
                for n in ("web", "app", "db")
            ],
            "rules": [
                {
                    "name": "web-db",
                    "from": "web",
                    "to": "db",
                    "ports": ["tcp/5432"],
                    "inspect": True,
                },
                {"name": "web-app", "from": "web", "to": "app", "ports": ["tcp/8080"]},
            ],
        }
    )


def _check(policy: Policy, sandbox: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """Ordered pair → the problems found, through the adapter exactly as the command reads."""
    adapter = make_aws_adapter(Target("aws", ACCOUNT, "prod"), policy=policy.name, sandbox=sandbox)
    membership = resolve_membership(policy, {SCOPE: adapter.inventory(REGION)})
    members = [Member(p.segment, p.network, p.cidrs) for p in membership.placements]
    report = check_scope(
        adapter.routing(SCOPE),
        members,
        expectations(policy),
        firewalls(policy, SCOPE),
        hub_keeps_flows=True,  # appliance mode, as the command passes for AWS
    )
    assert all(p.walks > 0 for p in report.pairs)
    return {
        (p.source, p.destination): [f"{v.problem} @ {v.wrong_hop}" for v in p.violations]
        for p in report.pairs
    }


def _segment_tables(ec2: EC2Client, seed: SeedReport) -> None:
    """Per-segment TGW tables: web↔db through inspection, web↔app direct, app↔db nothing."""
    tgw = seed.transit_gateway
    att = {n.removesuffix("-attachment"): i for n, i in seed.tgw_attachments.items()}
    tables = {
        s: ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
            "TransitGatewayRouteTableId"
        ]
        for s in ("web", "app", "db", "shared", "inspection")
    }
    for vpc, a in att.items():
        segment = vpc.split("-")[1] if vpc.startswith("spoke-") else vpc.split("-")[0]
        table = tables[segment if segment in tables else "shared"]
        assoc = ec2.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[a])[
            "TransitGatewayAttachments"
        ][0]["Association"]
        ec2.disassociate_transit_gateway_route_table(
            TransitGatewayRouteTableId=assoc["TransitGatewayRouteTableId"],
            TransitGatewayAttachmentId=a,
        )
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=a
        )

    def propagate(table: str, *vpcs: str) -> None:
        for vpc in vpcs:
            ec2.enable_transit_gateway_route_table_propagation(
                TransitGatewayRouteTableId=tables[table], TransitGatewayAttachmentId=att[vpc]
            )

    for table, peer in (("web", "10.30.0.0/15"), ("db", "10.10.0.0/15")):
        ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=tables[table],
            DestinationCidrBlock=peer,
            TransitGatewayAttachmentId=att["inspection"],
        )
    propagate("inspection", "spoke-web-1", "spoke-web-2", "spoke-db-1", "spoke-db-2")
    propagate("web", "spoke-app-1", "spoke-app-2")
    propagate("app", "spoke-web-1", "spoke-web-2")


def test_the_seeded_default_table_lets_denied_pairs_through(
    seeded_aws: SeedReport, sandbox: dict[str, Any], ec2_client: Callable[..., EC2Client]
) -> None:
    [default] = ec2_client().describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    table = default["TransitGatewayRouteTableId"]
    found = _check(_policy(seeded_aws), sandbox)
    for pair in (("app", "db"), ("db", "app")):  # denied: one table routes them anyway
        assert found[pair]
        assert all(f"@ {table}" in p and "no rule allows it" in p for p in found[pair])
    for pair in (("web", "db"), ("db", "web")):  # inspected, but the table goes straight there
        assert all("without crossing a firewall" in p for p in found[pair])
    assert found["web", "app"] == found["app", "web"] == []  # direct: routed both ways


def test_segmented_routing_passes(
    seeded_aws: SeedReport, sandbox: dict[str, Any], ec2_client: Callable[..., EC2Client]
) -> None:
    _segment_tables(ec2_client(), seeded_aws)
    found = _check(_policy(seeded_aws), sandbox)
    assert found == {pair: [] for pair in found}
    assert len(found) == 6


def test_asymmetric_inspection_is_a_violation(
    seeded_aws: SeedReport, sandbox: dict[str, Any], ec2_client: Callable[..., EC2Client]
) -> None:
    ec2 = ec2_client()
    _segment_tables(ec2, seeded_aws)
    [db_table] = [
        t["TransitGatewayRouteTableId"]
        for t in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
        if any(
            r["DestinationCidrBlock"] == "10.10.0.0/15"
            for r in search_routes(ec2, t["TransitGatewayRouteTableId"])
        )
    ]
    # db → web straight back to web's attachment: the return path skips the firewall.
    ec2.replace_transit_gateway_route(
        TransitGatewayRouteTableId=db_table,
        DestinationCidrBlock="10.10.0.0/15",
        TransitGatewayAttachmentId=seeded_aws.tgw_attachments["spoke-web-1-attachment"],
    )
    found = _check(_policy(seeded_aws), sandbox)
    assert found["web", "db"] == []
    # 10.10/15 → web-1 only: web-1 reached without a firewall (wrong at db's table), web-2
    # not at all (wrong in web-1's table, which has no route to it).
    problems = found["db", "web"]
    assert any("without crossing a firewall" in p and f"@ {db_table}" in p for p in problems)
    assert any("no route" in p for p in problems)


class _FakeSearch:
    """SearchTransitGatewayRoutes over a list of CIDRs, answering at most ``limit`` routes."""

    def __init__(self, cidrs: list[str]) -> None:
        self.cidrs = cidrs
        self.calls = 0

    def search_transit_gateway_routes(self, **kwargs: Any) -> dict[str, Any]:
        import ipaddress

        self.calls += 1
        [_, (name, value)] = [(f["Name"], f["Values"][0]) for f in kwargs["Filters"]]
        wanted = ipaddress.ip_network(value)
        match = [
            c
            for c in self.cidrs
            if ipaddress.ip_network(c).version == wanted.version
            and (
                ipaddress.ip_network(c) == wanted
                if name.endswith("exact-match")
                else ipaddress.ip_network(c).subnet_of(wanted)  # type: ignore[arg-type]
            )
        ]
        limit = kwargs["MaxResults"]
        return {
            "Routes": [{"DestinationCidrBlock": c} for c in match[:limit]],
            "AdditionalRoutesAvailable": len(match) > limit,
        }


def test_search_splits_until_every_route_is_read() -> None:
    cidrs = ["0.0.0.0/0", "10.0.0.0/8", *(f"10.{i}.0.0/16" for i in range(12)), "192.168.0.0/16"]
    fake = _FakeSearch(cidrs)
    found = [r["DestinationCidrBlock"] for r in search_routes(fake, "tgw-rtb-1", limit=5)]
    assert sorted(found) == sorted(cidrs)
    assert fake.calls > 2


def test_paths_command_exits_1_naming_the_default_table(sandbox_dir: Path) -> None:
    ec2 = ec2_for(sandbox_dir)
    [default] = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    result = CliRunner().invoke(main, ["--sandbox", str(sandbox_dir), "paths", POLICY])
    assert result.exit_code == 1, result.stderr
    assert "BAD web → db (denied" in result.stdout
    assert default["TransitGatewayRouteTableId"] in result.stdout
    assert "ok  web → shared (direct" in result.stdout  # web → app: blocked at the groups
    result = CliRunner().invoke(main, ["--sandbox", str(sandbox_dir), "paths", "--json", POLICY])
    assert result.exit_code == 1
    assert '"ok": false' in result.stdout
    assert writes(sandbox_dir) == []  # read-only
