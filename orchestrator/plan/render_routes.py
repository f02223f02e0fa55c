"""How routing resources read in a plan: a title per line, attributes in the detailed view.

In: a routing resource. Out: text without cloud words beyond the ids the cloud gave.
Always: an owned hub table is named ``<hub>/<segment>`` (or ``<hub>/inspection``), the way the
policy names it, never by key.
"""

from __future__ import annotations

from orchestrator.state import (
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
    RouteResource,
)
from orchestrator.state.routes import NetworkPeering


def table_title(table_key: str) -> str:
    """``…/hubtable/use1/segment:web`` → ``use1/web``; a ``ref:`` id stays as it is."""
    if table_key.startswith("ref:"):
        return table_key.removeprefix("ref:") + " (not eastwest's)"
    hub, _, tail = table_key.partition("/hubtable/")[2].partition("/")
    return f"{hub}/{tail.removeprefix('segment:')}"


def route_title(res: RouteResource) -> str:
    if isinstance(res, NetworkPeering):  # not inside a table: its own shape
        return f"{res.network} ⇄ {res.remote} ({res.name})"
    return _table_member_title(res)


def _table_member_title(res: RouteResource) -> str:
    if isinstance(res, HubTable):
        return table_title(res.key)
    if isinstance(res, HubAssociation):
        return f"{res.attachment} ({res.network}) in {table_title(res.table)}"
    if isinstance(res, HubPropagation):
        return f"{res.attachment} ({res.network}) into {table_title(res.table)}"
    if isinstance(res, HubRoute):
        return f"{table_title(res.table)} {res.destination} → {res.attachment or 'blackhole'}"
    if isinstance(res, NetworkRoute):
        return f"{res.table} ({res.network}) {res.destination} → {res.target}"
    assert not isinstance(res, NetworkPeering)
    return f"{res.attachment} {'on' if res.enabled else 'off'}"


def route_attributes(res: RouteResource) -> dict[str, object]:
    if isinstance(res, NetworkPeering):
        return {
            "remote": res.remote,
            "forwarded_traffic": res.forwarded,
            "network_access": res.network_access,
        }
    return _table_member_attributes(res)


def _table_member_attributes(res: RouteResource) -> dict[str, object]:
    if isinstance(res, HubTable):
        return {"name": res.name, "hub": res.hub, "role": res.role, "segment": res.segment}
    if isinstance(res, HubAssociation):
        return {"attachment": res.attachment, "table": table_title(res.table)}
    if isinstance(res, HubPropagation):
        return {"attachment": res.attachment, "table": table_title(res.table)}
    if isinstance(res, HubRoute):
        return {"destination": res.destination, "attachment": res.attachment or "blackhole"}
    if isinstance(res, NetworkRoute):
        return {"destination": res.destination, "target": res.target}
    assert not isinstance(res, NetworkPeering)
    return {"attachment": res.attachment, "enabled": res.enabled}
