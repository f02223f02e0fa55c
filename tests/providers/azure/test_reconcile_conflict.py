"""The reconciler against the fake ARM: a member subnet held by somebody else's NSG makes the
partition `conflict` (never `in_sync`) in both modes, while the rest of the policy is applied."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from azure.mgmt.network.models import Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.pipeline import AdapterFor
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.service import record_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Scope, Target
from tests.providers.azure.conftest import REGION, RG, SUB, adapter_for, console, member

SCOPE = Scope("azure", SUB, REGION)
PARTITION = Partition(SCOPE, Target("azure", SUB, "az-prod", None, RG))


def _source(tmp_path: Path) -> PolicySource:
    """web: the whole of vnet-web, whose snet-web holds the user's nsg-web; app: a free subnet."""
    account = {"name": "az-prod", "cloud": "azure", "subscription_id": SUB,
               "resource_group": RG, "regions": [REGION]}  # fmt: skip
    body = {
        "version": 1,
        "name": "acme",
        "accounts": [account],
        "segments": [
            {"name": "web", "members": [member("vnet-web")]},
            {"name": "app", "members": [member("vnet-app", "snet-app-2")]},
        ],
        "rules": [{"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/8080"]}],
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return PolicySource([path])


@pytest.mark.parametrize("mode", [Mode.AUDIT, Mode.ENFORCE])
def test_a_member_subnet_with_a_foreign_nsg_is_a_conflict_on_every_tick(
    server: AzureServer, seeded: SeedReport, tmp_path: Path, mode: Mode
) -> None:
    source = _source(tmp_path)

    def adapters(policy: str) -> AdapterFor:
        return lambda _target: adapter_for(server, policy)

    first = reconcile_once(PARTITION, source, adapters, Tick(mode))
    assert first.outcome is Outcome.CONFLICT, first.errors
    assert "the NSG nsg-web on member subnet vnet-web/snet-web is not eastwest's" in first.errors[0]
    again = reconcile_once(PARTITION, source, adapters, Tick(mode))
    assert again.outcome is Outcome.CONFLICT
    owned = sorted(str(n.name) for n in console(server).network_security_groups.list(RG)
                   if (n.tags or {}).get("eastwest:policy") == "acme")  # fmt: skip
    # enforce still applies what it can (app's group); the held group stays out
    assert owned == (["eastwest-acme-app-vnet-app"] if mode is Mode.ENFORCE else [])
    assert again.changes == (0 if mode is Mode.ENFORCE else first.changes)


def test_an_nsg_deleted_in_the_console_is_counted_as_drift_in_history_and_metrics(
    server: AzureServer, seeded: SeedReport, tmp_path: Path
) -> None:
    source = _source(tmp_path)

    def adapters(policy: str) -> AdapterFor:
        return lambda _target: adapter_for(server, policy)

    reconcile_once(PARTITION, source, adapters, Tick(Mode.ENFORCE))  # app's group, applied
    client = console(server)
    nsg = "eastwest-acme-app-vnet-app"
    subnet = client.subnets.get(RG, "vnet-app", "snet-app-2").as_dict()
    del subnet["properties"]["networkSecurityGroup"]
    client.subnets.begin_create_or_update(RG, "vnet-app", "snet-app-2", Subnet(subnet)).result()
    client.network_security_groups.begin_delete(RG, nsg).result()

    result = reconcile_once(PARTITION, source, adapters, Tick(Mode.AUDIT))
    assert result.plan is not None
    kinds = sorted(c.resource.kind for c in result.plan.changes if c.drift)
    assert (kinds[0], set(kinds[1:])) == ("firewall_group", {"flow_rule"}), kinds
    # The rest are Azure's address sets, which are the prefixes inside the rules (no write of
    # their own): with their only NSG gone they read as new, and count as policy changes.
    rest = {c.resource.kind for c in result.plan.changes if not c.drift}
    assert rest == {"address_set"}
    record = record_of(result, "test", None)
    assert (record.outcome, record.drift) == ("conflict", result.drift)  # web is still held
    metrics = Metrics()
    metrics.observe(result)
    text = metrics.exposition(None)[0].decode()
    assert 'eastwest_drift_changes_total{cloud="azure",kind="firewall_group"} 1.0' in text
    assert (
        f'eastwest_drift_changes_total{{cloud="azure",kind="flow_rule"}} {len(kinds) - 1}.0' in text
    )
