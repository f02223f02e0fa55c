"""The local AWS a benchmark talks to: in the benchmark's process, or in a process of its own.

In: an in-process ``AwsServer`` (the tests' fixture), or nothing (``own_process()`` starts a
sandbox daemon as ``eastwest sandbox up`` does). Out: an ``Endpoint``: its URL, the API calls it
received (``/_eastwest/calls``), and the CPU seconds its server process has used, when that is
not the benchmark's own. Always: with a server of its own, the benchmark process's CPU
(``time.process_time``) is the client's alone, as against a real cloud; the daemon is stopped
when the ``with`` block ends, and dies with the benchmark if that is killed (it watches our pid).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Protocol

from moto_fixtures.aws.server import AwsServer
from moto_fixtures.daemon import WATCH_PID_ENV
from moto_fixtures.sandbox import sandbox_down, sandbox_up


class Endpoint(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def where(self) -> str:
        """ "own process" or "in-process", for the tables."""
        ...

    def calls(self) -> int: ...

    def clear_calls(self) -> None: ...

    def server_cpu(self) -> float | None:
        """CPU seconds of the server's process so far; None when it is the benchmark's."""
        ...


@dataclass(frozen=True)
class InProcess:
    server: AwsServer
    where: str = "in-process"

    @property
    def url(self) -> str:
        return self.server.url

    def calls(self) -> int:
        return len(self.server.calls.calls())

    def clear_calls(self) -> None:
        self.server.calls.clear()

    def server_cpu(self) -> float | None:
        return None


@dataclass(frozen=True)
class OwnProcess:
    url: str
    pid: int
    where: str = "own process"

    def calls(self) -> int:
        with urllib.request.urlopen(f"{self.url}/_eastwest/calls", timeout=60) as answer:
            return len(json.loads(answer.read()))

    def clear_calls(self) -> None:
        request = urllib.request.Request(f"{self.url}/_eastwest/calls", method="DELETE")
        with urllib.request.urlopen(request, timeout=60):
            pass

    def server_cpu(self) -> float | None:
        return process_cpu(self.pid)


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of process ``pid``, all its threads (Linux procfs)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


@contextmanager
def own_process() -> Iterator[OwnProcess]:
    """The sandbox daemon (the three fakes; the benchmarks use its AWS) on free ports."""
    os.environ.setdefault(WATCH_PID_ENV, str(os.getpid()))
    with TemporaryDirectory(prefix="eastwest-bench-") as tmp:
        info = sandbox_up(Path(tmp))
        try:
            yield OwnProcess(info.aws_endpoint, info.pid)
        finally:
            sandbox_down(Path(tmp))
