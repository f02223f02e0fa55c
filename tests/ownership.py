"""Everything in the three sandbox clouds that eastwest does not own, read through the SDKs.

In: a sandbox directory's ``sandbox.json`` (what ``moto_fixtures.sandbox.load_sandbox`` reads).
Out: ``Snapshot(strict, memberships)``, two canonical JSON texts per cloud:

- ``strict``: every group, rule, prefix list and route eastwest does not own (AWS security
  groups, managed prefix lists, VPC route tables' routes, unowned TGW tables' static routes;
  Alibaba security groups and their rules, prefix lists, VPC route entries, unowned TR tables'
  static entries; Azure NSGs and route tables). Must be byte-identical before and after
  anything eastwest does (DESIGN.md rule 1).
- ``memberships``: which groups other than eastwest's each interface (AWS and Alibaba ENIs,
  Azure NICs) and each Azure subnet carries, and their tags but eastwest's ledger. eastwest
  changes these on purpose in ``attach: exclusive`` only (and puts them back when it lets go),
  so they are compared separately.

Always: every read goes through boto3, aliyunsdkcore or azure-mgmt-network against the fakes'
wire protocols, never through a fake's memory, and eastwest's own marks (tags and routes
named ``eastwest…``, eastwest's route records) are left out of what is kept, since eastwest
writes them on objects it does not own.
"""

from __future__ import annotations

import functools
import json
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from moto_fixtures.aws import console as aws_console
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, OTHER_ACCOUNT_ID
from moto_fixtures.consoles import VPC, AlibabaConsole, AzureConsole

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

PREFIX = "eastwest"
Console = TypeVar("Console", AlibabaConsole, AzureConsole)


@dataclass(frozen=True, slots=True)
class Snapshot:
    strict: dict[str, str]
    memberships: dict[str, str]


# The AWS accounts and regions the suite's tests write to (the landing zone's two accounts; the
# regions tests name); ``us-east-1`` keeps the short section name ``aws/<account>``.
AWS_SCOPES = [(a, r) for a in (ACCOUNT_ID, OTHER_ACCOUNT_ID) for r in ("us-east-1", "eu-west-1")]
# Sent with the guard's own reads: the fakes neither log, fault nor limit them
# (moto_fixtures/aws/calls.py), so a guarded test sees the call log and faults it set up.
OBSERVER_HEADER = "x-eastwest-observer"


def snapshot(sandbox: Mapping[str, Any]) -> Snapshot:
    """The clouds ``sandbox`` has a section for (``aws``, ``alibaba``, ``azure``)."""
    strict: dict[str, str] = {}
    memberships: dict[str, str] = {}
    if "aws" in sandbox:
        for account, region in AWS_SCOPES:
            name = f"aws/{account}" + ("" if region == "us-east-1" else f"/{region}")
            ec2 = _observer_ec2(sandbox, account, region)
            strict[name], memberships[name] = _aws_strict(ec2), _aws_members(ec2)
    if "alibaba" in sandbox:
        alibaba = _console(AlibabaConsole, sandbox["alibaba"])
        strict["alibaba"] = _dump([_alibaba_groups(alibaba), _alibaba_routes(alibaba)])
        memberships["alibaba"] = _alibaba_members(alibaba)
    if "azure" in sandbox:
        azure = _console(AzureConsole, sandbox["azure"])
        strict["azure"], memberships["azure"] = _azure_strict(azure), _azure_members(azure)
    return Snapshot(strict, memberships)


_CONSOLES: dict[str, Any] = {}


def _console(kind: type[Console], section: Mapping[str, Any]) -> Console:
    """One console per fake for a guard's life, never longer: the daemon restarts a used fake on
    its port between tests, and a kept-alive connection still reads the old one (daemon.py)."""
    key = json.dumps([kind.__name__, section], sort_keys=True, default=str)
    if key not in _CONSOLES:
        _CONSOLES[key] = kind(section)
    found: Console = _CONSOLES[key]
    return found


def differences(before: Snapshot, after: Snapshot, *, memberships: bool = True) -> list[str]:
    """The sections that changed, named (``strict aws/111111111111``…); empty when none."""
    pairs = [("strict", before.strict, after.strict)]
    if memberships:
        pairs.append(("memberships", before.memberships, after.memberships))
    return [
        f"{kind} {cloud}"
        for kind, old, new in pairs
        for cloud in sorted(old.keys() | new.keys())
        if old.get(cloud) != new.get(cloud)
    ]


