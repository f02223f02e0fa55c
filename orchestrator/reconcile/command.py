"""The click commands ``eastwest run`` and ``eastwest history`` (registered in cli.py).

Kept light on purpose: importing this module (which every ``eastwest`` invocation does) loads
neither APScheduler nor psycopg nor prometheus-client; ``run`` imports them when it starts.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestrator import console
from orchestrator.commands import Context
from orchestrator.errors import EastwestError, PolicyError
from orchestrator.extras import require
from orchestrator.reconcile.store import default_store, lease_name, open_store

if TYPE_CHECKING:
    from orchestrator.reconcile.service import Settings
    from orchestrator.reconcile.source import PolicySource

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "": 1.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$")


class Duration(click.ParamType[float]):
    """``300``, ``90s``, ``5m``, ``1h``, ``500ms`` → seconds."""

    name = "duration"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, int | float):
            return float(value)
        match = _DURATION.match(str(value))
        if match is None or float(match[1]) <= 0:
            self.fail(f"{value!r} is not a duration like 90s, 5m or 1h", param, ctx)
        return float(match[1]) * _UNITS[match[2]]


class Listen(click.ParamType[tuple[str, int] | None]):
    """``HOST:PORT`` for the metrics and health endpoints, or ``off``."""

    name = "host:port"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int] | None:
        if value is None or isinstance(value, tuple):
            return value  # click passes an already converted default through again
        text = str(value)
        if text == "off":
            return None
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit():
            self.fail(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9464) or 'off'", param, ctx)
        return host.strip("[]"), int(port)


store_option = click.option(
    "--store",
    envvar="EASTWEST_STORE",
    default=default_store,
    show_default="$XDG_STATE_HOME/eastwest/history.sqlite3",
    help="History and leases: an SQLite file, or a postgresql:// URL (env: EASTWEST_STORE).",
)
heartbeat_option = click.option(
    "--heartbeat",
    type=Duration(),
    default="10s",
    show_default=True,
    help="Queue mode: how often a worker says it is alive; its jobs go back to the queue "
    "after 3 silent heartbeats. The same value for `run --queue` and `worker`.",
)


def listen_option(default: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--listen",
        type=Listen(),
        default=default,
        show_default=True,
        help="Metrics and health endpoints (HOST:PORT, or off).",
    )


policy_args = click.argument(
    "policies", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)


@click.command()
@policy_args
@click.option(
    "--interval",
    type=Duration(),
    default="5m",
    show_default=True,
    help="Time between reconciles of a partition.",
)
@click.option(
    "--mode",
    type=click.Choice(["audit", "enforce"]),
    default="audit",
    show_default=True,
    help="audit: report only; enforce: apply the plan.",
)
@store_option
@listen_option("127.0.0.1:9464")
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--lease-period",
    type=Duration(),
    default="30s",
    show_default=True,
    help="How long the active instance's lease lasts unrenewed.",
)
@click.option(
    "--jitter",
    type=Duration(),
    default=None,
    help="Random delay added to each tick [default: a tenth of the interval].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Partitions reconciled at once.",
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="Only the partitions named so or under it (aws, aws/ACCOUNT, aws/ACCOUNT/REGION); "
    "repeatable. Default: every partition of the policy.",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Queue one job per partition per interval in the PostgreSQL store (procrastinate) "
    "for `eastwest worker` processes, instead of reconciling here.",
)
@heartbeat_option
@click.option(
    "--probe-firewalls",
    is_flag=True,
    help="Probe each hub's PAN-OS firewalls every interval and route around unhealthy ones.",
)
@click.option(
    "--firewall-probes",
    type=click.Choice(["panos", "cloud", "panos,cloud"]),
    default="panos",
    show_default=True,
    help="With --probe-firewalls: what must say up (cloud: AWS GWLB targets, Alibaba ECS).",
)
@click.option(
    "--flows-store",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Audit mode: each tick dry-runs the plan over this flow store's flows (docs/flows.md).",
)
@click.pass_obj
def run(
    ctx: Context,
    *,
    policies: tuple[Path, ...],
    interval: float,
    mode: str,
    store: str,
    listen: tuple[str, int] | None,
    log_format: str,
    lease_period: float,
    jitter: float | None,
    workers: int,
    probe_firewalls: bool = False,
    firewall_probes: str = "panos",
    flows_store: Path | None = None,
    scopes: tuple[str, ...] = (),
    queue: bool = False,
    heartbeat: float = 10.0,
) -> None:
    """Reconcile POLICY… on a schedule: report drift (audit) or correct it (enforce)."""
    # Deferred: APScheduler, psycopg and prometheus-client are loaded only by this command.
    from orchestrator.reconcile.once import Mode  # noqa: PLC0415
    from orchestrator.reconcile.service import Service, Settings, configure_logging  # noqa: PLC0415
    from orchestrator.reconcile.source import PolicySource  # noqa: PLC0415

    configure_logging(log_format)
    source = PolicySource(policies)
    try:
        policy_name = source.load().loaded.policy.name
        history = open_store(store)
        sandbox = ctx.sandbox()
        if probe_firewalls:
            from orchestrator.reconcile.probes import with_firewall_health  # noqa: PLC0415

            probes = firewall_probes.split(",")
            source = with_firewall_health(source, policy_name, sandbox, interval, probes=probes)
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        _exit(f"{len(exc.diagnostics)} problem(s) in the policy; nothing to reconcile towards")
    except EastwestError as exc:
        _exit(str(exc))
    settings = Settings(
        interval=interval,
        mode=Mode(mode),
        listen=listen,
        lease_period=lease_period,
        workers=workers,
        jitter=interval / 10 if jitter is None else jitter,
        # Named at start: a renamed policy keeps the leases it was elected under until restart.
        lease=lease_name(policy_name),
        flows_store=flows_store if mode == "audit" else None,
        scopes=scopes,
    )
    try:
        if queue:
            sys.exit(_defer(settings, source, store, heartbeat))
        sys.exit(Service(settings, source, history, sandbox).run())
    except EastwestError as exc:  # e.g. the metrics port in use
        _exit(str(exc))


def _defer(settings: Settings, source: PolicySource, store: str, heartbeat: float) -> int:
    _require_queue(store, "eastwest run --queue")
    from orchestrator.reconcile.queue_service import Deferral  # noqa: PLC0415 - procrastinate

    return Deferral(settings, source, open_store(store), heartbeat).run(store)


def _require_queue(store: str, user: str) -> None:
    if not store.startswith(("postgresql://", "postgres://")):
        _exit(f"{user} needs a PostgreSQL store (--store postgresql://…); got {store}")
    try:
        require("worker", user)
    except EastwestError as exc:
        _exit(str(exc))


@click.command()
@policy_args
@store_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs this process runs at once (threads); add processes to use more cores.",
)
@click.option(
    "--lease-period",
    type=Duration(),
    default="30s",
    show_default=True,
    help="How long a partition's lease lasts unrenewed if this worker dies mid-job.",
)
@heartbeat_option
@listen_option("127.0.0.1:9465")
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_obj
def worker(
    ctx: Context,
    *,
    policies: tuple[Path, ...],
    store: str,
    concurrency: int,
    lease_period: float,
    heartbeat: float,
    log_format: str,
    listen: tuple[str, int] | None = None,
) -> None:
    """Run the partition jobs `eastwest run --queue` queues for POLICY… (PostgreSQL)."""
    _require_queue(store, "eastwest worker")
    from orchestrator.reconcile.http import serve  # noqa: PLC0415 - prometheus-client
    from orchestrator.reconcile.queue import run_worker  # noqa: PLC0415 - procrastinate
    from orchestrator.reconcile.service import configure_logging  # noqa: PLC0415
    from orchestrator.reconcile.snapshot_store import StoredSnapshots  # noqa: PLC0415
    from orchestrator.reconcile.source import PolicySource  # noqa: PLC0415
    from orchestrator.reconcile.worker import PartitionRunner  # noqa: PLC0415

    configure_logging(log_format)
    source = PolicySource(policies)
    try:
        source.load()
        runner = PartitionRunner(
            source,
            open_store(store),
            ctx.sandbox(),
            lease_period=lease_period,
            snapshots=StoredSnapshots(store),
        )
        server = serve(listen, runner.metrics.exposition, runner.readiness)
        try:
            run_worker(store, runner, concurrency=concurrency, heartbeat=heartbeat)
        finally:
            if server is not None:
                server.stop()
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        _exit(f"{len(exc.diagnostics)} problem(s) in the policy; no job can run")
    except EastwestError as exc:
        _exit(str(exc))


@click.command()
@click.option("--partition", help="Only this partition, e.g. aws/111111111111/us-east-1.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, with each run's plan.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@store_option
def history(partition: str | None, as_json: bool, limit: int, store: str) -> None:
    """Show the reconciler's latest runs, newest first."""
    if not store.startswith(("postgresql://", "postgres://")) and not Path(store).is_file():
        _exit(f"no history at {store}: `eastwest run` has not recorded anything there")
    try:
        runs = open_store(store).runs(partition=partition, limit=limit)
    except EastwestError as exc:
        _exit(str(exc))
    for record in runs:
        if as_json:
            click.echo(json.dumps(record.to_json()))
            continue
        took = (record.finished_at - record.started_at).total_seconds()
        click.echo(
            f"{record.started_at:%Y-%m-%d %H:%M:%S} {record.partition} {record.mode:7} "
            f"{record.outcome:8} drift={record.drift} changes={record.changes} "
            f"errors={record.errors} {took:.2f}s epoch={record.epoch}"
        )


def _exit(message: str) -> None:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    sys.exit(1)
