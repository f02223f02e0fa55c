"""SDK clients for Azure Resource Manager: the standard credential chain, or the local sandbox.

In: a subscription, and either its sovereign cloud (production: ``DefaultAzureCredential`` from
``azure-identity``, imported only when needed, signing in at that cloud's authority for that
cloud's Resource Manager) or the sandbox mapping's ``azure`` section::

    {"azure": {"endpoint_url": "https://127.0.0.1:PORT",   # the fake ARM's base URL
               "ca_bundle": "/path/to/ca.pem",             # its self-signed CA (TLS verify)
               "token": "eastwest-sandbox-token"}}         # optional; any bearer token works

Out: ``AzureClients``, which builds one ``NetworkManagementClient`` (through an injectable
factory) when first asked. Always: this is the only module that imports ``azure.mgmt.network``
or ``azure.identity``; retries and polling follow ARM's ``Retry-After`` unless a ``Tuning`` for
tests says otherwise; credentials are never put in messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

from orchestrator.errors import PermanentError, ProviderError
from providers.core.rate import PROCESS_BUCKETS, Buckets, Limit, sandbox_buckets

if TYPE_CHECKING:
    from azure.mgmt.network import NetworkManagementClient

_SANDBOX_TOKEN = "eastwest-sandbox-token"  # noqa: S105 - opens nothing real

# Resource Manager's token buckets per subscription ("Understand how Azure Resource Manager
# throttles requests", the 2024 algorithm): reads 250 refilled at 25/s, writes and deletes
# 200 refilled at 10/s each.
ARM_READS = Limit(size=250, rate=25)
ARM_WRITES = Limit(size=200, rate=10)
ARM_DELETES = Limit(size=200, rate=10)

# Connections one client keeps open. A subscription's regions are read side by side through its
# one client (a scope each, up to orchestrator.fanout.SCOPE_WORKERS at once); with requests'
# default pool of 10, every connection past the tenth is closed on its return and urllib3 logs
# "Connection pool is full" for it.
POOL_CONNECTIONS = 64


@dataclass(frozen=True, slots=True)
class AzureCloud:
    """Where one Azure cloud's Resource Manager and sign-in live. ``name`` is azure-core's
    ``AzureClouds`` member; the rest is what azure-mgmt-core's ``get_arm_endpoints`` and
    azure-identity's ``AzureAuthorityHosts`` say for it (checked by a test), kept here so that
    an older SDK without those helpers still reaches the right cloud."""

    name: str
    resource_manager: str
    credential_scope: str  # the token's audience: ARM's, which differs from its URL in US Gov
    authority: str


CLOUDS = {
    c.name: c
    for c in (
        AzureCloud(
            "AZURE_PUBLIC_CLOUD",
            "https://management.azure.com/",
            "https://management.azure.com/.default",
            "login.microsoftonline.com",
        ),
        AzureCloud(
            "AZURE_CHINA_CLOUD",
            "https://management.chinacloudapi.cn/",
            "https://management.chinacloudapi.cn/.default",
            "login.chinacloudapi.cn",
        ),
        AzureCloud(
            "AZURE_US_GOVERNMENT",
            "https://management.usgovcloudapi.net/",
            "https://management.core.usgovcloudapi.net/.default",
            "login.microsoftonline.us",
        ),
    )
}
PUBLIC = CLOUDS["AZURE_PUBLIC_CLOUD"]


def azure_cloud(name: str) -> AzureCloud:
    if name not in CLOUDS:
        raise PermanentError(
            f"azure: unknown cloud {name!r}; expected one of {', '.join(sorted(CLOUDS))}"
        )
    return CLOUDS[name]


@dataclass(frozen=True, slots=True)
class Tuning:
    """How patient the clients are. The defaults are production's; tests shorten the waits.

    ``polling_interval`` None follows the operation's ``Retry-After``. ``retry_status`` is how
    many 429/5xx answers azure-core absorbs per call (its default, 3, gives up too soon under
    ARM throttling); ``busy_attempts``/``busy_backoff`` bound eastwest's own retry of a write
    that still fails because another operation holds the resource.
    """

    polling_interval: float | None = None
    retry_total: int = 10
    retry_status: int = 6
    retry_backoff_factor: float = 0.8
    retry_backoff_max: float = 60.0
    busy_attempts: int = 6
    busy_backoff: float = 2.0
    busy_backoff_max: float = 60.0
    # A new peering carries traffic once both directions read Connected: how long to wait.
    peering_wait: float = 120.0
    peering_poll: float = 5.0


FAST = Tuning(
    polling_interval=0.0,
    retry_backoff_factor=0.01,
    retry_backoff_max=0.1,
    busy_backoff=0.01,
    busy_backoff_max=0.1,
    peering_wait=2.0,
    peering_poll=0.02,
)

ClientFactory = Callable[[str], "NetworkManagementClient"]


class RatePolicy(SansIOHTTPPolicy[Any, Any]):
    """Takes a token of the subscription's bucket for the request's method. Placed after the
    retry policy, so that every attempt, retries included, takes one."""

    def __init__(self, subscription: str, buckets: Buckets) -> None:
        key = ("azure", subscription)
        self._reads = buckets.bucket((*key, "read"), ARM_READS)
        self._writes = buckets.bucket((*key, "write"), ARM_WRITES)
        self._deletes = buckets.bucket((*key, "delete"), ARM_DELETES)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        method = request.http_request.method.upper()
        if method in ("GET", "HEAD"):
            self._reads.take()
        elif method == "DELETE":
            self._deletes.take()
        else:
            self._writes.take()


class _StaticToken:
    """A bearer token for the sandbox's fake ARM, which accepts any token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)


