"""All-or-nothing ``AuthorizeSecurityGroupIngress`` / ``AuthorizeSecurityGroupEgress``.

Real EC2 applies one authorize call as a unit: the same permission twice in one request answers
``InvalidParameterValue`` ("The same permission must not appear multiple times"), a permission
that already exists answers ``InvalidPermission.Duplicate``, and in both cases (or any other
error) nothing of the request is stored. Its response lists every rule the call created.

moto 5.2.5 stores permission after permission, so an error in the third leaves the first two in
place, and its response lists only the last permission's rules. This wrapper keeps moto's
per-permission model code, checks the request for repeats first, and restores the group's rule
list if moto raises part-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from moto.core.responses import ActionResult

from moto_fixtures.aws.exceptions import InvalidParameterValueError

Handler = Callable[[Any], Any]

# EC2 accepts protocol names and numbers; both spell the same permission.
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def atomic(direction: str) -> Callable[[Handler], Handler]:
    """Replace moto's authorize handler for ``direction`` ("ingress" or "egress")."""

    def wrap(original: Handler) -> Handler:
        del original  # rewritten rather than wrapped: moto's loop is the part that is wrong

        def authorize(self: Any) -> ActionResult:
            """Store every permission of the request or none; list every rule created."""
            self.error_on_dryrun()
            permissions = list(self._process_rules_from_querystring())
            _refuse_repeats(permissions)
            backend = self.ec2_backend
            store = getattr(backend, f"authorize_security_group_{direction}")
            group = _group_of(backend, permissions)
            rules_attr = f"{direction}_rules"
            before = list(getattr(group, rules_attr)) if group is not None else []
            tagged_before = set(backend.tags)
            created: list[Any] = []
            try:
                for kwargs in permissions:
                    rules, _ = store(**kwargs)
                    created.extend(rules)
            except Exception:
                # Any error, EC2's or a moto crash answered as HTTP 500, leaves the group as it was.
                if group is not None:
                    setattr(group, rules_attr, before)
                _drop_orphan_tags(backend, tagged_before)
                raise
            return ActionResult({"Return": True, "SecurityGroupRules": created})

        authorize.__doc__ = f"{direction}: {authorize.__doc__}"
        return authorize

    return wrap


def _group_of(backend: Any, permissions: list[dict[str, Any]]) -> Any:
    if not permissions:
        return None
    return backend.get_security_group_by_name_or_id(permissions[0]["group_name_or_id"], None)


def _drop_orphan_tags(backend: Any, tagged_before: set[str]) -> None:
    """Forget the tags of rules that no group holds any more.

    moto tags a rule when it builds it, before it checks for a duplicate, and keeps rule tags in
    the backend's index rather than on the rule; rolled-back and refused rules leave theirs.
    """
    new = [key for key in backend.tags if key not in tagged_before and key.startswith("sgr-")]
    if not new:
        return
    held = {
        rule.id
        for groups in backend.groups.values()
        for group in groups.values()
        for rule in (*group.ingress_rules, *group.egress_rules)
    }
    for key in new:
        if key not in held:
            backend.tags.pop(key, None)


def _refuse_repeats(permissions: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, ...]] = set()
    for permission in permissions:
        for key in _rule_keys(permission):
            if key in seen:
                raise InvalidParameterValueError(
                    "The same permission must not appear multiple times"
                )
            seen.add(key)


def _rule_keys(permission: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    """One key per rule the permission creates: protocol, ports and the single peer."""
    raw = str(permission.get("ip_protocol") or "").lower()
    protocol = _PROTOCOLS.get(raw, raw)
    ports = (
        ("", "")
        if protocol == "-1"
        else (
            str(permission.get("from_port")),
            str(permission.get("to_port")),
        )
    )
    for ip_range in permission.get("ip_ranges") or []:
        if isinstance(ip_range, dict):
            peer = ip_range.get("CidrIp") or ip_range.get("CidrIpv6") or ""
        else:
            peer = str(ip_range)
        yield (protocol, *ports, "cidr", peer)
    for pair in permission.get("source_groups") or []:
        yield (protocol, *ports, "group", str(pair.get("GroupId") or pair.get("GroupName")))
    for prefix_list in permission.get("prefix_list_ids") or []:
        yield (protocol, *ports, "prefix-list", str(prefix_list.get("PrefixListId")))
