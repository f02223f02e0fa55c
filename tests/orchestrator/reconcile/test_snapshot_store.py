"""Queue workers share one snapshot of the interval through PostgreSQL
(``snapshot_store.StoredSnapshots``): the first worker reads each scope, the others reuse its
rows, so the reads per interval do not grow with the workers. Fake adapters count the calls
(tests/orchestrator/many_scopes.py); PostgreSQL is started by conftest.py."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import yaml

from orchestrator.errors import ObservationError
from orchestrator.fanout import fan_out
from orchestrator.model.policy import Policy
from orchestrator.pipeline import EstateReads, policy_scopes, read_estate
from orchestrator.reconcile.once import Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.snapshot_codec import (
    SnapshotFormatError,
    decode,
    decode_payload,
    encode,
    encode_payload,
)
from orchestrator.reconcile.snapshot_store import CHUNK, KEPT_LIMIT, StoredSnapshots
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Scope, ScopeInventory, TransitInventory
from orchestrator.state.attachments import Interface
from orchestrator.state.inventory import Network, Subnet
from orchestrator.state.routing import HubInfo, NextHop, TransitAttachment
from providers.base import Load
from tests.orchestrator.many_scopes import Estate, estate_body, scope_of

SCOPE = Scope("aws", "111111111111", "us-east-1")
VALUES = [
    ScopeInventory(SCOPE),
    ScopeInventory(
        SCOPE,
        (Network("vpc-1", ("10.0.0.0/16", "fd00::/56"), {"segment": "web"}, "web"),),
        (Subnet("subnet-1", "vpc-1", ("10.0.1.0/24",), "us-east-1a", {"k": "v"}),),
        (Interface("eni-1", "vpc-1", "subnet-1", "interface", ("sg-1", "sg-2"), {}, "g", ("a",)),),
    ),
    TransitInventory(
        SCOPE,
        {"tgw-1": HubInfo("tgw-1", "tgw-rtb-1", None)},
        {"att-1": TransitAttachment("att-1", "tgw-1", "vpc-1", ("subnet-1",), None)},
        {"subnet-1": "rtb-1"},
        {"vpce-1": NextHop("vpce-1", "subnet-1")},
    ),
]


@pytest.mark.parametrize("value", VALUES, ids=["empty", "inventory", "transit"])
def test_a_scope_s_reads_come_back_from_json_as_they_were(value: object) -> None:
    import json

    assert decode(json.loads(json.dumps(encode(value)))) == value


@pytest.mark.parametrize(
    "row",
    [{"$t": "Popen", "args": ["sh"]}, {"$t": "Network", "id": "x", "rm": "-rf"}, {"$e": "Enum"}],
    ids=["not-a-value-class", "foreign-field", "not-an-enum"],
)
def test_a_foreign_row_is_refused_never_built(row: dict[str, object]) -> None:
    with pytest.raises(SnapshotFormatError):
        decode(row)


def _source(tmp_path: Path, n: int, port: str = "tcp/5432") -> PolicySource:
    body = estate_body(n)
    body["rules"][0]["ports"] = [port]
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return PolicySource([path])


def _interval(
    source: PolicySource, estate: Estate, shared: Sequence[SharedCompile]
) -> list[RunResult]:
    """One interval's jobs spread over the workers (one ``SharedCompile`` each, as each
    worker process has its own), the workers running side by side."""
    partitions = partitions_of(source.load().loaded.policy)

    def worker(index: int) -> list[RunResult]:
        tick = Tick(Mode.AUDIT, compile=shared[index])
        mine = partitions[index :: len(shared)]
        return [reconcile_once(p, source, lambda _: estate, tick) for p in mine]

    return [r for runs in fan_out(range(len(shared)), worker, len(shared)) for r in runs]


@pytest.fixture
def url(pg_store: str) -> str:
    return pg_store


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("shared", [True, False], ids=["stored", "per-process"])
def test_reads_per_interval_do_not_grow_with_the_workers(
    tmp_path: Path, url: str, workers: int, shared: bool
) -> None:
    partitions, estate = 8, Estate(lambda what, _: 0.02 if what == "inventory" else 0.0)
    stores = [StoredSnapshots(url) if shared else None for _ in range(workers)]
    runs = _interval(
        _source(tmp_path, partitions), estate, [SharedCompile(300.0, store=s) for s in stores]
    )

    assert {r.outcome for r in runs} == {Outcome.PENDING}
    # Stored: each scope's identity and inventory once for all the workers; per process (the
    # control): once per worker.
    reads = partitions * (1 if shared else workers)
    assert (estate.total("inventory"), estate.total("identity")) == (reads, reads)
    assert estate.total("observe") == partitions  # a job always reads its own scope
    assert sum(s.reused for s in stores if s is not None) == (workers - 1 if shared else 0)


def _policy(tmp_path: Path, port: str = "tcp/5432") -> Policy:
    return _source(tmp_path, 4, port).load().loaded.policy


class Reads:
    def __init__(self, estate: Estate, policy: Policy) -> None:
        self.estate, self.policy, self.count, self.scopes = estate, policy, 0, 0
        self.targets = policy_scopes(policy)[0]

    def __call__(self, scopes: Collection[Scope]) -> EstateReads:
        self.count += 1
        self.scopes += len(scopes)
        only = {s: self.targets[s] for s in scopes}
        return read_estate(self.policy, self.estate, lambda _: None, only=only)


def test_a_worker_reuses_the_rows_and_their_age(tmp_path: Path, url: str) -> None:
    policy = _policy(tmp_path)
    read = Reads(Estate(), policy)
    first, age0 = StoredSnapshots(url).reads(policy, 300, 75, read)
    second, age1 = StoredSnapshots(url).reads(policy, 300, 75, read)
    assert read.count == 1
    assert second == first
    assert 0 <= age0 < age1 < 60  # the rows' age by the server's clock, for both workers


def _stale(url: str, policy: Policy, tmp_path: Path) -> Policy:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE eastwest_snapshots SET read_at = read_at - interval '301 seconds'")
    return policy


def _edited(url: str, policy: Policy, tmp_path: Path) -> Policy:
    return _policy(tmp_path / "edited", "tcp/5433")


def _tampered(url: str, policy: Policy, tmp_path: Path) -> Policy:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("""UPDATE eastwest_snapshots SET inventory = '{"$t": "Popen"}'""")
    return policy


def _scope_gone(url: str, policy: Policy, tmp_path: Path) -> Policy:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DELETE FROM eastwest_snapshots WHERE scope = %s", (str(scope_of(2)),))
    return policy


@pytest.mark.parametrize(
    ("change", "read_again"),
    [(_stale, 4), (_edited, 4), (_tampered, 4), (_scope_gone, 1)],
    ids=["an-interval-old", "policy-edited", "row-tampered", "a-scope-missing"],
)  # fmt: skip
def test_rows_that_will_not_do_are_read_again_and_replaced(
    tmp_path: Path, url: str, change: object, read_again: int
) -> None:
    """Every scope whose row will not do is read again, and only those (a missing row: its
    scope alone); rows that do not decode are all read again."""
    (tmp_path / "edited").mkdir()
    policy = _policy(tmp_path)
    StoredSnapshots(url).reads(policy, 300, 75, Reads(Estate(), policy))
    now = change(url, policy, tmp_path)  # type: ignore[operator]
    again = Reads(Estate(), now)
    got, _ = StoredSnapshots(url).reads(now, 300, 75, again)
    assert (again.count, again.scopes) == (1, read_again)
    # Replaced: the next worker reuses the new rows.
    assert StoredSnapshots(url).reads(now, 300, 75, again)[0] == got
    assert again.count == 1


def test_a_snapshot_with_an_unread_scope_lives_only_the_retry_age(tmp_path: Path, url: str) -> None:
    policy = _policy(tmp_path)
    estate = Estate(fail={(scope_of(1), "inventory"): ObservationError("503")})
    read = Reads(estate, policy)
    reads, _ = StoredSnapshots(url).reads(policy, 300, 75, read)
    assert scope_of(1) in reads.skipped
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE eastwest_snapshots SET read_at = read_at - interval '76 seconds'")
    StoredSnapshots(url).reads(policy, 300, 75, read)
    # The unread scope past the retry age is read again, and with an unread scope in the
    # snapshot again, the others past the retry age too: each of the 4 once more.
    assert read.scopes == 8


def test_an_unreachable_store_costs_the_sharing_not_the_tick(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    read = Reads(Estate(), policy)
    store = StoredSnapshots("postgresql://nobody@127.0.0.1:1/none")
    reads, age = store.reads(policy, 300, 75, read)
    assert (read.count, age, len(reads.inventory)) == (1, 0.0, 4)


PAYLOADS = [
    [],
    [{"NetworkInterfaceId": "eni-1", "Groups": [{"GroupId": "sg-1"}], "Tags": []}],
    [{"Attachment": {"AttachTime": datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)}, "n": 1.5}],
    [{"nested": {"list": [None, True, "x", {"$dtx": "not a date"}]}}],
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["empty", "eni", "datetime", "nested"])
def test_a_kept_payload_comes_back_as_it_was(payload: object) -> None:
    assert decode_payload(encode_payload(payload)) == payload


@pytest.mark.parametrize("payload", [[b"bytes"], [{1, 2}], [float("nan")], [object()]])
def test_a_payload_json_cannot_carry_is_not_stored(payload: object) -> None:
    with pytest.raises(SnapshotFormatError):
        encode_payload(payload)


def test_kept_answers_travel_with_the_rows_and_decode_when_used(tmp_path: Path, url: str) -> None:
    """The reader's kept answers are stored per scope and kind; another worker gets a loader
    per kind, decoded only when called; a scope's answers past ``KEPT_LIMIT`` are left to the
    worker that ticks it, and a corrupted one raises ``ValueError`` (the reader reads)."""
    policy = _source(tmp_path, 3).load().loaded.policy
    scopes = sorted(policy_scopes(policy)[0])
    big = [{"Description": "x" * (KEPT_LIMIT // 2)}]
    kept: dict[Scope, Mapping[str, Load]] = {
        scopes[0]: {"enis": lambda: PAYLOADS[2], "subnets": lambda: PAYLOADS[1]},
        scopes[1]: {"a": lambda: big, "b": lambda: big, "c": lambda: big},
        scopes[2]: {"bytes": lambda: [b"x"]},
    }
    own = EstateReads({s: ScopeInventory(s) for s in scopes}, {}, {}, kept)
    StoredSnapshots(url).reads(policy, 300, 75, lambda _: own)
    reads, _ = StoredSnapshots(url).reads(policy, 300, 75, _never)
    assert {k: load() for k, load in reads.kept[scopes[0]].items()} == {
        "enis": PAYLOADS[2], "subnets": PAYLOADS[1]
    }  # fmt: skip
    assert sorted(reads.kept[scopes[1]]) == ["a"]  # b would pass the limit: b and c are not
    assert scopes[2] not in reads.kept
    with psycopg.connect(url, autocommit=True) as db:
        db.execute('UPDATE eastwest_snapshots SET kept = \'{"enis": "[{"}\'::jsonb')
    reads, _ = StoredSnapshots(url).reads(policy, 300, 75, _never)
    with pytest.raises(ValueError, match="unreadable payload"):
        reads.kept[scopes[0]]["enis"]()


def _never(_: Collection[Scope]) -> EstateReads:
    raise AssertionError("the stored rows should have been used")


def test_workers_split_an_interval_s_reads_and_read_each_scope_once(
    tmp_path: Path, url: str
) -> None:
    """More scopes than a claim holds: the workers arriving together each read a part, side by
    side, instead of all waiting for one; still each scope once, and all get every scope."""
    n = 4 * CHUNK
    policy = _source(tmp_path, n).load().loaded.policy
    estate = Estate(lambda what, _: 0.05 if what == "inventory" else 0.0)
    stores = [StoredSnapshots(url) for _ in range(4)]
    reads = [Reads(estate, policy) for _ in stores]
    got = fan_out(range(4), lambda i: stores[i].reads(policy, 300, 75, reads[i]), 4)
    assert estate.total("inventory") == n
    assert sum(r.scopes for r in reads) == n
    assert sum(1 for r in reads if r.scopes) > 1  # not one reader and three waiting
    assert all(len(g.inventory) == n for g, _ in got)


def test_a_claim_whose_worker_died_is_read_by_the_next(tmp_path: Path, url: str) -> None:
    """A worker that claimed a scope and went away without writing it (its session gone,
    its lock with it): the worker waiting on the claim reads the scope itself."""
    policy = _policy(tmp_path)
    scope = str(scope_of(2))
    claimant = psycopg.connect(url, autocommit=True)
    key = "SELECT pg_advisory_lock(hashtextextended('eastwest-snapshot:' || %s || ':' || %s, 0))"
    claimant.execute(key, (policy.name, scope))
    dies = threading.Timer(0.5, claimant.close)
    dies.start()
    read = Reads(Estate(), policy)
    got, _ = StoredSnapshots(url).reads(policy, 300, 75, read)
    dies.join()
    assert read.scopes == 4  # three claimed at once, then the dead claimant's after its lock
    assert read.count == 2
    assert len(got.inventory) == 4


def test_rows_expiring_while_they_are_read_do_not_keep_a_worker_reading(
    tmp_path: Path, url: str
) -> None:
    """An unread scope makes every row live only the retry age; when reading takes longer than
    that, the rows read first expire before the last is written. A worker reads each scope at
    most once in its share, then once more all together, never round and round."""
    policy = _policy(tmp_path)
    estate = Estate(
        lambda what, _: 0.05 if what == "inventory" else 0.0,
        fail={(scope_of(1), "inventory"): ObservationError("503")},
    )
    read = Reads(estate, policy)
    reads, _ = StoredSnapshots(url).reads(policy, 300, 0.01, read)
    assert scope_of(1) in reads.skipped
    assert read.scopes <= 4 + 4
