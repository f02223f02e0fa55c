"""The ModifyManagedPrefixList calls between two address sets, checked against EC2's rules by
replaying them on a model of one list: size and entries never in one call, never more entries
than the size after a call, at most 100 entries a call, and no CIDR removed before every new
CIDR that overlaps it is in (make before break)."""

from __future__ import annotations

import ipaddress

import pytest

from orchestrator.state import AddressSet, Scope
from providers.core.prefix_list_edits import ENTRIES_PER_CALL, PrefixListEdit, prefix_list_edits

SCOPE = Scope("aws", "111111111111", "us-east-1")


def _set(cidrs: list[str], max_entries: int | None = None) -> AddressSet:
    size = len(cidrs) if max_entries is None else max_entries
    return AddressSet(f"{SCOPE}/addrset/web", SCOPE, "web", "web", frozenset(cidrs), max(1, size))


def _replay(before: AddressSet, after: AddressSet, edits: list[PrefixListEdit]) -> None:
    held, size = set(before.cidrs), before.max_entries
    for n, edit in enumerate(edits):
        assert (edit.max_entries is None) or not (edit.add or edit.remove), edit
        assert len(edit.add) + len(edit.remove) <= ENTRIES_PER_CALL
        if edit.max_entries is not None:
            assert edit.max_entries >= len(held), f"call {n} shrinks below the entries held"
            size = edit.max_entries
            continue
        assert set(edit.remove) <= held
        assert not set(edit.add) & held
        for gone in edit.remove:
            late = [a for a in after.cidrs - held - set(edit.add) if _overlap(a, gone)]
            assert not late, f"call {n} removes {gone} before {late} is in"
        held = (held - set(edit.remove)) | set(edit.add)
        assert len(held) <= size, f"call {n} holds {len(held)} > {size}"
    assert (held, size) == (set(after.cidrs), after.max_entries)


def _overlap(a: str, b: str) -> bool:
    return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))


def _many(prefix: str, count: int) -> list[str]:
    return [f"{prefix}.{i}.0/24" for i in range(count)]


CASES = [
    # (before, after, number of calls)
    pytest.param(["10.10.0.0/16"], ["10.10.0.0/15"], 1, id="aggregated-replace-in-one-call"),
    pytest.param(["10.10.0.0/15"], ["10.10.0.0/16"], 1, id="split-replace-in-one-call"),
    pytest.param(["10.10.0.0/15"], ["10.10.0.0/15", "10.21.0.0/16"], 2, id="grow-then-add"),
    pytest.param(["10.10.0.0/15", "10.21.0.0/16"], ["10.10.0.0/15"], 2, id="remove-then-shrink"),
    pytest.param(
        ["10.20.0.0/15"], ["10.20.0.0/16", "10.30.0.0/16", "10.31.0.0/16"], 2, id="split-and-grow"
    ),
    pytest.param(["10.1.0.0/16", "10.2.0.0/16"], ["10.3.0.0/16"], 3, id="unmatched-go-first"),
    pytest.param(_many("10.1", 80), _many("10.2", 80), 2, id="160-unrelated-changes"),
    pytest.param(_many("10.1", 150), ["10.1.0.0/16"], 3, id="150-collapse-into-one"),
    pytest.param(["10.1.0.0/16"], _many("10.1", 150), 3, id="one-split-into-150"),
]


@pytest.mark.parametrize(("before", "after", "calls"), CASES)
def test_edits_follow_ec2s_rules(before: list[str], after: list[str], calls: int) -> None:
    old, new = _set(before), _set(after)
    edits = prefix_list_edits(old, new)
    _replay(old, new, edits)
    assert len(edits) == calls


def test_a_list_larger_than_needed_keeps_its_size_until_the_entries_are_gone() -> None:
    old, new = _set(["10.2.0.0/16", "10.3.0.0/16"], 5), _set(["10.2.0.0/15"])
    edits = prefix_list_edits(old, new)
    _replay(old, new, edits)
    assert edits[-1] == PrefixListEdit(max_entries=1)
