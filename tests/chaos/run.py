"""One seeded chaos run, and ``python -m tests.chaos.run`` for many (``make chaos``).

A run: reset and re-seed the sandbox; plant one decoy per cloud; read the clouds (``world``);
turn on faults on every action of the three fakes (30 % throttling, 5 % 5xx, 5 % lost answers);
``eastwest apply`` in a subprocess, SIGKILLed at a seeded moment (or not, one run in four); then
up to two more applies under faults until ``eastwest plan --detailed-exitcode`` (faults off)
says nothing is left. With the faults off, the clouds are read again and four invariants are
checked, from what the SDKs answer:

- converged: a plan is empty after at most two applies following the killed one;
- duplicates: no two objects with all of the policy's marks carry one key;
- disowned: every object with all of the marks is in the last plan's inventory (``native``),
  and every route added since the start is claimed (AWS: the table's ``eastwest:routes:<policy>``
  record; Alibaba and Azure: a route key in ``native``);
- unowned changes: every object without all of the marks (decoys included) and every route
  present at the start that eastwest does not claim is byte for byte as it was.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from moto_fixtures.aws.seed import seed_landing_zone
from moto_fixtures.sandbox import load_sandbox, sandbox_down, sandbox_up
from tests.chaos.decoys import SHARES, plant, set_faults
from tests.chaos.world import View, read_view

ROOT = Path(__file__).parents[2]
POLICY_FILE = ROOT / "policies" / "examples" / "sandbox-multicloud.yaml"
POLICY = "sandbox"
KILL_WINDOW = (1.0, 240.0)  # seconds after start: from the first reads to the last steps
APPLY_TIMEOUT = 1800.0  # a hung apply, not a slow one (under faults: 2-7 min)


@dataclass
class Outcome:
    seed: int
    killed_after: float | None
    exits: list[int] = field(default_factory=list)  # the applies' exit codes (-9: killed)
    applies_to_converge: int | None = None  # complete applies after the killed one
    duplicates: list[str] = field(default_factory=list)
    disowned: list[str] = field(default_factory=list)
    unowned_changes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        bad = self.duplicates or self.disowned or self.unowned_changes
        return self.applies_to_converge is not None and not bad


@contextmanager
def own_sandbox(directory: Path) -> Iterator[Path]:
    """A sandbox of a test's own in ``directory``, stopped on leaving: faults, kills, decoys
    and extra regions never reach the session's."""
    sandbox_up(directory)
    try:
        yield directory
    finally:
        sandbox_down(directory)


def reset(directory: Path) -> dict[str, Any]:
    """The sandbox as the tests' ``sandbox_dir`` leaves it: every fake fresh and seeded."""
    sandbox = load_sandbox(directory)
    set_faults(sandbox, 0, {})
    _post(sandbox["control_url"] + "/_eastwest/reset", timeout=60)
    endpoint = sandbox["aws"]["endpoint_url"]
    _post(endpoint + "/moto-api/reset")
    seed_landing_zone(endpoint)
    return load_sandbox(directory)


def _post(url: str, timeout: float = 10) -> None:
    request = urllib.request.Request(url, method="POST")
    with urllib.request.urlopen(request, timeout=timeout):
        pass


def _eastwest(directory: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "orchestrator", "--sandbox", str(directory), *args]


