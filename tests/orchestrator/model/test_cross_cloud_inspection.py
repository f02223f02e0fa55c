"""An inspected rule between members in different clouds: refused with file:line and
``rules[i].inspect`` (no inspection point between clouds exists), or, with
``cross_cloud: uninspected``, allowed with a located warning. Never dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from tests.orchestrator.model.test_checks import checked

ACCOUNTS = """version: 1
name: shop
accounts:
  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}
  - name: az-prod
    cloud: azure
    subscription_id: "00000000-0000-0000-0000-000000000001"
    resource_group: rg-net
    regions: [eastus]
segments:
  - name: web
    members: [{account: aws-prod, region: us-east-1, vpc: vpc-1}]
  - name: db
    members: [{account: %s, region: %s, %s}]
rules:
  - name: web-to-db
    from: web
    to: db
    ports: [tcp/5432]
    inspect: true
"""
AZURE_DB = ACCOUNTS % ("az-prod", "eastus", "vnet: spoke-db")
AWS_DB = ACCOUNTS % ("aws-prod", "us-east-1", "vpc: vpc-2")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "code", "said"),
    [
        pytest.param(AZURE_DB, 1, "have members in different clouds (aws → azure)", id="refused"),
        pytest.param(
            AZURE_DB + "    cross_cloud: uninspected\n",
            0,
            "its flows aws → azure are not inspected",
            id="acknowledged",
        ),
        pytest.param(AWS_DB, 0, "", id="one-cloud"),
    ],
)
def test_validate(tmp_path: Path, text: str, code: int, said: str) -> None:
    path = _write(tmp_path, text)
    result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == code, result.output
    if said:
        assert f"{path}:20:" in result.stderr  # the line of 'inspect: true'
        assert "rules[0].inspect" in result.stderr
        assert said in result.stderr
    else:
        assert "inspect" not in result.stderr


def test_plan_refuses_before_any_cloud_is_read(tmp_path: Path) -> None:
    # The sandbox directory does not exist: reaching any cloud would fail on it instead.
    path = _write(tmp_path, AZURE_DB)
    missing = tmp_path / "no-sandbox"
    result = CliRunner().invoke(
        main, ["--sandbox", str(missing), "plan", str(path)], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert f"{path}:20:" in result.stderr
    assert "no-sandbox" not in result.output + result.stderr


@pytest.mark.parametrize(
    ("clouds_from", "clouds_to", "inspect", "errors"),
    [
        pytest.param(("aws",), ("azure",), True, 1, id="aws-to-azure"),
        pytest.param(("aws", "azure"), ("aws",), True, 1, id="a-spanning-source"),
        pytest.param(("aws",), ("aws",), True, 0, id="same-cloud"),
        pytest.param(("aws",), ("azure",), False, 0, id="not-inspected"),
        pytest.param(("aws",), (), True, 0, id="external-addresses-only"),
    ],
)
def test_which_rules_are_refused(
    clouds_from: tuple[str, ...], clouds_to: tuple[str, ...], inspect: bool, errors: int
) -> None:
    members = {
        "aws": {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-9"},
        "azure": {"account": "az-prod", "region": "eastus", "vnet": "spoke-9"},
    }

    def change(body: dict[str, object]) -> None:
        segments: list[dict[str, object]] = [
            {"name": "a", "members": [members[c] for c in clouds_from]},
            {"name": "b", "members": [members[c] for c in clouds_to], "cidrs": ["192.0.2.0/24"]},
        ]
        body["segments"] = segments
        rule = {"name": "a-to-b", "from": "a", "to": "b", "ports": ["tcp/1"], "inspect": inspect}
        body["rules"] = [rule]
        body["hubs"] = []

    found = [d for d in checked(change) if d[1] == "rules[0].inspect"]
    assert [s for s, _, _ in found] == ["error"] * errors
