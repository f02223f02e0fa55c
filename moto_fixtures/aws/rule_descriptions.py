"""Descriptions of security-group rules that reference a prefix list.

Real EC2 keeps the ``Description`` given with a ``PrefixListIds`` entry and answers it in
``DescribeSecurityGroups`` (inside the entry) and ``DescribeSecurityGroupRules`` (the rule's
``Description``). moto 5.2.5 keeps only the prefix list's id, so every such rule reads back
without its description: the Terraform provider then sees a difference after every apply.

Three wrappers restore it without touching moto's rule model otherwise: the rule remembers the
description it was built with, and the two describes put it back into their answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

Method = Callable[..., Any]

ATTRIBUTE = "eastwest_reference_description"


def remember(original: Method) -> Method:
    """``SecurityGroupRule.__init__``: keep the description of a prefix-list reference."""
    signature = inspect.signature(original)

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        """moto's rule, remembering the description of a prefix-list reference (EC2 keeps it)."""
        original(self, *args, **kwargs)
        reference = signature.bind(self, *args, **kwargs).arguments.get("prefix_list_id")
        if isinstance(reference, dict) and reference.get("Description"):
            setattr(self, ATTRIBUTE, reference["Description"])

    return init  # installed as __init__ (patches.py names it)


def in_groups(original: Method) -> Method:
    """``SecurityGroup._flattened_rules``: each ``PrefixListIds`` entry carries its description,
    as in EC2's ``DescribeSecurityGroups``."""

    def _flattened_rules(self: Any, rules: list[Any]) -> list[Any]:
        """moto's grouped permissions, with each prefix-list entry's description (EC2)."""
        described = {
            (r.from_port, r.to_port, r.ip_protocol, r.prefix_list_id): getattr(r, ATTRIBUTE)
            for r in rules
            if r.prefix_list_id and getattr(r, ATTRIBUTE, None)
        }
        views: list[Any] = original(self, rules)
        for view in views:
            for entry in view.prefix_list_ids:
                key = (view.from_port, view.to_port, view.ip_protocol, entry["PrefixListId"])
                if key in described:
                    entry["Description"] = described[key]
        return views

    return _flattened_rules


def in_rules(original: Method) -> Method:
    """``SecurityGroupBackend.describe_security_group_rules``: a prefix-list rule answers its
    ``Description``, as in EC2."""

    def describe_security_group_rules(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """moto's rules, a prefix-list rule with its description (EC2)."""
        rules: list[Any] = original(self, *args, **kwargs)
        for rule in rules:
            description = getattr(rule, ATTRIBUTE, None)
            # moto answers a shallow copy of each rule and reads ``Description`` from its
            # ``ip_range``, which a prefix-list rule leaves empty: filling the copy's is enough.
            if description and not rule.ip_range:
                rule.ip_range = {"Description": description}
        return rules

    return describe_security_group_rules
