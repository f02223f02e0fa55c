"""Who eastwest talks to for each policy account: the ``Target`` an adapter factory gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from orchestrator.compile.compiler import account_target
from orchestrator.model.policy import Account
from orchestrator.plan import Plan
from orchestrator.plan.document import read_plan, write_plan
from orchestrator.plan.planner import ScopePlan
from orchestrator.state import Scope, Target

ACCOUNT: TypeAdapter[Any] = TypeAdapter(Account)
SUB = "00000000-0000-0000-0000-000000000001"
AZURE = {"cloud": "azure", "subscription_id": SUB, "resource_group": "rg", "regions": ["eastus"]}


def _account(fields: dict[str, Any]) -> Any:
    return ACCOUNT.validate_python({"name": "a", **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"cloud": "aws", "account_id": "111111111111", "regions": ["us-east-1"]},
            Target("aws", "111111111111", "a"),
            id="aws-chain",
        ),
        pytest.param(
            {
                "cloud": "aws",
                "account_id": "111111111111",
                "regions": ["us-east-1"],
                "profile": "x",
            },
            Target("aws", "111111111111", "a", profile="x"),
            id="aws-profile",
        ),
        pytest.param(
            {**AZURE, "azure_cloud": "AZURE_CHINA_CLOUD"},
            Target("azure", SUB, "a", resource_group="rg", azure_cloud="AZURE_CHINA_CLOUD"),
            id="azure-china",
        ),
        pytest.param(
            AZURE,
            Target("azure", SUB, "a", resource_group="rg", azure_cloud="AZURE_PUBLIC_CLOUD"),
            id="azure-public-by-default",
        ),
        pytest.param(
            {"cloud": "alibaba", "account_id": "5123456789012345", "regions": ["cn-hangzhou"]},
            Target("alibaba", "5123456789012345", "a"),
            id="alibaba-chain",
        ),
        pytest.param(
            {
                "cloud": "alibaba",
                "account_id": "5123456789012345",
                "regions": ["cn-hangzhou"],
                "profile": "prod",
            },
            Target("alibaba", "5123456789012345", "a", profile="prod"),
            id="alibaba-profile",
        ),
    ],
)
def test_account_target(fields: dict[str, Any], expected: Target) -> None:
    assert account_target(_account(fields)) == expected


def test_a_saved_plan_keeps_the_azure_cloud(tmp_path: Path) -> None:
    """A plan file applied later must reach the same sovereign cloud it was planned against."""
    target = account_target(_account({**AZURE, "azure_cloud": "AZURE_US_GOVERNMENT"}))
    scope = Scope("azure", SUB, "eastus")
    path = tmp_path / "plan.json"
    write_plan(Plan("p", (ScopePlan(scope, target, (), "f"),)), path)
    assert read_plan(path).plan.scopes[0].target == target


def test_an_unknown_azure_cloud_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="AZURE_CHINA_CLOUD"):
        _account({**AZURE, "azure_cloud": "china"})