def default_credential(authority: str = PUBLIC.authority) -> TokenCredential:
    """``DefaultAzureCredential`` (environment, workload identity, managed identity, Azure CLI…)
    signing in at ``authority``, the cloud's Entra ID host."""
    try:
        from azure.identity import (  # type: ignore[import-untyped,unused-ignore]  # noqa: PLC0415
            DefaultAzureCredential,  # optional dependency, imported only when used
        )
    except ImportError as exc:
        raise PermanentError(
            "azure: the Azure credential chain needs the azure-identity package, which is not "
            "installed: run `pip install azure-identity` (or use --sandbox DIR for the local "
            "fake clouds)"
        ) from exc
    credential: TokenCredential = DefaultAzureCredential(authority=authority)
    return credential


def client_factory(
    credential: Callable[[], TokenCredential],
    tuning: Tuning,
    *,
    base_url: str | None = None,
    credential_scopes: list[str] | None = None,
    verify: str | bool = True,
    transport: Any = None,
    buckets: Buckets = PROCESS_BUCKETS,
) -> ClientFactory:
    """``transport`` (tests) replaces azure-core's HTTP transport, to see what would be sent."""

    def make(subscription: str) -> NetworkManagementClient:
        from azure.mgmt.network import NetworkManagementClient  # noqa: PLC0415 - heavy import

        options: dict[str, Any] = {
            "retry_total": tuning.retry_total,
            "retry_status": tuning.retry_status,
            "retry_backoff_factor": tuning.retry_backoff_factor,
            "retry_backoff_max": tuning.retry_backoff_max,
            "connection_verify": verify,
            "user_agent": "eastwest",
            "per_retry_policies": [RatePolicy(subscription, buckets)],
        }
        if tuning.polling_interval is not None:
            options["polling_interval"] = tuning.polling_interval
        if base_url is not None:
            options["base_url"] = base_url
        if credential_scopes is not None:
            options["credential_scopes"] = credential_scopes
        options["transport"] = transport if transport is not None else pooled_transport(verify)
        return NetworkManagementClient(credential(), subscription, **options)

    return make


def pooled_transport(verify: str | bool) -> Any:
    """azure-core's ``RequestsTransport`` over a session that keeps ``POOL_CONNECTIONS``
    connections per host. Its adapter never retries: azure-core's retry policy does (with
    ``Retry-After``), as on the session azure-core would make itself. ``verify`` is the
    client's ``connection_verify``: a transport given to a client keeps its own settings."""
    import requests  # noqa: PLC0415 - with the SDK, only when a client is made
    from azure.core.pipeline.transport import RequestsTransport  # noqa: PLC0415
    from urllib3.util.retry import Retry  # noqa: PLC0415

    never = Retry(total=False, redirect=False, raise_on_status=False)
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=POOL_CONNECTIONS, max_retries=never)
    session = requests.Session()
    for prefix in ("https://", "http://"):
        session.mount(prefix, adapter)
    return RequestsTransport(session=session, session_owner=True, connection_verify=verify)


class AzureClients:
    """One ``NetworkManagementClient`` for one subscription, made on first use."""

    def __init__(self, subscription: str, factory: ClientFactory, tuning: Tuning) -> None:
        self.subscription = subscription
        self.tuning = tuning
        self._factory = factory
        self._network: NetworkManagementClient | None = None
        self._lock = threading.Lock()  # regions of one subscription are read concurrently

    def network(self) -> NetworkManagementClient:
        with self._lock:
            if self._network is None:
                self._network = self._factory(self.subscription)
            return self._network


def standard_clients(
    subscription: str,
    tuning: Tuning | None = None,
    *,
    cloud: str = PUBLIC.name,
    credential: Callable[[str], TokenCredential] = default_credential,
    transport: Any = None,
) -> AzureClients:
    """``cloud``: the account's ``azure_cloud``; Resource Manager's URL, the token's audience
    and the sign-in authority all follow it. ``credential`` (given the authority) and
    ``transport`` are for tests."""
    tuning = tuning or Tuning()
    where = azure_cloud(cloud)
    factory = client_factory(
        lambda: credential(where.authority),
        tuning,
        base_url=where.resource_manager,
        credential_scopes=[where.credential_scope],
        transport=transport,
    )
    return AzureClients(subscription, factory, tuning)


def sandbox_clients(
    sandbox: Mapping[str, Any], subscription: str, tuning: Tuning | None = None
) -> AzureClients:
    section = sandbox.get("azure")
    if not isinstance(section, Mapping) or "endpoint_url" not in section:
        raise ProviderError(
            "azure: this sandbox has no Azure endpoint (no 'azure' section with 'endpoint_url' "
            "in sandbox.json); start one that includes Azure or drop --sandbox"
        )
    token = str(section.get("token") or _SANDBOX_TOKEN)
    tuning = tuning or Tuning()
    factory = client_factory(
        lambda: _StaticToken(token),
        tuning,
        base_url=str(section["endpoint_url"]),
        verify=str(section["ca_bundle"]) if section.get("ca_bundle") else True,
        buckets=sandbox_buckets(sandbox),
    )
    return AzureClients(subscription, factory, tuning)
