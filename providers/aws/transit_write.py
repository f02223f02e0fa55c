"""Writing AWS transit routing: one plan step's routing changes in one scope.

In: routing changes of one step (hub tables, associations, propagations, static routes, VPC
routes, appliance mode), the native ids known so far. Out: one ``ChangeResult`` per change.
Always: idempotent ("already exists" on create and "not found" on delete are success; a table
left by a crashed run, or made twice by a create sent again after its answer was lost, is found
by all of its marks: one is kept, the others deleted); VPC routes are written by
``network_routes.py`` (claimed before created, released only when proven absent); an association
is moved (disassociate, wait, associate) only from a table the plan showed; propagations are
waited for until enabled, so the step after (removing static routes: an inspected pair
turning direct) never leaves a pair without a route.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.errors import PermanentError
from orchestrator.state import (
    Action,
    ApplianceMode,
    Change,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NativeRef,
    Scope,
    Step,
)
from providers.aws import translate as tr
from providers.aws.errors import AwsCloud, error_code, ignoring, translate, where
from providers.aws.network_routes import NetworkRouteWriter
from providers.aws.reader import owned_filters, pages
from providers.aws.routing import PAGE_TRANSIT
from providers.base import ChangeResult, Report
from providers.core import transit
from providers.core.engine import guard
from providers.core.marks import Marks
from providers.core.settle import wait_until
from providers.core.transit import Ids

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

_SETTLE_TIMEOUT = 300.0


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
        self._network_routes = NetworkRouteWriter(ec2, scope, policy)
        self.cloud = AwsCloud(scope)

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
        routes, others = transit.split_routes(changes)
        if transit.routes_first(step):
            self._network_routes.apply(routes, results, report)
        for change in others:
            results[change.key] = guard(self.cloud, change.key, partial(self._one, change, ids))
            report(results[change.key])
        self._settle_propagations(others, ids, results)
        if not transit.routes_first(step):
            self._network_routes.apply(routes, results, report)
        return results

    def _one(self, change: Change, ids: Ids) -> None:
        transit.dispatch(change, self, ids)

    def _table_id(self, key: str, ids: Mapping[str, NativeRef]) -> str:
        why = f"{self.where(key)}: the hub table does not exist (its creation failed)"
        return transit.table_id(key, ids, why)

    # -- hub tables -----------------------------------------------------------------------

    def table(self, change: Change, ids: Ids) -> None:
        before, after = change.before, change.after
        if change.action is Action.DELETE and isinstance(before, HubTable):
            ignoring(
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
        """Tables of this key, all of whose marks are eastwest's: left by a crashed run, or made
        twice when a create's answer was lost and it was sent again (the API takes no client
        token). The first made is kept; the others, new and empty, are deleted."""
        marks = Marks(self.policy, self.scope)
        raw = pages(
            self.ec2.describe_transit_gateway_route_tables,
            "TransitGatewayRouteTables",
            Filters=owned_filters(self.policy),
            MaxResults=PAGE_TRANSIT,
        )
        mine = sorted(
            (str(t.get("CreationTime", "")), str(t["TransitGatewayRouteTableId"]))
            for t in raw
            if t.get("State") not in ("deleting", "deleted")
            and marks.owns(tr.tags_of(t), table.key)
        )
        for _, extra in mine[1:]:
            ignoring(
                ("InvalidRouteTableID.NotFound",),
                self.ec2.delete_transit_gateway_route_table,
                TransitGatewayRouteTableId=extra,
            )
        return mine[0][1] if mine else None

    def _create_table(self, table: HubTable) -> str:
        tags = [*tr.ownership_tags(self.policy, table.key, table.segment)]
        tags.append({"Key": "Name", "Value": table.name})
        spec: Any = [{"ResourceType": "transit-gateway-route-table", "Tags": tags}]
        try:
            created = self.ec2.create_transit_gateway_route_table(
                TransitGatewayId=table.hub, TagSpecifications=spec
            )["TransitGatewayRouteTable"]
        except (ClientError, BotoCoreError):
            # The table is born with its marks, so a create whose answer was lost is found.
            adopted = self._adopt_table(table)
            if adopted is None:
                raise
            return adopted
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
        # Sent again by botocore after a lost answer, the create made a second table.
        return self._adopt_table(table) or table_id

    # -- associations ---------------------------------------------------------------------

    def association(self, change: Change, ids: Ids) -> None:
        before, after = change.before, change.after
        if isinstance(before, HubAssociation):
            ignoring(
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

    def propagation(self, change: Change, ids: Ids) -> None:
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
        ignoring(
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

    def hub_route(self, change: Change, ids: Ids) -> None:
        res = change.resource
        assert isinstance(res, HubRoute)
        table_id = self._table_id(res.table, ids)
        if change.action is Action.DELETE:
            ignoring(
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

    def network_route(self, change: Change, _: Ids) -> None:
        raise PermanentError(f"{self.where(change.key)}: VPC routes go by table, not one by one")

    def appliance(self, change: Change, _: Ids) -> None:
        res = change.after
        if not isinstance(res, ApplianceMode):
            return  # never turned off: the attachment is not eastwest's
        self.ec2.modify_transit_gateway_vpc_attachment(
            TransitGatewayAttachmentId=res.attachment,
            Options={"ApplianceModeSupport": "enable" if res.enabled else "disable"},
        )

    def _read(self, done: Callable[[], bool], what: str) -> bool:
        """A read failing while waiting (its answer lost on every retry) fails the step, as
        a failed write does, instead of escaping the adapter untranslated."""
        try:
            return done()
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"aws {self.scope}: waiting for {what}") from exc

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        where = f"aws {self.scope}: "
        wait_until(
            lambda: self._read(done, what),
            what,
            timeout=_SETTLE_TIMEOUT,
            sleep=self.sleep,
            where=where,
        )
