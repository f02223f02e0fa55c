"""Saved plans cannot be forged (DESIGN.md rule 9): `apply FILE` re-derives every change from
the policy the file names and the live cloud, and refuses a file that says anything else, with
zero writes. The cloud is read back through boto3, as a console user would."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from tests.providers.aws.cloud import clear_calls, ec2_for, writes

POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"


def run(directory: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(
        main, ["--sandbox", str(directory), *args], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    body = json.loads(path.read_text())
    change(body)
    path.write_text(json.dumps(body))


def open_ssh_to_world(body: dict[str, Any]) -> None:
    """The issue's first forgery: a planned ingress rule's peer becomes 0.0.0.0/0 on tcp/22."""
    for scope in body["scopes"]:
        for change in scope["changes"]:
            after = change["after"]
            if change["kind"] == "flow_rule" and after["direction"] == "ingress":
                after.update(
                    peer="cidr:0.0.0.0/0", protocol="tcp", from_port=22, to_port=22, ports="tcp/22"
                )
                return
    raise AssertionError("the plan has no ingress rule to forge")


def ssh_open_to_world(directory: Path) -> list[str]:
    rules = ec2_for(directory).describe_security_group_rules()["SecurityGroupRules"]
    return [
        r["GroupId"]
        for r in rules
        if r.get("CidrIpv4") == "0.0.0.0/0" and r.get("FromPort") == 22 and not r["IsEgress"]
    ]


def test_an_edited_rule_peer_is_refused_and_nothing_is_written(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", str(POLICY), "--out", str(plan_file))[0] == 0
    edit(plan_file, open_ssh_to_world)
    clear_calls(sandbox_dir)

    code, _, err = run(sandbox_dir, "apply", str(plan_file))

    assert code == 1
    assert "does not match the plan its policy and the clouds give now" in err
    assert writes(sandbox_dir) == []
    assert ssh_open_to_world(sandbox_dir) == []
    assert console.managed_groups(ec2_for(sandbox_dir)) == []


def without_shared(directory: Path) -> Path:
    """The sandbox policy less its `shared` segment: applying it deletes shared's groups."""
    body = yaml.safe_load(POLICY.read_text())
    body["segments"] = [s for s in body["segments"] if s["name"] != "shared"]
    body["rules"] = [r for r in body["rules"] if "shared" not in (r["from"], r["to"])]
    path = directory / "smaller.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def test_a_delete_pointed_at_a_hand_made_group_is_refused(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    assert run(sandbox_dir, "apply", str(POLICY), "--auto-approve")[0] == 0
    ec2 = ec2_for(sandbox_dir)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    decoy = ec2.create_security_group(
        GroupName="hand-made", Description="not eastwest's", VpcId=vpc
    )
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", str(without_shared(tmp_path)), "--out", str(plan_file))[0] == 0

    def aim_at_decoy(body: dict[str, Any]) -> None:
        for scope in body["scopes"]:
            deleted = [
                c["key"]
                for c in scope["changes"]
                if c["kind"] == "firewall_group" and c["action"] == "delete"
            ]
            assert deleted, "the smaller policy must delete shared's groups"
            scope["native"][deleted[0]]["id"] = decoy["GroupId"]

    edit(plan_file, aim_at_decoy)
    clear_calls(sandbox_dir)
    code, _, err = run(sandbox_dir, "apply", str(plan_file))

    assert code == 1
    assert "the native id of" in err
    assert writes(sandbox_dir) == []
    found = ec2.describe_security_groups(GroupIds=[decoy["GroupId"]])["SecurityGroups"]
    assert [g["GroupName"] for g in found] == ["hand-made"]


def test_a_policy_changed_after_the_plan_is_refused(sandbox_dir: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY.read_text())
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", str(policy), "--out", str(plan_file))[0] == 0
    policy.write_text(POLICY.read_text().replace("tcp/8080", "tcp/8081"))
    clear_calls(sandbox_dir)

    code, _, err = run(sandbox_dir, "apply", str(plan_file))

    assert code == 1
    assert "changed since the plan was made (their digest differs)" in err
    assert writes(sandbox_dir) == []


