"""Azure through the CLI against a real `eastwest sandbox up` daemon, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from moto_fixtures.consoles import AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main

pytestmark = pytest.mark.sandbox

POLICY = """\
version: 1
name: azonly
accounts:
  - {name: az-sandbox, cloud: azure, subscription_id: 00000000-0000-0000-0000-000000000001,
     resource_group: rg-net, regions: [eastus]}
hubs:
  - {name: eus, account: az-sandbox, region: eastus, transit: vnet-hub,
     inspection: {vpc: vnet-hub, firewalls: [{zone: "1", next_hop: 10.0.1.10}]}}
segments:
  - {name: web, members: [{account: az-sandbox, region: eastus, vnet: vnet-web,
                           subnets: [snet-web-2]}]}
  - {name: app, members: [{account: az-sandbox, region: eastus, vnet: vnet-app,
                           subnets: [snet-app-2]}]}
rules:
  - {name: web-to-app, from: web, to: app, ports: [tcp/8080]}
"""


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def policy_file(tmp_path: Path) -> str:
    path = tmp_path / "azonly.yaml"
    path.write_text(POLICY)
    return str(path)


def test_a_saved_azure_plan_applies_exactly(
    sandbox_dir: Path, tmp_path: Path, policy_file: str
) -> None:
    plan_file = tmp_path / "plan.json"
    code, _, err = run(sandbox_dir, "plan", policy_file, "--out", str(plan_file))
    assert code == 0, err
    body = json.loads(plan_file.read_text())
    [scope] = body["scopes"]
    assert scope["target"]["resource_group"] == "rg-net"
    added = body["summary"]["add"]
    assert added > 0

    code, out, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 0, out + err
    assert f"Resources: {added} added, 0 changed, 0 destroyed." in out

    code, out, _ = run(sandbox_dir, "plan", policy_file, "--detailed-exitcode")
    assert (code, "No changes." in out) == (0, True), out
    azure = AzureConsole(load_sandbox(sandbox_dir)["azure"])
    assert sorted(str(n.name) for n in azure.owned_nsgs("azonly")) == [
        "eastwest-azonly-app-vnet-app",
        "eastwest-azonly-web-vnet-web",
    ]


def test_a_stale_saved_azure_plan_is_refused_and_drift_shows_its_source(
    sandbox_dir: Path, tmp_path: Path, policy_file: str
) -> None:
    assert run(sandbox_dir, "apply", policy_file, "--auto-approve")[0] == 0
    azure = AzureConsole(load_sandbox(sandbox_dir)["azure"])
    nsg = str(azure.owned_nsgs("azonly")[0].name)
    azure.network.security_rules.begin_delete(azure.group, nsg, "eastwest-deny-vnet-in").result()
    plan_file = tmp_path / "plan.json"
    assert run(sandbox_dir, "plan", policy_file, "--out", str(plan_file))[0] == 0
    assert json.loads(plan_file.read_text())["summary"]["change"] == 1  # the deny rule
    rule = azure.add_rogue_rule(nsg)  # tcp/3389 from the service tag Internet

    code, _, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 1
    assert "stale" in err

    code, out, _ = run(sandbox_dir, "plan", policy_file, "--detailed-exitcode")
    assert code == 2
    assert 'peer        = "ref:Internet"' in out
    assert f"ingress/tcp:3389/ref:{rule} will be destroyed" in out
    assert run(sandbox_dir, "plan", policy_file, "--out", str(plan_file))[0] == 0
    assert run(sandbox_dir, "apply", str(plan_file))[0] == 0
    assert run(sandbox_dir, "plan", policy_file, "--detailed-exitcode")[0] == 0


def test_existing_nsgs_share_writes_eastwests_rules_beside_the_users(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    """Whole VNets as members: each first subnet holds the user's NSG. By default that is a
    conflict; with `existing_nsgs: share`, eastwest's rules go into those NSGs by name, the
    saved plan carries the choice, and the user's rules stay exactly as they were."""
    whole = POLICY.replace(
        "vnet: vnet-web,\n                           subnets: [snet-web-2]", "vnet: vnet-web"
    ).replace("vnet: vnet-app,\n                           subnets: [snet-app-2]", "vnet: vnet-app")
    default = tmp_path / "default.yaml"
    default.write_text(whole)
    azure = AzureConsole(load_sandbox(sandbox_dir)["azure"])
    before = _user_rules(azure)
    # Fail closed: the held subnets are not guarded, so the plan is an error (exit 1, also
    # with --detailed-exitcode) and apply writes nothing.
    code, _, err = run(sandbox_dir, "plan", str(default), "--detailed-exitcode")
    assert code == 1, err
    assert "the NSG nsg-web on member subnet vnet-web/snet-web is not eastwest's" in err
    assert "policy is not enforced there" in err
    code, _, err = run(sandbox_dir, "apply", str(default), "--auto-approve")
    assert (code, "nothing was changed" in err) == (1, True), err
    assert not azure.owned_nsgs("azonly")

    shared = tmp_path / "shared.yaml"
    shared.write_text(
        whole.replace("resource_group: rg-net,", "resource_group: rg-net, existing_nsgs: share,")
    )
    plan_file = tmp_path / "plan.json"
    code, _, err = run(sandbox_dir, "plan", str(shared), "--out", str(plan_file))
    assert code == 0, err
    assert "is not eastwest's" not in err
    assert json.loads(plan_file.read_text())["scopes"][0]["target"]["existing_nsgs"] == "share"
    code, _, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 0, err
    assert run(sandbox_dir, "plan", str(shared), "--detailed-exitcode")[0] == 0
    after = _user_rules(azure)
    assert after == before
    names = {str(r.name) for r in azure.network.security_rules.list(azure.group, "nsg-web")}
    assert any(n.startswith("eastwest-azonly-") for n in names)


def _user_rules(azure: AzureConsole) -> dict[str, list[dict[str, object]]]:
    """The user's rules in the seeded NSGs, etags aside (any write to an NSG changes them)."""
    found: dict[str, list[dict[str, object]]] = {}
    for nsg in ("nsg-web", "nsg-app"):
        rules = azure.network.security_rules.list(azure.group, nsg)
        found[nsg] = sorted(
            (
                {k: v for k, v in r.as_dict().items() if k != "etag"}
                for r in rules
                if not str(r.name).startswith("eastwest-")
            ),
            key=lambda r: str(r["name"]),
        )
    return found


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        pytest.param(
            "resource_group: rg-net,",
            "resource_group: rg-net, existing_nsgs: share,",
            "existing_nsgs: share",
            id="share",
        ),
        pytest.param(
            "  - {name: web, members:",
            "  - {name: web, attach: exclusive, members:",
            "attach: exclusive on Azure",
            id="exclusive",
        ),
    ],
)
def test_synth_refuses_what_terraform_cannot_put_back(
    sandbox_dir: Path, tmp_path: Path, old: str, new: str, said: str
) -> None:
    refused = tmp_path / "refused.yaml"
    assert old in POLICY
    refused.write_text(POLICY.replace(old, new))
    out = tmp_path / "tf"
    code, _, err = run(sandbox_dir, "synth", str(refused), "--out", str(out))
    assert code == 1
    assert said in err
    assert not out.exists()
