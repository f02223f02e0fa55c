"""``eastwest run --queue``: the deferrer process of queue mode (``queue.Deferrer``).

It reconciles nothing itself: every interval it queues one job per partition of the policy
(``--scope`` filters as in the embedded mode) for ``eastwest worker`` processes, and sends the
jobs of dead workers back to the queue. Any number may run: the one holding the policy's
deferrer lease (``lease_name(policy) + "/deferrer"``) queues, the others stand by, and the
queueing locks make a second deferrer harmless anyway. SIGTERM or SIGINT: stop, give the
lease up, exit 0. It serves the reconciler's endpoints on ``--listen`` (``http.serve``): its
lease (``eastwest_lease_active``), the jobs it queued and the stalled ones it sent back.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from types import FrameType

from orchestrator.reconcile.http import serve
from orchestrator.reconcile.lease import Keeper
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.queue import PartitionJob, run_deferrer
from orchestrator.reconcile.service import Settings, in_scope
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import Store

log = logging.getLogger("eastwest.queue")


class Deferral:
    def __init__(
        self, settings: Settings, source: PolicySource, store: Store, heartbeat: float
    ) -> None:
        self.settings = settings
        self.source = source
        self.heartbeat = heartbeat
        self.stopping = threading.Event()
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        lease = store.lease(holder, settings.lease_period, f"{settings.lease}/deferrer")
        self.keeper = Keeper(lease, self.stopping)
        self.metrics = Metrics()

    def run(self, url: str) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        log.info(
            "queueing every partition every %ss in %s mode (workers: eastwest worker)",
            f"{self.settings.interval:g}",
            self.settings.mode,
        )
        server = serve(self.settings.listen, self.metrics.exposition, self.readiness)
        try:
            run_deferrer(
                url,
                self.jobs,
                self.stopping.is_set,
                interval=self.settings.interval,
                heartbeat=self.heartbeat,
                counted=self.counted,
            )
        finally:
            self.keeper.release()
            if server is not None:
                server.stop()
        log.info("stopped")
        return 0

    def jobs(self) -> list[PartitionJob] | None:
        held = self.keeper.renew()
        self.metrics.active.set(1 if held else 0)
        if not held:
            return None
        policy = self.source.load().loaded.policy
        wanted = self.settings.scopes
        return [
            PartitionJob(policy.name, p.name, str(self.settings.mode), self.settings.interval)
            for p in partitions_of(policy)
            if not wanted or any(in_scope(p.name, w) for w in wanted)
        ]

    def counted(self, queued: int, stalled: int) -> None:
        self.metrics.queued.inc(queued)
        self.metrics.stalled.inc(stalled)

    def readiness(self) -> tuple[bool, dict[str, object]]:
        ready = not self.stopping.is_set()
        role = "active" if self.keeper.active else "standby"
        return ready, {"ready": ready, "role": role, "queue": True}

    def _on_signal(self, signum: int, _: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        self.stopping.set()