@pytest.mark.parametrize(
    ("sign_with", "apply_with", "message"),
    [
        pytest.param(None, "k1", "the plan is not signed", id="unsigned-refused-with-key"),
        pytest.param("k1", "k2", "signature does not match", id="other-key"),
        pytest.param("k1", "k1", None, id="same-key-applies"),
        pytest.param("k1", None, None, id="no-key-still-re-derived"),
    ],
)
def test_signed_plans(
    sandbox_dir: Path,
    tmp_path: Path,
    sign_with: str | None,
    apply_with: str | None,
    message: str | None,
) -> None:
    plan_file = tmp_path / "plan.json"
    signing = {"EASTWEST_PLAN_KEY": sign_with} if sign_with else {}
    assert run(sandbox_dir, "plan", str(POLICY), "--out", str(plan_file), env=signing)[0] == 0
    assert ("signature" in json.loads(plan_file.read_text())) is bool(sign_with)
    clear_calls(sandbox_dir)

    env = {"EASTWEST_PLAN_KEY": apply_with or ""}
    code, out, err = run(sandbox_dir, "apply", str(plan_file), env=env)

    if message is None:
        assert code == 0, err
        assert "Apply complete!" in out
    else:
        assert code == 1
        assert message in err
        assert writes(sandbox_dir) == []


def test_an_honest_plan_re_derives_identically_in_all_three_clouds(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    # Re-derivation refuses any difference, so a plan that is not reproducible (an unordered
    # set, a timestamp in a resource) would make every saved plan unusable: check all clouds.
    policy = str(POLICY.with_name("sandbox-multicloud.yaml"))
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", policy, "--out", str(plan_file))[0] == 0
    clouds = {s["target"]["cloud"] for s in json.loads(plan_file.read_text())["scopes"]}
    assert clouds == {"aws", "alibaba", "azure"}
    code, out, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 0, err
    assert "Apply complete!" in out


@pytest.mark.parametrize(
    ("command", "code"),
    [
        pytest.param(("plan",), 0, id="plan-warns"),
        pytest.param(("plan", "--strict"), 1, id="plan-strict-refuses"),
        pytest.param(("apply", "--auto-approve", "--strict"), 1, id="apply-strict-writes-nothing"),
    ],
)
def test_an_external_range_over_member_vpcs_is_an_exposure(
    sandbox_dir: Path, tmp_path: Path, command: tuple[str, ...], code: int
) -> None:
    # onprem 10.0.0.0/8 covers every spoke VPC of the sandbox: a rule from onprem reaches them.
    policy = tmp_path / "exposed.yaml"
    policy.write_text(POLICY.read_text().replace("172.16.0.0/12", "10.0.0.0/8"))
    clear_calls(sandbox_dir)
    got, _, err = run(sandbox_dir, *command, str(policy))
    assert got == code
    assert "10.0.0.0/8 of segment 'onprem' overlaps vpc-" in err
    assert f"{policy}:" in err
    assert writes(sandbox_dir) == []


@pytest.mark.parametrize(
    ("flags", "code"),
    [pytest.param((), 0, id="applies-with-a-warning"), pytest.param(("--strict",), 1, id="strict")],
)
def test_apply_file_strict_checks_the_policy_it_names(
    sandbox_dir: Path, tmp_path: Path, flags: tuple[str, ...], code: int
) -> None:
    policy = tmp_path / "wide.yaml"
    policy.write_text(POLICY.read_text().replace("172.16.0.0/12", "0.0.0.0/0"))
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", str(policy), "--out", str(plan_file))[0] == 0
    clear_calls(sandbox_dir)
    got, _, err = run(sandbox_dir, "apply", *flags, str(plan_file))
    assert got == code, err
    assert "0.0.0.0/0 is every address" in err
    assert (writes(sandbox_dir) == []) is bool(flags)
