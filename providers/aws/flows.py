"""AWS VPC Flow Logs where the VPCs deliver them: the CloudWatch Logs groups and the S3
buckets that EC2's flow-log resources name.

In: an account's ``AwsClients``, a region and, per log group, the last event time already
read. Out: one ``LogBatch`` per log group: the records (one flow-log line per event) newer
than that, in time order, with the group's ``LogFormat``; and the S3 destinations
(``providers.aws.flow_objects`` lists and reads their objects). Raises ``ProviderError``
(mapped at this boundary) when a read fails.
Always: reads only (``DescribeFlowLogs``, ``FilterLogEvents``); flow logs delivered to
Kinesis Data Firehose are listed in ``elsewhere``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from providers.aws.errors import translate
from providers.aws.flow_objects import S3Destination
from providers.aws.session import AwsClients, sandbox_clients, standard_clients


@dataclass(frozen=True, slots=True)
class LogBatch:
    source: str  # aws/<account>/<region>/cloudwatch:<group>
    group: str
    log_format: str | None  # None: the default format
    lines: tuple[str, ...]
    last_ms: int  # the newest event's timestamp (the cursor for next time)


@dataclass(frozen=True, slots=True)
class FlowLogRead:
    batches: tuple[LogBatch, ...]
    buckets: tuple[S3Destination, ...]  # each once, however many flow logs deliver there
    elsewhere: tuple[str, ...]  # "fl-…: kinesis-data-firehose arn:…"


def read_flow_logs(
    clients: AwsClients, account: str, region: str, since_ms: Mapping[str, int]
) -> FlowLogRead:
    where = f"aws {account} {region} flow logs"
    try:
        groups, buckets, elsewhere = _destinations(clients.ec2(region))
        logs = clients.client("logs", region)
        batches = tuple(
            _read_group(logs, f"aws/{account}/{region}/cloudwatch:{g}", g, fmt, since_ms)
            for g, fmt in groups.items()
        )
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, where) from None
    return FlowLogRead(batches, tuple(dict.fromkeys(buckets)), tuple(elsewhere))


def _destinations(ec2: Any) -> tuple[dict[str, str | None], list[S3Destination], list[str]]:
    groups: dict[str, str | None] = {}
    buckets: list[S3Destination] = []
    elsewhere: list[str] = []
    # S3 objects are read in the format each names (a header line, or Parquet's columns), so
    # an S3 flow log's LogFormat is not needed; 1,000 is DescribeFlowLogs' largest page.
    for page in ec2.get_paginator("describe_flow_logs").paginate(MaxResults=1000):
        for flow_log in page["FlowLogs"]:
            kind = flow_log.get("LogDestinationType", "cloud-watch-logs")
            bucket = S3Destination.of(flow_log)
            if kind == "cloud-watch-logs" and flow_log.get("LogGroupName"):
                groups.setdefault(flow_log["LogGroupName"], flow_log.get("LogFormat"))
            elif bucket is not None:
                buckets.append(bucket)
            else:
                elsewhere.append(
                    f"{flow_log['FlowLogId']}: {kind} {flow_log.get('LogDestination')}"
                )
    return groups, buckets, elsewhere


def _read_group(
    logs: Any, source: str, group: str, log_format: str | None, since_ms: Mapping[str, int]
) -> LogBatch:
    start = since_ms.get(source, -1) + 1
    events: list[tuple[int, str, str]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start}
    while True:
        page = logs.filter_log_events(**kwargs)
        events += [(e["timestamp"], e["logStreamName"], e["message"]) for e in page["events"]]
        token = page.get("nextToken")
        if not token or token == kwargs.get("nextToken"):
            break
        kwargs["nextToken"] = token
    events.sort()
    last = events[-1][0] if events else start - 1
    return LogBatch(source, group, log_format, tuple(e[2] for e in events), last)


def account_clients(
    account: str, profile: str | None, sandbox: Mapping[str, Any] | None
) -> AwsClients:
    """The account's clients: its profile's credential chain, or the sandbox's moto server."""
    if sandbox is not None:
        return sandbox_clients(sandbox, account)
    return standard_clients(profile)
