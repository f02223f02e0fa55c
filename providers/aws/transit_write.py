"""Writing AWS transit routing: one plan step's routing changes in one scope.

In: routing changes of one step (hub tables, associations, propagations, static routes, VPC
routes, appliance mode), the native ids known so far. Out: one ``ChangeResult`` per change.
Always: idempotent ("already exists" on create and "not found" on delete are success; a table
left by a crashed run is found by its key tag and adopted); a VPC route is claimed in its
table's route record before it is created and released after it is deleted; an association
is moved (disassociate, wait, associate) only from a table the plan showed; propagations are
waited for until enabled, so the step after (removing static routes: an inspected pair
turning direct) never leaves a pair without a route.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

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
from providers.aws import translate as tr
from providers.aws.errors import error_code, translate, where
from providers.aws.reader import owned_filters, pages
from providers.aws.route_records import encode_record, read_record, stale_keys
from providers.aws.routing import PAGE_ROUTE_TABLES, PAGE_TRANSIT
from providers.aws.transit_read import route_target
from providers.base import ChangeResult, Report
from providers.core.marks import Marks

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

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
_SETTLE_TIMEOUT = 300.0
_FILTER_VALUES = 200


class TransitWriter:
    def __init__(
        self,
        ec2: EC2Client,
        scope: Scope,
        policy: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ec2 = ec2
        self.scope = scope
        self.policy = policy
        self.sleep = sleep

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report,
    ) -> dict[str, ChangeResult]:
        """Changes are done in the order given (the planner's), VPC routes of one table
        together; results are reported as they are known."""
        results: dict[str, ChangeResult] = {}
        routes = [c for c in changes if isinstance(c.resource, NetworkRoute)]
        others = [c for c in changes if not isinstance(c.resource, NetworkRoute)]
        # The return path goes in before the routes that send traffic into it, and comes
        # out after them: VPC routes first when adding, last when removing.
        removing = step is Step.REMOVE_RULES
        if not removing:
            self._network_routes(routes, results, report)
        for change in others:
            results[change.key] = self._guard(change, ids)
            report(results[change.key])
        self._settle_propagations(others, ids, results)
        if removing:
            self._network_routes(routes, results, report)
        return results

    def _guard(self, change: Change, ids: MutableMapping[str, NativeRef]) -> ChangeResult:
        try:
            self._one(change, ids)
        except (ClientError, BotoCoreError) as exc:
            return ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
        except ProviderError as exc:
            return ChangeResult(change.key, False, str(exc))
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
        elif isinstance(res, ApplianceMode):
            self._appliance(change)
        else:
            raise PermanentError(f"{self.where(change.key)}: not a routing change")

    def _table_id(self, key: str, ids: Mapping[str, NativeRef]) -> str:
        if key.startswith("ref:"):
            return key.removeprefix("ref:")
        if key not in ids:
            raise PermanentError(
                f"{self.where(key)}: the hub table does not exist (its creation failed)"
            )
        return ids[key].id

    # -- hub tables -----------------------------------------------------------------------

    def _table(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if change.action is Action.DELETE and isinstance(before, HubTable):
            self._ignore(
                ("InvalidRouteTableID.NotFound",),
                self.ec2.delete_transit_gateway_route_table,
                TransitGatewayRouteTableId=ids[before.key].id,
            )
        elif change.action is Action.CREATE and isinstance(after, HubTable):
            ids[after.key] = NativeRef(self._adopt_table(after) or self._create_table(after))
        elif isinstance(after, HubTable):
            self.ec2.create_tags(
                Resources=[ids[after.key].id], Tags=[{"Key": "Name", "Value": after.name}]
            )

    def _adopt_table(self, table: HubTable) -> str | None:
        """A table of this key left by a crashed run is ours: no second one."""
        raw = pages(
            self.ec2.describe_transit_gateway_route_tables,
            "TransitGatewayRouteTables",
            Filters=owned_filters(self.policy),
            MaxResults=PAGE_TRANSIT,
        )
        for t in raw:
            live = t.get("State") not in ("deleting", "deleted")
            if live and Marks(self.policy, self.scope).owns(tr.tags_of(t), table.key):
                return str(t["TransitGatewayRouteTableId"])
        return None

    def _create_table(self, table: HubTable) -> str:
        tags = [*tr.ownership_tags(self.policy, table.key, table.segment)]
        tags.append({"Key": "Name", "Value": table.name})
        created = self.ec2.create_transit_gateway_route_table(
            TransitGatewayId=table.hub,
            TagSpecifications=[
                {
                    "ResourceType": "transit-gateway-route-table",
                    "Tags": [{"Key": t["Key"], "Value": t["Value"]} for t in tags],
                }
            ],
        )["TransitGatewayRouteTable"]
        table_id = str(created["TransitGatewayRouteTableId"])
        self._wait(
            lambda: (
                self.ec2.describe_transit_gateway_route_tables(
                    TransitGatewayRouteTableIds=[table_id]
                )["TransitGatewayRouteTables"][0].get("State")
                == "available"
            ),
            f"{table.key} to become available",
        )
        return table_id

    # -- associations ---------------------------------------------------------------------

    def _association(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if isinstance(before, HubAssociation):
            self._ignore(
                ("InvalidAssociation.NotFound", "InvalidRouteTableID.NotFound"),
                self.ec2.disassociate_transit_gateway_route_table,
                TransitGatewayRouteTableId=self._table_id(before.table, ids),
                TransitGatewayAttachmentId=before.attachment,
            )
            if isinstance(after, HubAssociation):
                self._wait(
                    lambda: self._associated_table(before.attachment) is None,
                    f"{before.attachment} to leave {before.table}",
                )
        if isinstance(after, HubAssociation):
            table_id = self._table_id(after.table, ids)
            try:
                self.ec2.associate_transit_gateway_route_table(
                    TransitGatewayRouteTableId=table_id,
                    TransitGatewayAttachmentId=after.attachment,
                )
            except ClientError as exc:
                if error_code(exc) != "Resource.AlreadyAssociated":
                    raise
                current = self._associated_table(after.attachment)
                if current != table_id:
                    raise PermanentError(
                        f"{self.where(after.key)}: {after.attachment} is now associated with "
                        f"{current}, which eastwest does not own; it was left there"
                    ) from exc

    def _associated_table(self, attachment: str) -> str | None:
        found = self.ec2.describe_transit_gateway_attachments(
            TransitGatewayAttachmentIds=[attachment]
        )["TransitGatewayAttachments"]
        assoc = found[0].get("Association") if found else None
        if not assoc or assoc.get("State") == "disassociated":
            return None
        return str(assoc.get("TransitGatewayRouteTableId"))

    # -- propagations ---------------------------------------------------------------------

    def _propagation(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        res = change.resource
        assert isinstance(res, HubPropagation)
        call: Callable[..., Any] = self.ec2.enable_transit_gateway_route_table_propagation
        benign: tuple[str, ...] = ("TransitGatewayRouteTablePropagation.Duplicate",)
        if change.action is Action.DELETE:
            call = self.ec2.disable_transit_gateway_route_table_propagation
            benign = (
                "TransitGatewayRouteTablePropagation.NotFound",
                "InvalidRouteTableID.NotFound",
            )
        self._ignore(
            benign,
            call,
            TransitGatewayRouteTableId=self._table_id(res.table, ids),
            TransitGatewayAttachmentId=res.attachment,
        )

    def _settle_propagations(
        self,
        changes: Sequence[Change],
        ids: Mapping[str, NativeRef],
        results: MutableMapping[str, ChangeResult],
    ) -> None:
        """Wait for new propagations to be enabled: their routes must exist before the
        static routes they replace are removed in the next step."""
        waiting: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            res = change.after
            if isinstance(res, HubPropagation) and results[change.key].ok:
                waiting[self._table_id(res.table, ids)].add(res.attachment)
        for table_id, attachments in sorted(waiting.items()):
            self._wait(
                lambda t=table_id, a=attachments: a <= self._enabled(t),  # type: ignore[misc]
                f"propagations into {table_id} to be enabled",
            )

    def _enabled(self, table_id: str) -> set[str]:
        return {
            p["TransitGatewayAttachmentId"]
            for p in pages(
                self.ec2.get_transit_gateway_route_table_propagations,
                "TransitGatewayRouteTablePropagations",
                TransitGatewayRouteTableId=table_id,
                MaxResults=PAGE_TRANSIT,
            )
            if p.get("State") == "enabled"
        }

    # -- static routes in hub tables -------------------------------------------------------

    def _hub_route(self, change: Change, ids: Mapping[str, NativeRef]) -> None:
        res = change.resource
        assert isinstance(res, HubRoute)
        table_id = self._table_id(res.table, ids)
        if change.action is Action.DELETE:
            self._ignore(
                ("InvalidRoute.NotFound", "InvalidRouteTableID.NotFound"),
                self.ec2.delete_transit_gateway_route,
                TransitGatewayRouteTableId=table_id,
                DestinationCidrBlock=res.destination,
            )
            return
        target: dict[str, Any] = (
            {"TransitGatewayAttachmentId": res.attachment}
            if res.attachment
            else {"Blackhole": True}
        )
        args: dict[str, Any] = {
            "TransitGatewayRouteTableId": table_id,
            "DestinationCidrBlock": res.destination,
        }
        if change.action is Action.UPDATE:
            self.ec2.replace_transit_gateway_route(**args, **target)
            return
        try:
            self.ec2.create_transit_gateway_route(**args, **target)
        except ClientError as exc:
            # The table is eastwest's, so a route already there (a crashed run) is too.
            if error_code(exc) not in ("RouteAlreadyExists", "InvalidRoute.Duplicate"):
                raise
            self.ec2.replace_transit_gateway_route(**args, **target)

    # -- appliance mode -------------------------------------------------------------------

    def _appliance(self, change: Change) -> None:
        res = change.after
        if not isinstance(res, ApplianceMode):
            return  # never turned off: the attachment is not eastwest's
        self.ec2.modify_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=res.attachment,
            Options={"ApplianceModeSupport": "enable" if res.enabled else "disable"},
        )

    # -- VPC routes -----------------------------------------------------------------------

    def _network_routes(
        self,
        changes: Sequence[Change],
        results: MutableMapping[str, ChangeResult],
        report: Report,
    ) -> None:
        by_table: dict[str, list[Change]] = defaultdict(list)
        for change in changes:
            res = change.resource
            assert isinstance(res, NetworkRoute)
            by_table[res.table].append(change)
        if not by_table:
            return
        try:
            tags = self._table_tags(sorted(by_table))
        except (ClientError, BotoCoreError) as exc:
            failed = str(translate(exc, self.where("route tables")))
            for change in changes:
                results[change.key] = ChangeResult(change.key, False, failed)
                report(results[change.key])
            return
        for table_id, table_changes in sorted(by_table.items()):
            for result in self._table_routes(table_id, tags.get(table_id, {}), table_changes):
                results[result.key] = result
                report(result)

    def _table_tags(self, table_ids: list[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(table_ids), _FILTER_VALUES):
            chunk = table_ids[start : start + _FILTER_VALUES]
            for t in pages(
                self.ec2.describe_route_tables,
                "RouteTables",
                Filters=[{"Name": "route-table-id", "Values": chunk}],
                MaxResults=PAGE_ROUTE_TABLES,
            ):
                found[t["RouteTableId"]] = tr.tags_of(t)
        return found

    def _table_routes(
        self, table_id: str, tags: Mapping[str, str], changes: list[Change]
    ) -> list[ChangeResult]:
        owned = read_record(tags, self.policy)
        claims = {
            c.after.destination: c.after.target
            for c in changes
            if isinstance(c.after, NetworkRoute)
        }
        try:
            if claims:
                self._write_record(table_id, tags, {**owned, **claims})
        except (ClientError, BotoCoreError) as exc:
            failed = str(translate(exc, self.where(f"route table {table_id}")))
            return [ChangeResult(c.key, False, failed) for c in changes]
        results = [self._route(table_id, c) for c in changes]
        kept = dict(owned) | claims
        for change, result in zip(changes, results, strict=True):
            res = change.resource
            assert isinstance(res, NetworkRoute)
            if change.action is Action.DELETE and result.ok:
                kept.pop(res.destination, None)
            elif change.action is Action.CREATE and not result.ok:
                kept.pop(res.destination, None)  # not ours after all: release the claim
        if kept != {**owned, **claims}:
            try:
                self._write_record(table_id, self._table_tags([table_id]).get(table_id, {}), kept)
            except (ClientError, BotoCoreError) as exc:
                failed = str(translate(exc, self.where(f"route table {table_id} record")))
                return [ChangeResult(r.key, False, failed) for r in results]
        return results

    def _write_record(self, table_id: str, tags: Mapping[str, str], owned: dict[str, str]) -> None:
        written = encode_record(self.policy, owned)
        if written:
            self.ec2.create_tags(
                Resources=[table_id], Tags=[{"Key": k, "Value": v} for k, v in written.items()]
            )
        stale = stale_keys(tags, self.policy, written)
        if stale:
            self.ec2.delete_tags(Resources=[table_id], Tags=[{"Key": k} for k in stale])

    def _route(self, table_id: str, change: Change) -> ChangeResult:
        res = change.resource
        assert isinstance(res, NetworkRoute)
        args: dict[str, Any] = {"RouteTableId": table_id, "DestinationCidrBlock": res.destination}
        try:
            if change.action is Action.DELETE:
                self._ignore(("InvalidRoute.NotFound",), self.ec2.delete_route, **args)
            elif change.action is Action.UPDATE:
                self.ec2.replace_route(**args, **_target(res.target))
            else:
                self._create_route(res, args)
        except (ClientError, BotoCoreError) as exc:
            return ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
        except ProviderError as exc:
            return ChangeResult(change.key, False, str(exc))
        return ChangeResult(change.key, True)

    def _create_route(self, res: NetworkRoute, args: dict[str, Any]) -> None:
        try:
            self.ec2.create_route(**args, **_target(res.target))
        except ClientError as exc:
            if error_code(exc) != "RouteAlreadyExists":
                raise
            # Ours from a crashed run when it goes where eastwest sends it; else someone
            # else's, added since the plan: left alone.
            current = self._current_target(res.table, res.destination)
            if current != res.target:
                raise PermanentError(
                    f"{self.where(res.key)}: a route to {res.destination} → {current} "
                    f"already exists in {res.table} and is not eastwest's; it was left alone"
                ) from exc

    def _current_target(self, table_id: str, destination: str) -> str:
        table = self.ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
        route = next(
            (r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == destination),
            None,
        )
        return route_target(route) if route is not None else ""

    # -- helpers --------------------------------------------------------------------------

    def _ignore(self, codes: tuple[str, ...], call: Callable[..., Any], **kwargs: Any) -> None:
        try:
            call(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in codes:
                raise

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline, delay = time.monotonic() + _SETTLE_TIMEOUT, 0.2
        while not done():
            if time.monotonic() > deadline:
                raise PermanentError(
                    f"aws {self.scope}: gave up waiting for {what} after {_SETTLE_TIMEOUT:.0f}s"
                )
            self.sleep(delay)
            delay = min(delay * 2, 5.0)


def _target(target: str) -> dict[str, Any]:
    if target.startswith("tgw-"):
        return {"TransitGatewayId": target}
    if target.startswith("vpce-"):
        return {"VpcEndpointId": target}
    if target.startswith("eni-"):
        return {"NetworkInterfaceId": target}
    raise PermanentError(f"{target!r} is not a next hop eastwest routes to")
