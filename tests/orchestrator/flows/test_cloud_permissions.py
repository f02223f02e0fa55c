"""``eastwest permissions`` grants the reads of ``flows ingest --from``: where each cloud's
flow logs land, as reads (AWS), RAM actions (Alibaba) and a data action (Azure); and the
readers call nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.permissions import FLOW_READS, documents
from tests.orchestrator.flows.cloud_truth import multicloud_policy

ROOT = Path(__file__).parents[3]


def test_the_documents_grant_the_flow_log_reads() -> None:
    found = documents(multicloud_policy())
    aws_reads = found["aws"]["Statement"][0]
    assert aws_reads["Sid"] == "EastwestRead"
    aws_flow_reads = {
        "ec2:DescribeFlowLogs",
        "logs:FilterLogEvents",
        "s3:ListBucket",
        "s3:GetObject",
    }
    assert aws_flow_reads <= set(aws_reads["Action"])
    assert {"vpc:DescribeFlowLogs", "log:ListShards", "log:GetCursorOrData"} <= set(
        found["alibaba"]["Statement"][0]["Action"]
    )
    blob_read = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
    assert found["azure"]["DataActions"] == [blob_read]
    assert blob_read not in found["azure"]["Actions"]
    watchers = {
        "Microsoft.Network/networkWatchers/read",
        "Microsoft.Network/networkWatchers/flowLogs/read",
    }
    assert watchers <= set(found["azure"]["Actions"])


@pytest.mark.parametrize(
    ("cloud", "module", "calls"),
    [
        (
            "aws",
            "providers/aws/flows.py providers/aws/flow_objects.py",
            {"describe_flow_logs", "filter_log_events", "list_objects_v2", "get_object"},
        ),
        (
            "alibaba",
            "providers/alibaba/flows.py",
            {"DescribeFlowLogs", "list_shards", "get_cursor", "pull_logs"},
        ),
        (
            "azure",
            "providers/azure/flows.py",
            {"network_watchers.list_all", "flow_logs.list", "list_blobs", "download_blob"},
        ),
    ],
    ids=["aws", "alibaba", "azure"],
)
def test_the_readers_call_only_reads(cloud: str, module: str, calls: set[str]) -> None:
    source = "\n".join((ROOT / path).read_text() for path in module.split())
    assert {call for call in calls if call in source} == calls
    assert re.findall(r"\.(?:put|create|delete|upload|set)_\w+\(", source) == []
    assert FLOW_READS[cloud]
