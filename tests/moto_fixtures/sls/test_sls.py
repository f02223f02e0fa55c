"""The Log Service fake through the real SDK (aliyun-log-python-sdk): what it serves, and
that it refuses what the service refuses, with the service's codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aliyun.log import LogClient, LogException

from moto_fixtures.sls import SlsServer, start_sls_server
from moto_fixtures.sls.store import decode_cursor, encode_cursor

RECORDS = [{"srcaddr": f"10.0.0.{i}", "start": str(1000 + i)} for i in range(25)]


@pytest.fixture(scope="module")
def sls() -> Iterator[SlsServer]:
    with start_sls_server() as server:
        for at in range(0, len(RECORDS), 5):  # five log groups of five, received 60 s apart
            server.put("proj", "store", RECORDS[at : at + 5], received=60 * at)
        yield server


def client(sls: SlsServer, secret: str | None = None) -> Any:
    made: Any = LogClient(sls.endpoint, sls.access_key_id, secret or sls.access_key_secret)
    made._isRowIp = True  # the SDK's own test only knows an IP without a port
    return made


def pull_all(c: Any, count: int) -> tuple[list[str], int]:
    addresses, pulls = [], 0
    for shard in c.list_shards("proj", "store").get_shards_info():
        cursor = c.get_cursor("proj", "store", shard["shardID"], "begin").get_cursor()
        while True:
            page = c.pull_logs("proj", "store", shard["shardID"], cursor, count=count)
            pulls += 1
            addresses += [log["srcaddr"] for log in page.get_flatten_logs_json()]
            if page.get_next_cursor() == cursor:
                break
            cursor = page.get_next_cursor()
    return addresses, pulls


@pytest.mark.parametrize("count", [1, 2, 1000], ids=["one-group", "two-groups", "all"])
def test_pull_logs_pages_through_every_shard(sls: SlsServer, count: int) -> None:
    addresses, pulls = pull_all(client(sls), count)
    assert sorted(addresses) == sorted(r["srcaddr"] for r in RECORDS)
    shards = len(sls.store.logstore("proj", "store").shards)
    groups = len(RECORDS) // 5
    # Every page but each shard's last holds ``count`` groups; the last one is empty.
    assert pulls == sum(-(-n // count) + 1 for n in _split(groups, shards))


def _split(groups: int, shards: int) -> list[int]:
    return [groups // shards + (i < groups % shards) for i in range(shards)]


@pytest.mark.parametrize(
    ("start", "position"),
    [("begin", 0), ("end", None), ("0", 0), ("100000", None)],
    ids=["begin", "end", "time-before", "time-after"],
)
def test_get_cursor(sls: SlsServer, start: str, position: int | None) -> None:
    groups = sls.store.shard("proj", "store", 0)
    cursor = client(sls).get_cursor("proj", "store", 0, start).get_cursor()
    assert decode_cursor(cursor) == (len(groups) if position is None else position)


def _call(
    name: str,
) -> Callable[[Any], object]:
    calls: dict[str, Callable[[Any], object]] = {
        "shards-no-project": lambda c: c.list_shards("nope", "store"),
        "shards-no-logstore": lambda c: c.list_shards("proj", "nope"),
        "cursor-no-shard": lambda c: c.get_cursor("proj", "store", 9, "begin"),
        "pull-garbage": lambda c: c.pull_logs("proj", "store", 0, "not base64!", count=10),
        "pull-past-end": lambda c: c.pull_logs("proj", "store", 0, encode_cursor(99), count=10),
        "pull-count": lambda c: c.pull_logs("proj", "store", 0, encode_cursor(0), count=1001),
    }
    return calls[name]


@pytest.mark.parametrize(
    ("call", "code", "status"),
    [
        ("shards-no-project", "ProjectNotExist", 404),
        ("shards-no-logstore", "LogStoreNotExist", 404),
        ("cursor-no-shard", "ShardNotExist", 404),
        ("pull-garbage", "InvalidCursor", 400),
        ("pull-past-end", "InvalidCursor", 400),
        ("pull-count", "ParameterInvalid", 400),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_refusals_carry_the_service_codes(
    sls: SlsServer, call: str, code: str, status: int
) -> None:
    with pytest.raises(LogException) as caught:
        _call(call)(client(sls))
    assert (caught.value.get_error_code(), caught.value.get_resp_status()) == (code, status)


def test_a_wrong_secret_is_refused(sls: SlsServer) -> None:
    with pytest.raises(LogException) as caught:
        client(sls, secret="not-the-secret").list_shards("proj", "store")
    assert caught.value.get_error_code() == "SignatureNotMatch"


def test_uncompressed_pull_when_the_client_accepts_none(sls: SlsServer) -> None:
    page = client(sls).pull_logs("proj", "store", 0, encode_cursor(0), count=10, compress=False)
    assert "x-log-compresstype" not in {k.lower() for k in page.get_all_headers()}
    assert page.get_log_count() > 0
