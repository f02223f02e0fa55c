"""Terraform names derived from eastwest's stable keys: deterministic, valid, never colliding.

A resource name is the key relative to its scope, lowered and reduced to ``[a-z0-9_]``, plus
the first 8 hex digits of the SHA-256 of the whole key. Two keys that read alike once sanitised
(``web@vpc-1`` and ``web_vpc_1``) or that live in different scopes keep different names; a
clash of the suffix too is detected by ``unique_names`` and refused rather than merged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from orchestrator.state import Scope

_UNSAFE = re.compile(r"[^a-z0-9]+")


def sanitise(text: str) -> str:
    """``[a-z0-9_]`` only, no leading, trailing or repeated underscores."""
    return _UNSAFE.sub("_", text.lower()).strip("_")


def resource_name(key: str, scope: Scope) -> str:
    body = sanitise(key.removeprefix(f"{scope}/")) or "resource"
    if not body[0].isalpha():
        body = f"r_{body}"  # Terraform names start with a letter or an underscore
    return f"{body}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def provider_alias(scope: Scope) -> str:
    """One provider configuration per account and region: ``acct_111111111111_us_east_1``."""
    return f"acct_{sanitise(scope.account)}_{sanitise(scope.region)}"


def unique_names(
    keys: Iterable[tuple[str, Scope]], name: Callable[[str, Scope], str] = resource_name
) -> dict[str, str]:
    """Key → resource name for one module; raises ValueError if two keys would share a name."""
    owner: dict[str, str] = {}
    for key, scope in sorted(keys):
        named = name(key, scope)
        if owner.setdefault(named, key) != key:
            raise ValueError(f"Terraform name {named} would be shared by {owner[named]} and {key}")
    return {key: named for named, key in owner.items()}
