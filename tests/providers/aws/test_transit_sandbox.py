"""Transit routing against the sandbox landing zone, through the CLI as a user runs it.

Six spoke VPCs in three segments, shared services and a two-zone inspection VPC behind GWLB
endpoints (moto_fixtures/aws/seed.py); the policy is ``policies/examples/sandbox.yaml``, whose
app → db rule is inspected. Everything is read back with boto3, as a console user would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from moto_fixtures.aws import landing_zone as lz
from orchestrator.cli import main
from tests.providers.aws.cloud import ec2_for

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"
SEGMENTS = ("web", "app", "db", "shared")


def cli(sandbox: Path, *args: str) -> tuple[int, str]:
    """Exit code and standard output (diagnostics go to standard error)."""
    result = CliRunner().invoke(main, ["--sandbox", str(sandbox), *args])
    return (
        result.exit_code,
        result.stdout + result.stderr if "--json" not in args else result.stdout,
    )


def plan_json(sandbox: Path, policy: Path = POLICY) -> dict[str, Any]:
    code, out = cli(sandbox, "plan", str(policy), "--json")
    assert code == 0, out
    body: dict[str, Any] = json.loads(out)
    return body


def changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for s in plan["scopes"] for c in s["changes"]]


def apply(sandbox: Path, policy: Path = POLICY) -> None:
    code, out = cli(sandbox, "apply", str(policy), "--auto-approve")
    assert code == 0, out


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = POLICY.read_text()
    assert old in text
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(old, new))
    return path


def unowned_routes(ec2: EC2Client) -> dict[str, list[dict[str, Any]]]:
    """Every VPC route eastwest's records do not name, per table: what must never change."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table in ec2.describe_route_tables()["RouteTables"]:
        tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
        owned = {
            pair.split("=")[0]
            for k, v in tags.items()
            if k.startswith("eastwest:routes:")
            for pair in v.split()
        }
        found[table["RouteTableId"]] = sorted(
            (dict(r) for r in table["Routes"] if r.get("DestinationCidrBlock") not in owned),
            key=lambda r: json.dumps(r, sort_keys=True, default=str),
        )
    return found


def owned_tables(ec2: EC2Client) -> dict[str, str]:
    """eastwest's key tag → transit gateway route table id."""
    tables = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    found: dict[str, str] = {}
    for t in tables:
        tags = {x["Key"]: x["Value"] for x in t.get("Tags", [])}
        if tags.get("eastwest:managed") == "true" and t["State"] == "available":
            found[tags["eastwest:key"]] = t["TransitGatewayRouteTableId"]
    return found


@pytest.fixture
def applied(sandbox_dir: Path) -> Path:
    apply(sandbox_dir)
    return sandbox_dir


def test_apply_then_an_empty_plan_and_a_passing_path_check(sandbox_dir: Path) -> None:
    ec2 = ec2_for(sandbox_dir)
    before = unowned_routes(ec2)
    code, _ = cli(sandbox_dir, "paths", "--routing-only", str(POLICY))
    assert code == 1  # the seeded default table lets every segment reach every other
    apply(sandbox_dir)
    assert not changes(plan_json(sandbox_dir))
    code, out = cli(sandbox_dir, "paths", "--routing-only", str(POLICY))
    assert code == 0, out
    assert "Every path holds." in out
    assert "app → db (inspected" in out
    assert "web → db (denied" in out
    # One owned table per segment, plus inspection; appliance mode is on for inspection.
    tables = owned_tables(ec2)
    assert len(tables) == len(SEGMENTS) + 1
    inspection = ec2.describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "vpc-id", "Values": [_vpc(ec2, lz.INSPECTION_NAME)]}]
    )["TransitGatewayVpcAttachments"][0]
    assert inspection["Options"]["ApplianceModeSupport"] == "enable"
    # Routes eastwest does not own are exactly as they were.
    assert unowned_routes(ec2) == before


