"""One VM-Series' state: candidate and running configuration, who changed what, commit jobs,
the commit lock, HA state and the injected faults.

In: API calls already authenticated to an admin name (``server.py``). Out: results and
``PanosError``s. Always: writes change the candidate only, and are journaled per admin so that a
partial commit (``<commit><partial><admin>``) installs exactly that admin's changes; a commit is
a job that is ``ACT`` for ``commit_seconds`` and then ``FIN`` with ``OK`` (the running
configuration replaced) or ``FAIL`` (running unchanged, the candidate left as it was, as on the
firewall), releasing its admin's commit lock either way; jobs are settled lazily, on the next
call, under the device's lock.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from moto_fixtures.panos import config
from moto_fixtures.panos.errors import OperationDeniedError
from moto_fixtures.panos.seed import initial_config
from moto_fixtures.panos.validate import commit_errors

Clock = Callable[[], float]


@dataclass(frozen=True)
class Write:
    """One config write as sent, replayed on the running tree by a partial commit."""

    action: str  # set, edit, delete, move
    xpath: str
    element: str = ""
    where: str = ""
    dst: str | None = None

    def apply(self, tree: ET.Element) -> None:
        if self.action == "set":
            config.set_(tree, self.xpath, self.element)
        elif self.action == "edit":
            config.edit(tree, self.xpath, self.element)
        elif self.action == "delete":
            config.delete(tree, self.xpath)
        else:
            config.move(tree, self.xpath, self.where, self.dst)


@dataclass
class Job:
    id: int
    user: str
    enqueued: float
    starts: float
    ends: float
    installed: ET.Element  # the configuration the job installs, fixed when enqueued
    consumed: dict[str, int]  # admin → how many of their journaled writes it carries
    status: str = "ACT"  # ACT, then FIN
    result: str = "PEND"  # then OK or FAIL
    details: list[str] = field(default_factory=list)
    kind: str = "Commit"  # or CommitAll: a Panorama's push to a device group (panorama.py)
    devices: dict[str, str] = field(default_factory=dict)  # CommitAll: serial → result


@dataclass
class Faults:
    """What a test or the sandbox's control endpoint makes the firewall do."""

    commit_seconds: float = 0.3
    fail_commits: int = 0  # the next N commits end FAIL
    ha_state: str = "active"  # active, passive, suspended, non-functional
    down: bool = False  # every API call answers 503 (management plane gone)
    fail_pushes: int = 0  # Panorama: the next N commit-all jobs fail on their devices


class Device:
    model = "PA-VM"

    def __init__(self, hostname: str, serial: str, clock: Clock = time.monotonic) -> None:
        self.hostname, self.serial = hostname, serial
        self.clock = clock
        self.lock = threading.RLock()
        self.running = initial_config(hostname)
        self.candidate = copy.deepcopy(self.running)
        self.journal: dict[str, list[Write]] = {}
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self.commit_lock: tuple[str, str] | None = None  # (admin, comment)
        self.faults = Faults()
        self.commits = 0  # finished commit jobs, OK or FAIL
        self.registered: dict[str, set[str]] = {}  # User-ID registered IPs → tags (userid.py)

    def write(self, admin: str, change: Write) -> None:
        change.apply(self.candidate)  # raises before changing anything
        self.journal.setdefault(admin, []).append(change)

    def pending(self) -> bool:
        return ET.tostring(self.candidate) != ET.tostring(self.running)

    def revert(self, admins: tuple[str, ...] | None = None) -> None:
        """Candidate back to running, or (partial) without the named admins' changes."""
        keep = [] if admins is None else [a for a in self.journal if a not in admins]
        tree = copy.deepcopy(self.running)
        for admin in keep:
            for change in self.journal[admin]:
                change.apply(tree)
        self.candidate = tree
        self.journal = {admin: self.journal[admin] for admin in keep}

    def add_commit_lock(self, admin: str, comment: str) -> None:
        if self.commit_lock is not None:
            raise OperationDeniedError(f"Commit lock is already held by {self.commit_lock[0]}")
        self.commit_lock = (admin, comment)

    def remove_commit_lock(self, admin: str) -> None:
        if self.commit_lock is None:
            raise OperationDeniedError("Commit lock is not currently held")
        if self.commit_lock[0] != admin:
            raise OperationDeniedError(f"Commit lock is held by {self.commit_lock[0]}")
        self.commit_lock = None

    def commit(self, admin: str, admins: tuple[str, ...] | None) -> int | None:
        """Enqueue a commit job; None when there is nothing to commit."""
        if self.commit_lock is not None and self.commit_lock[0] != admin:
            raise OperationDeniedError(f"Commit lock is currently held by {self.commit_lock[0]}")
        changes = self.journal if admins is None else {a: self.journal.get(a, []) for a in admins}
        if not self.pending() or not any(changes.values()):
            return None
        installed = self._installed(changes)
        return self.enqueue(admin, installed, {a: len(w) for a, w in changes.items()}).id

    def enqueue(self, admin: str, installed: ET.Element, consumed: dict[str, int]) -> Job:
        """A job after every other one (the management plane runs them one at a time)."""
        now = self.clock()
        busy = max((job.ends for job in self.jobs.values()), default=now)
        starts = max(now, busy)
        ends = starts + self.faults.commit_seconds
        job = Job(next(self._ids), admin, now, starts, ends, installed, consumed)
        self.jobs[job.id] = job
        return job

    def settle(self) -> None:
        """Finish every job whose time has come, in order."""
        now = self.clock()
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if job.status == "ACT" and job.ends <= now:
                self._finish(job)

    def _finish(self, job: Job) -> None:
        job.status = "FIN"
        self.commits += 1
        # The firewall removes a commit lock once its holder's commit completes.
        if self.commit_lock is not None and self.commit_lock[0] == job.user:
            self.commit_lock = None
        errors = commit_errors(job.installed)
        if self.faults.fail_commits > 0:
            self.faults.fail_commits -= 1
            errors = ["Commit failed: management server is busy (injected fault)", *errors]
        if errors:
            job.result, job.details = "FAIL", ["Validation Error:", *errors, "commit failed"]
            return
        self.running = job.installed
        for admin, count in job.consumed.items():
            self.journal[admin] = self.journal.get(admin, [])[count:]
        self.journal = {a: w for a, w in self.journal.items() if w}
        job.result, job.details = "OK", ["Configuration committed successfully"]

    def _installed(self, changes: dict[str, list[Write]]) -> ET.Element:
        if changes is self.journal:
            return copy.deepcopy(self.candidate)
        tree = copy.deepcopy(self.running)
        for writes in changes.values():
            for change in writes:
                change.apply(tree)
        return tree
