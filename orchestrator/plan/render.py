"""Human rendering of a plan, in the manner of ``terraform plan``.

One block per resource change, keys shown relative to their scope, drift in its own section
before the actions, and the closing ``Plan: N to add, N to change, N to destroy.`` line.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestrator.plan.ngfw import firewall_lines
from orchestrator.plan.planner import Plan, ScopePlan
from orchestrator.plan.render_access import no_change_lines, with_changes_line
from orchestrator.plan.render_routes import route_attributes, route_title
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    GroupAttachment,
    Resource,
)

_VERB = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be destroyed",
}
_COLOUR = {Action.CREATE: "32", Action.UPDATE: "33", Action.DELETE: "31"}


_OUTSIDE = {
    Action.CREATE: "removed outside eastwest:",
    Action.UPDATE: "changed outside eastwest:",
    Action.DELETE: "added outside eastwest:  ",
}


def render_plan(plan: Plan, *, colour: bool = False, compact: bool = False) -> str:
    """``compact`` gives one line per change instead of one block per resource."""
    paint = _Paint(colour)
    lines: list[str] = []
    drift = [(c.action, c.key) for c in plan.changes if c.drift]
    drift += [(c.action, c.resource.key) for f in plan.firewalls for c in f.changes if c.drift]
    if drift:
        lines += [paint("1", "Drift: changed outside eastwest since its last apply"), ""]
        lines += [f"  {_OUTSIDE[action]} {key}" for action, key in drift]
        lines += ["", "  The actions below restore the policy.", ""]
    for scope_plan in plan.scopes:
        lines += list(_scope_lines(scope_plan, paint, compact))
    for firewall in plan.firewalls:
        lines += list(firewall_lines(firewall))
    lines.append(summary_line(plan))
    if plan.has_changes:
        lines += with_changes_line(plan)
    elif plan.access.findings:  # summary_line said the head, unless conflicts took its place
        lines += no_change_lines(plan)[0 if plan.conflicts else 1 :]
    return "\n".join(lines) + "\n"


def summary_line(plan: Plan) -> str:
    """The plan's first closing line; what the access check found follows it."""
    counts = plan.counts()
    if plan.conflicts:
        # Green means enforced (DESIGN.md rule 8): never "the clouds match" with a member held.
        held = f"{len(plan.conflicts)} conflict(s) above leave members unguarded"
        if not plan.has_changes:
            return f"No changes can be made, but the clouds do not match the policy: {held}."
    if not plan.has_changes:
        return no_change_lines(plan)[0]
    text = (
        f"Plan: {counts['add']} to add, {counts['change']} to change, "
        f"{counts['destroy']} to destroy."
    )
    if counts["drift"]:
        n = counts["drift"]
        text = text[:-1] + f"; {n} of them restore{'s' if n == 1 else ''} drift."
    if plan.conflicts:
        text = text[:-1] + f"; {len(plan.conflicts)} conflict(s) above leave members unguarded."
    return text


def _scope_lines(sp: ScopePlan, paint: _Paint, compact: bool) -> Iterator[str]:
    header = f"Scope {sp.scope} ({sp.target.name})"
    if sp.skipped is not None:
        yield paint("1", header) + f": not planned, {sp.skipped}"
        yield ""
        return
    if not sp.changes:
        return
    yield paint("1", header)
    yield ""
    prefix = f"{sp.scope}/"
    for change in sp.changes:
        if compact:
            symbol = paint(_COLOUR[change.action], str(change.action))
            note = "  (drift)" if change.drift else ""
            yield f"  {symbol} {change.resource.kind:<14} {_title(change.resource)}{note}"
            continue
        yield from _change_lines(change, prefix, paint)
        yield ""
    if compact:
        yield ""


def _change_lines(change: Change, prefix: str, paint: _Paint) -> Iterator[str]:
    res = change.resource
    note = " (drift)" if change.drift else ""
    yield f"  # {res.key.removeprefix(prefix)} {_VERB[change.action]}{note}"
    symbol = paint(_COLOUR[change.action], str(change.action))
    yield f'  {symbol} {res.kind} "{_title(res)}" {{'
    before = _attributes(change.before) if change.before else {}
    after = _attributes(change.after) if change.after else {}
    width = max(len(k) for k in (before | after))
    for name in sorted(before | after):
        yield from _attribute_lines(change.action, name, width, before.get(name), after.get(name))
    yield "    }"


def _attribute_lines(
    action: Action, name: str, width: int, old: object, new: object
) -> Iterator[str]:
    label = name.ljust(width)
    if action is Action.CREATE:
        yield f"      + {label} = {_value(new)}"
    elif action is Action.DELETE:
        yield f"      - {label} = {_value(old)}"
    elif old == new:
        yield f"        {label} = {_value(new)}"
    elif isinstance(old, list) and isinstance(new, list):
        yield f"      ~ {label} = ["
        yield from (f"          + {_value(v)}," for v in new if v not in old)
        yield from (f"          - {_value(v)}," for v in old if v not in new)
        yield "        ]"
    else:
        yield f"      ~ {label} = {_value(old)} -> {_value(new)}"


def _title(res: Resource) -> str:
    if isinstance(res, AddressSet):
        return res.name
    if isinstance(res, FirewallGroup):
        return f"{res.segment}@{res.network}"
    if isinstance(res, GroupAttachment):
        return f"{res.interface} ← {res.group.rsplit('/', 1)[-1]}"
    if not isinstance(res, FlowRule):
        return route_title(res)
    arrow = "from" if res.direction == "ingress" else "to"
    group = res.group.rsplit("/", 1)[-1]
    kind, _, value = res.peer.partition(":")
    peer = f"segment {value}" if kind == "set" else value
    return f"{group} {res.direction} {res.ports} {arrow} {peer}"


def _attributes(res: Resource) -> dict[str, object]:
    if isinstance(res, AddressSet):
        return {"segment": res.segment, "cidrs": sorted(res.cidrs), "max_entries": res.max_entries}
    if isinstance(res, FirewallGroup):
        shown: dict[str, object] = {
            "name": res.name,
            "network": res.network,
            "segment": res.segment,
            "description": res.description,
        }
        shown |= {"asg_membership": True} if res.asg else {}
        return shown | ({"attach": res.attach} if res.attach else {})
    if isinstance(res, GroupAttachment):
        others = {"other_groups": list(res.others)} if res.mode == "exclusive" else {}
        return {"network": res.network, "mode": res.mode, **others}
    if not isinstance(res, FlowRule):
        return route_attributes(res)
    return {
        "direction": res.direction,
        "ports": res.ports,
        "peer": res.peer,
        "description": res.description,
    }


def _value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text