def test_switching_inspection_on_one_rule_touches_only_that_pairs_routes(
    applied: Path, tmp_path: Path
) -> None:
    policy = variant(
        tmp_path,
        "    from: web\n    to: app\n    ports: [tcp/8080]",
        "    from: web\n    to: app\n    ports: [tcp/8080]\n    inspect: true",
    )
    plan = plan_json(applied, policy)
    routing = [c for c in changes(plan) if c["kind"] not in ("flow_rule", "firewall_group")]
    assert routing
    assert all(c["kind"] != "address_set" for c in changes(plan))
    markers = _web_and_app(ec2_for(applied))
    for change in routing:
        assert any(m in json.dumps(change) for m in markers), change["key"]
    # Make before break: the static routes of both directions come in one step, before the
    # direct path (propagations between web and app) goes.
    added = {c["step"] for c in routing if c["kind"] == "hub_route"}
    removed = {c["step"] for c in routing if c["kind"] == "hub_propagation" and not c["after"]}
    assert len([c for c in routing if c["kind"] == "hub_route"]) == 2
    assert len(added) == 1
    assert removed
    assert max(added) < min(removed)
    apply(applied, policy)
    assert not changes(plan_json(applied, policy))
    code, out = cli(applied, "paths", "--routing-only", str(policy))
    assert code == 0, out
    assert "web → app (inspected" in out
    # And back: direct again, with the propagations in before the static routes go.
    back = [c for c in changes(plan_json(applied)) if c["kind"] != "flow_rule"]
    steps_in = {c["step"] for c in back if c["kind"] == "hub_propagation" and c["after"]}
    steps_out = {c["step"] for c in back if c["kind"] == "hub_route"}
    assert max(steps_in) < min(steps_out)
    apply(applied)
    assert cli(applied, "paths", "--routing-only", str(POLICY))[0] == 0


def _web_and_app(ec2: EC2Client) -> set[str]:
    """What names the web/app pair in a change: their hub tables, their VPCs' attachments and
    their CIDRs (aggregated as eastwest writes them)."""
    spokes = [s for s in lz.SPOKES if s.segment in ("web", "app")]
    found = {"segment:web", "segment:app", "10.10.0.0/15", "10.20.0.0/15"}
    found |= {s.cidr for s in spokes}
    found |= {_attachment(ec2, s.name) for s in spokes}
    return found


def test_a_deleted_route_and_association_show_as_drift_and_are_restored(applied: Path) -> None:
    ec2 = ec2_for(applied)
    tables = owned_tables(ec2)
    app_table = tables[f"aws/{lz.ACCOUNT_ID}/{lz.REGION}/hubtable/use1/segment:app"]
    route = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=app_table, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"][0]
    ec2.delete_transit_gateway_route(
        TransitGatewayRouteTableId=app_table, DestinationCidrBlock=route["DestinationCidrBlock"]
    )
    web_attachment = _attachment(ec2, "spoke-web-1")
    web_table = tables[f"aws/{lz.ACCOUNT_ID}/{lz.REGION}/hubtable/use1/segment:web"]
    ec2.disassociate_transit_gateway_route_table(
        TransitGatewayRouteTableId=web_table, TransitGatewayAttachmentId=web_attachment
    )
    drift = {c["kind"]: c for c in changes(plan_json(applied))}
    assert set(drift) == {"hub_route", "hub_association"}
    assert all(c["drift"] for c in drift.values())
    assert drift["hub_association"]["after"]["attachment"] == web_attachment
    apply(applied)
    assert not changes(plan_json(applied))
    assert cli(applied, "paths", "--routing-only", str(POLICY))[0] == 0


def test_a_deleted_vpc_route_shows_as_drift_and_is_restored(applied: Path) -> None:
    ec2 = ec2_for(applied)
    table = _table(ec2, "spoke-web-1-workload-rt")
    owned = _record(table)
    destination = sorted(owned)[0]
    ec2.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=destination)
    (change,) = changes(plan_json(applied))
    assert change["kind"] == "network_route"
    assert change["drift"]
    apply(applied)
    assert not changes(plan_json(applied))


def test_an_unowned_route_in_an_owned_place_survives_everything(
    applied: Path, tmp_path: Path
) -> None:
    """A hand-made route in a table eastwest writes to, and a hand-made route on a destination
    eastwest needs: both are left exactly as they are, through plan, apply and a policy that
    no longer wants any route there."""
    ec2 = ec2_for(applied)
    table = _table(ec2, "spoke-db-1-workload-rt")["RouteTableId"]
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="192.168.50.0/24", TransitGatewayId=_tgw(ec2)
    )
    # The shared-services table wants a route to db; someone points it elsewhere by hand.
    shared = _table(ec2, "shared-services-rt")
    needed = sorted(_record(shared))[0]
    ec2.delete_route(RouteTableId=shared["RouteTableId"], DestinationCidrBlock=needed)
    ec2.create_route(
        RouteTableId=shared["RouteTableId"],
        DestinationCidrBlock=needed,
        VpcEndpointId=_endpoint(ec2),
    )
    _forget(ec2, shared, needed)
    before = unowned_routes(ec2)
    code, out = cli(applied, "plan", str(POLICY))
    assert code == 0
    assert "is not eastwest's" in out
    apply(applied)
    no_rules = tmp_path / "no-rules.yaml"
    no_rules.write_text(POLICY.read_text().split("\nrules:\n")[0] + "\nrules: []\n")
    apply(applied, no_rules)
    assert unowned_routes(ec2) == before


