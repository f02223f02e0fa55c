"""The clouds' own word on a hub firewall (``eastwest run --firewall-probes cloud``), chosen
explicitly by cloud name like ``ADAPTERS``, each cloud's SDK imported only when asked.

In: the account's ``Target`` and the sandbox (or None). Out: a ``HealthChecker`` whose
``probe(region, zone, next_hop)`` answers ``(up, reason)`` and never raises for a cloud error.
Built: AWS (GWLB target health, ``providers/aws/health.py``), Alibaba Cloud (the ECS state of
the firewall ENI's instance, ``providers/alibaba/health.py``), Azure (the health of the
internal load balancer's backends, ``providers/azure/health.py``). Any other cloud is a
``ProviderError``, which the prober reports as a failed probe, never as a healthy one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from orchestrator.errors import ProviderError
from orchestrator.state import Target


class HealthChecker(Protocol):
    def probe(self, region: str, zone: str, next_hop: str) -> tuple[bool, str]: ...


def _aws(target: Target, sandbox: Mapping[str, Any] | None) -> HealthChecker:
    from providers.aws.health import GwlbHealth  # noqa: PLC0415 - boto3 only when asked
    from providers.aws.session import sandbox_clients, standard_clients  # noqa: PLC0415

    if sandbox is not None:
        return GwlbHealth(sandbox_clients(sandbox, target.account))
    return GwlbHealth(standard_clients(target.profile))


def _alibaba(target: Target, sandbox: Mapping[str, Any] | None) -> HealthChecker:
    from providers.alibaba.health import InstanceHealth  # noqa: PLC0415 - the SDK when asked
    from providers.alibaba.session import sandbox_api, standard_api  # noqa: PLC0415

    if sandbox is not None:
        return InstanceHealth(sandbox_api(sandbox))
    return InstanceHealth(standard_api(target.profile))


def _azure(target: Target, sandbox: Mapping[str, Any] | None) -> HealthChecker:
    from providers.azure.health import LoadBalancerHealth  # noqa: PLC0415 - the SDK when asked
    from providers.azure.session import sandbox_clients, standard_clients  # noqa: PLC0415

    if target.resource_group is None:
        raise ProviderError(f"azure account {target.name} has no resource group to read")
    if sandbox is not None:
        clients = sandbox_clients(sandbox, target.account)
    else:
        clients = standard_clients(target.account, cloud=target.azure_cloud)
    return LoadBalancerHealth(clients, target.resource_group)


def health_checker(target: Target, *, sandbox: Mapping[str, Any] | None) -> HealthChecker:
    if target.cloud == "aws":
        return _aws(target, sandbox)
    if target.cloud == "alibaba":
        return _alibaba(target, sandbox)
    if target.cloud == "azure":
        return _azure(target, sandbox)
    raise ProviderError(f"no cloud health probe for {target.cloud} (docs/reconciler.md)")
