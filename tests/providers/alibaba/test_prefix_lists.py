"""Alibaba prefix lists changed in place against the fake VPC endpoint, which (like the real
``ModifyVpcPrefixList``) refuses a call that leaves more entries than ``MaxEntries``. The
compiler sizes a list to its CIDRs, so a member swapped for another keeps the size: adding the
new CIDR before the old one goes hits the limit. Each case ends with the list holding exactly the
new set, at the new size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from orchestrator.state import Action, AddressSet, Change, NativeRef, Scope, Step
from providers.alibaba.session import sandbox_api
from providers.alibaba.writer import AlibabaWriter
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import sandbox_of

SCOPE = Scope("alibaba", c.ACCOUNT, "cn-hangzhou")


@pytest.fixture(scope="module")
def server() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as running:
        yield running


def _set(cidrs: list[str], size: int | None = None) -> AddressSet:
    key = f"{SCOPE}/addrset/web"
    return AddressSet(key, SCOPE, "web", "ew-web", frozenset(cidrs), size or len(cidrs))


def _entries(server: AlibabaServer, pl_id: str) -> tuple[set[str], int]:
    body = c.rpc(server, c.VPC, "ListPrefixLists", **{"PrefixListIds.1": pl_id})
    size = int(body["PrefixLists"][0]["MaxEntries"])
    listed = c.rpc(server, c.VPC, "GetVpcPrefixListEntries", PrefixListId=pl_id, MaxResults="100")
    return {e["Cidr"] for e in listed["PrefixListEntry"]}, size


def _net16(n: int) -> str:
    return f"10.{n}.0.0/16"


CASES = [
    pytest.param([_net16(1), _net16(2)], [_net16(1), _net16(3)], id="one-member-swapped"),
    pytest.param(
        [_net16(n) for n in range(1, 61)],
        [_net16(n) for n in range(2, 62)],
        id="full-list-shifted-past-one-call",
    ),
    pytest.param(
        ["10.0.0.0/16", "10.9.0.0/16"], ["10.0.0.0/15", "10.9.0.0/16"], id="member-aggregated"
    ),
    pytest.param([_net16(1)], [_net16(n) for n in range(2, 5)], id="moved-and-grown"),
    pytest.param([_net16(n) for n in range(1, 5)], [_net16(9)], id="moved-and-shrunk"),
]


@pytest.mark.parametrize(("before", "after"), CASES)
def test_a_changed_list_converges_within_its_size(
    server: AlibabaServer, before: list[str], after: list[str]
) -> None:
    writer = AlibabaWriter(sandbox_api(sandbox_of(server)), SCOPE, "ali-pl", sleep=lambda _: None)
    old, new = _set(before), _set(after)
    ids: dict[str, NativeRef] = {}
    created = writer.apply(Step.CREATE_CONTAINERS, [Change(Action.CREATE, None, old)], ids)
    assert all(r.ok for r in created), created
    changed = writer.apply(Step.CREATE_CONTAINERS, [Change(Action.UPDATE, old, new)], ids)
    assert all(r.ok for r in changed), changed
    assert _entries(server, ids[old.key].id) == (set(after), len(after))
