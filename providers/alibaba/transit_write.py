"""Writing Alibaba transit routing: one plan step's routing changes in one scope.

In: routing changes of one step (transit router route tables, associations, propagations, TR
route entries, VPC route entries, appliance mode), the native ids known so far. Out: one
``ChangeResult`` per change. Always: every CBN operation is waited for (bounded, polling with
backoff) until it has ended before the next one starts, so eastwest's own writes on one transit
router never overlap (the router answers ``OperationConflict`` to a write while another is
under way; a conflict with someone else's operation is retried by the session); idempotent: an
object already in the wanted state is left as it is, one already gone counts as deleted, a
table left by a crashed run is found by its key tag and adopted; a VPC route entry is only
changed or deleted when it carries eastwest's name; VPC routes go in first when adding and come
out last when removing (the return path before what sends traffic into it).

Alibaba has no in-place change of a TR route entry: a changed next hop is a delete, waited
for, then a create. A VPC route entry's next hop changes in place (``ModifyRouteEntry``), so a
firewall failover never leaves the zone without a route.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from orchestrator.errors import PermanentError, ProviderError
from orchestrator.state import (
    Action,
    ApplianceMode,
    Change,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NativeRef,
    NetworkRoute,
    Scope,
    Step,
)
from providers.alibaba import translate as tr
from providers.alibaba import translate_routing as trr
from providers.alibaba.errors import ApiError, translate
from providers.alibaba.reader import Api
from providers.alibaba.transit_read import cbn_list, route_entries
from providers.base import ChangeResult, Report
from providers.core.marks import Marks

ROUTE_KINDS = frozenset(
    {
        "hub_table",
        "hub_association",
        "hub_propagation",
        "hub_route",
        "network_route",
        "appliance_mode",
    }
)
SETTLE_TIMEOUT = 120.0
_TABLE_GONE = ("InvalidTransitRouterRouteTableId.NotFound", "InvalidRouteTableId.NotFound")
_ENTRY_GONE = ("InvalidDestinationCidrBlock.NotFound", *_TABLE_GONE)
_VPC_ENTRY_GONE = (
    "InvalidRouteEntry.NotFound",
    "InvalidRouteEntryId.NotFound",
    "InvalidRouteTableId.NotFound",
)


class TransitWriter:
    def __init__(
        self,
        api: Api,
        scope: Scope,
        policy: str,
        run_id: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api, self.scope, self.policy, self.run_id = api, scope, policy, run_id
        self.sleep = sleep

    def where(self, key: str) -> str:
        rel = key.removeprefix(f"{self.scope}/")
        return f"alibaba {self.scope.account} {self.scope.region} {rel}"

    def _call(self, product: str, action: str, params: Mapping[str, str]) -> Any:
        return self.api.call(self.scope.region, product, action, params)

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report,
    ) -> dict[str, ChangeResult]:
        results: dict[str, ChangeResult] = {}
        routes = [c for c in changes if isinstance(c.resource, NetworkRoute)]
        others = [c for c in changes if not isinstance(c.resource, NetworkRoute)]
        removing = step is Step.REMOVE_RULES
        ordered = [*others, *routes] if removing else [*routes, *others]
        for change in ordered:
            results[change.key] = self._guard(change, ids)
            report(results[change.key])
        return results

    def _guard(self, change: Change, ids: MutableMapping[str, NativeRef]) -> ChangeResult:
        try:
            self._one(change, ids)
        except ApiError as exc:
            return ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
        except ProviderError as exc:
            return ChangeResult(change.key, False, f"{self.where(change.key)}: {exc}")
        except ValueError as exc:
            return ChangeResult(change.key, False, f"{self.where(change.key)}: {exc}")
        return ChangeResult(change.key, True)

    def _one(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        res = change.resource
        if isinstance(res, HubTable):
            self._table(change, ids)
        elif isinstance(res, HubAssociation):
            self._association(change, ids)
        elif isinstance(res, HubPropagation):
            self._propagation(change, ids)
        elif isinstance(res, HubRoute):
            self._hub_route(change, ids)
        elif isinstance(res, NetworkRoute):
            self._network_route(change, ids)
        elif isinstance(res, ApplianceMode):
            return  # nothing to set on Alibaba (see transit_read)
        else:
            raise PermanentError("not a routing change")

    def _table_id(self, key: str, ids: Mapping[str, NativeRef]) -> str:
        if key.startswith("ref:"):
            return key.removeprefix("ref:")
        if key not in ids:
            raise PermanentError(
                "the transit router route table does not exist (its creation failed)"
            )
        return ids[key].id

    def _token(self, key: str, extra: str = "") -> str:
        seed = f"{self.policy}|{key}|{extra}|{self.run_id}"
        return hashlib.sha256(seed.encode()).hexdigest()[:64]

    # -- transit router route tables -------------------------------------------------------

    def _table(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if change.action is Action.DELETE and isinstance(before, HubTable):
            table_id = ids[before.key].id
            self._ignore(
                _TABLE_GONE,
                "DeleteTransitRouterRouteTable",
                {"TransitRouterRouteTableId": table_id},
            )
            self._wait(
                lambda: self._table_status(before.hub, table_id) is None, f"{table_id} to go"
            )
        elif change.action is Action.CREATE and isinstance(after, HubTable):
            ids[after.key] = NativeRef(self._adopt(after) or self._create_table(after))
        else:
            raise PermanentError(
                "a transit router route table cannot be renamed through the API eastwest "
                "uses; delete it by hand and plan again"
            )

    def _table_status(self, router: str, table_id: str) -> str | None:
        for t in cbn_list(
            self.api,
            self.scope.region,
            "ListTransitRouterRouteTables",
            "TransitRouterRouteTables",
            TransitRouterId=router,
            **tr.repeat("TransitRouterRouteTableIds", [table_id]),
        ):
            return str(t.get("TransitRouterRouteTableStatus", ""))
        return None

    def _adopt(self, table: HubTable) -> str | None:
        """A table of this key left by a crashed run is eastwest's: no second one."""
        for t in cbn_list(
            self.api,
            self.scope.region,
            "ListTransitRouterRouteTables",
            "TransitRouterRouteTables",
            TransitRouterId=table.hub,
            **tr.tag_params({tr.TAG_KEY: table.key, tr.TAG_POLICY: self.policy}),
        ):
            live = t.get("TransitRouterRouteTableStatus") not in ("Deleting", "Deleted")
            # The tag filter narrows; ownership is still proven by all of the marks.
            if live and Marks(self.policy, self.scope).owns(tr.tags_of(t), table.key):
                table_id = str(t["TransitRouterRouteTableId"])
                self._wait_table_active(table.hub, table_id)
                return table_id
        return None

    def _create_table(self, table: HubTable) -> str:
        params = {
            "TransitRouterId": table.hub,
            "TransitRouterRouteTableName": table.name,
            "TransitRouterRouteTableDescription": f"eastwest {self.policy}: {table.role} "
            f"{table.segment or 'inspection'}",
            "ClientToken": self._token(table.key),
            **tr.tag_params(tr.ownership_tags(self.policy, table.key, table.segment)),
        }
        table_id = str(
            self._call("cbn", "CreateTransitRouterRouteTable", params)["TransitRouterRouteTableId"]
        )
        self._wait_table_active(table.hub, table_id)
        return table_id

    def _wait_table_active(self, router: str, table_id: str) -> None:
        self._wait(
            lambda: self._table_status(router, table_id) == "Active", f"{table_id} to be Active"
        )

    # -- associations ---------------------------------------------------------------------

    def _association(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if isinstance(before, HubAssociation):
            table_id = self._table_id(before.table, ids)
            if self._link_status("association", before.attachment, table_id) is not None:
                self._unless_done(
                    lambda: self._call(
                        "cbn",
                        "DissociateTransitRouterAttachmentFromRouteTable",
                        {
                            "TransitRouterAttachmentId": before.attachment,
                            "TransitRouterRouteTableId": table_id,
                        },
                    ),
                    lambda: (
                        self._link_status("association", before.attachment, table_id)
                        in (None, "Dissociating")
                    ),
                )
                self._wait(
                    lambda: self._link_status("association", before.attachment, table_id) is None,
                    f"{before.attachment} to leave {table_id}",
                )
        if isinstance(after, HubAssociation):
            table_id = self._table_id(after.table, ids)
            current = self._associated(after.attachment)
            if current not in (None, table_id):
                raise PermanentError(
                    f"{after.attachment} is now associated with {current}, which eastwest "
                    "does not own; it was left there"
                )
            if current is None:
                self._unless_done(
                    lambda: self._call(
                        "cbn",
                        "AssociateTransitRouterAttachmentWithRouteTable",
                        {
                            "TransitRouterAttachmentId": after.attachment,
                            "TransitRouterRouteTableId": table_id,
                            "ClientToken": self._token(after.key, table_id),
                        },
                    ),
                    lambda: self._associated(after.attachment) == table_id,
                )
            self._wait(
                lambda: self._link_status("association", after.attachment, table_id) == "Active",
                f"{after.attachment} to join {table_id}",
            )

    def _associated(self, attachment: str) -> str | None:
        for a in cbn_list(
            self.api,
            self.scope.region,
            "ListTransitRouterRouteTableAssociations",
            "TransitRouterAssociations",
            TransitRouterAttachmentId=attachment,
        ):
            return str(a["TransitRouterRouteTableId"])
        return None

    def _link_status(self, kind: str, attachment: str, table_id: str) -> str | None:
        action, key = (
            ("ListTransitRouterRouteTableAssociations", "TransitRouterAssociations")
            if kind == "association"
            else ("ListTransitRouterRouteTablePropagations", "TransitRouterPropagations")
        )
        for link in cbn_list(
            self.api,
            self.scope.region,
            action,
            key,
            TransitRouterRouteTableId=table_id,
            TransitRouterAttachmentId=attachment,
        ):
            return str(link.get("Status", ""))
        return None

    # -- propagations ---------------------------------------------------------------------

    def _propagation(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        res = change.resource
        assert isinstance(res, HubPropagation)
        table_id = self._table_id(res.table, ids)
        args = {"TransitRouterAttachmentId": res.attachment, "TransitRouterRouteTableId": table_id}
        status = self._link_status("propagation", res.attachment, table_id)
        if change.action is Action.DELETE:
            if status is not None and status != "Disabling":
                self._call("cbn", "DisableTransitRouterRouteTablePropagation", args)
            self._wait(
                lambda: self._link_status("propagation", res.attachment, table_id) is None,
                f"the propagation of {res.attachment} into {table_id} to end",
            )
            return
        if status is None:
            token = {"ClientToken": self._token(res.key)}
            self._unless_done(
                lambda: self._call(
                    "cbn", "EnableTransitRouterRouteTablePropagation", {**args, **token}
                ),
                lambda: self._link_status("propagation", res.attachment, table_id) is not None,
            )
        # Its routes must exist before the static routes it replaces are removed next step.
        self._wait(
            lambda: self._link_status("propagation", res.attachment, table_id) == "Active",
            f"the propagation of {res.attachment} into {table_id} to be Active",
        )

    # -- static entries in transit router route tables ---------------------------------------

    def _hub_route(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        res = change.resource
        assert isinstance(res, HubRoute)
        table_id = self._table_id(res.table, ids)
        current = self._tr_entry(table_id, res.destination)
        after = change.after if isinstance(change.after, HubRoute) else None
        if current is not None and (after is None or _tr_hop(current) != after.attachment):
            self._ignore(
                _ENTRY_GONE,
                "DeleteTransitRouterRouteEntry",
                {
                    "TransitRouterRouteTableId": table_id,
                    "TransitRouterRouteEntryDestinationCidrBlock": res.destination,
                },
            )
            self._wait(
                lambda: self._tr_entry(table_id, res.destination) is None,
                f"the route {res.destination} in {table_id} to go",
            )
            current = None
        if after is None:
            return
        if current is None:
            hop: dict[str, str] = (
                {
                    "TransitRouterRouteEntryNextHopType": "Attachment",
                    "TransitRouterRouteEntryNextHopId": after.attachment,
                }
                if after.attachment
                else {"TransitRouterRouteEntryNextHopType": "BlackHole"}
            )
            name = f"eastwest-{self.policy}"
            params = {
                "TransitRouterRouteTableId": table_id,
                "TransitRouterRouteEntryDestinationCidrBlock": after.destination,
                "TransitRouterRouteEntryName": name,
                "ClientToken": self._token(after.key, after.attachment or "blackhole"),
                **hop,
            }
            self._unless_done(
                lambda: self._call("cbn", "CreateTransitRouterRouteEntry", params),
                lambda: _made_by(self._tr_entry(table_id, after.destination), name, after),
            )
        self._wait(
            lambda: (
                (self._tr_entry(table_id, res.destination) or {}).get(
                    "TransitRouterRouteEntryStatus"
                )
                == "Active"
            ),
            f"the route {res.destination} in {table_id} to be Active",
        )

    def _tr_entry(self, table_id: str, destination: str) -> Mapping[str, Any] | None:
        for e in cbn_list(
            self.api,
            self.scope.region,
            "ListTransitRouterRouteEntries",
            "TransitRouterRouteEntries",
            TransitRouterRouteTableId=table_id,
            TransitRouterRouteEntryDestinationCidrBlock=destination,
            TransitRouterRouteEntryType="Static",
        ):
            return e  # type: ignore[no-any-return]
        return None

    # -- VPC route entries ----------------------------------------------------------------

    def _network_route(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        res = change.resource
        assert isinstance(res, NetworkRoute)
        entry = self._vpc_entry(res.table, res.destination)
        name = trr.entry_name(self.policy)
        if entry is not None and entry.get("RouteEntryName") != name:
            _, hop = trr.next_hop(entry)
            raise PermanentError(
                f"a route to {res.destination} → {hop} in {res.table} is not eastwest's; "
                "it was left alone"
            )
        after = change.after if isinstance(change.after, NetworkRoute) else None
        if after is None:
            if entry is not None:
                self._ignore_vpc(
                    _VPC_ENTRY_GONE, "DeleteRouteEntry", {"RouteEntryId": entry["RouteEntryId"]}
                )
            return
        kind = trr.hop_type(after.target)
        if entry is None:
            params = {
                "RouteTableId": after.table,
                "DestinationCidrBlock": after.destination,
                "NextHopType": kind,
                "NextHopId": after.target,
                "RouteEntryName": name,
                "Description": f"eastwest {self.policy}: do not edit",
                "ClientToken": self._token(after.key, after.target),
            }
            created = self._unless_done(
                lambda: self._call("vpc", "CreateRouteEntry", params),
                lambda: self._vpc_entry(after.table, after.destination),
            )
            # A create's own answer has no next hop; one read back must be ours, as wanted.
            wanted = ((kind, after.target), ("", ""))
            if created.get("RouteEntryName", name) != name or trr.next_hop(created) not in wanted:
                self._network_route(change, ids)  # read back: not eastwest's, or another hop
                return
            ids[after.key] = NativeRef(str(created["RouteEntryId"]))
        elif trr.next_hop(entry) != (kind, after.target):
            self._call(
                "vpc",
                "ModifyRouteEntry",
                {
                    "RouteEntryId": entry["RouteEntryId"],
                    "NewNextHopType": kind,
                    "NewNextHopId": after.target,
                },
            )

    def _vpc_entry(self, table_id: str, destination: str) -> Mapping[str, Any] | None:
        for e in route_entries(
            self.api, self.scope.region, table_id, DestinationCidrBlock=destination
        ):
            if e.get("Type") != "System":
                return e
        return None

    # -- helpers --------------------------------------------------------------------------

    def _unless_done(self, call: Callable[[], Any], done: Callable[[], Any]) -> Any:
        """``call``'s answer; when it fails, what ``done`` reads back if that is true: a write
        whose answer was lost and whose retry is refused as already made (or in progress)."""
        try:
            return call()
        except ApiError:
            found = done()
            if not found:
                raise
            return found

    def _ignore(self, codes: tuple[str, ...], action: str, params: Mapping[str, str]) -> None:
        try:
            self._call("cbn", action, params)
        except ApiError as exc:
            if exc.code not in codes:
                raise

    def _ignore_vpc(self, codes: tuple[str, ...], action: str, params: Mapping[str, str]) -> None:
        try:
            self._call("vpc", action, params)
        except ApiError as exc:
            if exc.code not in codes:
                raise

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline, delay = time.monotonic() + SETTLE_TIMEOUT, 0.1
        while not done():
            if time.monotonic() > deadline:
                raise PermanentError(f"gave up waiting for {what} after {SETTLE_TIMEOUT:.0f}s")
            self.sleep(delay)
            delay = min(delay * 2, 5.0)


def _tr_hop(entry: Mapping[str, Any]) -> str | None:
    if entry.get("TransitRouterRouteEntryNextHopType") == "BlackHole":
        return None
    return str(entry.get("TransitRouterRouteEntryNextHopId") or "") or None


def _made_by(entry: Mapping[str, Any] | None, name: str, route: HubRoute) -> bool:
    """The static entry read back is the one a lost create of ``route`` made."""
    return (
        entry is not None
        and entry.get("TransitRouterRouteEntryName") == name
        and _tr_hop(entry) == (route.attachment or None)
    )
