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
from providers.aws.network_routes import NetworkRouteWriter
from providers.aws.reader import owned_filters, pages
from providers.aws.routing import PAGE_TRANSIT
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
            self._network_routes.apply(routes, results, report)
        for change in others:
            results[change.key] = self._guard(change, ids)
            report(results[change.key])
        self._settle_propagations(others, ids, results)
        if removing:
            self._network_routes.apply(routes, results, report)
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
            self._ignore(
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

    # -- helpers --------------------------------------------------------------------------

    def _read(self, done: Callable[[], bool], what: str) -> bool:
        """A read failing while waiting (its answer lost on every retry) fails the step, as
        a failed write does, instead of escaping the adapter untranslated."""
        try:
            return done()
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"aws {self.scope}: waiting for {what}") from exc

    def _ignore(self, codes: tuple[str, ...], call: Callable[..., Any], **kwargs: Any) -> None:
        try:
            call(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in codes:
                raise

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline, delay = time.monotonic() + _SETTLE_TIMEOUT, 0.2
        while not self._read(done, what):
            if time.monotonic() > deadline:
                raise PermanentError(
                    f"aws {self.scope}: gave up waiting for {what} after {_SETTLE_TIMEOUT:.0f}s"
                )
            self.sleep(delay)
            delay = min(delay * 2, 5.0)
