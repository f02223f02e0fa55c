"""Helpers for tests that look at the sandbox from outside, as a console user would."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto_fixtures.aws import console
from moto_fixtures.sandbox import load_sandbox

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ACCOUNT = "111111111111"
READ_PREFIXES = ("Describe", "Get", "List", "Search")


def ec2_for(directory: Path, account: str = ACCOUNT) -> EC2Client:
    return console.sandbox_ec2(load_sandbox(directory), account)


def calls(directory: Path) -> list[dict[str, str]]:
    endpoint = load_sandbox(directory)["aws"]["endpoint_url"]
    with urllib.request.urlopen(endpoint + "/_eastwest/calls", timeout=10) as response:
        body: Any = json.loads(response.read())
    return list(body)


def clear_calls(directory: Path) -> None:
    endpoint = load_sandbox(directory)["aws"]["endpoint_url"]
    request = urllib.request.Request(endpoint + "/_eastwest/calls", method="DELETE")
    with urllib.request.urlopen(request, timeout=10):
        pass


def writes(directory: Path) -> list[str]:
    """Every call since the last clear that could change something."""
    return [
        c["action"]
        for c in calls(directory)
        if not c["action"].startswith(READ_PREFIXES) and c["action"] != "GetCallerIdentity"
    ]
