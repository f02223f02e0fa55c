"""Writing AWS VPC routes: eastwest's routes in route tables it does not own.

In: one step's VPC-route changes in one scope. Out: one ``ChangeResult`` per change, reported as
known. Always: a route is claimed in its table's record (``route_records.py``) before it is
created, and its claim is released only when the route is proven absent (``core/claims.py``):
a create whose answer was lost is read back, found where eastwest sends it and counted done; one
found nowhere, or going elsewhere, is released; one whose read-back failed too keeps its claim.
A route already there going elsewhere is someone else's, and left alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.errors import PermanentError, ProviderError
from orchestrator.state import Action, Change, NetworkRoute, Scope
from providers.aws import translate as tr
from providers.aws.errors import error_code, ignoring, translate, where
from providers.aws.reader import pages
from providers.aws.route_records import encode_record, read_record, stale_keys
from providers.aws.routing import PAGE_ROUTE_TABLES
from providers.aws.transit_read import route_target
from providers.base import ChangeResult, Report
from providers.core.claims import Outcome, settle

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

_FILTER_VALUES = 200


class NetworkRouteWriter:
    def __init__(self, ec2: EC2Client, scope: Scope, policy: str) -> None:
        self.ec2 = ec2
        self.scope = scope
        self.policy = policy

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def apply(
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
        done = [self._route(table_id, c) for c in changes]
        results = [result for result, _ in done]
        outcomes = {
            c.resource.destination: (c.action is Action.DELETE, outcome)  # type: ignore[union-attr]
            for c, (_, outcome) in zip(changes, done, strict=True)
        }
        kept = settle(owned, claims, outcomes)
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

    def _route(self, table_id: str, change: Change) -> tuple[ChangeResult, Outcome]:
        res = change.resource
        assert isinstance(res, NetworkRoute)
        args: dict[str, Any] = {"RouteTableId": table_id, "DestinationCidrBlock": res.destination}
        try:
            if change.action is Action.DELETE:
                ignoring(("InvalidRoute.NotFound",), self.ec2.delete_route, **args)
            elif change.action is Action.UPDATE:
                self.ec2.replace_route(**args, **_target(res.target))
            else:
                self._create_route(res, args)
        except (ClientError, BotoCoreError) as exc:
            failed = ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
            return self._read_back(change, failed)
        except ProviderError as exc:
            return ChangeResult(change.key, False, str(exc)), Outcome.ABSENT
        return ChangeResult(change.key, True), Outcome.DONE

    def _read_back(self, change: Change, failed: ChangeResult) -> tuple[ChangeResult, Outcome]:
        """A failed create may have happened (its answer lost): look before letting go."""
        res = change.resource
        assert isinstance(res, NetworkRoute)
        if change.action is not Action.CREATE:
            return failed, Outcome.UNSURE
        try:
            current = self._current_target(res.table, res.destination)
        except (ClientError, BotoCoreError):
            return failed, Outcome.UNSURE
        if current == res.target:
            return ChangeResult(change.key, True), Outcome.DONE
        return failed, Outcome.ABSENT

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


def _target(target: str) -> dict[str, Any]:
    if target.startswith("tgw-"):
        return {"TransitGatewayId": target}
    if target.startswith("vpce-"):
        return {"VpcEndpointId": target}
    if target.startswith("eni-"):
        return {"NetworkInterfaceId": target}
    raise PermanentError(f"{target!r} is not a next hop eastwest routes to")
