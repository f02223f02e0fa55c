"""Which routes of a VPC route table are eastwest's: a record in the table's tags.

Routes carry no tags, so ownership is written on the route table itself, per policy, as
``destination=target`` pairs separated by spaces: ``eastwest:routes:<policy>`` holds the first
256 characters' worth, ``eastwest:routes:<policy>:2``, ``:3``… the rest. A fresh process finds
the record with one ``tag-key`` filtered read. Pure functions, tested on literal tags.
Always: a route whose destination is not in the record is someone else's, whatever it looks
like; the record is written before a route is created and trimmed after it is deleted, so a
crash in between leaves a claim without a route (re-created next run), never an orphan route.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "eastwest:routes:"
_VALUE_MAX = 256  # EC2 tag values: at most 256 characters


def record_key(policy: str, part: int = 1) -> str:
    return f"{PREFIX}{policy}" if part == 1 else f"{PREFIX}{policy}:{part}"


def read_record(tags: Mapping[str, str], policy: str) -> dict[str, str]:
    """destination → target that ``policy`` owns in a table with these tags."""
    first = record_key(policy)
    parts = [v for k, v in tags.items() if k == first or k.startswith(f"{first}:")]
    owned: dict[str, str] = {}
    for value in parts:
        for pair in value.split():
            destination, _, target = pair.partition("=")
            if destination and target:
                owned[destination] = target
    return owned


def encode_record(policy: str, owned: Mapping[str, str]) -> dict[str, str]:
    """Tag key → value for ``owned``, split so no value passes 256 characters; empty when
    nothing is owned (the caller deletes the keys it no longer writes)."""
    tags: dict[str, str] = {}
    chunk = ""
    part = 1
    for destination, target in sorted(owned.items()):
        pair = f"{destination}={target}"
        if chunk and len(chunk) + 1 + len(pair) > _VALUE_MAX:
            tags[record_key(policy, part)] = chunk
            part, chunk = part + 1, ""
        chunk = f"{chunk} {pair}" if chunk else pair
    if chunk:
        tags[record_key(policy, part)] = chunk
    return tags


def stale_keys(tags: Mapping[str, str], policy: str, written: Mapping[str, str]) -> list[str]:
    """Record keys present on a table that a new record no longer uses."""
    first = record_key(policy)
    return sorted(k for k in tags if (k == first or k.startswith(f"{first}:")) and k not in written)
