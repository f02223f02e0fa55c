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
