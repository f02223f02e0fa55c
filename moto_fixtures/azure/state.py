"""The fake's in-memory Microsoft.Network: resources, their parents, and operations in flight.

In: already validated writes from ``arm.py``. Out: ``Resource`` records (no wire format: that is
``wire.py``'s job). Always: resources are keyed by their id in lower case (ARM ids are
case-insensitive) and kept in creation order; a child (rule, route, subnet, peering) points at its
parent's key; every write is an ``Operation`` that holds the top-level resource busy until its due
time, and operations complete lazily, when the next request looks (``settle``), so no timer
thread exists and tests with a delay stay deterministic.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Kind:
    """A resource type: its URL segment, ARM type, NRP operation noun and child segments."""

    segment: str
    type: str
    noun: str  # NRP names its operations Put<Noun>Operation / Delete<Noun>Operation
    parent: str | None = None
    children: tuple[str, ...] = ()
    tracked: bool = True  # top-level resources carry location and tags


def _kinds() -> dict[str, Kind]:
    net = "Microsoft.Network"
    return {
        k.segment: k
        for k in (
            Kind(
                "networkSecurityGroups",
                f"{net}/networkSecurityGroups",
                "NetworkSecurityGroup",
                children=("securityRules",),
            ),
            Kind(
                "securityRules",
                f"{net}/networkSecurityGroups/securityRules",
                "SecurityRule",
                parent="networkSecurityGroups",
                tracked=False,
            ),
            Kind(
                "applicationSecurityGroups",
                f"{net}/applicationSecurityGroups",
                "ApplicationSecurityGroup",
            ),
            Kind("routeTables", f"{net}/routeTables", "RouteTable", children=("routes",)),
            Kind(
                "routes", f"{net}/routeTables/routes", "Route", parent="routeTables", tracked=False
            ),
            Kind(
                "virtualNetworks",
                f"{net}/virtualNetworks",
                "VirtualNetwork",
                children=("subnets", "virtualNetworkPeerings"),
            ),
            Kind(
                "subnets",
                f"{net}/virtualNetworks/subnets",
                "Subnet",
                parent="virtualNetworks",
                tracked=False,
            ),
            Kind(
                "virtualNetworkPeerings",
                f"{net}/virtualNetworks/virtualNetworkPeerings",
                "VirtualNetworkPeering",
                parent="virtualNetworks",
                tracked=False,
            ),
            Kind("networkInterfaces", f"{net}/networkInterfaces", "NetworkInterface"),
            # Network Watcher (one per region, NetworkWatcher_<region>) and its flow logs: a
            # flow log is a tracked resource of its own (location, tags), written by its own
            # PUT, never embedded in the watcher's body.
            Kind(
                "networkWatchers",
                f"{net}/networkWatchers",
                "NetworkWatcher",
                children=("flowLogs",),
            ),
            Kind(
                "flowLogs", f"{net}/networkWatchers/flowLogs", "FlowLog", parent="networkWatchers"
            ),
            Kind("loadBalancers", f"{net}/loadBalancers", "LoadBalancer", children=LB_CHILDREN),
            *(
                Kind(child, f"{net}/loadBalancers/{child}", noun, "loadBalancers", tracked=False)
                for child, noun in zip(LB_CHILDREN, LB_NOUNS, strict=True)
            ),
        )
    }


# A load balancer's parts, embedded in its body like an NSG's rules (``lb.py``).
LB_CHILDREN = ("frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes")
LB_NOUNS = ("FrontendIPConfiguration", "BackendAddressPool", "LoadBalancingRule", "Probe")


KINDS = _kinds()


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


@dataclass
class Resource:
    id: str
    kind: Kind
    name: str
    properties: dict[str, Any]
    location: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    parent: str | None = None  # the parent's key
    etag: str = field(default_factory=new_etag)
    provisioning_state: str = "Succeeded"
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))
    sku: dict[str, str] | None = None  # top-level beside properties (load balancers)

    @property
    def key(self) -> str:
        return self.id.lower()


@dataclass
class Operation:
    id: str
    name: str  # e.g. PutSecurityRuleOperation, as NRP reports it in conflicts
    verb: str  # "put" or "delete"
    lock: str  # key of the top-level resource held busy
    targets: tuple[str, ...]  # keys whose provisioningState flips when done
    location: str
    due: float
    status: str = "InProgress"
    result: Any = None  # a POST action's answer, served by its operationResults when done


class Store:
    """Resources and operations, shared by the server's request threads under ``lock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self._items: dict[str, Resource] = {}
        self._ops: dict[str, Operation] = {}
        self._clock = clock
        # Backend address → the health probe's reason code (``Up_…``/``Down_…``) set through
        # the control plane (``lb.py``): what the probes would see, which ARM cannot be told.
        self.probe_results: dict[str, str] = {}

    def get(self, key: str) -> Resource | None:
        return self._items.get(key.lower())

    def put(self, resource: Resource) -> None:
        self._items[resource.key] = resource

    def all(self) -> Iterator[Resource]:
        return iter(list(self._items.values()))

    def children(self, key: str, segment: str | None = None) -> list[Resource]:
        return [
            r
            for r in self._items.values()
            if r.parent == key and (segment is None or r.kind.segment == segment)
        ]

    def remove(self, key: str) -> None:
        """Remove a resource and, recursively, its children."""
        for child in self.children(key):
            self.remove(child.key)
        self._items.pop(key, None)

    def busy(self, lock: str) -> Operation | None:
        self.settle()
        for op in self._ops.values():
            if op.lock == lock and op.status == "InProgress":
                return op
        return None

    def begin(
        self,
        verb: str,
        noun: str,
        lock: str,
        targets: tuple[str, ...],
        *,
        location: str,
        delay: float,
    ) -> Operation:
        """Record a write; its targets read ``Updating``/``Deleting`` until ``delay`` is over."""
        op = Operation(
            id=str(uuid.uuid4()),
            name=f"{verb.capitalize()}{noun}Operation",
            verb=verb,
            lock=lock,
            targets=targets,
            location=location,
            due=self._clock() + delay,
        )
        self._ops[op.id] = op
        state = "Deleting" if verb == "delete" else "Updating"
        for key in targets:
            if (resource := self._items.get(key)) is not None:
                resource.provisioning_state = state
        self.settle()
        return op

    def operation(self, op_id: str) -> Operation | None:
        self.settle()
        return self._ops.get(op_id)

    def settle(self) -> None:
        """Complete every operation whose time has come."""
        now = self._clock()
        for op in self._ops.values():
            if op.status != "InProgress" or op.due > now:
                continue
            op.status = "Succeeded"
            for key in op.targets:
                if op.verb == "delete":
                    self.remove(key)
                elif (resource := self._items.get(key)) is not None:
                    resource.provisioning_state = "Succeeded"
