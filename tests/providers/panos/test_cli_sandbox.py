"""``eastwest firewalls plan|apply`` against a real ``eastwest sandbox up``: the sandbox policy
with applications, users and a schedule on its inspected rule lands on both hub firewalls of
the AWS landing zone, read back through pan-os-python; a second plan is empty."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from panos.firewall import Firewall
from panos.policies import Rulebase, SecurityRule

from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main

EXAMPLE = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"
INSPECTED = """    ports: [tcp/5432]
    inspect: true
    applications: [postgres]
    users: ['SANDBOX\\app-svc']
    schedule: {days: [mon, tue, wed, thu, fri], hours: ['07:00-19:00']}
"""


def _policy(tmp_path: Path, extra: str = "") -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "    ports: [tcp/5432]\n    inspect: true\n"
    assert text.count(old) == 1
    path = tmp_path / "sandbox.yaml"
    path.write_text(text.replace(old, INSPECTED + extra), encoding="utf-8")
    return str(path)


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _rules(directory: Path, label: str) -> list[SecurityRule]:
    entry = load_sandbox(directory)["panos"]["firewalls"][label]
    fw = Firewall(entry["hostname"], entry["username"], entry["password"], port=entry["port"])
    return list(SecurityRule.refreshall(fw.add(Rulebase()), running_config=True))


def test_plan_apply_plan_on_both_hub_firewalls(sandbox_dir: Path, tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    code, out, err = run(sandbox_dir, "firewalls", "plan", policy, "--detailed-exitcode")
    assert code == 2, err
    assert "firewall aws/us-east-1a:" in out
    assert "+ ngfw_rule eastwest-sandbox-app-to-db" in out
    code, _, err = run(sandbox_dir, "firewalls", "apply", policy)
    assert code == 1  # no terminal to confirm on, no --auto-approve: nothing written
    assert "pass --auto-approve" in err
    assert not [r for r in _rules(sandbox_dir, "aws/us-east-1a") if r.name.startswith("eastwest")]
    code, out, err = run(sandbox_dir, "firewalls", "apply", policy, "--auto-approve")
    assert code == 0, err
    assert out.count("edit(s) committed") == 2
    for label in ("aws/us-east-1a", "aws/us-east-1b"):
        rules = _rules(sandbox_dir, label)
        assert [r.name for r in rules][:2] == [
            "eastwest-sandbox-app-to-db",
            "eastwest-sandbox--deny",
        ]
        assert (rules[0].application, rules[0].source_user) == (["postgres"], ["SANDBOX\\app-svc"])
        assert rules[0].schedule == "eastwest-sandbox-app-to-db"
    code, out, _ = run(sandbox_dir, "firewalls", "plan", policy, "--detailed-exitcode")
    assert code == 0
    assert out.count("no changes") == 2


def test_an_unknown_application_is_a_located_error_and_writes_nothing(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    policy = _policy(tmp_path)
    text = Path(policy).read_text(encoding="utf-8").replace("[postgres]", "[postgress]")
    Path(policy).write_text(text, encoding="utf-8")
    code, _, err = run(sandbox_dir, "firewalls", "apply", policy, "--auto-approve")
    assert code == 1
    assert "does not know the application 'postgress'" in err
    assert "sandbox.yaml:" in err  # located: file and line
    assert not [r for r in _rules(sandbox_dir, "aws/us-east-1a") if r.name.startswith("eastwest")]
