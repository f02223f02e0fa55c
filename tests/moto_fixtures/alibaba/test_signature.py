"""Replay and clock checks of the fake Alibaba endpoint, with requests signed here by the
documented RPC algorithm (HMAC-SHA1 over the canonical query, key ``secret + "&"``), so a
nonce or a timestamp can be chosen: the SDK always makes fresh ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from moto_fixtures.alibaba.server import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    AlibabaServer,
    start_alibaba_server,
)


@pytest.fixture
def server() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as srv:
        yield srv


def _encode(text: str) -> str:
    return quote(text, safe="~")


def signed_url(server: AlibabaServer, *, nonce: str, when: datetime) -> str:
    params = {
        "Action": "DescribeSecurityGroups",
        "Version": "2014-05-26",
        "RegionId": "cn-hangzhou",
        "Format": "JSON",
        "AccessKeyId": ACCESS_KEY_ID,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce,
        "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"GET&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{ACCESS_KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    params["Signature"] = base64.b64encode(digest).decode()
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in params.items())
    return f"http://{server.endpoint}/?{query}"


def fetch(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_a_correctly_signed_request_is_accepted_once_and_its_replay_refused(
    server: AlibabaServer,
) -> None:
    url = signed_url(server, nonce=str(uuid.uuid4()), when=datetime.now(UTC))
    status, body = fetch(url)
    assert status == 200, body
    assert "SecurityGroups" in body
    status, body = fetch(url)
    assert status == 400
    assert body["Code"] == "SignatureNonceUsed"


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-20), timedelta(minutes=20)], ids=["stale", "future"]
)
def test_a_timestamp_far_from_now_is_refused(server: AlibabaServer, skew: timedelta) -> None:
    url = signed_url(server, nonce=str(uuid.uuid4()), when=datetime.now(UTC) + skew)
    status, body = fetch(url)
    assert status == 400
    assert body["Code"] == "InvalidTimeStamp.Expired"


def test_a_tampered_parameter_breaks_the_signature(server: AlibabaServer) -> None:
    url = signed_url(server, nonce=str(uuid.uuid4()), when=datetime.now(UTC))
    status, body = fetch(url.replace("RegionId=cn-hangzhou", "RegionId=cn-shanghai"))
    assert status == 400
    assert body["Code"] == "SignatureDoesNotMatch"
    assert str(body["Message"]).rsplit(":", 1)[-1].startswith("GET&%2F&")
