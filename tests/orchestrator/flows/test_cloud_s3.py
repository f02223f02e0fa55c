"""``ingest_aws`` on flow logs delivered to S3 (moto's S3 through boto3), generated here with
known truth: the objects under the key layout ``DescribeFlowLogs``' destination gives, text
(gzip or not, its header line naming the fields) and Parquet, every record stored once
whatever the pulls; an object read once never downloaded again; a changed object reported;
an unreadable bucket reported while the others go on."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ACCESS_KEY_ID, SECRET_ACCESS_KEY, ec2_client
from moto_fixtures.aws.flowlogs import service_client
from orchestrator.flows.cloud import ingest_aws
from orchestrator.flows.store import FlowStore
from providers.aws.flow_objects import PAGE, S3Destination, list_objects, s3_client
from providers.aws.session import sandbox_clients
from tests.orchestrator.flows.cloud_truth import Conversations, multicloud_policy, stored

PREFIX = f"AWSLogs/{lz.ACCOUNT_ID}/vpcflowlogs/{lz.REGION}/2025/12/01/"
# A custom format (fields in another order than the default's), as its header line names it.
FIELDS = (
    "version srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
)

pytestmark = pytest.mark.sandbox


def records(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "version": 3, "srcaddr": f"10.1.{rng.randint(0, 3)}.{rng.randint(1, 9)}",
            "dstaddr": f"10.2.0.{rng.randint(1, 4)}", "srcport": rng.randint(32768, 60999),
            "dstport": rng.choice([443, 5432, 8080]), "protocol": 6,
            "packets": rng.randint(1, 50), "bytes": rng.randint(60, 90000),
            "start": 1_764_547_200 + i, "end": 1_764_547_260 + i,
            "action": "ACCEPT", "log-status": "OK",
        }
        for i in range(count)
    ]  # fmt: skip


def truth(made: list[dict[str, Any]]) -> Conversations:
    return Counter((r["srcaddr"], r["dstaddr"], int(r["dstport"])) for r in made)


def text(made: list[dict[str, Any]], *, gzipped: bool) -> bytes:
    lines = [FIELDS, *(" ".join(str(r[f]) for f in FIELDS.split()) for r in made)]
    body = ("\n".join(lines) + "\n").encode()
    return gzip.compress(body) if gzipped else body


def parquet(made: list[dict[str, Any]], tmp_path: Path) -> bytes:
    out = tmp_path / "object.parquet"
    db = duckdb.connect()
    names = FIELDS.split()
    columns = ", ".join(f"? AS {f.replace('-', '_')}" for f in names)
    rows = [[r[f] for f in names] for r in made]
    db.execute(f"CREATE TABLE t AS SELECT {columns} LIMIT 0", rows[0])  # typed by a row
    db.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(names))})", rows)
    db.execute(f"COPY t TO '{out}' (FORMAT parquet)")
    db.close()
    return out.read_bytes()


def body_of(kind: str, made: list[dict[str, Any]], tmp_path: Path) -> bytes:
    if kind == "parquet":
        return parquet(made, tmp_path)
    return text(made, gzipped=kind == "log.gz")


@pytest.fixture
def s3(aws_endpoint: str) -> Any:
    """An empty account with a VPC whose flow log delivers to the bucket ``flows``."""
    client = service_client(aws_endpoint, "s3")
    client.create_bucket(Bucket="flows")
    ec2 = ec2_client(aws_endpoint, lz.ACCOUNT_ID, lz.REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    made = ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="s3", LogDestination="arn:aws:s3:::flows",
    )  # fmt: skip
    assert made["FlowLogIds"], made
    return client


def sandbox(endpoint: str) -> dict[str, Any]:
    keys = {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}
    return {"aws": {"endpoint_url": endpoint, **keys}}


def pull(endpoint: str, store: FlowStore) -> Any:
    return ingest_aws(multicloud_policy(), sandbox(endpoint), store)


@pytest.mark.parametrize(
    ("kind", "count", "pulls"),
    [("log.gz", 60, 1), ("log", 90, 3), ("parquet", 50, 2)],
    ids=["gzip-text", "plain-text-three-pulls", "parquet-two-pulls"],
)
def test_every_object_once_whatever_the_pulls(
    s3: Any, aws_endpoint: str, tmp_path: Path, *, kind: str, count: int, pulls: int
) -> None:
    made = records(count, count)
    per_object = -(-count // (pulls * 2))
    chunks = [made[at : at + per_object] for at in range(0, count, per_object)]
    step = -(-len(chunks) // pulls)
    with FlowStore(tmp_path / "flows.duckdb") as store:
        for at in range(0, len(chunks), step):
            for index, chunk in enumerate(chunks[at : at + step], start=at):
                body = body_of(kind, chunk, tmp_path)
                s3.put_object(Bucket="flows", Key=f"{PREFIX}o{index:05}.{kind}", Body=body)
            report = pull(aws_endpoint, store)
            assert report.rejected == []
            assert report.malformed_count == 0
        assert stored(store) == truth(made)
        again = pull(aws_endpoint, store)
        assert (again.stored, again.skipped, again.rejected) == ([], [], [])
    assert len(set(report.stored)) == len(report.stored)


def test_the_listing_goes_past_one_page(s3: Any, aws_endpoint: str) -> None:
    keys = [f"{PREFIX}o{i:05}.log" for i in range(PAGE + 3)]
    for key in keys:
        s3.put_object(Bucket="flows", Key=key, Body=b"")
    first = s3.list_objects_v2(Bucket="flows", MaxKeys=PAGE)
    assert first["IsTruncated"]  # so the listing below had to follow the continuation token
    clients = sandbox_clients(sandbox(aws_endpoint), lz.ACCOUNT_ID)
    s3_of_eastwest = s3_client(clients, lz.REGION)
    listed = list_objects(
        s3_of_eastwest, lz.ACCOUNT_ID, lz.REGION, S3Destination("flows", "", hive=False)
    )
    assert [o.key for o in listed] == keys


def test_objects_of_another_account_or_region_are_not_read(
    s3: Any, aws_endpoint: str, tmp_path: Path
) -> None:
    made = records(7, 20)
    s3.put_object(Bucket="flows", Key=f"{PREFIX}mine.log", Body=text(made[:10], gzipped=False))
    elsewhere = PREFIX.replace(lz.REGION, "eu-west-1")
    s3.put_object(Bucket="flows", Key=f"{elsewhere}other.log", Body=text(made[10:], gzipped=False))
    with FlowStore(tmp_path / "flows.duckdb") as store:
        pull(aws_endpoint, store)
        assert stored(store) == truth(made[:10])


def test_a_changed_object_is_reported_and_not_read_again(
    s3: Any, aws_endpoint: str, tmp_path: Path
) -> None:
    made = records(3, 30)
    key = f"{PREFIX}hour.log.gz"
    s3.put_object(Bucket="flows", Key=key, Body=text(made[:10], gzipped=True))
    with FlowStore(tmp_path / "flows.duckdb") as store:
        assert pull(aws_endpoint, store).rejected == []
        s3.put_object(Bucket="flows", Key=key, Body=text(made, gzipped=True))
        report = pull(aws_endpoint, store)
        assert [r.split(": ", 1)[1].split(" (")[0] for r in report.rejected] == [
            "changed since it was read"
        ]
        assert key in report.rejected[0]
        assert stored(store) == truth(made[:10])


def test_an_unreadable_bucket_is_reported_and_the_others_go_on(
    s3: Any, aws_endpoint: str, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="gone")
    ec2 = ec2_client(aws_endpoint, lz.ACCOUNT_ID, lz.REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination="arn:aws:s3:::gone")  # fmt: skip
    s3.delete_bucket(Bucket="gone")
    made = records(5, 12)
    s3.put_object(Bucket="flows", Key=f"{PREFIX}a.log", Body=text(made, gzipped=False))
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = pull(aws_endpoint, store)
        assert len(report.rejected) == 1
        assert "s3://gone/" in report.rejected[0]
        assert "NoSuchBucket" in report.rejected[0]
        assert stored(store) == truth(made)


@pytest.mark.parametrize(
    ("flow_log", "prefix"),
    [
        ({"LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::b"},
         "AWSLogs/111/vpcflowlogs/r-1/"),
        ({"LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::b/team/flows/"},
         "team/flows/AWSLogs/111/vpcflowlogs/r-1/"),
        ({"LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::b/x",
          "DestinationOptions": {"FileFormat": "parquet", "HiveCompatiblePartitions": True}},
         "x/AWSLogs/aws-account-id=111/aws-service=vpcflowlogs/aws-region=r-1/"),
        ({"LogDestinationType": "kinesis-data-firehose",
          "LogDestination": "arn:aws:firehose:r-1:111:deliverystream/d"}, None),
    ],
    ids=["bucket", "folder", "hive", "firehose"],
)  # fmt: skip
def test_the_key_layout_follows_the_destination(
    flow_log: dict[str, Any], prefix: str | None
) -> None:
    found = S3Destination.of(flow_log)
    assert (found.prefix("111", "r-1") if found else None) == prefix
