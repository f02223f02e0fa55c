"""One account: a ``Backend`` per region (ECS groups, instances, ENIs and VPC state, as moto keeps
one per region for AWS) over one global ``Cbn`` (CEN instances are global; each transit router
belongs to a region), all behind one lock.

``Regions`` makes a region's backend on its first request (``RegionId``, which the SDK signs
into every request), so a fake nobody asks about another region costs nothing more; ids come
from one counter for the whole account, so no two regions hand out the same id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager

from moto_fixtures.alibaba.models.cbn import Cbn
from moto_fixtures.alibaba.models.common import Ids
from moto_fixtures.alibaba.models.ecs import Ecs
from moto_fixtures.alibaba.models.vpc import Vpcs
from moto_fixtures.alibaba.models.workloads import Workloads

ACCOUNT_ID = "5123456789012345"
REGION = "cn-hangzhou"


class Regions:
    """The account's regions: what is global (ids, CBN, the lock) and a backend per region."""

    def __init__(self, async_delay: float = 0.0, default: str = REGION) -> None:
        self.account_id = ACCOUNT_ID
        self.async_delay = async_delay
        self.ids = Ids()
        self.cbn = Cbn(self.ids, async_delay)
        # Every request runs under it: the fake trades parallelism for simple, atomic handlers.
        self.lock = threading.RLock()
        self._backends: dict[str, Backend] = {}
        self.default = self.get(default)

    def get(self, region: str) -> Backend:
        with self.lock:
            backend = self._backends.get(region)
            if backend is None:
                backend = self._backends[region] = Backend(self.async_delay, region, self)
            return backend

    def regions(self) -> list[str]:
        with self.lock:
            return sorted(self._backends)

    def of_router(self, tr_id: str) -> Backend:
        """The backend of the region a transit router is in (its VPCs, vSwitches)."""
        return self.get(self.cbn.region_of(tr_id))


class Backend:
    """One region of the account: made by ``Regions.get``, sharing its ids, CBN and lock."""

    def __init__(self, async_delay: float, region: str, world: Regions) -> None:
        self.region = region
        self.world = world
        self.account_id = ACCOUNT_ID
        self.ids = self.world.ids
        self.vpc = Vpcs(self.ids)
        self.ecs = Ecs(
            self.ids,
            lambda vpc_id: vpc_id in self.vpc.vpcs,
            lambda group_id: bool(self.workloads.members(group_id)),
        )
        self.workloads = Workloads(self.ids, self.vpc.vswitches, self.ecs.get, async_delay)
        self.vpc.enis, self.vpc.instances = self.workloads.enis, self.workloads.instances
        self.cbn = self.world.cbn
        self.flow_logs: dict[
            str, dict[str, str]
        ] = {}  # VPC flow logs by id (responses/vpc_flowlogs)
        # (action, ClientToken) → the id the first request created: a replay answers it again.
        self.client_tokens: dict[tuple[str, str], str] = {}
        self._token_used: dict[tuple[str, str], float] = {}
        # How long a ClientToken is honoured, in seconds; None: for ever. The ECS, VPC and CBN
        # idempotence pages state no validity window (docs/sandbox.md), so by default the fake
        # keeps every token; tests set a window to play a token that has expired.
        self.token_ttl: float | None = None
        self.lock = self.world.lock

    @contextmanager
    def settled(self) -> Iterator[None]:
        """Within: what is made settles at once (no ``Attaching``, no ``Pending``).

        For the seed: the landing zone stood before any test began, so its objects were never
        in a transitional state a test could see, and waiting out the delay for each of them
        only cost every seed several seconds.
        """
        delays = self.cbn.delay, self.workloads.async_delay
        self.cbn.delay = self.workloads.async_delay = 0.0
        try:
            yield
        finally:
            self.cbn.delay, self.workloads.async_delay = delays

    def replayed(self, token: tuple[str, str], live: Container[str]) -> str | None:
        """The id the first request with this (action, ClientToken) made, while the token is
        honoured and that object is still in ``live``; None: the request is a new one."""
        made = self.client_tokens.get(token) if token[1] else None
        if made is None or made not in live:
            return None
        used = self._token_used.get(token, time.monotonic())
        if self.token_ttl is not None and time.monotonic() - used > self.token_ttl:
            return None
        return made

    def remember(self, token: tuple[str, str], made: str) -> None:
        if token[1]:
            self.client_tokens[token] = made
            self._token_used[token] = time.monotonic()
