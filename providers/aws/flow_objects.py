"""AWS VPC Flow Logs delivered to S3: the objects under the prefix a flow log's
``LogDestination`` names, listed and downloaded.

In: an S3 client of an account's ``AwsClients`` (``s3_client``), the account and region, and
an ``S3Destination`` (from
``DescribeFlowLogs``: the bucket ARN with its optional folder, and ``DestinationOptions``).
Out: the ``FlowObject``s under the destination's key layout for that account and region
(``[folder/]AWSLogs/{account}/vpcflowlogs/{region}/yyyy/mm/dd/[HH/]…log.gz`` or
``.parquet``; with Hive-compatible partitions ``AWSLogs/aws-account-id={account}/
aws-service=vpcflowlogs/aws-region={region}/year=…``), and an object written to a local file.
Raises ``ProviderError`` (mapped at this boundary) when a read fails.
Always: reads only (``ListObjectsV2`` at its largest page, 1,000 keys; ``GetObject``
streamed to disk, so an object of any size is never held in memory).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from providers.aws.errors import translate
from providers.aws.session import AwsClients

PAGE = 1000  # ListObjectsV2's largest MaxKeys
_CHUNK = 1 << 20
_ARN = "arn:aws:s3:::"


@dataclass(frozen=True, slots=True)
class S3Destination:
    bucket: str
    folder: str  # "" or "folder/" (the ARN's path, with one trailing slash)
    hive: bool  # HiveCompatiblePartitions

    @classmethod
    def of(cls, flow_log: Mapping[str, Any]) -> S3Destination | None:
        """The destination of one ``DescribeFlowLogs`` entry delivering to S3; None for
        another destination or an ARN that is not a bucket's."""
        arn = str(flow_log.get("LogDestination") or "")
        if flow_log.get("LogDestinationType") != "s3" or not arn.startswith(_ARN):
            return None
        bucket, _, folder = arn.removeprefix(_ARN).partition("/")
        options = flow_log.get("DestinationOptions") or {}
        folder = folder.strip("/")
        hive = bool(options.get("HiveCompatiblePartitions"))
        return cls(bucket, f"{folder}/" if folder else "", hive)

    def prefix(self, account: str, region: str) -> str:
        """Where S3 delivery puts the flow logs of ``account`` in ``region``."""
        if self.hive:
            return (
                f"{self.folder}AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/"
                f"aws-region={region}/"
            )
        return f"{self.folder}AWSLogs/{account}/vpcflowlogs/{region}/"


@dataclass(frozen=True, slots=True)
class FlowObject:
    bucket: str
    key: str
    etag: str  # without its quotes
    size: int


def s3_client(clients: AwsClients, region: str) -> Any:
    """One S3 client for a whole pull: making a boto3 client costs more CPU than reading a
    small object (tens of milliseconds)."""
    return clients.client("s3", region)


def list_objects(
    s3: Any, account: str, region: str, destination: S3Destination
) -> list[FlowObject]:
    """Every flow-log object of ``account`` and ``region`` in ``destination``, in key order."""
    prefix = destination.prefix(account, region)
    where = f"aws {account} {region} s3://{destination.bucket}/{prefix}"
    try:
        return list(_listed(s3, destination.bucket, prefix))
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, where) from None


def _listed(s3: Any, bucket: str, prefix: str) -> Iterator[FlowObject]:
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": PAGE}
    while True:
        page = s3.list_objects_v2(**kwargs)
        for item in page.get("Contents", []):
            if not item["Key"].endswith("/"):
                yield FlowObject(bucket, item["Key"], item["ETag"].strip('"'), int(item["Size"]))
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return
        kwargs["ContinuationToken"] = token


def download(s3: Any, item: FlowObject, path: Path) -> None:
    """``item`` written to ``path`` as it streams in; raises ``ProviderError``."""
    try:
        body = s3.get_object(Bucket=item.bucket, Key=item.key, IfMatch=f'"{item.etag}"')["Body"]
        with path.open("wb") as out:
            for chunk in iter(lambda: body.read(_CHUNK), b""):
                out.write(chunk)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"aws s3://{item.bucket}/{item.key}") from None
