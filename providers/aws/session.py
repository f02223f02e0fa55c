"""boto3 sessions and clients: the standard credential chain, or the local sandbox.

Without a sandbox, clients come from boto3's own configuration chain (profile, environment,
``AWS_ENDPOINT_URL``, instance role), so eastwest reaches whatever endpoint the user's other AWS
tools reach. With a sandbox, they point at its moto server and name the account in the
``x-moto-account-id`` header, which is how moto keeps accounts apart.

CPU: a client cost about 14 ms to build, 11 of them to generate its class, and the first client
of a botocore session ~150 ms more, to parse the service's JSON model (EC2's is several MB). A
plan over many accounts and regions builds one session per account and one EC2 client per
region, so every session here reads its models through one process-wide loader
(``shared_loader``): each model is parsed once per process, not once per account; their
clients share one generated class per service and their session's cache of event names
(``client_reuse``: ~3 ms a client); and every client (EC2, STS, the others) is built once per
account and region and kept.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import boto3
import botocore.session
from botocore.config import Config
from botocore.loaders import Loader

from providers.aws.client_reuse import CLIENT_REUSE
from providers.core.rate import PROCESS_BUCKETS, Buckets, Limit, is_read, sandbox_buckets

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_sts import STSClient

# Adaptive mode is standard mode (throttling and 5xx retried with jittered backoff) plus a
# client-side rate limiter that slows down when EC2 throttles; the real limit of this job is
# the EC2 request-rate budget, so give it room before an error surfaces.
_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, user_agent_extra="eastwest")

# EC2's published request-rate buckets per account and region ("Request throttling for the
# Amazon EC2 API"): non-mutating actions 100 tokens refilled at 20/s, mutating ones 50 at 5/s.
# The per-API buckets of EC2 are at least these; one bucket for all reads keeps us under all.
EC2_READS = Limit(size=100, rate=20)
EC2_WRITES = Limit(size=50, rate=5)

ClientHook = Callable[[Any], None]
Service = Literal["sts", "logs", "elbv2", "s3"]


class _SharedLoader(Loader):
    """botocore's loader, one model file parsed at a time: the first clients of a plan are built
    on many threads at once (one per account), and each would otherwise parse the same model
    before any had cached it. Once cached, a load is a dictionary look-up under the lock."""

    def __init__(self, extra_search_paths: list[str]) -> None:
        super().__init__(extra_search_paths=extra_search_paths)
        self._parse_lock = threading.RLock()  # a model load loads its parts (extras, data)

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        with self._parse_lock:
            return super().load_service_model(service_name, type_name, api_version)

    def load_data(self, name: str) -> Any:
        with self._parse_lock:
            return super().load_data(name)


_LOADERS: dict[str | None, Loader] = {}
_LOADERS_LOCK = threading.Lock()


def shared_loader(data_path: str | None) -> Loader:
    """The process's botocore data loader for ``data_path`` (``AWS_DATA_PATH``, usually unset;
    read as botocore's ``create_loader`` reads it). Its cache holds the parsed models; botocore
    only reads them, as the clients of one session already share them."""
    with _LOADERS_LOCK:
        if data_path not in _LOADERS:
            paths = data_path.split(os.pathsep) if data_path else []
            expanded = [os.path.expanduser(os.path.expandvars(p)) for p in paths]
            _LOADERS[data_path] = _SharedLoader(expanded)
        return _LOADERS[data_path]


def new_session(profile: str | None = None, **credentials: str) -> boto3.Session:
    """A boto3 session (a profile, static keys, or the default chain) whose clients load their
    models through ``shared_loader`` and reuse what ``client_reuse`` shares."""
    core = botocore.session.Session(profile=profile)
    session = boto3.Session(botocore_session=core, **credentials)
    # After boto3's own set-up, which makes a loader of its own for resource models (unused:
    # eastwest builds clients only); from here the session's clients read the shared one.
    core.register_component("data_loader", shared_loader(core.get_config_variable("data_path")))
    CLIENT_REUSE.share(core.get_component("event_emitter"))
    return session


class AwsClients:
    """Builds and caches one EC2 client per region for one account."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        account_header: str | None = None,
        on_client: ClientHook | None = None,
        account: str = "default",
        buckets: Buckets = PROCESS_BUCKETS,
    ) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._account_header = account_header
        self._on_client = on_client
        self._account = account  # the buckets' key: the account, or the profile naming it
        self._buckets = buckets
        self._ec2: dict[str, EC2Client] = {}
        self._others: dict[tuple[Service, str], Any] = {}
        # Scopes of one account are read concurrently, and a boto3 Session is not thread-safe.
        self._lock = threading.Lock()

    def ec2(self, region: str) -> EC2Client:
        with self._lock:
            if region not in self._ec2:
                client = self._session.client(
                    "ec2", region_name=region, endpoint_url=self._endpoint_url, config=_CONFIG
                )
                self._prepare(client)
                self._limit(client, region)
                self._ec2[region] = client
            return self._ec2[region]

    def sts(self, region: str) -> STSClient:
        client: STSClient = self.client("sts", region)
        return client

    def client(self, service: Service, region: str) -> Any:
        """A client of another service (STS for the identity, CloudWatch Logs and S3 for flow logs,
        ELB for GWLB target health), prepared alike and kept like the EC2 ones."""
        with self._lock:
            if (service, region) not in self._others:
                client = self._session.client(
                    service, region_name=region, endpoint_url=self._endpoint_url, config=_CONFIG
                )
                self._prepare(client)
                self._others[service, region] = client
            return self._others[service, region]

    def _limit(self, client: Any, region: str) -> None:
        """Every attempt (``before-send`` fires per retry too) takes a token of the region's
        read or write bucket."""
        reads = self._buckets.bucket(("aws", self._account, region, "read"), EC2_READS)
        writes = self._buckets.bucket(("aws", self._account, region, "write"), EC2_WRITES)

        def take(event_name: str = "", **_: Any) -> None:
            (reads if is_read(event_name.rsplit(".", 1)[-1]) else writes).take()

        client.meta.events.register("before-send.ec2.*", take)

    def _prepare(self, client: Any) -> None:
        if self._account_header is not None:
            header = self._account_header

            def add_header(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = header

            client.meta.events.register("before-send.*", add_header)
        if self._on_client is not None:
            self._on_client(client)


def standard_clients(profile: str | None, on_client: ClientHook | None = None) -> AwsClients:
    return AwsClients(new_session(profile), on_client=on_client, account=profile or "default")


def sandbox_clients(
    sandbox: Mapping[str, Any], account: str, on_client: ClientHook | None = None
) -> AwsClients:
    aws = sandbox["aws"]
    session = new_session(
        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"]
    )
    return AwsClients(
        session,
        endpoint_url=aws["endpoint_url"],
        account_header=account,
        on_client=on_client,
        account=account,
        buckets=sandbox_buckets(sandbox),
    )
