"""boto3 clients aimed at the local AWS, one account each.

In: the endpoint URL, an account id, a region. Out: a boto3 client whose every request carries
``x-moto-account-id: <account>`` (moto's way to separate accounts) and the sandbox's fake keys.
Always: no credential is read from the environment, a profile or instance metadata; the fake
keys below are what ``sandbox.json`` hands to clients, and they open nothing real.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest
    from mypy_boto3_ec2.client import EC2Client

ACCESS_KEY_ID = "AKIAEASTWESTSANDBOX"
SECRET_ACCESS_KEY = "eastwest-sandbox-fake-secret-not-a-credential"  # noqa: S105 (fake, opens nothing)
DEFAULT_REGION = "us-east-1"
ACCOUNT_HEADER = "x-moto-account-id"

# Loopback answers at once; a slow answer means a hung fake, which should fail fast in tests.
_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})


def ec2_client(
    endpoint_url: str,
    account_id: str,
    region: str = DEFAULT_REGION,
    config: Config | None = None,
) -> EC2Client:
    """An EC2 client for ``account_id`` on the local AWS at ``endpoint_url``."""
    with _session_lock:
        client = _session(region).client(
            "ec2", endpoint_url=endpoint_url, config=_CONFIG.merge(config or Config())
        )
    add_account_header(client, account_id)
    return client


def elbv2_client(
    endpoint_url: str,
    account_id: str,
    region: str = DEFAULT_REGION,
    config: Config | None = None,
) -> Any:  # the elbv2 stubs are not among the dev dependencies
    """An Elastic Load Balancing v2 client for ``account_id`` on the local AWS."""
    with _session_lock:
        client = _session(region).client(
            "elbv2", endpoint_url=endpoint_url, config=_CONFIG.merge(config or Config())
        )
    add_account_header(client, account_id)
    return client


def add_account_header(client: Any, account_id: str) -> None:
    """Make every request of ``client`` address ``account_id`` on the fake."""

    # before-send runs after signing: the header is moto's, never part of a real signature.
    def _set_account(request: AWSPreparedRequest, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    client.meta.events.register("before-send", _set_account)


# One session per region for the whole process: a new session parses the 5 MB EC2 service model
# again (0.1-0.3 s a client). Sessions are not thread-safe, hence the lock around client().
_session_lock = threading.Lock()


@functools.cache
def _session(region: str) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=region,
    )
