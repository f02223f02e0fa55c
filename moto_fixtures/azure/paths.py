"""ARM request paths parsed into what they name.

In: a URL path. Out: a ``Target``: subscription, resource group, the chain of (segment, name)
under ``providers/Microsoft.Network``, or an operation status / result. Always: segments are
matched case-insensitively (ARM paths are) and returned in the fake's canonical spelling; an
unknown shape raises ``InvalidResourceType``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from moto_fixtures.azure.errors import InvalidResourceTypeError
from moto_fixtures.azure.state import KINDS

_CANON = {segment.lower(): segment for segment in KINDS} | {
    "defaultsecurityrules": "defaultSecurityRules"
}

# POST actions on a resource, by their canonical spelling (only the rule health query so far).
_ACTIONS = {"health": "health"}


@dataclass(frozen=True)
class Target:
    subscription: str
    group: str | None  # None: a subscription-wide list
    chain: tuple[tuple[str, str | None], ...]  # (segment, name); the last name None for a list
    operation: tuple[str, str] | None = None  # ("operations" | "operationResults", id)
    action: str | None = None  # a POST action after the resource: ``…/loadBalancingRules/r/health``

    @property
    def is_list(self) -> bool:
        return self.operation is None and self.chain[-1][1] is None

    def resource_id(self, depth: int | None = None) -> str:
        """The ARM id of the chain up to ``depth`` links (all by default)."""
        parts = [f"/subscriptions/{self.subscription}/resourceGroups/{self.group}"]
        parts.append("providers/Microsoft.Network")
        for segment, name in self.chain[: depth or len(self.chain)]:
            parts.append(f"{segment}/{name}")
        return "/".join(parts)


def _action(group: str | None, rest: list[str]) -> tuple[str | None, list[str]]:
    """A trailing POST action (``…/health``) apart from the resource chain before it."""
    if group is not None and len(rest) % 2 == 1 and rest[-1].lower() in _ACTIONS:
        return _ACTIONS[rest[-1].lower()], rest[:-1]
    return None, rest


def parse(path: str) -> Target:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    low = [p.lower() for p in parts]
    if len(parts) < 4 or low[0] != "subscriptions":
        raise InvalidResourceTypeError(path)
    subscription, group, rest = parts[1], None, parts[2:]
    if low[2] == "resourcegroups" and len(parts) >= 6:
        group, rest = parts[3], parts[4:]
    if len(rest) < 3 or [r.lower() for r in rest[:2]] != ["providers", "microsoft.network"]:
        raise InvalidResourceTypeError(path)
    action, rest = _action(group, rest[2:])
    if group is None and len(rest) == 4 and rest[0].lower() == "locations":
        kind = rest[2].lower()
        if kind in ("operations", "operationresults"):
            name = "operations" if kind == "operations" else "operationResults"
            return Target(subscription, None, (), (name, rest[3]))
    chain: list[tuple[str, str | None]] = []
    for index in range(0, len(rest), 2):
        segment = _CANON.get(rest[index].lower())
        if segment is None:
            raise InvalidResourceTypeError(path)
        chain.append((segment, rest[index + 1] if index + 1 < len(rest) else None))
    if len(chain) > 2 or (group is None and len(chain) > 1):
        raise InvalidResourceTypeError(path)
    top = KINDS.get(chain[0][0])
    if top is None or top.parent is not None:
        raise InvalidResourceTypeError(path)
    extra = ("defaultSecurityRules",) if top.segment == "networkSecurityGroups" else ()
    if len(chain) == 2 and chain[1][0] not in (*top.children, *extra):
        raise InvalidResourceTypeError(path)
    if chain[0][1] is None and len(chain) > 1:
        raise InvalidResourceTypeError(path)
    if action is not None and (len(chain) != 2 or chain[1][0] != "loadBalancingRules"):
        raise InvalidResourceTypeError(path)
    return Target(subscription, group, tuple(chain), action=action)
