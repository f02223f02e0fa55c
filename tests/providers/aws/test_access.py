"""Effective access at the workload against the local AWS, through ``eastwest paths --json``:
the seeded hand-made group ``pg-open-db-1`` (tcp/5432 from 0.0.0.0/0 on spoke-db-1-vm-a's ENI)
is named as what opens web → db beyond the policy, and taking it off the ENI clears that; a
network ACL entry denying tcp/8080 into app's workload subnet is named as what blocks the
allowed web → app. Read-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from moto_fixtures.aws import landing_zone as lz
from orchestrator.cli import main
from tests.providers.aws.cloud import ec2_for, writes

if TYPE_CHECKING:
    from mypy_boto3_ec2.type_defs import NetworkInterfaceTypeDef

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")
pytestmark = pytest.mark.sandbox


def _findings(sandbox_dir: Path, *flags: str) -> tuple[int, list[dict[str, Any]]]:
    args = ["--sandbox", str(sandbox_dir), "paths", "--json", *flags, POLICY]
    result = CliRunner().invoke(main, args)
    doc = json.loads(result.stdout)
    found = [
        {"from": p["from"], "to": p["to"], **v}
        for s in doc["scopes"]
        for p in s["pairs"]
        for v in p["violations"]
    ]
    return result.exit_code, found


def _eni(sandbox_dir: Path, name: str) -> NetworkInterfaceTypeDef:
    ec2 = ec2_for(sandbox_dir)
    enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
    instance = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])
    wanted = instance["Reservations"][0]["Instances"][0]["InstanceId"]
    eni: NetworkInterfaceTypeDef = next(
        e for e in enis if e.get("Attachment", {}).get("InstanceId") == wanted
    )
    return eni


def test_a_hand_made_permissive_group_is_named_and_removing_it_clears_it(
    sandbox_dir: Path,
) -> None:
    code, found = _findings(sandbox_dir)
    assert code == 1
    assert writes(sandbox_dir) == []
    opened = [f for f in found if "pg-open-db-1" in f["problem"]]
    assert opened, found
    assert {(f["from"], f["to"], f["finding"]) for f in opened} == {
        ("web", "db", "open beyond policy")
    }
    assert "allows tcp/5432 from 0.0.0.0/0" in opened[0]["problem"]
    assert "rule sgr-" in opened[0]["problem"]
    _, routes = _findings(sandbox_dir, "--routing-only")
    assert routes
    assert [f for f in routes if not f["tables"]] == []  # no group was judged
    db = _eni(sandbox_dir, f"{lz.PERMISSIVE_SPOKE}-vm-a")
    default = [g["GroupId"] for g in db["Groups"] if g["GroupName"] == "default"]
    ec2_for(sandbox_dir).modify_network_interface_attribute(
        NetworkInterfaceId=db["NetworkInterfaceId"], Groups=default
    )
    _, after = _findings(sandbox_dir)
    assert [f for f in after if "pg-open-db-1" in f["problem"]] == []
    assert [f for f in after if f["finding"] == "open beyond policy" and not f["tables"]] == []


def test_a_network_acl_that_blocks_an_allowed_flow_is_named(sandbox_dir: Path) -> None:
    app = _eni(sandbox_dir, "spoke-app-1-vm-a")
    ec2 = ec2_for(sandbox_dir)
    acls = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [app["SubnetId"]]}]
    )["NetworkAcls"]
    acl = acls[0]["NetworkAclId"]
    _, before = _findings(sandbox_dir)
    assert [f for f in before if acl in f["problem"]] == []
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=50,
        Protocol="6",
        RuleAction="deny",
        Egress=False,
        CidrBlock="10.0.0.0/8",
        PortRange={"From": 8080, "To": 8080},
    )
    code, after = _findings(sandbox_dir)
    assert code == 1
    blocked = [f for f in after if acl in f["problem"]]
    assert {(f["from"], f["to"], f["finding"]) for f in blocked} == {
        ("web", "app", "blocked but allowed")
    }, blocked
    assert f"{acl} rule 50: denies tcp/8080 from 10.0.0.0/8" in blocked[0]["problem"]