def _vpc(ec2: EC2Client, name: str) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    return vpcs[0]["VpcId"]


def _attachment(ec2: EC2Client, vpc_name: str) -> str:
    found = ec2.describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "vpc-id", "Values": [_vpc(ec2, vpc_name)]}]
    )["TransitGatewayVpcAttachments"]
    return found[0]["TransitGatewayAttachmentId"]


def _table(ec2: EC2Client, name: str) -> dict[str, Any]:
    tables = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [name]}])
    return dict(tables["RouteTables"][0])


def _record(table: dict[str, Any]) -> dict[str, str]:
    tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
    return dict(
        pair.split("=")
        for k, v in tags.items()
        if k.startswith("eastwest:routes:")
        for pair in v.split()
    )


def _forget(ec2: EC2Client, table: dict[str, Any], destination: str) -> None:
    """Take ``destination`` out of eastwest's record, as if eastwest had never owned it."""
    kept = {d: t for d, t in _record(table).items() if d != destination}
    value = " ".join(f"{d}={t}" for d, t in sorted(kept.items()))
    ec2.create_tags(
        Resources=[table["RouteTableId"]], Tags=[{"Key": "eastwest:routes:sandbox", "Value": value}]
    )


def _tgw(ec2: EC2Client) -> str:
    return ec2.describe_transit_gateways()["TransitGateways"][0]["TransitGatewayId"]


def _endpoint(ec2: EC2Client) -> str:
    return ec2.describe_vpc_endpoints()["VpcEndpoints"][0]["VpcEndpointId"]


def test_appliance_mode_turned_off_is_drift_and_turned_back_on(applied: Path) -> None:
    ec2 = ec2_for(applied)
    inspection = _attachment(ec2, lz.INSPECTION_NAME)
    ec2.modify_transit_gateway_vpc_attachment(
        TransitGatewayAttachmentId=inspection, Options={"ApplianceModeSupport": "disable"}
    )
    (change,) = changes(plan_json(applied))
    assert (change["kind"], change["action"], change["drift"]) == ("appliance_mode", "update", True)
    apply(applied)
    options = ec2.describe_transit_gateway_vpc_attachments(
        TransitGatewayAttachmentIds=[inspection]
    )["TransitGatewayVpcAttachments"][0]["Options"]
    assert options["ApplianceModeSupport"] == "enable"


def test_an_unhealthy_firewall_moves_its_zone_to_the_other_and_back(
    applied: Path, tmp_path: Path
) -> None:
    ec2 = ec2_for(applied)
    seeded = {ep["Tags"][0]["Value"]: ep["VpcEndpointId"] for ep in _endpoints(ec2)}
    zone_a, zone_b = seeded["inspection-gwlbe-a"], seeded["inspection-gwlbe-b"]
    down = variant(
        tmp_path,
        f"{{zone: us-east-1a, next_hop: {zone_a}}}",
        f"{{zone: us-east-1a, next_hop: {zone_a}, healthy: false}}",
    )
    code, out = cli(applied, "plan", str(down))
    assert "zone us-east-1a is unhealthy" in out
    moved = changes(plan_json(applied, down))
    assert {c["kind"] for c in moved} == {"network_route"}
    assert {c["after"]["table"] for c in moved} == {
        _table(ec2, "inspection-tgw-a-rt")["RouteTableId"]
    }
    assert {(c["before"]["target"], c["after"]["target"]) for c in moved} == {(zone_a, zone_b)}
    apply(applied, down)
    code, out = cli(applied, "paths", "--routing-only", str(down))
    assert code == 0, out
    apply(applied)  # healthy again: zone a goes back to its own firewall
    routes = _table(ec2, "inspection-tgw-a-rt")["Routes"]
    owned = {
        r["DestinationCidrBlock"]: r.get("GatewayId") or r.get("VpcEndpointId") for r in routes
    }
    assert zone_a in owned.values()
    assert zone_b not in owned.values()


def _endpoints(ec2: EC2Client) -> list[dict[str, Any]]:
    found = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    return [dict(ep) for ep in found if ep.get("Tags")]
