"""``eastwest sandbox up/down``: the local clouds as a background process, found by directory.

In: a directory (``.eastwest/sandbox`` by default in the CLI). Out: ``sandbox_up`` starts the
daemon (``moto_fixtures.daemon``: AWS, Alibaba Cloud and Azure fakes in one process, the last two
seeded there), seeds the AWS landing zone and writes ``DIR/sandbox.json``;
``load_sandbox`` reads it back for any client; ``sandbox_down`` stops the daemon. Always:
``sandbox.json`` exists only while its daemon was seeded and serving, and is replaced atomically,
so a reader never sees half a file; at most one ``up`` runs per directory (a lock file); every
failure is a ``SandboxError`` that says what to do next, with the end of ``DIR/sandbox.log`` when
the daemon is to blame.

``sandbox.json`` (format_version 1)::

    {"format_version": 1, "pid": 4242, "started_at": "2026-11-22T06:50:00+00:00",
     "log": "/abs/DIR/sandbox.log", "control_url": "http://127.0.0.1:PORT",
     "aws": {"endpoint_url": "http://127.0.0.1:PORT", "access_key_id": …,
             "secret_access_key": …, "accounts": ["111111111111", "222222222222"],
             "regions": ["us-east-1"], "landing_zone": {"ids": {Name: id}, …}},
     "alibaba": {"endpoint_url": "http://127.0.0.1:PORT", "access_key_id": …,
                 "access_key_secret": …, "accounts": [...], "regions": [...],
                 "landing_zone": {<seed_alibaba's report>, "ids": {Name: id}}},
     "azure": {"endpoint_url": "https://127.0.0.1:PORT", "ca_bundle": "/abs/DIR/azure-ca.pem",
               "subscriptions": [...], "resource_groups": [...], "regions": [...],
               "landing_zone": {<seed_azure's report>}}, "panos": {<describe_fleet's>}}

POSIX only (fork, sessions, flock).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from moto_fixtures.aws import landing_zone
from moto_fixtures.aws.clients import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from moto_fixtures.aws.seed import SeedReport, seed_landing_zone
from moto_fixtures.clouds import AZURE_CA_FILE, TITLES
from moto_fixtures.daemon import DAEMON_FAILURE, DAEMON_STATE, LOG_FILE, failure, log_tail
from orchestrator.errors import SandboxError
from orchestrator.extras import require

FORMAT_VERSION = 1
STATE_FILE = "sandbox.json"
LOCK_FILE = ".sandbox.lock"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class SandboxInfo:
    """A running sandbox, as ``sandbox_up`` left it."""

    directory: Path
    pid: int
    started_at: str
    log: Path
    aws_endpoint: str
    landing_zone: SeedReport
    control_url: str
    alibaba: dict[str, Any]  # sandbox.json's sections, as written
    azure: dict[str, Any]
    panos: dict[str, Any] = field(default_factory=dict)

    @property
    def state_file(self) -> Path:
        return self.directory / STATE_FILE


def sandbox_up(directory: Path) -> SandboxInfo:
    """Start, seed and record a sandbox in ``directory``; refuse if one already runs there."""
    require("sandbox", "eastwest sandbox up")
    directory = directory.resolve()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxError(f"cannot use {directory} for a sandbox: {exc}") from exc
    with _locked(directory, wait=0.0):
        _refuse_if_running(directory)
        (directory / STATE_FILE).unlink(missing_ok=True)
        daemon = _start_daemon(directory)
        pid = daemon.pid
        endpoint = f"http://127.0.0.1:{daemon.aws_port}"
        try:
            report = seed_landing_zone(endpoint)
        except (BotoCoreError, ClientError, OSError) as exc:
            _stop(pid)
            raise SandboxError(
                f"the sandbox in {directory} started but seeding its AWS failed: {exc}"
                + log_tail(directory)
            ) from exc
        except BaseException:
            _stop(pid)  # Ctrl-C or a bug while seeding: leave no server behind
            raise
        info = SandboxInfo(
            directory=directory,
            pid=pid,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            log=directory / LOG_FILE,
            aws_endpoint=endpoint,
            landing_zone=report,
            control_url=f"http://127.0.0.1:{daemon.control_port}",
            alibaba=daemon.alibaba,
            azure=daemon.azure,
            panos=daemon.panos,
        )
        _write_atomically(directory / STATE_FILE, _state(info))
    return info


def sandbox_down(directory: Path) -> bool:
    """Stop the sandbox in ``directory``. False if none was running; never fails for that."""
    directory = directory.resolve()
    if not directory.is_dir():
        return False
    with _locked(directory, wait=START_TIMEOUT + 30):
        pid = _recorded_pid(directory)
        running = pid is not None and _is_daemon(pid)
        if running and pid is not None:
            _stop(pid)
        for name in (STATE_FILE, DAEMON_STATE, DAEMON_FAILURE, AZURE_CA_FILE):
            (directory / name).unlink(missing_ok=True)
    return running


def load_sandbox(directory: Path) -> dict[str, Any]:
    """The contents of ``DIR/sandbox.json`` once its daemon is proven alive and answering."""
    directory = directory.resolve()
    hint = f"run `eastwest sandbox up --dir {directory}`"
    path = directory / STATE_FILE
    try:
        state: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SandboxError(f"no sandbox in {directory}: {hint}") from None
    except (OSError, ValueError) as exc:
        raise SandboxError(f"{path} is unreadable ({exc}): {hint}") from exc
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise SandboxError(f"{path} is not a format-{FORMAT_VERSION} sandbox file: {hint}")
    pid = state.get("pid")
    if not isinstance(pid, int) or not _is_daemon(pid):
        raise SandboxError(f"the sandbox in {directory} is not running (pid {pid} is gone): {hint}")
    aws = state.get("aws")
    endpoint = aws.get("endpoint_url") if isinstance(aws, dict) else None
    if not isinstance(endpoint, str):
        raise SandboxError(f"{path} names no AWS endpoint: {hint}")
    if not _answers(endpoint):
        raise SandboxError(
            f"the sandbox in {directory} (pid {pid}) does not answer at {endpoint}: "
            f"run `eastwest sandbox down --dir {directory}`, then {hint}"
        )
    _check_health(directory, state, f"run `eastwest sandbox down --dir {directory}`, then {hint}")
    return state


def _check_health(directory: Path, state: dict[str, Any], hint: str) -> None:
    """Every fake the daemon runs still serves (its control endpoint knows); a sandbox.json
    from before the control endpoint existed has nothing to check."""
    control = state.get("control_url")
    if not isinstance(control, str):
        return
    health = _health(control)
    if health is None:
        raise SandboxError(f"the sandbox in {directory} does not answer at {control}: {hint}")
    stopped = [TITLES.get(name, name) for name, status in health.items() if status != "ok"]
    if stopped:
        raise SandboxError(
            f"in the sandbox in {directory}, the {' and '.join(stopped)} fake stopped serving "
            f"(see {directory / LOG_FILE}): {hint}"
        )


def _refuse_if_running(directory: Path) -> None:
    pid = _recorded_pid(directory)
    if pid is not None and _is_daemon(pid):
        raise SandboxError(
            f"a sandbox is already running in {directory} (pid {pid}); use it, or stop it "
            f"first with `eastwest sandbox down --dir {directory}`"
        )


@dataclass(frozen=True)
class _Daemon:
    """What the daemon recorded in ``daemon.json`` once its fakes were ready."""

    pid: int
    aws_port: int
    control_port: int
    alibaba: dict[str, Any]
    azure: dict[str, Any]
    panos: dict[str, Any]


def _start_daemon(directory: Path) -> _Daemon:
    """Run the daemon's launcher and wait for its verdict; return what it recorded."""
    for name in (DAEMON_STATE, DAEMON_FAILURE):
        (directory / name).unlink(missing_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # The child must import this very copy of moto_fixtures (and orchestrator), installed or not.
    source_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source_root, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "moto_fixtures.daemon", "--dir", str(directory)]
    with (directory / LOG_FILE).open("ab") as log:
        launcher = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the user's terminal must not reach the sandbox
            env=env,
        )
    try:
        status = launcher.wait(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Launcher and server share the new session's process group: end both.
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait()
        raise SandboxError(
            f"the sandbox in {directory} did not start within {START_TIMEOUT:.0f} s"
            + log_tail(directory)
        ) from None
    try:
        daemon = json.loads((directory / DAEMON_STATE).read_text(encoding="utf-8"))
        found = _Daemon(
            pid=int(daemon["pid"]),
            aws_port=int(daemon["aws_port"]),
            control_port=int(daemon["control_port"]),
            alibaba=dict(daemon["alibaba"]),
            azure=dict(daemon["azure"]),
            panos=dict(daemon.get("panos", {})),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SandboxError(
            f"the sandbox in {directory} failed to start ({failure(directory, status)})"
            + log_tail(directory)
        ) from exc
    return found


def _stop(pid: int) -> None:
    """SIGTERM, a bounded wait, then SIGKILL."""
    for sig, patience in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)
    raise SandboxError(f"the sandbox process {pid} survived SIGKILL; stop it by hand")


def _recorded_pid(directory: Path) -> int | None:
    # sandbox.json is written last; daemon.json covers an `up` that died while seeding.
    for name in (STATE_FILE, DAEMON_STATE):
        try:
            pid = json.loads((directory / name).read_text(encoding="utf-8")).get("pid")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(pid, int) and pid > 0:
            return pid
    return None


def _alive(pid: int) -> bool:
    try:
        # A daemon started by this very process (tests) is our child: reap it, or its zombie
        # would look alive forever.
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process holds the pid
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False  # no procfs (macOS): trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def _is_daemon(pid: int) -> bool:
    """Alive, and (where procfs can tell) our daemon rather than a process reusing the pid."""
    if not _alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"moto_fixtures.daemon" in command


def _health(control: str) -> dict[str, str] | None:
    """The daemon's view of its fakes, or None when its control endpoint does not answer."""
    url = f"{control}/_eastwest/health"
    if not url.startswith("http://"):
        return None
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (http checked)
            body: Any = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503: one fake stopped; the body says which
        try:
            body = json.loads(exc.read())
        except ValueError:
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else None


def _answers(endpoint: str) -> bool:
    url = f"{endpoint}/_eastwest/health"
    if not url.startswith("http://"):
        return False
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (http checked)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _state(info: SandboxInfo) -> dict[str, Any]:
    report = info.landing_zone
    return {
        "format_version": FORMAT_VERSION,
        "pid": info.pid,
        "started_at": info.started_at,
        "log": str(info.log),
        "control_url": info.control_url,
        "alibaba": info.alibaba,
        "azure": info.azure,
        "panos": info.panos,
        "aws": {
            "endpoint_url": info.aws_endpoint,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "accounts": [landing_zone.ACCOUNT_ID, landing_zone.OTHER_ACCOUNT_ID],
            "regions": [landing_zone.REGION],
            "landing_zone": {
                "account_id": report.account_id,
                "region": report.region,
                "transit_gateway": report.transit_gateway,
                "inspection_vpc": report.vpcs[landing_zone.INSPECTION_NAME],
                "firewalls": dict(report.firewalls),
                "ids": dict(report.ids),
            },
        },
    }


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@contextmanager
def _locked(directory: Path, wait: float) -> Iterator[None]:
    """Hold ``DIR/.sandbox.lock`` so that two ``up``/``down`` never interleave."""
    with (directory / LOCK_FILE).open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SandboxError(
                        f"another `eastwest sandbox` command is working in {directory}; "
                        "wait for it to finish"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
