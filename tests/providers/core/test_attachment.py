"""The ledger and the merge, cloud-free: literal tags and group lists in, writes out."""

from __future__ import annotations

import pytest

from orchestrator.state import GroupAttachment, Interface, Scope
from providers.core.attachment import (
    Claim,
    ledger_tags,
    observed_attachment,
    plan_write,
    read_claim,
)

P = "prod"
CLAIM = f"eastwest:attach:{P}"
PRIOR = f"eastwest:prior:{P}"
SCOPE = Scope("aws", "111111111111", "us-east-1")


def eni(*groups: str) -> Interface:
    return Interface("eni-1", "vpc-1", "subnet-1", "instance", groups)


@pytest.mark.parametrize(
    ("groups", "tags", "want", "written", "ledger", "untag"),
    [
        pytest.param(
            ("sg-a",),
            {},
            Claim("add", "sg-e"),
            ("sg-a", "sg-e"),
            {CLAIM: "add sg-e"},
            (),
            id="add-beside",
        ),
        pytest.param(
            ("sg-a", "sg-e"),
            {},
            Claim("add", "sg-e"),
            None,
            {CLAIM: "add sg-e"},
            (),
            id="already-there-by-hand-claim-only",
        ),
        pytest.param(
            ("sg-a", "sg-e"),
            {CLAIM: "add sg-e"},
            Claim("add", "sg-e"),
            None,
            {},
            (),
            id="in-sync-no-write",
        ),
        pytest.param(
            ("sg-a",),
            {CLAIM: "add sg-e"},
            Claim("add", "sg-e"),
            ("sg-a", "sg-e"),
            {},
            (),
            id="detached-by-hand-restored",
        ),
        pytest.param(
            ("sg-a", "sg-old"),
            {CLAIM: "add sg-old"},
            Claim("add", "sg-new"),
            ("sg-a", "sg-new"),
            {CLAIM: "add sg-new"},
            (),
            id="segment-moved",
        ),
        pytest.param(
            ("sg-a", "sg-b"),
            {},
            Claim("exclusive", "sg-e"),
            ("sg-e",),
            {CLAIM: "exclusive sg-e", PRIOR: "sg-a,sg-b"},
            (),
            id="exclusive-records",
        ),
        pytest.param(
            ("sg-e", "sg-c"),
            {CLAIM: "exclusive sg-e", PRIOR: "sg-a,sg-b"},
            Claim("exclusive", "sg-e"),
            ("sg-e",),
            {PRIOR: "sg-a,sg-b,sg-c"},
            (),
            id="exclusive-added-by-hand-recorded-too",
        ),
        pytest.param(
            ("sg-e",),
            {CLAIM: "exclusive sg-e", PRIOR: "sg-a,sg-b"},
            None,
            ("sg-a", "sg-b"),
            {},
            (CLAIM, PRIOR),
            id="removal-restores-exactly",
        ),
        pytest.param(
            ("sg-e",),
            {CLAIM: "exclusive sg-e", PRIOR: "sg-a,sg-b"},
            Claim("add", "sg-e"),
            ("sg-e", "sg-a", "sg-b"),
            {CLAIM: "add sg-e"},
            (PRIOR,),
            id="back-to-add-restores",
        ),
        pytest.param(
            ("sg-a", "sg-o"),
            {"eastwest:attach:other": "add sg-o"},
            Claim("exclusive", "sg-e"),
            ("sg-o", "sg-e"),
            {CLAIM: "exclusive sg-e", PRIOR: "sg-a"},
            (),
            id="exclusive-keeps-other-policies-claims",
        ),
        pytest.param(
            ("sg-a", "sg-e"),
            {CLAIM: "add sg-e"},
            None,
            ("sg-a",),
            {},
            (CLAIM,),
            id="removal-of-add",
        ),
    ],
)
def test_plan_write(  # noqa: PLR0917 - one parameter per column of the table
    groups: tuple[str, ...],
    tags: dict[str, str],
    want: Claim | None,
    written: tuple[str, ...] | None,
    ledger: dict[str, str],
    untag: tuple[str, ...],
) -> None:
    write = plan_write(eni(*groups), tags, P, want, 256)
    assert (write.groups, dict(write.ledger), write.untag) == (written, ledger, untag)


def test_prior_groups_split_over_tags_when_one_value_is_too_short() -> None:
    prior = tuple(f"sg-{i:017d}" for i in range(12))
    tags = ledger_tags(P, Claim("exclusive", "sg-e", prior), 128)
    assert all(len(v) <= 128 for v in tags.values())
    assert len(tags) > 2
    assert read_claim(tags, P) == Claim("exclusive", "sg-e", prior)


@pytest.mark.parametrize(
    "value", ["", "add", "sometimes sg-e", "add "], ids=["empty", "no-group", "mode", "blank"]
)
def test_an_unreadable_claim_is_no_claim(value: str) -> None:
    assert read_claim({CLAIM: value}, P) is None


@pytest.mark.parametrize(
    ("groups", "tags", "present", "others"),
    [
        pytest.param(("sg-a", "sg-e"), {CLAIM: "add sg-e"}, True, (), id="add"),
        pytest.param(("sg-a",), {CLAIM: "add sg-e"}, False, (), id="detached"),
        pytest.param(("sg-e",), {CLAIM: "exclusive sg-e"}, True, (), id="exclusive"),
        pytest.param(
            ("sg-e", "sg-x"),
            {CLAIM: "exclusive sg-e"},
            True,
            ("sg-x",),
            id="exclusive-with-a-stranger",
        ),
    ],
)
def test_observed_attachment(
    groups: tuple[str, ...], tags: dict[str, str], present: bool, others: tuple[str, ...]
) -> None:
    res, digest = observed_attachment(SCOPE, eni(*groups), tags, P, {"sg-e": "k/fwgroup/web"})
    assert digest is not None
    assert (res is not None) == present
    if isinstance(res, GroupAttachment):
        assert (res.group, res.others) == ("k/fwgroup/web", others)


def test_no_claim_is_nothing_observed() -> None:
    assert observed_attachment(SCOPE, eni("sg-e"), {}, P, {"sg-e": "k"}) == (None, None)
