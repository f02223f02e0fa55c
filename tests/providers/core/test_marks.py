"""Ownership by all of its marks: every mark present and right is owned; any proper subset of
the marks, another policy's marks, another scope's key or a wrong name is not."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.errors import ObservationError
from orchestrator.state import NativeRef, Scope
from providers.core.marks import (
    TAG_KEY,
    TAG_MANAGED,
    TAG_POLICY,
    TAG_SEGMENT,
    Marks,
    check_unique,
)

SCOPE = Scope("aws", "111111111111", "us-east-1")
KEY = f"{SCOPE}/fwgroup/web@vpc-1"
MARKS = (TAG_MANAGED, TAG_POLICY, TAG_KEY)
names = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)


def _all(policy: str, key: str = KEY) -> dict[str, str]:
    return Marks(policy, SCOPE).tags(key, "web")


@given(policy=names, extra=st.dictionaries(names, names, max_size=3))
def test_all_marks_own(policy: str, extra: dict[str, str]) -> None:
    tags = extra | _all(policy)
    marks = Marks(policy, SCOPE)
    assert marks.owns(tags)
    assert marks.owns(tags, KEY)
    assert marks.owns(tags, KEY, names=[("sg-web", "sg-web")], kind="fwgroup/")


@given(
    policy=names,
    kept=st.sets(st.sampled_from(MARKS), max_size=len(MARKS) - 1),
    extra=st.dictionaries(names, names, max_size=3),
)
def test_any_proper_subset_of_the_marks_is_foreign(
    policy: str, kept: set[str], extra: dict[str, str]
) -> None:
    full = _all(policy)
    tags = {k: v for k, v in extra.items() if k not in MARKS} | {k: full[k] for k in kept}
    marks = Marks(policy, SCOPE)
    assert not marks.owns(tags)
    assert not marks.owns(tags, KEY)


@given(ours=names, theirs=names)
def test_another_policys_marks_are_foreign(ours: str, theirs: str) -> None:
    if ours == theirs:
        return
    assert not Marks(ours, SCOPE).owns(_all(theirs))
    assert not Marks(ours, SCOPE).owns(_all(theirs), KEY)


@given(policy=names, have=names, want=names)
def test_a_name_that_differs_is_foreign(policy: str, have: str, want: str) -> None:
    owned = Marks(policy, SCOPE).owns(_all(policy), KEY, names=[(have, want)])
    assert owned is (have == want)


@pytest.mark.parametrize(
    ("tags", "key", "kind"),
    [
        (_all("p", "aws/222222222222/us-east-1/fwgroup/web@vpc-1"), None, ""),
        (_all("p", "aws/111111111111/us-west-2/fwgroup/web@vpc-1"), None, ""),
        (_all("p", f"{SCOPE}/fwgroup/db@vpc-1"), KEY, ""),
        (_all("p", f"{SCOPE}/rtb/rt-1"), None, "fwgroup/"),
        (_all("p") | {TAG_MANAGED: "True"}, None, ""),
        (_all("p") | {TAG_MANAGED: "false"}, KEY, ""),
        (_all("p", ""), None, ""),
    ],
    ids=[
        "other-account",
        "other-region",
        "other-key",
        "other-kind",
        "managed-True",
        "unmanaged",
        "empty-key",
    ],
)
def test_a_wrong_mark_is_foreign(tags: dict[str, str], key: str | None, kind: str) -> None:
    assert not Marks("p", SCOPE).owns(tags, key, kind=kind)


def test_tags_carry_every_mark() -> None:
    tags = Marks("p", SCOPE).tags(KEY, "web")
    assert set(tags) == {*MARKS, TAG_SEGMENT}
    assert all(
        Marks("p", SCOPE).owns(dict(c)) is (len(c) == len(MARKS))
        for n in range(len(MARKS) + 1)
        for c in itertools.combinations({k: tags[k] for k in MARKS}.items(), n)
    )


@pytest.mark.parametrize(
    ("seen", "found", "fails"),
    [({}, "sg-1", False), ({KEY: NativeRef("sg-1")}, "sg-1", False),
     ({KEY: NativeRef("sg-1")}, "sg-2", True)],
    ids=["first", "same-object-again", "second-object"],
)  # fmt: skip
def test_a_key_carried_by_two_objects_fails_the_observation(
    seen: dict[str, NativeRef], found: str, fails: bool
) -> None:
    if fails:
        with pytest.raises(ObservationError, match="two objects carry this key, sg-1 and sg-2"):
            check_unique(seen, KEY, found)
    else:
        check_unique(seen, KEY, found)
