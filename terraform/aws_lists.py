"""The proof a managed prefix list carries of its entries, declared for Terraform.

A no-op plan reads no list's entries (one ``GetManagedPrefixListEntries`` per list otherwise,
issue 13): the AWS reader believes a list holds the wanted CIDRs when its ``eastwest:version``
tag equals its ``Version`` and its ``eastwest:cidrs-digest`` tag equals the digest of those CIDRs
(``providers/aws/reader.py``). eastwest's writer tags both after every change it makes; a list
Terraform makes gets them from two ``aws_ec2_tag`` resources: the digest, known at synth, and
the version, the list's own ``version`` attribute (known after apply, so an entry change
Terraform makes re-tags the list in the same apply). The list resource ignores both tags
(``aws.BOOKKEEPING_TAGS``), so the two never fight.

In: the AWS scopes of a ``DesiredState``; for import ids, the observation. Out: ``ListTag``
values, their Terraform arguments and import ids. Always: pure; tag names equal
``providers/aws/translate.py``'s (a test keeps them equal; terraform/ never imports providers/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.state import AddressSet, DesiredScope, ObservedScope, Scope
from orchestrator.state.resources import cidrs_digest

TAG_CIDRS_DIGEST = "eastwest:cidrs-digest"
TAG_VERSION = "eastwest:version"


@dataclass(frozen=True, slots=True)
class ListTag:
    """One proof tag of a prefix list, as one ``aws_ec2_tag``. ``key`` is a pseudo-key (the
    address set's key and the tag name): stable, and unique per module."""

    key: str
    scope: Scope
    address_set: str  # the address set's key
    tag: str
    value: str | None  # None: the list's version, known after apply


def list_tags(scoped: DesiredScope) -> list[ListTag]:
    return [
        ListTag(f"{aset.key}/{tag}", scoped.scope, aset.key, tag, value)
        for aset in sorted(scoped.of_kind(AddressSet), key=lambda a: a.key)
        for tag, value in ((TAG_CIDRS_DIGEST, cidrs_digest(aset.cidrs)), (TAG_VERSION, None))
    ]


def body(tag: ListTag, where: Mapping[str, str]) -> dict[str, Any]:
    listed = where[tag.address_set]
    value = tag.value if tag.value is not None else f"${{{listed}.version}}"
    return {"resource_id": f"${{{listed}.id}}", "key": tag.tag, "value": value}


def import_ids(scoped: DesiredScope, seen: ObservedScope) -> dict[str, str]:
    """The proof tags of lists that exist holding the wanted CIDRs: eastwest tagged both when
    it last changed them (importing a tag that is not there fails)."""
    ids: dict[str, str] = {}
    for tag in list_tags(scoped):
        want, have = scoped.resources.get(tag.address_set), seen.resources.get(tag.address_set)
        ref = seen.native.get(tag.address_set)
        if not isinstance(have, AddressSet) or not isinstance(want, AddressSet) or ref is None:
            continue
        if have.cidrs == want.cidrs:
            ids[tag.key] = f"{ref.id},{tag.tag}"
    return ids
