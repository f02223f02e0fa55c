"""Flow-store benchmark: ingest N generated AWS records, then the map and the dry run on that
store.

    make bench   (or: .venv/bin/python -m tests.benchmarks.flows [N] [DIR]; N = 10,000,000;
                  DIR is made if missing, a store left in it by an earlier run replaced,
                  its log of N records, DIR/flows-N.log, reused)

Writes one default-format file of N records (both directions of random connections between
~750 hosts of the truth policy's segments and outside, 6 server ports; once: a rerun into
the same folder reuses it), ingests it with
``eastwest flows ingest`` in a child process (its wall time, CPU time and peak RSS measured by
the kernel), then times the observation plus the map document, and the dry run of
``plan --flows``, on that store. CPU time is printed beside wall time, and the load average
before and after: the machine is shared, and wall time counts the other work on it.
"""

from __future__ import annotations

import os
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


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ingest(path: Path, store: Path, count: int) -> None:
    print(f"load average before ingest: {_load()}")
    began = time.time()
    eastwest = Path(sys.executable).parent / "eastwest"
    subprocess.run([str(eastwest), "flows", "ingest", str(path), "--store", str(store)],
                   check=True)  # fmt: skip
    took = time.time() - began
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = child.ru_utime + child.ru_stime
    print(f"ingest: {took:.1f} s wall, {cpu:.1f} s CPU, {count / took:,.0f} records/s, "
          f"{count / cpu:,.0f} records per CPU second, peak RSS {child.ru_maxrss >> 10} MiB; "
          f"load average after: {_load()}")  # fmt: skip


def analyse(store: Path) -> None:
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(store) as db:
        began, cpu = time.time(), time.process_time()
        observed = observe(db, view.attribution, view.judge)
        build_graph(observed, [s.name for s in view.policy.segments])
        print(f"map (observe + graph): {time.time() - began:.2f} s wall, "
              f"{time.process_time() - cpu:.2f} s CPU")  # fmt: skip
        began, cpu = time.time(), time.process_time()
        report = dry_run(observe(db, view.attribution, view.judge, top=0), view.policy)
        print(f"dry run: {time.time() - began:.2f} s wall, {time.process_time() - cpu:.2f} s "
              f"CPU, {report['blocked_records']} blocked")  # fmt: skip
        rows = db.rows("SELECT count(*) FROM conversations")[0][0]
    print(f"hourly rows: {rows}, store {store.stat().st_size >> 20} MiB; load: {_load()}")


def fresh(folder: Path, count: int) -> tuple[Path, Path]:
    """The folder (made if missing), its log of ``count`` records and its store path. A
    store left by an earlier run is removed, or the ingest would skip the file as already
    ingested and time nothing; a log of the same count is kept (its content depends on the
    count alone, and writing 10M records takes minutes)."""
    folder.mkdir(parents=True, exist_ok=True)
    path, store = folder / f"flows-{count}.log", folder / "flows.duckdb"
    store.unlink(missing_ok=True)
    Path(f"{store}.wal").unlink(missing_ok=True)
    return path, store


def main(count: int, folder: Path) -> None:
    path, store = fresh(folder, count)
    began = time.time()
    if path.exists():
        print(f"reuse {path}: {path.stat().st_size >> 20} MiB")
    else:
        # Written aside, then renamed: an interrupted run leaves no partial log to reuse.
        partial = path.with_suffix(".partial")
        write(partial, count)
        partial.rename(path)
        print(f"generate {count} records: {time.time() - began:.1f} s, "
              f"{path.stat().st_size >> 20} MiB")  # fmt: skip
    ingest(path, store, count)
    analyse(store)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    if len(sys.argv) > 2:
        main(size, Path(sys.argv[2]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(size, Path(tmp))
