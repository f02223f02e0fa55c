"""``eastwest run`` as a user runs it: a subprocess against the sandbox daemon.

Every process started here is stopped by the fixture that started it, whatever the outcome.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from orchestrator.reconcile.store import RunRecord, open_store
from tests.orchestrator.reconcile.conftest import free_port
from tests.providers.aws.cloud import clear_calls, ec2_for, writes

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")
INTERVAL = 2.0
T = TypeVar("T")


class Reconciler:
    """One ``eastwest run`` process, its log file and its metrics port."""

    def __init__(self, sandbox: Path, store: str, log: Path, *args: str) -> None:
        self.port = free_port()
        self.log = log
        command = [sys.executable, "-m", "orchestrator", "--sandbox", str(sandbox), "run", POLICY]
        command += ["--store", store, "--listen", f"127.0.0.1:{self.port}", *args]
        with log.open("wb") as sink:
            self.proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)

    def get(self, path: str, accept: str | None = None) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return 0, ""

    def role(self) -> str | None:
        status, body = self.get("/readyz")
        return json.loads(body)["role"] if status == 200 else None

    def terminate(self, timeout: float = 10.0) -> tuple[int, float]:
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - start

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def start(tmp_path: Path, sandbox_dir: Path) -> Iterator[Callable[..., Reconciler]]:
    started: list[Reconciler] = []

    def launch(*args: str, store: str | None = None) -> Reconciler:
        log = tmp_path / f"run-{len(started)}.log"
        store = store or str(tmp_path / "history.sqlite3")
        started.append(Reconciler(sandbox_dir, store, log, *args))
        return started[-1]

    yield launch
    for reconciler in started:
        reconciler.cleanup()


# A deadline, not a measurement (the wait ends as soon as the run is there): at load ~20 on
# 2 cores, start-up and the first apply took over the 20 s (and two audit runs the 15 s) these
# waits had, with the suite on 1 worker as on 2.
STARTED_WITHIN = 90.0


def wait_for(what: str, check: Callable[[], T | None], timeout: float, proc: Reconciler) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        assert proc.proc.poll() is None, f"eastwest run exited early:\n{proc.output()}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n{proc.output()}")


def latest(store: str, match: Callable[[RunRecord], bool]) -> RunRecord | None:
    runs = open_store(store).runs() if Path(store).exists() or "://" in store else []
    return next((r for r in runs if match(r)), None)


def plan_exit(sandbox: Path) -> int:
    args = ["--sandbox", str(sandbox), "plan", POLICY, "--detailed-exitcode"]
    return CliRunner().invoke(main, args).exit_code


def make_drift(sandbox: Path) -> None:
    ec2 = ec2_for(sandbox)
    groups = console.managed_groups(ec2)
    console.add_rogue_rule(ec2, next(g for g in groups if g["IpPermissions"])["GroupId"])
    console.delete_first_ingress_rule(ec2, groups[-1])


def test_enforce_restores_console_drift_within_three_intervals_and_exits_on_sigterm(
    start: Callable[..., Reconciler], sandbox_dir: Path, tmp_path: Path
) -> None:
    store = str(tmp_path / "history.sqlite3")
    run = start("--interval", "2s", "--mode", "enforce")
    # Converged but for the seeded DBA group that opens web → db: "findings", never in_sync.
    wait_for(
        "the first apply",
        lambda: latest(store, lambda r: r.outcome == "findings"),
        STARTED_WITHIN,
        run,
    )
    make_drift(sandbox_dir)
    injected = time.monotonic()
    fixed = wait_for(
        "the drift to be corrected",
        lambda: latest(store, lambda r: r.outcome == "applied" and r.drift > 0),
        3 * INTERVAL + 2,
        run,
    )
    restored_after = time.monotonic() - injected
    assert restored_after <= 3 * INTERVAL, f"restored after {restored_after:.1f}s"
    assert fixed.drift == fixed.changes == 2  # the rogue rule out, the deleted rule back
    # The hub firewalls' rulebase converged with the clouds: committed by the reconciler,
    # so `eastwest plan` (firewalls included) has nothing to change.
    committed = latest(store, lambda r: any("edit(s) committed" in m for m in r.messages))
    assert committed is not None
    assert plan_exit(sandbox_dir) == 3  # nothing to change; the DBA group is still a finding

    status, metrics = run.get("/metrics")
    assert status == 200
    assert 'eastwest_drift_changes_total{cloud="aws",kind="flow_rule"} 2.0' in metrics
    assert 'outcome="applied"' in metrics
    assert 'outcome="findings"' in metrics
    assert (
        'eastwest_access_findings{kind="open_beyond_policy",policy="sandbox",'
        'scope="aws/111111111111/us-east-1"} 1.0'
    ) in metrics
    assert run.get("/healthz") == (200, "ok\n")

    code, took = run.terminate()
    assert (code, took < 10) == (0, True), run.output()
    assert "stopped" in run.output()


def test_audit_reports_drift_and_writes_nothing(
    start: Callable[..., Reconciler], sandbox_dir: Path, tmp_path: Path
) -> None:
    apply = ["--sandbox", str(sandbox_dir), "apply", POLICY, "--auto-approve"]
    assert CliRunner().invoke(main, apply).exit_code == 0
    make_drift(sandbox_dir)
    clear_calls(sandbox_dir)
    store = str(tmp_path / "history.sqlite3")
    run = start("--interval", "1s", "--mode", "audit")
    wait_for(
        "two audit runs", lambda: len(open_store(store).runs()) >= 2 or None, STARTED_WITHIN, run
    )
    status, metrics = run.get("/metrics", accept="application/openmetrics-text; version=1.0.0")
    assert status == 200
    assert metrics.endswith("# EOF\n")  # OpenMetrics, as asked
    labels = 'cloud="aws",partition="aws/111111111111/us-east-1"'
    assert f"eastwest_drift_current{{{labels}}} 2.0" in metrics  # standing, not corrected
    assert run.terminate()[0] == 0
    runs = open_store(store).runs()
    assert {(r.outcome, r.drift) for r in runs} == {("pending", 2)}
    assert "drift  aws/111111111111/us-east-1/fwgroup/" in run.output()
    assert writes(sandbox_dir) == []  # the sandbox call log: not one write
    assert plan_exit(sandbox_dir) == 2  # the drift is still there


def test_a_standby_takes_over_when_the_active_instance_dies(
    start: Callable[..., Reconciler], sandbox_dir: Path, pg_store: str
) -> None:
    lease = 3.0
    args = ("--interval", "1s", "--mode", "enforce", "--lease-period", f"{lease}s")
    first = start(*args, store=pg_store)
    wait_for("the first instance to be active", lambda: first.role() == "active", 20, first)
    second = start(*args, store=pg_store)
    wait_for("the second to stand by", lambda: second.role() == "standby", 20, second)
    wait_for("a run by the first", lambda: latest(pg_store, lambda r: r.epoch == 1), 10, first)

    first.proc.kill()  # no goodbye: the lease must expire
    first.proc.wait(timeout=10)
    died = time.monotonic()
    wait_for("the standby to take over", lambda: second.role() == "active", lease + 3, second)
    took_over = time.monotonic() - died
    run = wait_for(
        "a run by the new holder", lambda: latest(pg_store, lambda r: r.epoch == 2), 10, second
    )

    runs = open_store(pg_store).runs(limit=500)
    holders = {r.epoch: {x.holder for x in runs if x.epoch == r.epoch} for r in runs}
    assert holders == {1: {runs[-1].holder}, 2: {run.holder}}  # one writer per epoch
    assert runs[-1].holder != run.holder
    assert took_over <= lease + 1.5, f"took over after {took_over:.1f}s"
    assert second.terminate()[0] == 0
