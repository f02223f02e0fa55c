"""Patches that bring moto 5.2.5's EC2 closer to real EC2 where eastwest depends on it.

In: nothing. Out: ``apply_patches()`` replaces a few moto methods, once per process; calling it
again does nothing. Always: every replacement carries a docstring naming the EC2 behaviour it
restores, and the table below is the whole list (docs/sandbox.md explains each entry).

Patches touch classes, not instances, so they hold for server mode and for ``mock_aws`` alike,
and they survive ``/moto-api/reset`` (which rebuilds backends, not classes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.ec2.models.managed_prefixes import ManagedPrefixListBackend
from moto.ec2.responses import EC2Response

from moto_fixtures.aws import authorize, pagination, prefix_lists

_MARK = "__eastwest_patch__"


@dataclass(frozen=True)
class Patch:
    """Replace ``target.name`` with ``replace(original)``."""

    target: type
    name: str
    replace: Callable[[Callable[..., Any]], Callable[..., Any]]


PATCHES: tuple[Patch, ...] = (
    Patch(EC2Response, "describe_vpcs", pagination.paginate("DescribeVpcs", "Vpcs")),
    Patch(EC2Response, "describe_subnets", pagination.paginate("DescribeSubnets", "Subnets")),
    Patch(
        EC2Response,
        "describe_security_groups",
        pagination.paginate("DescribeSecurityGroups", "SecurityGroups"),
    ),
    Patch(
        EC2Response,
        "describe_security_group_rules",
        pagination.paginate("DescribeSecurityGroupRules", "SecurityGroupRules"),
    ),
    Patch(
        EC2Response,
        "describe_managed_prefix_lists",
        pagination.paginate("DescribeManagedPrefixLists", "PrefixLists"),
    ),
    Patch(
        EC2Response,
        "get_managed_prefix_list_entries",
        pagination.paginate("GetManagedPrefixListEntries", "Entries"),
    ),
    Patch(EC2Response, "authorize_security_group_ingress", authorize.atomic("ingress")),
    Patch(EC2Response, "authorize_security_group_egress", authorize.atomic("egress")),
    Patch(EC2Response, "create_managed_prefix_list", prefix_lists.create_response),
    Patch(EC2Response, "modify_managed_prefix_list", prefix_lists.modify_response),
    Patch(ManagedPrefixListBackend, "create_managed_prefix_list", prefix_lists.create_model),
    Patch(ManagedPrefixListBackend, "modify_managed_prefix_list", prefix_lists.modify_model),
)

_lock = threading.Lock()


def apply_patches() -> None:
    """Install every patch in ``PATCHES`` unless it is installed already."""
    with _lock:
        for patch in PATCHES:
            current = getattr(patch.target, patch.name)
            if getattr(current, _MARK, False):
                continue
            replacement = patch.replace(current)
            setattr(replacement, _MARK, True)
            replacement.__name__ = patch.name
            replacement.__qualname__ = f"{patch.target.__name__}.{patch.name}"
            setattr(patch.target, patch.name, replacement)


def patched() -> bool:
    """Whether every patch is installed (the server asserts this before it serves)."""
    return all(getattr(getattr(p.target, p.name), _MARK, False) for p in PATCHES)
