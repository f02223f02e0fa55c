"""Claims are released only when their object is proven absent."""

from __future__ import annotations

import pytest

from providers.core.claims import Outcome, settle

OWNED = {"10.1.0.0/16": "tgw-1"}
CLAIM = {"10.2.0.0/16": "vpce-1"}


@pytest.mark.parametrize(
    ("name", "deleting", "outcome", "kept"),
    [
        ("10.2.0.0/16", False, Outcome.DONE, {**OWNED, **CLAIM}),
        ("10.2.0.0/16", False, Outcome.UNSURE, {**OWNED, **CLAIM}),
        ("10.2.0.0/16", False, Outcome.ABSENT, OWNED),
        ("10.1.0.0/16", True, Outcome.DONE, CLAIM),
        ("10.1.0.0/16", True, Outcome.UNSURE, {**OWNED, **CLAIM}),
    ],
    ids=["created", "lost-answer-unsure", "proven-absent", "deleted", "delete-failed"],
)
def test_a_claim_goes_only_when_its_object_is_proven_absent(
    name: str, deleting: bool, outcome: Outcome, kept: dict[str, str]
) -> None:
    assert settle(OWNED, CLAIM, {name: (deleting, outcome)}) == kept