def _dump(body: Any) -> str:
    return json.dumps(body, sort_keys=True, default=str)


def _theirs(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if not k.startswith(PREFIX)}


# -- AWS --------------------------------------------------------------------------------------


def _observer_ec2(sandbox: Mapping[str, Any], account: str, region: str) -> EC2Client:
    aws = sandbox["aws"]
    keys = (aws["endpoint_url"], aws["access_key_id"], aws["secret_access_key"])
    return _cached_ec2(*keys, account, region)


@functools.cache
def _cached_ec2(endpoint: str, key: str, secret: str, account: str, region: str) -> EC2Client:
    """One client per fake, account and region for the session: making one costs 0.2-1 s."""
    aws = {"endpoint_url": endpoint, "access_key_id": key, "secret_access_key": secret}
    ec2 = aws_console.sandbox_ec2({"aws": aws}, account, region)

    def mark(request: Any, **_: Any) -> None:
        request.headers[OBSERVER_HEADER] = "1"

    ec2.meta.events.register("before-send.*", mark)
    return ec2


def owned_group(sandbox: Mapping[str, Any], group_id: str) -> bool:
    """Whether ``group_id`` is eastwest's: a hand edit of it cannot change what is compared."""
    for account, region in AWS_SCOPES:
        ec2 = _observer_ec2(sandbox, account, region)
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group_id]}])
        for group in groups["SecurityGroups"]:
            return any(t["Key"] == aws_console.MANAGED_TAG for t in group.get("Tags", []))
    return False


def _aws_strict(ec2: EC2Client) -> str:
    tables = []
    for table in ec2.describe_route_tables()["RouteTables"]:
        tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
        # eastwest's routes in a user's table are the destinations its record tags name.
        claimed = {
            pair.partition("=")[0]
            for k, v in tags.items()
            if k.startswith(f"{PREFIX}:routes")
            for pair in v.split()
        }
        routes = [r for r in table["Routes"] if _aws_destination(r) not in claimed]
        tables.append({**table, "Tags": _theirs(tags), "Routes": routes})
    static = {}
    for tgw_table in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        if not any(t["Key"] == aws_console.MANAGED_TAG for t in tgw_table.get("Tags", [])):
            tid = tgw_table["TransitGatewayRouteTableId"]
            found = ec2.search_transit_gateway_routes(
                TransitGatewayRouteTableId=tid, Filters=[{"Name": "type", "Values": ["static"]}]
            )
            static[tid] = {"table": tgw_table, "routes": found["Routes"]}
    strict = [aws_console.unowned_snapshot(ec2), tables, static]
    return _dump(strict)


def _aws_destination(route: Mapping[str, Any]) -> str:
    return str(route.get("DestinationCidrBlock") or route.get("DestinationPrefixListId", ""))


def _aws_members(ec2: EC2Client) -> str:
    # The existing groups that are not eastwest's: an id of a group since deleted is not kept
    # (a test deleting eastwest's group leaves it on interfaces in moto; an unowned group
    # deleted shows in the strict part).
    theirs = {
        g["GroupId"]
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if not any(t["Key"] == aws_console.MANAGED_TAG for t in g.get("Tags", []))
    }
    rows = {}
    for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]:
        groups = [g["GroupId"] for g in eni.get("Groups", []) if g["GroupId"] in theirs]
        tags = _theirs({t["Key"]: t["Value"] for t in eni.get("TagSet", [])})
        rows[eni["NetworkInterfaceId"]] = {"groups": groups, "tags": tags}
    return _dump(rows)


# -- Alibaba Cloud ------------------------------------------------------------------------------


def _alibaba_groups(alibaba: AlibabaConsole) -> dict[str, Any]:
    # The console's snapshot but each group's ``EcsCount``, a membership count.
    found: dict[str, Any] = json.loads(alibaba.unowned_snapshot())
    for body in found.values():
        if isinstance(body, dict):
            body["group"].pop("EcsCount", None)
    return found


def _alibaba_routes(alibaba: AlibabaConsole) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    body = alibaba.call(VPC, "DescribeRouteTableList", PageSize="50")
    for table in body["RouterTableList"]["RouterTableListType"]:
        tid = str(table["RouteTableId"])
        entries = alibaba.call(VPC, "DescribeRouteEntryList", RouteTableId=tid, MaxResult="100")
        rows = entries["RouteEntrys"]["RouteEntry"]
        theirs = [e for e in rows if not str(e.get("RouteEntryName", "")).startswith(PREFIX)]
        tags = {t["Key"]: t["Value"] for t in table.get("Tags", {}).get("Tag", [])}
        tables[tid] = {**table, "Tags": _theirs(tags), "entries": theirs}
    return tables


