"""Fault isolation through the real SDKs: one cloud of the multi-cloud sandbox made unreachable
(its endpoint pointed at a closed port), the other two still plan and apply, and the run says
partial (exit 1)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.aws.console import managed_groups, sandbox_ec2
from moto_fixtures.consoles import AlibabaConsole, AzureConsole
from orchestrator.commands import AdapterCache, Context, PlanOptions, run_apply, run_plan
from orchestrator.model import load_policy
from orchestrator.state import Target
from providers import ADAPTERS
from providers.alibaba.adapter import make_alibaba_adapter
from providers.alibaba.retry import Backoff
from providers.alibaba.session import sandbox_api
from providers.azure.adapter import make_azure_adapter
from providers.azure.session import FAST
from providers.base import Adapter, AdapterFactory

pytestmark = pytest.mark.sandbox

POLICY = Path(__file__).parents[2] / "policies" / "examples" / "sandbox-multicloud.yaml"
SCOPES = {
    "aws": "aws/111111111111/us-east-1 (aws-sandbox)",
    "alibaba": "alibaba/5123456789012345/cn-hangzhou (ali-sandbox)",
    "azure": "azure/00000000-0000-0000-0000-000000000001/eastus (az-sandbox)",
}


# A refused connection is retried like a lost one: the products' budgets (Alibaba: 8 tries up
# to 8 s apart; Azure: azure-core's) cost this test ~20-30 s of sleeps per broken cloud. A few
# quick tries prove the same.
QUICK = Backoff(base_s=0.01, cap_s=0.05, attempts=3)


def quick_alibaba(target: Target, *, policy: str, sandbox: Any) -> Adapter:
    api = sandbox_api(sandbox, backoff=QUICK)
    return make_alibaba_adapter(target, policy=policy, sandbox=sandbox, api=api)


def quick_azure(target: Target, *, policy: str, sandbox: Any) -> Adapter:
    return make_azure_adapter(target, policy=policy, sandbox=sandbox, tuning=FAST)


# AWS: botocore's retries, kept
QUICK_FACTORIES: dict[str, AdapterFactory] = {"alibaba": quick_alibaba, "azure": quick_azure}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BrokenCloud(Context):
    """The user's sandbox, with one cloud's endpoint moved to a port nothing listens on."""

    def __init__(self, directory: Path, broken: str) -> None:
        super().__init__(directory, no_colour=True)
        self.broken = broken

    def sandbox(self) -> dict[str, Any]:
        state = super().sandbox()
        assert state is not None
        scheme = "https" if self.broken == "azure" else "http"
        moved = f"{scheme}://127.0.0.1:{closed_port()}"
        return {**state, self.broken: {**state[self.broken], "endpoint_url": moved}}

    def adapters(self, policy: str) -> AdapterCache:
        quick = {self.broken: QUICK_FACTORIES[self.broken]} if self.broken != "aws" else {}
        return AdapterCache(policy, self.sandbox(), {**ADAPTERS, **quick})


def owned(state: dict[str, Any]) -> dict[str, int]:
    """How many groups eastwest owns in each cloud, read back through each cloud's SDK."""
    return {
        "aws": len(managed_groups(sandbox_ec2(state, "111111111111"))),
        "alibaba": len(AlibabaConsole(state["alibaba"]).owned_groups("sandbox")),
        "azure": len(AzureConsole(state["azure"]).owned_nsgs("sandbox")),
    }


@pytest.mark.parametrize("broken", ["aws", "alibaba", "azure"])
def test_an_unreachable_cloud_is_skipped_and_the_others_apply(
    sandbox_dir: Path, broken: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = BrokenCloud(sandbox_dir, broken)
    loaded = load_policy([POLICY])

    assert run_plan(ctx, loaded, PlanOptions(detailed=True)) == 1
    out, err = capsys.readouterr()
    assert f"Scope {SCOPES[broken]}: not planned, could not be read" in out
    assert f"Partial: 1 of 3 scope(s) could not be read and were skipped: {SCOPES[broken]}" in out
    assert SCOPES[broken].split(" ")[0] in err  # the diagnostic names cloud, account, region
    for cloud, scope in SCOPES.items():
        assert (f"Scope {scope}\n" in out) is (cloud != broken)

    assert run_apply(ctx, loaded, auto_approve=True) == 1
    out, err = capsys.readouterr()
    assert "Apply complete!" in out
    assert "Apply partial" in err
    found = owned(Context(sandbox_dir, no_colour=True).sandbox() or {})
    assert found[broken] == 0
    assert all(n > 0 for cloud, n in found.items() if cloud != broken), found
