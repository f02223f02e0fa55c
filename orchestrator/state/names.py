"""Names eastwest gives what it owns where a name is its identity (ARM resources, whose names
are their ids): one definition for the compiler, the adapter and the Terraform module.

Always: a name is at most 80 characters of letters, digits, ``.``, ``_`` and ``-`` (ARM's rule
for NSGs, rules, route tables, routes and peerings); a longer one is cut and given a hash of
the whole, so two long names stay apart.
"""

from __future__ import annotations

import hashlib

NAME_LIMIT = 80


def bounded_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c in "._-" else "-" for c in name)
    if len(clean) <= NAME_LIMIT:
        return clean
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{clean[: NAME_LIMIT - 11]}-{digest}"


def owned_table_name(policy: str, segment: str, network: str) -> str:
    """eastwest's route table for a segment's subnets that have none, in one network (names
    are unique per resource group, so the network is in)."""
    return bounded_name(f"eastwest-{policy}-{segment}-{network}")


def peering_name(policy: str, remote: str) -> str:
    """eastwest's peering to ``remote``, by which it owns it (names are unique within the
    network holding the peering; one peering per remote network)."""
    return bounded_name(f"eastwest-{policy}-{remote}")


def owned_name(policy: str, segment: str) -> str:
    """The name of a segment's group, address set and transit table (AWS, Alibaba); Azure
    bounds it further (``bounded_name``) where the name is the resource's id."""
    return f"eastwest-{policy}-{segment}"


# The longest value each cloud takes (docs/policy.md, "Names and the clouds' limits"): the
# loader checks every name and tag value eastwest will write against these at validate time.
TAG_VALUE_LIMIT = {"aws": 256, "alibaba": 128, "azure": 256}
# Azure is not listed: its names are ids, cut to NAME_LIMIT with a hash by ``bounded_name``.
NAME_LIMIT_OF = {"aws": 255, "alibaba": 128}
# The longest network id a tag-selected member may turn out to have: AWS vpc- + 17 hex,
# Alibaba vpc- + 21, an Azure VNet name (64).
LONGEST_NETWORK = {"aws": 21, "alibaba": 25, "azure": 64}
