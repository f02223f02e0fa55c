"""Flow-store benchmark: ingest N generated AWS records, then the map and the dry run.

    .venv/bin/python -m tests.orchestrator.flows.bench 10000000 [DIR]

Writes one default-format file of N records (both directions of random connections between
hosts of the truth policy's segments and outside), ingests it with ``eastwest flows ingest``
in a child process (its wall time and peak RSS measured by the kernel), then times the
observation, the map document and the dry run on that store. Prints one line per step.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestrator.flows.analysis import observe
from orchestrator.flows.context import view_of
from orchestrator.flows.dryrun import dry_run
from orchestrator.flows.graph import build_graph
from orchestrator.flows.store import FlowStore
from tests.orchestrator.flows import truth

PORTS = (443, 5432, 8080, 53, 22, 3306)


def write(path: Path, count: int) -> None:
    rng = random.Random(1)
    hosts = [f"10.{a}.{b}.{c}" for a in (10, 20, 30) for b in range(8) for c in range(1, 60)]
    hosts += [f"203.0.113.{c}" for c in range(1, 40)]
    start = 1_764_547_200
    with path.open("w") as out:
        for i in range(0, count, 2):
            client, server = rng.choice(hosts), rng.choice(hosts)
            eph, port, t = rng.randint(32768, 60999), rng.choice(PORTS), start + i // 50
            out.write(f"2 111111111111 eni-1 {client} {server} {eph} {port} 6 3 900 "
                      f"{t} {t + 30} ACCEPT OK\n"
                      f"2 111111111111 eni-2 {server} {client} {port} {eph} 6 2 1800 "
                      f"{t} {t + 30} ACCEPT OK\n")  # fmt: skip


def main(count: int, folder: Path) -> None:
    path, store = folder / "flows.log", folder / "flows.duckdb"
    began = time.time()
    write(path, count)
    print(f"generate {count} records: {time.time() - began:.1f} s, {path.stat().st_size >> 20} MiB")
    began = time.time()
    eastwest = Path(sys.executable).parent / "eastwest"
    subprocess.run([str(eastwest), "flows", "ingest", str(path), "--store", str(store)],
                   check=True)  # fmt: skip
    took = time.time() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10
    print(f"ingest: {took:.1f} s, {count / took:,.0f} records/s, peak RSS {peak} MiB")
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(store) as db:
        began = time.time()
        observed = observe(db, view.attribution, view.judge)
        build_graph(observed, [s.name for s in view.policy.segments])
        print(f"map (observe + graph): {time.time() - began:.2f} s")
        began = time.time()
        report = dry_run(observe(db, view.attribution, view.judge), view.policy)
        print(f"dry run: {time.time() - began:.2f} s, {report['blocked_records']} blocked")
        rows = db.rows("SELECT count(*) FROM hourly")[0][0]
        print(f"hourly rows: {rows}, store {store.stat().st_size >> 20} MiB")


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    if len(sys.argv) > 2:
        main(size, Path(sys.argv[2]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(size, Path(tmp))
