"""Who eastwest talks to for each policy account: the ``Target`` an adapter factory gets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from orchestrator.compile.compiler import account_target
from orchestrator.model.policy import Account
from orchestrator.state import Target

ACCOUNT: TypeAdapter[Any] = TypeAdapter(Account)


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