def _alibaba_members(alibaba: AlibabaConsole) -> str:
    theirs = {g["SecurityGroupId"] for g in alibaba.groups() if not _ali_managed(g)}
    rows = {}
    for eni in alibaba.interfaces():
        groups = [g for g in eni["SecurityGroupIds"]["SecurityGroupId"] if g in theirs]
        tags = {t["TagKey"]: t["TagValue"] for t in eni.get("Tags", {}).get("Tag", [])}
        rows[eni["NetworkInterfaceId"]] = {"groups": groups, "tags": _theirs(tags)}
    return _dump(rows)


def _ali_managed(group: dict[str, Any]) -> bool:
    return any(t["TagKey"] == f"{PREFIX}:managed" for t in group.get("Tags", {}).get("Tag", []))


# -- Azure ------------------------------------------------------------------------------------


def _azure_strict(azure: AzureConsole) -> str:
    """The console's snapshot but eastwest's ``eastwest-`` rules in an NSG it shares
    (``existing_nsgs: share``, docs/azure.md) and routes in a user's route table, and the
    etags such writes change; the rest is compared whole (rules and routes by name)."""
    found: dict[str, Any] = json.loads(azure.unowned_snapshot())
    for kind, key in (("nsgs", "securityRules"), ("route_tables", "routes")):
        for name, body in found[kind].items():
            rows = body.setdefault("properties", {}).get(key) or []
            theirs = [r for r in rows if not str(r.get("name", "")).startswith(f"{PREFIX}-")]
            body["properties"][key] = sorted(theirs, key=lambda r: str(r.get("name")))
            found[kind][name] = _without_etags(body)
    return _dump(found)


def _without_etags(body: Any) -> Any:
    if isinstance(body, list):
        return [_without_etags(v) for v in body]
    return (
        {k: _without_etags(v) for k, v in body.items() if k != "etag"}
        if isinstance(body, dict)
        else body
    )


def _azure_members(azure: AzureConsole) -> str:
    network, group = azure.network, azure.group
    owned = {str(n.id).lower() for n in network.network_security_groups.list(group) if _az_owned(n)}
    owned |= {
        str(a.id).lower() for a in network.application_security_groups.list(group) if _az_owned(a)
    }
    owned |= {str(t.id).lower() for t in network.route_tables.list(group) if _az_owned(t)}
    subnets = {}
    for vnet in network.virtual_networks.list(group):
        for subnet in vnet.subnets or []:
            refs = (subnet.network_security_group, subnet.route_table)
            subnets[f"{vnet.name}/{subnet.name}"] = [_theirs_ref(r, owned) for r in refs]
    nics = {}
    for nic in network.network_interfaces.list(group):
        # eastwest's own ASG in a NIC's list is left out, not kept as a gap: with
        # asg_membership the list is [theirs…, eastwest's], and theirs must stay as they were.
        configs = [
            [r for a in c.application_security_groups or [] if (r := _theirs_ref(a, owned))]
            for c in nic.ip_configurations or []
        ]
        nsg = _theirs_ref(nic.network_security_group, owned)
        nics[str(nic.name)] = {"nsg": nsg, "asgs": configs, "tags": _theirs(nic.tags or {})}
    return _dump({"subnets": subnets, "nics": nics})


def _az_owned(resource: Any) -> bool:
    return (resource.tags or {}).get(f"{PREFIX}:managed") == "true"


def _theirs_ref(ref: Any, owned: set[str]) -> str | None:
    """A sub-resource reference, or None when absent or eastwest's (its own, documented)."""
    if ref is None or str(ref.id).lower() in owned:
        return None
    return str(ref.id).lower()


@dataclass
class _Cost:
    """What the guards cost the session (reported at its end by tests/conftest.py; under xdist,
    each worker's cost summed on the controller)."""

    tests: int = 0
    snapshots: int = 0
    seconds: float = 0.0

    def add(self, tests: int, snapshots: int, seconds: float) -> None:
        """Another process's cost (an xdist worker's, summed by the controller)."""
        self.tests, self.snapshots = self.tests + tests, self.snapshots + snapshots
        self.seconds += seconds


COST = _Cost()


