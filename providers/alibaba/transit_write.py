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

import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from functools import partial
from typing import Any

from orchestrator.errors import PermanentError
from orchestrator.state import (
    Action,
    Change,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NativeRef,
    Scope,
    Step,
)
from providers.alibaba import translate as tr
from providers.alibaba.errors import AlibabaCloud, ApiError, is_lost, unless_done
from providers.alibaba.reader import Api
from providers.alibaba.route_entries import RouteEntryWriter
from providers.alibaba.transit_read import cbn_list
from providers.base import ChangeResult, Report
from providers.core import transit
from providers.core.engine import client_token, guard, ignoring
from providers.core.marks import Marks
from providers.core.settle import wait_until
from providers.core.transit import Ids

SETTLE_TIMEOUT = 120.0
_CREATE_TRIES = 8  # a create whose answers are lost, each followed by a read-back
_TABLE_GONE = ("InvalidTransitRouterRouteTableId.NotFound", "InvalidRouteTableId.NotFound")
_ENTRY_GONE = ("InvalidDestinationCidrBlock.NotFound", *_TABLE_GONE)


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
        self.cloud = AlibabaCloud(scope)
        self._entries = RouteEntryWriter(api, scope, policy, run_id)

    def where(self, key: str) -> str:
        return self.cloud.where(key)

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
        routes, others = transit.split_routes(changes)
        for change in [*routes, *others] if transit.routes_first(step) else [*others, *routes]:
            results[change.key] = guard(self.cloud, change.key, partial(self._one, change, ids))
            report(results[change.key])
        return results

    def _one(self, change: Change, ids: Ids) -> None:
        transit.dispatch(change, self, ids)

    def _table_id(self, key: str, ids: Mapping[str, NativeRef]) -> str:
        why = "the transit router route table does not exist (its creation failed)"
        return transit.table_id(key, ids, why)

    def _token(self, key: str, extra: str = "") -> str:
        return client_token(self.policy, key, extra, self.run_id)

    # -- transit router route tables -------------------------------------------------------

    def table(self, change: Change, ids: Ids) -> None:
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

    def _table_params(self, table: HubTable) -> dict[str, str]:
        return {
            "TransitRouterId": table.hub,
            "TransitRouterRouteTableName": table.name,
            "TransitRouterRouteTableDescription": f"eastwest {self.policy}: {table.role} "
            f"{table.segment or 'inspection'}",
            "ClientToken": self._token(table.key),
            **tr.tag_params(tr.ownership_tags(self.policy, table.key, table.segment)),
        }

    def _create_table(self, table: HubTable) -> str:
        params, tries = self._table_params(table), 0
        while True:
            tries += 1
            try:
                answer = self.api.call(
                    self.scope.region, "cbn", "CreateTransitRouterRouteTable", params,
                    retry_lost=False,
                )  # fmt: skip
            except ApiError as exc:
                # The answer was lost and the table may exist (it is tagged in the create):
                # find it by its marks before sending again, as the ClientToken is honoured
                # only for a while (CBN states no window) and a second table blocks the scope.
                found = self._adopt(table) if is_lost(exc) else None
                if found is not None:
                    return found
                if not is_lost(exc) or tries >= _CREATE_TRIES:
                    raise
                continue
            table_id = str(answer["TransitRouterRouteTableId"])
            self._wait_table_active(table.hub, table_id)
            return table_id

    def _wait_table_active(self, router: str, table_id: str) -> None:
        self._wait(
            lambda: self._table_status(router, table_id) == "Active", f"{table_id} to be Active"
        )

    # -- associations ---------------------------------------------------------------------

    def association(self, change: Change, ids: Ids) -> None:
        before, after = change.before, change.after
        if isinstance(before, HubAssociation):
            table_id = self._table_id(before.table, ids)
            if self._link_status("association", before.attachment, table_id) is not None:
                unless_done(
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
                unless_done(
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

    def propagation(self, change: Change, ids: Ids) -> None:
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
            unless_done(
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

    def hub_route(self, change: Change, ids: Ids) -> None:
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
            unless_done(
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

    def appliance(self, change: Change, ids: Ids) -> None:
        """Nothing to set on Alibaba (see transit_read)."""

    def network_route(self, change: Change, ids: Ids) -> None:
        self._entries.write(change, ids)

    # -- helpers --------------------------------------------------------------------------

    def _ignore(self, codes: tuple[str, ...], action: str, params: Mapping[str, str]) -> None:
        ignoring(self.cloud, codes, partial(self._call, "cbn", action, params))

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        wait_until(done, what, timeout=SETTLE_TIMEOUT, sleep=self.sleep, first=0.1)


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
