"""The sandbox's AWS flow log delivered to S3: a bucket, the ``s3`` flow log on the spoke
VPCs, and its objects as S3 delivery writes them.

In: the local AWS endpoint. Out: the bucket ``BUCKET`` holding the landing zone's traffic
(``moto_fixtures.aws.flowlogs.flow_lines``) under the delivery's key layout
(``AWSLogs/{account}/vpcflowlogs/{region}/yyyy/mm/dd/{account}_vpcflowlogs_{region}_{id}_
{yyyymmddTHHmmZ}_{hash}.log.gz``): one gzip text object per hour, its first line naming the
fields, and the last hour as Parquet (a real flow log writes one ``FileFormat``; the sandbox
shows both readers with one pull). Returns the number of records put.
Always: the same records as the CloudWatch Logs helper, so both deliveries map alike; the
malformed lines (a truncated one, one of version 9) go in the text objects, since Parquet's
typed columns cannot hold them. Without DuckDB (the flows extra) the last hour is text too.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ec2_client
from moto_fixtures.aws.flowlogs import flow_lines, service_client

BUCKET = "eastwest-sandbox-flow-logs"
HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status"
)
# The Parquet delivery's columns: the fields with "_" for "-" (VPC User Guide, "Flow log files").
_PARQUET_COLUMNS = (
    "{'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', "
    "'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', "
    "'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', "
    "'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'}"
)


def publish_s3(endpoint_url: str, seed: int = 20261205) -> int:
    s3 = service_client(endpoint_url, "s3")
    s3.create_bucket(Bucket=BUCKET)
    flow_log = _flow_log(endpoint_url)
    made = _objects(seed)
    for hour, body, parquet in made:
        s3.put_object(Bucket=BUCKET, Key=object_key(flow_log, hour, body, parquet), Body=body)
    return len(flow_lines(seed))


@functools.cache
def _objects(seed: int) -> tuple[tuple[int, bytes, bool], ...]:
    """(hour, body, whether Parquet) per object: made once per process, since every reset of
    the sandbox seeds them again (DuckDB's Parquet writer is the slow part)."""
    hours = sorted(_by_hour(flow_lines(seed)).items())
    made = []
    for index, (hour, lines) in enumerate(hours):
        parquet = index == len(hours) - 1 and _duckdb() is not None and _well_formed(lines)
        made.append((hour, _parquet(lines) if parquet else _text(lines), parquet))
    return tuple(made)


def _text(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode(), mtime=0)


def object_key(flow_log: str, hour: int, body: bytes, parquet: bool) -> str:
    account, region = lz.ACCOUNT_ID, lz.REGION
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(hour))
    day = time.strftime("%Y/%m/%d", time.gmtime(hour))
    name = f"{account}_vpcflowlogs_{region}_{flow_log}_{stamp}_{hashlib.md5(body).hexdigest()[:8]}"  # noqa: S324 - a name, not a secret
    suffix = ".parquet" if parquet else ".log.gz"
    return f"AWSLogs/{account}/vpcflowlogs/{region}/{day}/{name}{suffix}"


def _flow_log(endpoint_url: str) -> str:
    ec2 = ec2_client(endpoint_url, lz.ACCOUNT_ID, lz.REGION)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["segment"]}])["Vpcs"]
    made = ec2.create_flow_logs(
        ResourceIds=[v["VpcId"] for v in vpcs],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        # The bucket itself: moto refuses an ARN with a folder ("does not exist").
        LogDestination=f"arn:aws:s3:::{BUCKET}",
        DestinationOptions={"FileFormat": "plain-text", "HiveCompatiblePartitions": False,
                            "PerHourPartition": False},
    )  # fmt: skip
    return str(made["FlowLogIds"][0])


def _by_hour(lines: list[str]) -> dict[int, list[str]]:
    """Lines by the hour of their start (a line too short to say goes with the previous)."""
    hours: dict[int, list[str]] = {}
    hour = 0
    for line in lines:
        words = line.split(" ")
        if len(words) == 14 and words[10].isdigit():
            hour = int(words[10]) // 3600 * 3600
        hours.setdefault(hour, []).append(line)
    return hours


def _well_formed(lines: list[str]) -> bool:
    return all(len(line.split(" ")) == 14 and line.startswith("2 ") for line in lines)


def _duckdb() -> Any:
    try:
        import duckdb  # noqa: PLC0415 - the flows extra, optional for the sandbox
    except ImportError:
        return None
    return duckdb


def _parquet(lines: list[str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        text, out = Path(tmp) / "lines.txt", Path(tmp) / "flows.parquet"
        text.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = _duckdb().connect(":memory:")
        try:
            db.execute(
                f"COPY (SELECT * FROM read_csv(?, delim=' ', header=false, columns="  # noqa: S608 - constants
                f"{_PARQUET_COLUMNS})) TO '{out}' (FORMAT parquet)",
                [str(text)],
            )
        finally:
            db.close()
        return out.read_bytes()