class OwnershipGuard:
    """The snapshot taken when a sandbox test starts, checked against the clouds again by
    ``check`` (and by the ``unowned`` fixture when the test ends).

    The guard's own reads are taken out of the Alibaba and Azure fakes' call logs (a fake with
    calls in its log is restarted and re-seeded before the next test, which costs seconds), so
    a guarded test that does not use those clouds leaves them as unused as it found them."""

    def __init__(self, sandbox: dict[str, Any], *, lazy: bool = False) -> None:
        self.sandbox = sandbox
        started = time.monotonic()
        _CONSOLES.clear()
        self.before = snapshot(sandbox)
        _calls(sandbox, "DELETE")
        COST.snapshots, COST.seconds = COST.snapshots + 1, COST.seconds + time.monotonic() - started
        COST.tests += 1
        # A test that leaves an exclusive attachment in place sets this: the groups it took
        # off are documented to be away until eastwest lets go.
        self.memberships_held = False
        # ``lazy``: eastwest runs in this process (its calls pass ``eastwest_call``), so the
        # snapshot after hand edits is taken only when eastwest calls next (a test writing a
        # thousand ENIs by hand pays one snapshot, not two thousand).
        self.lazy, self.stale, self.eastwest_wrote = lazy, False, False
        self._lock = threading.RLock()

    def changed(self, *, memberships: bool = True, aws_only: bool = False) -> list[str]:
        now = self._quiet_snapshot(aws_only)
        return differences(self.before, now, memberships=memberships)

    def assert_unchanged(self, aws_only: bool = False) -> None:
        changed = self.changed(memberships=not self.memberships_held, aws_only=aws_only)
        assert not changed, f"eastwest changed what it does not own: {changed}"

    def rebaseline(self, aws_only: bool = False) -> None:
        self.before, self.stale = self._quiet_snapshot(aws_only), False

    def hand_edit(self, edit: Callable[[], object]) -> None:
        """A test's own console edit (a DBA's, by hand): what eastwest did so far is checked
        first, then the edit is made and the snapshot taken again, so that only eastwest's
        later changes count."""
        with self._lock:
            self.assert_unchanged()
            self.eastwest_wrote = False
        edit()
        self.rebaseline()

    def before_hand_write(self) -> None:
        with self._lock:
            if self.eastwest_wrote or not self.lazy:
                self.assert_unchanged(aws_only=True)  # the only cloud boto3 edits
            self.eastwest_wrote = False

    def after_hand_write(self) -> None:
        with self._lock:
            if self.lazy:
                self.stale = True
            else:
                self.rebaseline(aws_only=True)

    def eastwest_call(self, writes: bool) -> None:
        with self._lock:  # eastwest's threads wait here while the snapshot is retaken
            if self.stale:
                self.rebaseline(aws_only=True)
            self.eastwest_wrote = self.eastwest_wrote or writes

    def check(self) -> None:
        # Stale: only hand edits since eastwest's last call, and eastwest's writes before them
        # were checked at the first of them.
        if not self.stale:
            self.assert_unchanged()

    def _quiet_snapshot(self, aws_only: bool = False) -> Snapshot:
        """A snapshot whose reads are taken out of the Alibaba and Azure logs that were empty.
        A fake whose log is still empty was called by nobody since the guard's last reads, so
        it is as it was and is not read again (nor with ``aws_only``: a hand edit on AWS)."""
        started = time.monotonic()
        used = _calls(self.sandbox, "GET")
        read = {"aws"} if aws_only else {"aws", *(c for c, n in used.items() if n)}
        taken = snapshot({k: v for k, v in self.sandbox.items() if k in read})
        _calls(self.sandbox, "DELETE", only=[c for c, n in used.items() if not n])
        COST.snapshots, COST.seconds = COST.snapshots + 1, COST.seconds + time.monotonic() - started
        old = self.before
        return Snapshot({**old.strict, **taken.strict}, {**old.memberships, **taken.memberships})


def _calls(
    sandbox: dict[str, Any], method: str, only: Sequence[str] = ("alibaba", "azure")
) -> dict[str, int]:
    """``GET``: how many calls each fake's log holds; ``DELETE``: empty the logs."""
    found = {}
    for cloud in (c for c in only if c in sandbox):
        section = sandbox[cloud]
        context = ssl.create_default_context(cafile=section.get("ca_bundle"))
        url = f"{section['endpoint_url']}/_eastwest/calls"
        request = urllib.request.Request(url, method=method)
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            body = response.read()
        found[cloud] = len(json.loads(body)) if method == "GET" and body else 0
    return found
