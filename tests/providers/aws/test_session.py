"""The CPU a plan spends on boto3 itself: models parsed once per process, clients built once per
account and region (providers/aws/session.py; docs/benchmarks.md, "Many scopes")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import JSONFileLoader

from moto_fixtures.aws.many import ScopeVpc, seed_vpcs
from orchestrator.commands import AdapterCache
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.state import Target
from providers.aws.adapter import make_aws_adapter
from providers.aws.session import sandbox_clients, shared_loader, standard_clients
from providers.base import Adapter

SANDBOX = {
    "aws": {"endpoint_url": "http://127.0.0.1:9", "access_key_id": "A", "secret_access_key": "x"}
}
REGIONS = ("us-east-1", "eu-west-1")


class CountingFiles(JSONFileLoader):
    """botocore's file loader, counting the files it parses (models, endpoints, partitions)."""

    def __init__(self) -> None:
        self.loaded: Counter[str] = Counter()

    def load_file(self, file_path: str) -> Any:
        found = super().load_file(file_path)
        if found is not None:  # the loader tries each search path in turn
            self.loaded[Path(file_path).parent.parent.name + "/" + Path(file_path).name] += 1
        return found


class ClientCounter:
    """An ``on_client`` hook counting the clients built, by service and region."""

    def __init__(self) -> None:
        self.built: Counter[tuple[str, str]] = Counter()

    def __call__(self, client: Any) -> None:
        self.built[client.meta.service_model.service_name, client.meta.region_name] += 1


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CountingFiles:
    """A data path of this test's own, so that its shared loader starts with nothing parsed."""
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    counting = CountingFiles()
    monkeypatch.setattr(shared_loader(str(tmp_path)), "file_loader", counting)
    return counting


@pytest.mark.parametrize(
    "make",
    [
        lambda account: sandbox_clients(SANDBOX, account),
        lambda account: standard_clients(None),
    ],
    ids=["sandbox", "standard-chain"],
)
def test_each_service_model_is_parsed_once_whatever_the_accounts(
    files: CountingFiles, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    for account in ("111111111111", "222222222222", "333333333333"):
        clients = make(account)
        for region in REGIONS:
            clients.ec2(region)
            clients.sts(region)
    # Before, each account's session parsed EC2's model (~150 ms of CPU) again.
    assert files.loaded["ec2/service-2"] == 1, files.loaded
    assert files.loaded["sts/service-2"] == 1


def test_every_client_is_built_once_per_account_and_region() -> None:
    built = ClientCounter()
    clients = sandbox_clients(SANDBOX, "111111111111", built)
    for _ in range(3):
        for region in REGIONS:
            clients.ec2(region)
            clients.sts(region)
            clients.client("elbv2", region)
    assert clients.sts("us-east-1") is clients.sts("us-east-1")
    assert set(built.built.values()) == {1}
    assert len(built.built) == 3 * len(REGIONS)


def _policy(accounts: tuple[str, ...]) -> Policy:
    members = [
        {"account": f"a{a}", "region": r, "tags": {"segment": "web"}}
        for a in accounts
        for r in REGIONS
    ]
    return Policy.model_validate(
        {
            "version": 1,
            "name": "clients",
            "accounts": [
                {"name": f"a{a}", "cloud": "aws", "account_id": a, "regions": list(REGIONS)}
                for a in accounts
            ],
            "segments": [
                {"name": "web", "members": members},
                {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
            ],
            "rules": [{"name": "in", "from": "onprem", "to": "web", "ports": ["tcp/443"]}],
        }
    )


def test_plans_over_many_scopes_build_one_client_per_account_region_and_service(
    sandbox: dict[str, Any], files: CountingFiles
) -> None:
    accounts = ("210000000001", "210000000002")
    seed_vpcs(
        sandbox["aws"]["endpoint_url"],
        (
            ScopeVpc(a, r, f"10.{n}.0.0/24", {"segment": "web"})
            for n, (a, r) in enumerate((a, r) for a in accounts for r in REGIONS)
        ),
    )
    built = ClientCounter()

    def aws(target: Target, *, policy: str, sandbox: Any) -> Adapter:
        return make_aws_adapter(target, policy=policy, sandbox=sandbox, on_client=built)

    cache = AdapterCache("clients", sandbox, {"aws": aws})
    policy = _policy(accounts)
    for _ in range(2):  # the reconciler keeps one cache across its ticks
        result = plan_policy(policy, cache, lambda _: None)
        assert not result.failed, result.diagnostics
    by_service = Counter(service for service, _ in built.built.elements())
    # One EC2 client per scope; one STS client per account (the identity), not per plan.
    assert by_service == {"ec2": len(accounts) * len(REGIONS), "sts": len(accounts)}
    assert files.loaded["ec2/service-2"] == 1
