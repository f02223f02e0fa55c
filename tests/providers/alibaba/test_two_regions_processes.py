"""Two eastwest processes at once, one per region of the two-region policy, on a sandbox daemon.

``eastwest run --mode enforce --scope alibaba/<account>/<region>``, one process for cn-hangzhou
and one for cn-shanghai (seeded on the daemon's CEN through ``POST /_eastwest/regions``),
sharing one history store, with the Alibaba fake throttling 30 % of all calls, failing 5 %
with a 5xx and losing 5 % of the answers. The leases are per policy and scope, so both are
active at once, each the only writer of its scope; they run until each scope reports nothing
left to change. Then, with the faults off: ``eastwest plan`` is empty, and read back through
the SDK in both regions no two objects share a key, every object with all of the marks is in
the plan, and nothing without them changed (the chaos suite's ``check``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.reconcile.store import RunRecord, open_store
from tests.chaos import run
from tests.chaos.run import Outcome, check
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.test_two_regions import REGIONS, SH, SHARES, two_region_doc, world

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).parents[3]
SCOPES = {region: f"alibaba/{c.ACCOUNT}/{region}" for region in REGIONS}
SETTLED = ("in_sync", "findings")  # nothing left to change (findings: the seeded DBA group)
CONVERGE_S = 600.0  # under faults a tick waits in production backoff; a hung run, not a slow one


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[Path]:
    with run.own_sandbox(tmp_path / "sandbox") as directory:
        yield directory


def post(url: str, body: dict[str, Any] | None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "DELETE")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def reconciler(sandbox: Path, policy: Path, store: str, scope: str, log: Path) -> Any:
    command = [sys.executable, "-m", "orchestrator", "--sandbox", str(sandbox), "run"]
    command += [str(policy), "--mode", "enforce", "--interval", "2s", "--scope", scope]
    command += ["--store", store, "--listen", "off"]
    with log.open("wb") as sink:
        return subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)


def settled(store: str) -> bool:
    runs = open_store(store).runs(limit=1000) if Path(store).exists() else []
    done = {r.partition for r in runs if r.outcome in SETTLED and r.changes == 0}
    return done >= set(SCOPES.values())


def wait_settled(store: str, procs: list[Any], logs: list[Path]) -> None:
    deadline = time.monotonic() + CONVERGE_S
    while not settled(store):
        tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
        assert all(p.poll() is None for p in procs), f"a reconciler exited early:\n{tails}"
        assert time.monotonic() < deadline, f"the scopes never settled:\n{tails}"
        time.sleep(1.0)


def stop(procs: list[Any]) -> list[int]:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=30))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait(timeout=10))
    return codes


def test_two_reconcilers_on_the_two_regions_scopes_apply_at_once_under_faults(
    own_sandbox: Path, tmp_path: Path
) -> None:
    ali = load_sandbox(own_sandbox)["alibaba"]
    second = post(f"{ali['endpoint_url']}/_eastwest/regions", {"RegionId": SH})
    zone = ali["landing_zone"]
    enis = {z: zone["firewall_enis"][lz.firewall_eni_name(z)] for z in lz.ZONES}
    doc = two_region_doc(
        zone["transit_router"], zone["vpcs"]["security"], enis, second["transit_router"]
    )
    policy = tmp_path / "two-regions.yaml"
    policy.write_text(json.dumps(doc))
    before = world(ali)
    store = str(tmp_path / "history.sqlite3")
    logs = [tmp_path / f"run-{region}.log" for region in REGIONS]

    post(f"{ali['endpoint_url']}/_eastwest/faults", {**SHARES, "seed": 5})
    procs = [
        reconciler(own_sandbox, policy, store, SCOPES[region], log)
        for region, log in zip(REGIONS, logs, strict=True)
    ]
    try:
        wait_settled(store, procs, logs)
    finally:
        post(f"{ali['endpoint_url']}/_eastwest/faults", None)
        codes = stop(procs)
    assert codes == [0, 0], [log.read_text(errors="replace")[-3000:] for log in logs]

    runs = open_store(store).runs(limit=1000)
    by_scope: dict[str, list[RunRecord]] = {}
    for record in runs:
        by_scope.setdefault(record.partition, []).append(record)
    assert set(by_scope) == set(SCOPES.values())
    holders = {scope: {r.holder for r in rows} for scope, rows in by_scope.items()}
    assert all(len(h) == 1 for h in holders.values()), holders  # one writer per scope
    assert len(set.union(*holders.values())) == 2  # each process held its own scope
    hz, sh = (by_scope[SCOPES[r]] for r in REGIONS)
    # Both were writing at once: each scope's first run began before the other's last ended.
    assert min(r.started_at for r in hz) < max(r.finished_at for r in sh)
    assert min(r.started_at for r in sh) < max(r.finished_at for r in hz)

    plan = ["--sandbox", str(own_sandbox), "plan", str(policy), "--json"]
    result = CliRunner().invoke(main, plan)
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout)
    assert [c["key"] for s in last["scopes"] for c in s["changes"]] == []
    after = world(ali)
    outcome = Outcome(5, None)
    check(outcome, before, after, last)
    assert (outcome.duplicates, outcome.disowned, outcome.unowned_changes) == ([], [], [])
    # Each process wrote its own scope, read back from the cloud: every scope holds objects of
    # ours that were not there before, and its one lease holder is the only process that wrote
    # there. (Not from the runs' outcomes: under faults the run that makes the last write can
    # still fail, on a lost answer or a throttled read after it, and the next one is in sync.)
    ours_before = {m.native_id for m in before.marked}
    created = {
        s["scope"]: {v["id"] for v in s["native"].values()} - ours_before for s in last["scopes"]
    }
    assert set(created) == set(SCOPES.values())
    assert all(created.values()), created
