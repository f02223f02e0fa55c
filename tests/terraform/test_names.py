"""Terraform names: valid identifiers, stable, and never shared by two keys."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.state import Scope
from terraform.names import provider_alias, resource_name, sanitise, unique_names

SCOPE = Scope("aws", "111111111111", "us-east-1")
OTHER = Scope("aws", "222222222222", "us-east-1")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fwgroup/web@vpc-0A1", "fwgroup_web_vpc_0a1"),
        ("…/ingress/tcp:443/set:db", "ingress_tcp_443_set_db"),
        ("__a--b__", "a_b"),
        ("@@@", ""),
    ],
    ids=["key", "unicode-and-colons", "repeats", "nothing-left"],
)
def test_sanitise(text: str, expected: str) -> None:
    assert sanitise(text) == expected


def test_a_name_is_the_relative_key_plus_a_digest_of_the_whole_key() -> None:
    key = f"{SCOPE}/fwgroup/web@vpc-0a1"
    assert resource_name(key, SCOPE) == "fwgroup_web_vpc_0a1_" + resource_name(key, SCOPE)[-8:]
    assert resource_name(key, SCOPE) == resource_name(key, SCOPE)  # stable


def test_keys_that_sanitise_alike_or_repeat_across_scopes_keep_apart() -> None:
    keys = [
        (f"{SCOPE}/fwgroup/web@vpc-1", SCOPE),
        (f"{SCOPE}/fwgroup/web_vpc_1", SCOPE),
        (f"{OTHER}/fwgroup/web@vpc-1", OTHER),
    ]
    names = unique_names(keys)
    assert len(set(names.values())) == 3


def test_a_shared_name_is_refused_rather_than_merged() -> None:
    with pytest.raises(ValueError, match="would be shared"):
        unique_names([("a", SCOPE), ("b", SCOPE)], name=lambda _key, _scope: "same")


def test_a_name_never_starts_with_a_digit() -> None:
    assert resource_name(f"{SCOPE}/1abc", SCOPE).startswith("r_1abc_")
    assert provider_alias(SCOPE) == "acct_111111111111_us_east_1"


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=30, unique=True))
def test_any_distinct_keys_get_distinct_valid_names(suffixes: list[str]) -> None:
    names = unique_names((f"{SCOPE}/{s}", SCOPE) for s in suffixes)
    assert len(set(names.values())) == len(suffixes)
    assert all(IDENTIFIER.match(n) for n in names.values())
