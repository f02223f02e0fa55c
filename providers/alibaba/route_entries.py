"""Writing Alibaba VPC route entries: eastwest's routes in route tables it does not own.

In: one ``NetworkRoute`` change, the native ids known so far. Out: the entry created, moved to
its new next hop (``ModifyRouteEntry``, in place, so a firewall failover never leaves the zone
without a route) or deleted. Always: an entry is only changed or deleted when it carries
eastwest's name (``eastwest:<policy>``); anything else on the destination is refused and left
alone; before eastwest's first entry in a table the table is tagged with the policy's claim, so
the reader, which reads only the tables it governs, still finds an entry whose digest was never
recorded (a crash or a failed apply) once the policy no longer routes there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from orchestrator.errors import PermanentError
from orchestrator.state import Change, NativeRef, NetworkRoute, Scope
from providers.alibaba import translate as tr
from providers.alibaba import translate_routing as trr
from providers.alibaba.errors import AlibabaCloud, unless_done
from providers.alibaba.reader import Api
from providers.alibaba.transit_read import route_entries
from providers.core.engine import client_token, ignoring
from providers.core.transit import Ids

_VPC_ENTRY_GONE = (
    "InvalidRouteEntry.NotFound",
    "InvalidRouteEntryId.NotFound",
    "InvalidRouteTableId.NotFound",
)


class RouteEntryWriter:
    def __init__(self, api: Api, scope: Scope, policy: str, run_id: str = "") -> None:
        self.api, self.scope, self.policy, self.run_id = api, scope, policy, run_id
        self.cloud = AlibabaCloud(scope)
        self._claimed: set[str] = set()

    def _call(self, action: str, params: Mapping[str, str]) -> Any:
        return self.api.call(self.scope.region, "vpc", action, params)

    def write(self, change: Change, ids: Ids) -> None:
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
                ignoring(
                    self.cloud,
                    _VPC_ENTRY_GONE,
                    partial(
                        self._call, "DeleteRouteEntry", {"RouteEntryId": entry["RouteEntryId"]}
                    ),
                )
            return
        kind = trr.hop_type(after.target)
        if entry is None:
            self._claim(after.table)
            params = {
                "RouteTableId": after.table,
                "DestinationCidrBlock": after.destination,
                "NextHopType": kind,
                "NextHopId": after.target,
                "RouteEntryName": name,
                "Description": f"eastwest {self.policy}: do not edit",
                "ClientToken": client_token(self.policy, after.key, after.target, self.run_id),
            }
            created = unless_done(
                partial(self._call, "CreateRouteEntry", params),
                partial(self._vpc_entry, after.table, after.destination),
            )
            # A create's own answer has no next hop; one read back must be ours, as wanted.
            wanted = ((kind, after.target), ("", ""))
            if created.get("RouteEntryName", name) != name or trr.next_hop(created) not in wanted:
                self.write(change, ids)  # read back: not eastwest's, or another hop
                return
            ids[after.key] = NativeRef(str(created["RouteEntryId"]))
        elif trr.next_hop(entry) != (kind, after.target):
            self._call(
                "ModifyRouteEntry",
                {
                    "RouteEntryId": entry["RouteEntryId"],
                    "NewNextHopType": kind,
                    "NewNextHopId": after.target,
                },
            )

    def _claim(self, table_id: str) -> None:
        """Tag the table before eastwest's first entry there: the reader reads only the tables
        it governs, and an entry whose digest was never recorded must still be found."""
        if table_id in self._claimed:
            return
        params = {
            "ResourceType": "ROUTETABLE",
            "ResourceId.1": table_id,
            **tr.tag_params({trr.claim_tag(self.policy): "true"}),
        }
        self._call("TagResources", params)
        self._claimed.add(table_id)

    def _vpc_entry(self, table_id: str, destination: str) -> Mapping[str, Any] | None:
        for e in route_entries(
            self.api, self.scope.region, table_id, DestinationCidrBlock=destination
        ):
            if e.get("Type") != "System":
                return e
        return None
