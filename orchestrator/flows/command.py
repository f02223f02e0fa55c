"""``eastwest flows …``: ingest flow logs, map them onto segments, propose a policy.

In: the click arguments. Out: text or documents on stdout, an exit code (0 done, 1 an error
or a rejected file). Always: DuckDB and the policy machinery are imported when a command runs,
never when the CLI starts; the store is ``.eastwest/flows.duckdb`` unless ``--store`` (or
``EASTWEST_FLOWS_STORE``) says otherwise.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from orchestrator.errors import EastwestError

if TYPE_CHECKING:
    from orchestrator.flows.analysis import Observed
    from orchestrator.flows.context import PolicyView
    from orchestrator.flows.ingest import IngestReport
    from orchestrator.flows.store import FlowStore
    from orchestrator.model import LoadedPolicy
    from orchestrator.model.policy import Policy

T = TypeVar("T")
DAY = 86400


def flow_store_option(name: str, dest: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """The option naming the flow store (``--store`` here, ``--flows-store`` on ``plan``)."""
    return click.option(
        name,
        dest,
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="EASTWEST_FLOWS_STORE",
        default=Path(".eastwest/flows.duckdb"),
        show_default=True,
        help="The flow store, a DuckDB file (env: EASTWEST_FLOWS_STORE).",
    )


store_option = flow_store_option("--store", "store")
policy_args = click.argument(
    "policies", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
days_option = click.option(
    "--days", type=click.IntRange(min=1), help="Only the flows of the last DAYS days."
)


@click.group()
def flows() -> None:
    """Flow logs of the three clouds: ingest them, map them onto segments, and propose a
    policy from them (the 'flows' extra)."""


@flows.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--from",
    "cloud",
    type=click.Choice(["aws", "alibaba", "azure"]),
    help="Read the flow logs the clouds hold instead of files: PATHS are then policy files; "
    "aws: the VPC flow logs of their AWS accounts, in CloudWatch Logs and S3; alibaba: the "
    "Log Service logstores their VPC flow logs deliver to; azure: the flow-log blobs of the "
    "storage accounts their Network Watcher flow logs name (each from where the last ingest "
    "stopped).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="SOURCE",
    help="With --from alibaba: REGION/PROJECT/LOGSTORE of a flow log's logstore; with --from "
    "azure: a storage account, or ACCOUNT/CONTAINER (default container "
    "insights-logs-flowlogflowevent). Repeatable; instead of those the clouds' flow logs name.",
)
@click.option(
    "--aws-format",
    metavar="FORMAT",
    help="The custom format of AWS records without a header line (CloudWatch Logs), as "
    "given to the API: '${version} ${srcaddr} …'.",
)
@store_option
def ingest(
    paths: tuple[Path, ...],
    cloud: str | None,
    sources: tuple[str, ...],
    aws_format: str | None,
    store: Path,
) -> None:
    """Read flow-log files or folders (AWS text or Parquet, Alibaba SLS JSON lines, Azure
    VNet or NSG JSON; gzip or not) into the store; a file already ingested is skipped."""
    if cloud is not None:
        _pull(cloud, paths, sources, store)
        return
    if sources:
        raise click.BadParameter("only with --from alibaba or --from azure", param_hint="--source")
    from orchestrator.flows import aws_format as aws  # noqa: PLC0415 - CLI start stays fast
    from orchestrator.flows.ingest import ingest_paths  # noqa: PLC0415
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415

    try:
        fields = aws.parse_format(aws_format) if aws_format else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--aws-format") from None
    with _guard(lambda: FlowStore(store)) as db:
        report = ingest_paths(db, paths, fields)
    _finish(report)


def _pull(cloud: str, policies: tuple[Path, ...], sources: tuple[str, ...], store: Path) -> None:
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415

    if cloud == "aws" and sources:
        raise click.BadParameter("--from aws reads what EC2 names", param_hint="--source")
    loaded = load(policies)
    with _guard(lambda: FlowStore(store)) as db:
        report = _guard(lambda: _pull_from(cloud, loaded.policy, sources, db))
    _finish(report)


def _pull_from(cloud: str, policy: Policy, sources: tuple[str, ...], db: FlowStore) -> IngestReport:
    from orchestrator.extras import require  # noqa: PLC0415

    def progress(line: str) -> None:
        click.echo(line, err=True)

    if cloud == "aws":
        from orchestrator.flows.cloud import ingest_aws  # noqa: PLC0415

        return ingest_aws(policy, _sandbox(), db, progress)
    require(cloud, f"eastwest flows ingest --from {cloud}")
    try:
        if cloud == "alibaba":
            from orchestrator.flows.cloud_alibaba import ingest_alibaba  # noqa: PLC0415

            return ingest_alibaba(policy, sources, _sandbox(), db, progress)
        from orchestrator.flows.cloud_azure import ingest_azure  # noqa: PLC0415

        return ingest_azure(policy, sources, _sandbox(), db, progress)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--source") from None


def _finish(report: IngestReport) -> None:
    for line in report.lines():
        click.echo(line)
    sys.exit(1 if report.rejected else 0)


def _sandbox() -> dict[str, Any] | None:
    """The sandbox of ``--sandbox``/``EASTWEST_SANDBOX``, if any."""
    from orchestrator.commands import Context  # noqa: PLC0415

    ctx = click.get_current_context().find_object(Context)
    return ctx.sandbox() if ctx is not None else None


@flows.command()
@click.option("--older-than", "days", type=click.IntRange(min=1), required=True, metavar="DAYS")
@store_option
def prune(days: int, store: Path) -> None:
    """Delete the flows of the hours that ended more than DAYS days ago, and fold what is
    left into one row per conversation and hour."""
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415 - CLI start stays fast

    with _guard(lambda: FlowStore(store)) as db:
        gone, left = db.prune(days * DAY)
    click.echo(f"Deleted {gone} hourly row(s) older than {days} day(s); {left} row(s) left.")


@flows.command("map")
@policy_args
@click.option(
    "--format", "fmt", type=click.Choice(["html", "json", "dot"]), default="html", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True,
              help="Top talkers per pair.")  # fmt: skip
@days_option
@store_option
def map_(
    *,
    policies: tuple[Path, ...],
    fmt: str,
    out: Path | None,
    top: int,
    days: int | None,
    store: Path,
) -> None:
    """The segment graph of observed flows: per pair of segments the ports, volumes, the
    verdict of the policy (inspected, uninspected, denied, external) and the top talkers."""
    from orchestrator.flows.graph import build_graph, to_dot  # noqa: PLC0415
    from orchestrator.flows.html_map import render_html  # noqa: PLC0415

    loaded = load(policies)
    view, observed = _observe(loaded, store, days, top)
    graph = build_graph(observed, [s.name for s in view.policy.segments])
    if fmt == "json":
        import json  # noqa: PLC0415

        text = json.dumps(graph, indent=2) + "\n"
    elif fmt == "dot":
        text = to_dot(graph)
    else:
        text = render_html(graph, f"eastwest flows: {view.policy.name}")
    _write(text, out)


@flows.command()
@policy_args
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to a file.")
@days_option
@store_option
@click.option(
    "--segments",
    type=click.Choice(["given", "discover"]),
    default="given",
    show_default=True,
    help="given: the policy's segments; discover: segments from the tags of the networks the "
    "addresses seen are in, and from /16 clusters of private addresses in none.",
)
@click.option("--tag", default="segment", show_default=True, help="The tag naming a segment.")
def recommend(
    *,
    policies: tuple[Path, ...],
    out: Path | None,
    days: int | None,
    store: Path,
    segments: str,
    tag: str,
) -> None:
    """Propose a policy from observed flows: the given policy's accounts, hubs and segments
    (or segments discovered from the flows), and the fewest rules that allow every flow seen
    between them (ports merged), each with its evidence (flow records, first and last seen)
    as a comment."""
    from orchestrator.flows.recommend import recommend_policy  # noqa: PLC0415

    loaded = load(policies)
    if segments == "discover":
        loaded = _guard(lambda: _discovered(loaded, store, days, tag))
    view, observed = _observe(loaded, store, days, top=1)
    discovered = tag if segments == "discover" else ""
    _write(recommend_policy(policies, view, observed, discovered=discovered), out)


def _discovered(loaded: LoadedPolicy, store: Path, days: int | None, tag: str) -> LoadedPolicy:
    """The policy with the segments the addresses seen are discovered in (no rules)."""
    from orchestrator.commands import AdapterCache  # noqa: PLC0415
    from orchestrator.flows.context import read_inventory  # noqa: PLC0415
    from orchestrator.flows.recommend import with_discovered  # noqa: PLC0415
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415
    from orchestrator.model import LoadedPolicy  # noqa: PLC0415

    inventory = read_inventory(loaded.policy, AdapterCache(loaded.policy.name, _sandbox()))
    since = 0 if days is None else int(time.time()) - days * DAY
    with FlowStore(store) as db:
        rows = db.rows(
            "SELECT client FROM hourly WHERE hour >= ? UNION SELECT server FROM hourly "
            "WHERE hour >= ?",
            [since, since],
        )
    # No source map: the segments were written here, not in the files.
    return LoadedPolicy(with_discovered(loaded.policy, inventory, (a for (a,) in rows), tag), ())


def _observe(
    loaded: LoadedPolicy, store: Path, days: int | None, top: int
) -> tuple[PolicyView, Observed]:
    from orchestrator.flows.analysis import observe  # noqa: PLC0415
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415

    view = _guard(lambda: policy_view(loaded))
    since = 0 if days is None else int(time.time()) - days * DAY
    with _guard(lambda: FlowStore(store)) as db:
        return view, observe(db, view.attribution, view.judge, since, top)


def policy_view(loaded: LoadedPolicy, sandbox: dict[str, Any] | None = None) -> PolicyView:
    """The policy's membership from the inventory of its clouds (the sandbox's with
    ``--sandbox``, found on the click context when not given)."""
    from orchestrator import console  # noqa: PLC0415
    from orchestrator.commands import AdapterCache  # noqa: PLC0415
    from orchestrator.flows.context import read_inventory, view_of  # noqa: PLC0415

    if sandbox is None:
        sandbox = _sandbox()
    adapters = AdapterCache(loaded.policy.name, sandbox)
    view = view_of(loaded.policy, read_inventory(loaded.policy, adapters))
    console.print_diagnostics(loaded.locate(d) if d.path else d for d in view.diagnostics)
    return view


def plan_flows(
    loaded: LoadedPolicy, sandbox: dict[str, Any] | None, store: Path, top: int
) -> dict[str, Any]:
    """``plan --flows``: the dry run of the planned policy over the store's flows. Raises
    ``EastwestError`` (a store or inventory that cannot be read)."""
    from orchestrator.flows.analysis import observe  # noqa: PLC0415
    from orchestrator.flows.dryrun import dry_run  # noqa: PLC0415
    from orchestrator.flows.store import FlowStore  # noqa: PLC0415

    view = policy_view(loaded, sandbox)
    with FlowStore(store) as db:
        observed = observe(db, view.attribution, view.judge, top=0)
    return dry_run(observed, view.policy, top)


def load(paths: tuple[Path, ...]) -> LoadedPolicy:
    from orchestrator import console  # noqa: PLC0415
    from orchestrator.errors import PolicyError  # noqa: PLC0415
    from orchestrator.model import load_policy  # noqa: PLC0415

    try:
        return load_policy(paths)
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        click.echo(f"{len(exc.diagnostics)} problem(s) in the policy.", err=True)
        sys.exit(1)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}.", err=True)


def _guard(work: Callable[[], T]) -> T:
    """``work()``, an eastwest error becoming click's one-line ``Error: …`` and exit 1."""
    try:
        return work()
    except EastwestError as exc:
        raise click.ClickException(str(exc)) from None
