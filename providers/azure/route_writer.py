"""Writing Azure routes (UDRs): one plan step's ``NetworkRoute`` changes, one route table at a
time, idempotent.

In: the step's route changes and the native ids known so far (a segment's prefixes are its
address set's "id", see ``translate``). Out: one ``ChangeResult`` per change (a table's changes
succeed or fail together). Always:

- Per table, the routes it must hold are computed from a fresh read, then written with as few
  ARM writes as possible, as for NSGs: one route changing → one route PUT/DELETE (it touches
  nothing else in a table eastwest does not own); more → one route-table PUT carrying every
  route (the others byte for byte as read, tags as read) with ``If-Match`` on the etag read.
- Only routes named ``eastwest-<policy>-…`` are written or deleted; an unowned route on a
  destination eastwest needs fails the change (the plan reports it as a conflict first).
- A member subnet without a route table gets eastwest's (created, tagged, when the first route
  goes into it), associated by a subnet PUT that changes ``routeTable`` only, with ``If-Match``;
  when the last of its routes goes, eastwest's table is dissociated and deleted.
- Each write waits for its operation (the poller) before the next; 429/busy retries as for NSGs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, MutableMapping, Sequence
from functools import partial
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.errors import PermanentError
from orchestrator.state import Action, Change, NativeRef, NetworkRoute, Step
from orchestrator.state.routes import routes_digest
from providers.azure import translate as tr
from providers.azure import translate_routes as trr
from providers.azure.errors import is_not_found
from providers.azure.nsg_rules import known_prefixes
from providers.azure.writer import AzureWriter
from providers.base import ChangeResult

Payload = dict[str, Any]
_TABLE_READ_ONLY = frozenset({"provisioningState", "resourceGuid", "subnets", "routes"})


class RouteWriter(AzureWriter):
    def apply_routes(
        self, step: Step, changes: Sequence[Change], ids: MutableMapping[str, NativeRef]
    ) -> dict[str, ChangeResult]:
        by_table: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            if isinstance(change.resource, NetworkRoute):
                by_table[change.resource.table].append(change)
        out: dict[str, ChangeResult] = {}
        for table, found in sorted(by_table.items()):
            work = partial(self._table, table, found, step is Step.ADD_RULES, ids)
            result = self._guard(found[0].key, work)
            out.update({c.key: ChangeResult(c.key, result.ok, result.message) for c in found})
        return out

    # -- one table ----------------------------------------------------------------------------

    def _table(
        self, name: str, changes: list[Change], adding: bool, ids: Mapping[str, NativeRef]
    ) -> None:
        network = changes[0].resource.network  # type: ignore[union-attr]
        table = self._get_table(name)
        if table is None and not adding:
            return  # gone already: nothing of eastwest's is left in it
        if table is None:
            if not name.startswith(trr.route_prefix(self.policy)):
                raise PermanentError(f"route table {name} no longer exists; plan again")
            routes: dict[str, Payload] = {}
            for change in changes:
                self._edit_route(routes, change)
            # One write: the table is born with its routes, then given to its subnets.
            table = self._create_table(name, network, list(routes.values()))
            self._associate_table(table, network, ids)
            return
        if trr.decoy_table(table, self.policy, self.scope):
            raise PermanentError(
                f"route table {name} is named as eastwest's but lacks some of its marks; "
                "it is not eastwest's and was left alone"
            )
        owned = trr.is_owned_table(table, self.policy, self.scope)
        before = {str(r["name"]): r for r in tr.props(table).get("routes") or ()}
        after: dict[str, Payload] = {n: trr.writable_route(r) for n, r in before.items()}
        for change in changes:
            self._edit_route(after, change)
        if len(after) > trr.ROUTES_PER_TABLE:
            raise PermanentError(f"route table {name} would hold {len(after)} routes; Azure "
                                 f"allows {trr.ROUTES_PER_TABLE}")  # fmt: skip
        self._write_table(table, before, after)
        if owned and adding:
            self._associate_table(table, network, ids)
        elif owned and not any(trr.owned_destination(self.policy, r) for r in after.values()):
            self._retire(name)

    def _edit_route(self, routes: dict[str, Payload], change: Change) -> None:
        route = change.resource
        assert isinstance(route, NetworkRoute)
        name = trr.route_name(self.policy, route.destination)
        if change.action is Action.DELETE:
            routes.pop(name, None)
            return
        clash = [
            n
            for n, r in routes.items()
            if n != name
            and trr.owned_destination(self.policy, r) is None
            and tr.props(r).get("addressPrefix") == route.destination
        ]
        if clash:
            raise PermanentError(
                f"route {clash[0]} in route table {route.table} already routes "
                f"{route.destination} and is not eastwest's; eastwest leaves it alone"
            )
        properties = trr.route_properties(route.destination, route.target)
        routes[name] = {"name": name, "properties": properties}

    def _write_table(
        self, table: Payload, before: Mapping[str, Payload], after: Mapping[str, Payload]
    ) -> None:
        name = str(table["name"])
        puts = sorted(
            n for n, r in after.items()
            if n not in before or not trr.same_route(before[n], r["properties"])
        )  # fmt: skip
        deletes = sorted(set(before) - set(after))
        if len(puts) + len(deletes) == 0:
            return
        if len(puts) + len(deletes) == 1:
            if puts:
                body = after[puts[0]]
                self._retry(lambda: self.client.routes.begin_create_or_update(
                    self.rg, name, puts[0], body).result())  # fmt: skip
            else:
                self._delete_route(name, deletes[0])
            return
        kept = {k: v for k, v in tr.props(table).items() if k not in _TABLE_READ_ONLY}
        body = {
            "location": table["location"],
            "tags": tr.tags_of(table),
            "properties": {**kept, "routes": sorted(after.values(), key=lambda r: str(r["name"]))},
        }
        # If-Match: a hand-made change since our read fails the PUT instead of being overwritten.
        headers = {"If-Match": str(table["etag"])} if table.get("etag") else {}
        self._retry(lambda: self.client.route_tables.begin_create_or_update(
            self.rg, name, body, headers=headers).result())  # fmt: skip

    def _delete_route(self, table: str, route: str) -> None:
        try:
            self._retry(lambda: self.client.routes.begin_delete(self.rg, table, route).result())
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

    # -- eastwest's own tables -----------------------------------------------------------------

    def _create_table(self, name: str, network: str, routes: list[Payload]) -> Payload:
        body = {
            "location": self.scope.region,
            "tags": trr.owned_table_tags(self.policy, self.scope, name, network),
            "properties": {"disableBgpRoutePropagation": False, "routes": routes},
        }
        self._retry(lambda: self.client.route_tables.begin_create_or_update(
            self.rg, name, body).result())  # fmt: skip
        table = self._get_table(name)
        if table is None:
            raise PermanentError(f"route table {name} was created but cannot be read")
        return table

    def _associate_table(self, table: Payload, network: str, ids: Mapping[str, NativeRef]) -> None:
        """Give eastwest's table to the segment's subnets of the network that have none."""
        known = known_prefixes(ids)
        segment = trr.owned_table_segment(str(table["name"]), self.policy, network, known)
        if segment is None:
            raise PermanentError(
                f"route table {table['name']}: the prefixes of the segment it serves are not "
                "known in this run, so its subnets cannot be told; plan again"
            )
        vnet = self._retry(lambda: self.client.virtual_networks.get(self.rg, network)).as_dict()
        for subnet in trr.unserved_members(vnet, known[segment]):
            self._set_subnet_table(str(subnet["id"]), str(table["id"]), expected=None)

    def _retire(self, name: str) -> None:
        table = self._get_table(name)
        if table is None:
            return
        for subnet_id in trr.table_subnet_ids(table):
            self._set_subnet_table(subnet_id, None, expected=str(table["id"]))
        try:
            self._retry(lambda: self.client.route_tables.begin_delete(self.rg, name).result())
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

    def _set_subnet_table(
        self, subnet_id: str, table_id: str | None, *, expected: str | None
    ) -> None:
        """Read-modify-write of one subnet, changing only its route table, and only if it still
        has ``expected``."""
        vnet, name = tr.vnet_of_subnet_id(subnet_id), tr.name_of_id(subnet_id)
        subnet = self._retry(lambda: self.client.subnets.get(self.rg, vnet, name)).as_dict()
        if (trr.associated_table(subnet) or "").lower() != (expected or "").lower():
            return
        body = {k: v for k, v in subnet.items() if k in ("name", "id", "properties")}
        properties = {k: v for k, v in tr.props(subnet).items() if k != "provisioningState"}
        if table_id is None:
            properties.pop("routeTable", None)
        else:
            properties["routeTable"] = {"id": table_id}
        body["properties"] = properties
        headers = {"If-Match": str(subnet["etag"])} if subnet.get("etag") else {}
        self._retry(lambda: self.client.subnets.begin_create_or_update(
            self.rg, vnet, name, body, headers=headers).result())  # fmt: skip

    def _get_table(self, name: str) -> Payload | None:
        return self._get_or_none(lambda: self.client.route_tables.get(self.rg, name))

    # -- bookkeeping ----------------------------------------------------------------------------

    def record_routes(self, applied: Mapping[str, str]) -> None:
        """The digest of eastwest's routes in each table it wrote, as that table's tag (removed
        when none is left, so a table eastwest left carries nothing of it)."""
        empty = routes_digest(())
        for key, digest in sorted(applied.items()):
            head, _, name = key.rpartition("/rtb/")
            if head != str(self.scope) or not name:
                continue
            table = self._get_table(name)
            if table is None:
                continue
            tags = tr.tags_of(table)
            tag = trr.digest_tag(self.policy)
            if digest == empty:
                if tags.pop(tag, None) is None:
                    continue
            elif tags.get(tag) == digest:
                continue
            else:
                tags[tag] = digest
            self._retry(partial(self._tag_table, name, tags))

    def _tag_table(self, name: str, tags: dict[str, str]) -> None:
        self.client.route_tables.update_tags(self.rg, name, {"tags": tags})
