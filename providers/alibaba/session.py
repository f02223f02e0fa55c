"""The only module that imports the Alibaba Cloud SDK (``aliyunsdkcore``) at run time.

In: credentials (a credential chain in production, the fixed fake keys of a sandbox mapping),
an optional endpoint override, a ``Backoff``. Out: ``AlibabaApi.call(region, product, action,
params)`` → the decoded JSON answer, or an ``ApiError`` (SDK exceptions never leave this
module). Always: one ``AcsClient`` per region, made on first use and cached; every request is
an RPC ``POST`` with its parameters in the query string (as the product SDKs send them); the
SDK's own retries are off and ``retry.with_retries`` decides instead; proxies are switched off
for a loopback endpoint, because the SDK ignores ``NO_PROXY``.

Credentials (production): the ``alibabacloud-credentials`` chain of ``credentials.py``
(environment, OIDC/RRSA, the aliyun CLI's profiles, the ECS RAM role), resolved on the first call
and asked again before each client is used, so an STS token the chain refreshes replaces the
client's. Endpoints come from the SDK's built-in table (``ecs-<region>.aliyuncs.com``,
``vpc.aliyuncs.com``) over HTTPS.

Sandbox mapping (``sandbox.json``'s ``alibaba`` section)::

    {"alibaba": {"endpoint_url": "http://127.0.0.1:PORT",
                 "access_key_id": "LTAI…", "access_key_secret": "…"}}
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from orchestrator.errors import PermanentError
from providers.alibaba.credentials import (
    CredentialChain,
    Credentials,
    credential_chain,
    credentials_from_env,
)
from providers.alibaba.errors import ApiError, is_lost, is_retryable, redact
from providers.alibaba.retry import Backoff, with_retries
from providers.core.rate import (
    PROCESS_BUCKETS,
    Buckets,
    Limit,
    TokenBucket,
    is_read,
    sandbox_buckets,
)

# product → (SDK product code for endpoint resolution, API version)
PRODUCTS = {
    "ecs": ("Ecs", "2014-05-26"),
    "vpc": ("Vpc", "2016-04-28"),
    "cbn": ("Cbn", "2017-09-12"),
}
# Alibaba Cloud publishes flow control per API and account (each API's page in the quota
# centre, commonly tens of calls per second), not one figure: one conservative bucket for the
# reads and one for the writes of each account and region keep every API under its own.
ALIBABA_READS = Limit(size=50, rate=20)
ALIBABA_WRITES = Limit(size=20, rate=10)
_NO_PROXY: dict[str, str | None] = {"http": None, "https": None}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# The SDK logs every error answer at ERROR (throttled attempts included) with no handler of its
# own, so Python's last-resort handler would print them all; eastwest reports what fails itself.
logging.getLogger("aliyunsdkcore").addHandler(logging.NullHandler())
logging.getLogger("aliyunsdkcore").propagate = False

# (API version, action, flat parameters): called once per attempt, before the request is sent.
RequestHook = Callable[[str, str, Mapping[str, str]], None]


class AlibabaApi:
    """RPC calls for one account: one cached ``AcsClient`` per region (and credentials)."""

    def __init__(
        self,
        credentials: Credentials | CredentialChain,
        *,
        endpoint: str | None = None,
        backoff: Backoff | None = None,
        on_request: RequestHook | None = None,
        buckets: Buckets = PROCESS_BUCKETS,
    ) -> None:
        self._credentials = credentials
        self._host, self._scheme = _endpoint(endpoint)
        self._backoff = backoff or Backoff()
        self._on_request = on_request
        self._buckets = buckets
        self._clients: dict[str, tuple[Credentials, Any]] = {}
        self._in_use: Credentials | None = None
        # Regions of one account are read concurrently; clients are made and replaced here.
        self._lock = threading.Lock()

    def call(
        self,
        region: str,
        product: str,
        action: str,
        params: Mapping[str, str],
        *,
        retry_lost: bool = True,
    ) -> Any:
        """The JSON answer of ``action`` (typed ``Any``: the SDK has no stubs). With
        ``retry_lost=False`` an answer lost in transport is raised at once, for a caller that
        reads back before sending a create again."""
        client = self._client(region)
        code, version = PRODUCTS[product]
        sent = {"RegionId": region, **params}
        bucket = self._bucket(region, action)

        def once() -> Any:
            bucket.take()  # every attempt, so retries stay under the account's flow control
            request = CommonRequest(product=code, version=version, action_name=action)
            request.set_method("POST")
            request.set_protocol_type(self._scheme)
            if self._host:
                request.set_domain(self._host)
            for key, value in sent.items():
                request.add_query_param(key, value)
            if self._on_request is not None:
                self._on_request(version, action, sent)
            return self._send(client, request, action)

        if retry_lost:
            return with_retries(once, self._backoff)
        return with_retries(once, self._backoff, lambda e: is_retryable(e) and not is_lost(e))

    def _send(self, client: Any, request: Any, action: str) -> Any:
        secrets = self._secrets()
        try:
            body = client.do_action_with_exception(request)
        except ServerException as exc:
            raise ApiError(
                action,
                str(exc.get_error_code()),
                redact(str(exc.get_error_msg()), secrets),
                exc.get_http_status(),
                exc.get_request_id(),
            ) from None
        except ClientException as exc:
            raise ApiError(
                action, str(exc.get_error_code()), redact(str(exc.get_error_msg()), secrets)
            ) from None
        return json.loads(body)

    def _bucket(self, region: str, action: str) -> TokenBucket:
        """The account's bucket, keyed by the key id that signs (the account, as the SDK has no
        identity call; two RAM users of one account get a bucket each)."""
        account = self._in_use.access_key_id if self._in_use is not None else ""
        if is_read(action):
            return self._buckets.bucket(("alibaba", account, region, "read"), ALIBABA_READS)
        return self._buckets.bucket(("alibaba", account, region, "write"), ALIBABA_WRITES)

    def _secrets(self) -> tuple[str, ...]:
        c = self._in_use
        return (c.access_key_secret, c.security_token) if c is not None else ()

    def _current(self, region: str) -> Credentials:
        if isinstance(self._credentials, Credentials):
            return self._credentials
        try:
            return self._credentials.resolve()
        except PermanentError as exc:
            raise PermanentError(f"alibaba {region}: {exc}") from None

    def _client(self, region: str) -> Any:
        creds = self._current(region)
        with self._lock:
            return self._cached_client(region, creds)

    def _cached_client(self, region: str, creds: Credentials) -> Any:
        self._in_use = creds
        made = self._clients.get(region)
        if made is None or made[0] != creds:
            credential: Any = (
                StsTokenCredential(
                    creds.access_key_id, creds.access_key_secret, creds.security_token
                )
                if creds.security_token
                else AccessKeyCredential(creds.access_key_id, creds.access_key_secret)
            )
            loopback = self._host.split(":")[0] in _LOOPBACK if self._host else False
            client = AcsClient(
                region_id=region,
                credential=credential,
                auto_retry=False,
                connect_timeout=5,
                timeout=30,
                proxy=_NO_PROXY if loopback else None,
            )
            made = self._clients[region] = (creds, client)
        return made[1]


def _endpoint(url: str | None) -> tuple[str, str]:
    """``http://127.0.0.1:4000`` → (``127.0.0.1:4000``, ``http``); None → SDK's table, HTTPS."""
    if not url:
        return "", "https"
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return parts.netloc, parts.scheme or "http"


def standard_api(
    profile: str | None = None,
    backoff: Backoff | None = None,
    on_request: RequestHook | None = None,
) -> AlibabaApi:
    """The account's ``profile`` (the policy's), else the whole chain of ``credentials.py``."""
    return AlibabaApi(credential_chain(profile), backoff=backoff, on_request=on_request)


def sandbox_api(
    sandbox: Mapping[str, Any],
    backoff: Backoff | None = None,
    on_request: RequestHook | None = None,
) -> AlibabaApi:
    section = sandbox.get("alibaba")
    if not isinstance(section, Mapping):
        raise PermanentError(
            "the sandbox has no Alibaba Cloud section (`alibaba` in sandbox.json); "
            "start a sandbox that includes it"
        )
    credentials = Credentials(section["access_key_id"], section["access_key_secret"])
    return AlibabaApi(
        credentials,
        endpoint=section["endpoint_url"],
        backoff=backoff,
        on_request=on_request,
        buckets=sandbox_buckets(sandbox),
    )


__all__ = ["AlibabaApi", "Credentials", "credentials_from_env", "sandbox_api", "standard_api"]
