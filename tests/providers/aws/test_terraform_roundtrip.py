"""`eastwest synth` and the reconciler agree, both ways, with the real Terraform AWS provider.

Against the sandbox daemon (`sandbox_dir`), with the sandbox policy's security groups, prefix
lists and transit routing (hub tables, associations, propagations, static routes, VPC routes and
their ownership records): Terraform applies the synthesized configuration and `eastwest plan`
then has nothing to do but appliance mode, which Terraform cannot set on an attachment it does
not declare; `eastwest apply`, then the synthesized configuration with its import blocks makes
`terraform plan` propose the imports and nothing else. The provider reaches the account through
`assume_role` (see docs/terraform.md); skipped, saying why, where terraform or the provider
mirror is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from tests.providers.aws.cloud import clear_calls, ec2_for, writes
from tests.terraform.runner import actions, needs_terraform, terraform

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

pytestmark = needs_terraform


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def routes(ec2: EC2Client) -> set[tuple[str, str, str]]:
    """Every route of every VPC route table: (table, destination, where it goes)."""
    return {
        (t["RouteTableId"], r.get("DestinationCidrBlock", ""), json.dumps(r, sort_keys=True))
        for t in ec2.describe_route_tables()["RouteTables"]
        for r in t.get("Routes", [])
    }


def plan_changes(directory: Path) -> list[dict[str, Any]]:
    code, stdout, _ = run(directory, "plan", POLICY, "--json")
    assert code == 0, stdout
    return [c for s in json.loads(stdout)["scopes"] for c in s["changes"]]


def firewall_changes(directory: Path) -> list[dict[str, Any]]:
    """The hub firewalls' changes: counted in apply's summary, declared in synth's ``panos/``."""
    code, stdout, _ = run(directory, "plan", POLICY, "--json")
    assert code == 0, stdout
    return [c for f in json.loads(stdout)["firewalls"] for c in f["changes"]]


def test_terraform_apply_leaves_eastwest_nothing_to_do(sandbox_dir: Path, tmp_path: Path) -> None:
    ec2 = ec2_for(sandbox_dir)
    before, routes_before = console.unowned_snapshot(ec2), routes(ec2)
    out = tmp_path / "tf"
    code, _, err = run(sandbox_dir, "synth", POLICY, "--out", str(out))
    assert code == 0, err
    assert "appliance mode must be on for tgw-attach-" in err  # not generated: said so
    assert not (out / "imports.tf.json").exists()  # nothing to adopt yet
    assert writes(sandbox_dir) == []  # synth never writes to a cloud
    declared = json.loads((out / "aws" / "main.tf.json").read_text())["resource"]
    assert {"aws_ec2_transit_gateway_route_table", "aws_route", "aws_ec2_tag"} <= set(declared)

    tf = terraform(out, tmp_path / "home")
    tf.init()
    tf.run("apply", "-auto-approve", "-input=false")

    # Only what the configuration cannot declare is left: appliance mode on the inspection
    # attachment, which its owner turns on where the attachment is declared (here: boto3), and
    # the workloads' group attachments (synth said so), which eastwest makes.
    assert "interface(s) should carry their segment's group" in err
    left = plan_changes(sandbox_dir)
    (mode,) = [c for c in left if c["kind"] == "appliance_mode"]
    assert (mode["symbol"], mode["after"]["enabled"]) == ("~", True)
    attaching = [c for c in left if c["kind"] == "group_attachment"]
    assert len(attaching) == len(left) - 1
    assert {c["symbol"] for c in attaching} == {"+"}
    ec2.modify_transit_gateway_vpc_attachment(
        TransitGatewayAttachmentId=mode["after"]["attachment"],
        Options={"ApplianceModeSupport": "enable"},
    )
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0

    # Nothing left to change; the seeded DBA group (pg-open-db-1) still opens web → db (3).
    code, stdout, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 3, stdout
    assert "No changes eastwest can make" in stdout
    assert tf.no_changes()  # and Terraform itself is stable
    assert console.unowned_snapshot(ec2) == before
    assert routes_before <= routes(ec2)  # routes that are not eastwest's are all still there


def test_after_eastwest_apply_terraform_only_imports(sandbox_dir: Path, tmp_path: Path) -> None:
    # Group attachments are made by eastwest and never declared (an interface is not eastwest's).
    attached = sum(1 for c in plan_changes(sandbox_dir) if c["kind"] == "group_attachment")
    firewall = len(firewall_changes(sandbox_dir))
    code, stdout, _ = run(sandbox_dir, "apply", POLICY, "--auto-approve")
    assert code == 0
    added = int(stdout.split("Resources: ")[1].split(" added")[0]) - attached - firewall
    out = tmp_path / "tf"
    clear_calls(sandbox_dir)
    code, _, err = run(sandbox_dir, "synth", POLICY, "--out", str(out))
    assert code == 0, err
    assert writes(sandbox_dir) == []
    imports = json.loads((out / "imports.tf.json").read_text())["import"]
    declared = json.loads((out / "aws" / "main.tf.json").read_text())["resource"]
    # Everything declared exists: what eastwest added, the associations it moved out of the
    # gateway's default table, and the route tables' ownership records (tags, not resources
    # to eastwest).
    records = len(declared["aws_ec2_tag"])
    moved = len(declared["aws_ec2_transit_gateway_route_table_association"])
    assert len(imports) == sum(len(named) for named in declared.values())
    assert len(imports) == added + moved + records

    tf = terraform(out, tmp_path / "home")
    tf.init()
    planned = actions(tf.plan_json())
    assert len(planned) == len(imports)
    assert {tuple(a) for a in planned.values()} == {("no-op", "import")}

    tf.run("apply", "-auto-approve", "-input=false", "tfplan")  # adoption, nothing recreated
    assert tf.no_changes()
    # Nothing left to change; the seeded DBA group still opens web → db: 3, not 0.
    assert run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")[0] == 3