def apply(directory: Path, policy: Path, kill_after: float | None, log: Path) -> int:
    command = _eastwest(directory, "apply", str(policy), "--auto-approve")
    with log.open("ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            return proc.wait(timeout=kill_after if kill_after is not None else APPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return -signal.SIGKILL


def plan(directory: Path, policy: Path) -> tuple[int, dict[str, Any]]:
    command = _eastwest(directory, "plan", str(policy), "--json", "--detailed-exitcode")
    done = subprocess.run(
        command, capture_output=True, cwd=ROOT, timeout=APPLY_TIMEOUT, check=False
    )
    try:
        body: dict[str, Any] = json.loads(done.stdout or b"{}")
    except json.JSONDecodeError:
        body = {}
    return done.returncode, body


def chaos_run(
    directory: Path,
    seed: int,
    log: Path,
    policy: Path = POLICY_FILE,
    kill_window: tuple[float, float] = KILL_WINDOW,
) -> Outcome:
    started, rng = time.monotonic(), random.Random(seed)
    sandbox = reset(directory)
    plant(sandbox, rng, POLICY)
    before = read_view(sandbox, POLICY)
    kill_after = None if rng.random() < 0.25 else rng.uniform(*kill_window)
    outcome = Outcome(seed, kill_after)
    set_faults(sandbox, seed, SHARES)
    outcome.exits.append(apply(directory, policy, kill_after, log))
    last: dict[str, Any] = {}
    for attempt in (1, 2):
        set_faults(sandbox, seed + 1000 * attempt, SHARES)
        outcome.exits.append(apply(directory, policy, None, log))
        set_faults(sandbox, 0, {})
        code, last = plan(directory, policy)
        if converged(code, last, before):
            outcome.applies_to_converge = attempt
            break
    check(outcome, before, read_view(sandbox, POLICY), last)
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def converged(code: int, last_plan: Mapping[str, Any], before: View) -> bool:
    """Whether the plan after an apply has nothing left for eastwest to do.

    Exit 0, or exit 3 (no changes, but the effective-access check found flows not as the policy
    says) when every finding is a flow opened by an object that was there, unmarked, before
    eastwest's first apply: the sandbox seeds such groups on purpose (a DBA's ``pg-open`` group
    on the db workloads), eastwest never changes them, so no apply can remove the finding.
    A finding that names anything else (an eastwest object, or nothing known) is not converged.
    """
    if code == 0:
        return True
    changes = [c for s in last_plan.get("scopes", []) for c in s.get("changes", [])]
    changes += [c for f in last_plan.get("firewalls", []) for c in f.get("changes", [])]
    findings = last_plan.get("access", {}).get("findings", [])
    if code != 3 or changes or not findings:
        return False
    foreign = {name.split(" ")[-1] for name in before.unowned}
    return all(
        f["finding"] == "open beyond policy" and _opened_by(f["problem"]) <= foreign
        for f in findings
    )


def _opened_by(problem: str) -> set[str]:
    """The native ids of the groups or lists a finding names: ``opened by <id> (<name>) rule
    …; <id> …`` (an empty id when it names none, which is never foreign)."""
    if "opened by " not in problem:
        return {""}
    named = problem.split("opened by ", 1)[1].split("; ")
    return {(n.split() or [""])[0] for n in named}


def check(outcome: Outcome, before: View, after: View, last_plan: Mapping[str, Any]) -> None:
    native = {k: v["id"] for s in last_plan.get("scopes", []) for k, v in s["native"].items()}
    owned_ids, keys = set(native.values()), set(native)
    by_key: dict[tuple[str, str], list[str]] = {}
    for m in after.marked:
        by_key.setdefault((m.cloud, m.key), []).append(m.native_id)
        if m.native_id not in owned_ids:
            outcome.disowned.append(f"{m.cloud} {m.kind} {m.native_id} ({m.key})")
    outcome.duplicates = [f"{k[1]}: {v}" for k, v in by_key.items() if len(v) > 1]
    for route in sorted(set(after.routes) - set(before.routes)):
        if not _claimed(route, after, keys):
            outcome.disowned.append(f"route {route}")
    for name, body in before.unowned.items():
        if after.unowned.get(name) != body:
            outcome.unowned_changes.append(name)
    for route, body in before.routes.items():
        if after.routes.get(route) != body and not _claimed(route, after, keys):
            outcome.unowned_changes.append(f"route {route}")


def _claimed(route: str, after: View, keys: set[str]) -> bool:
    cloud, table, dest = route.split(" ", 2)
    if cloud == "aws":
        return route in after.claimed
    return any(k.endswith(f"/rtb/{table}/{dest.replace('/', '_')}") for k in keys)


def trimmed_policy(out: Path) -> Path:
    """The multicloud policy cut to ``app`` and ``db``, the rule between them uninspected and
    no hubs (groups, address sets and attachments on three clouds, no transit routing): the
    suite's bounded run, about a fifth of the calls of the whole policy."""
    body = yaml.safe_load(POLICY_FILE.read_text())
    body["segments"] = [s for s in body["segments"] if s["name"] in ("app", "db")]
    body["rules"] = [
        {"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]},
    ]
    body.pop("hubs", None)
    path = out / "chaos-app-db.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def run_seeds(directory: Path, seeds: list[int], policy: Path, out: Path) -> list[Outcome]:
    """Each seed in turn on one sandbox of its own (started here, stopped at the end)."""
    directory.mkdir(parents=True, exist_ok=True)
    sandbox_up(directory)
    outcomes = []
    try:
        for seed in seeds:
            outcome = chaos_run(directory, seed, directory / f"seed-{seed}.log", policy)
            outcomes.append(outcome)
            with out.open("a") as sink:
                sink.write(json.dumps({**asdict(outcome), "ok": outcome.ok}) + "\n")
    finally:
        sandbox_down(directory)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=4, help="sandboxes side by side")
    parser.add_argument("--dir", type=Path, default=ROOT / ".eastwest" / "chaos")
    parser.add_argument("--policy", type=Path, default=POLICY_FILE)
    args = parser.parse_args(argv)
    seeds = list(range(args.first_seed, args.first_seed + args.runs))
    out = args.dir / "outcomes.jsonl"
    args.dir.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    started = time.monotonic()
    # Most of a run is spent waiting in the clients' backoff, so sandboxes side by side cost
    # little CPU; each job has its own sandbox, ports and seeds.
    jobs = [
        subprocess.Popen(
            [sys.executable, "-c", _JOB, str(args.dir / f"job-{j}"), str(args.policy), str(out),
             *map(str, seeds[j :: args.jobs])],
            cwd=ROOT,
        )
        for j in range(min(args.jobs, len(seeds)))
    ]  # fmt: skip
    codes = [job.wait() for job in jobs]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    print(summary(rows, time.monotonic() - started))
    return 1 if any(codes) or len(rows) < len(seeds) or not all(r["ok"] for r in rows) else 0


_JOB = """
import sys
from pathlib import Path
from tests.chaos.run import run_seeds
run_seeds(Path(sys.argv[1]), [int(s) for s in sys.argv[4:]], Path(sys.argv[2]), Path(sys.argv[3]))
"""


def summary(rows: list[dict[str, Any]], seconds: float) -> str:
    held = [r for r in rows if r["ok"]]
    lines = [
        f"{len(held)}/{len(rows)} runs held every invariant in {seconds:.0f} s",
        "seed  killed_after  exits      applies  dup  disowned  unowned  seconds",
    ]
    for r in sorted(rows, key=lambda r: r["seed"]):
        killed = "-" if r["killed_after"] is None else f"{r['killed_after']:.1f}"
        lines.append(
            f"{r['seed']:>4}  {killed:>12}  {','.join(map(str, r['exits'])):<9}  "
            f"{r['applies_to_converge'] or 'no':>7}  {len(r['duplicates']):>3}  "
            f"{len(r['disowned']):>8}  {len(r['unowned_changes']):>7}  {r['seconds']:>7}"
        )
    for r in rows:
        for kind in ("duplicates", "disowned", "unowned_changes"):
            lines += [f"seed {r['seed']} {kind}: {item}" for item in r[kind]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
