"""``eastwest flows ingest --from aws|alibaba|azure`` as a user runs it on the sandbox: the
SDKs find the landing zones' flow logs where each cloud's flow-log configuration says
(DescribeFlowLogs, Network Watcher) and read them from S3, the Log Service and the Blob
service, a second pull stores nothing, and the three clouds' traffic maps onto the
multicloud policy's segments: ``plan --flows`` blocks the denied pairs, then the recommended
policy, validated, planned and applied, blocks nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from moto_fixtures.alibaba import flowlogs as alibaba_logs
from moto_fixtures.aws import flowlogs as aws_logs
from moto_fixtures.azure import flowlogs as azure_logs
from orchestrator.cli import main

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox-multicloud.yaml")
DENIED = {(c, s) for c, s, *_ in aws_logs.DENIED}


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _alibaba_truth() -> tuple[int, int, int]:
    """Records, malformed and no-data in the sandbox's logstore, from its generator."""
    records = alibaba_logs.flow_records()
    no_data = sum(r.get("log-status") == "NODATA" for r in records)
    return len(records) - no_data - 1, 1, no_data


def _azure_truth() -> tuple[int, int]:
    tuples = [t for r in azure_logs.document()["records"]
              for t in r["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"]]  # fmt: skip
    bad = sum(len(t.split(",")) != 13 for t in tuples)
    return len(tuples) - bad, bad


@pytest.mark.parametrize(
    ("cloud", "truth"),
    [
        # The S3 flow log the sandbox seeds: its objects hold the generator's lines, two of them
        # malformed (one truncated, one of version 9).
        (
            "aws",
            f"Ingested 3 file(s): {len(aws_logs.flow_lines()) - 2} flow record(s), 2 malformed",
        ),
        ("alibaba", "{} flow record(s), {} malformed, {} no-data".format(*_alibaba_truth())),
        ("azure", "{} flow record(s), {} malformed, 0 no-data".format(*_azure_truth())),
    ],
    ids=["aws-s3", "alibaba", "azure"],
)
def test_ingest_from_the_cloud_once(
    sandbox_dir: Path, tmp_path: Path, cloud: str, truth: str
) -> None:
    store = str(tmp_path / "flows.duckdb")
    code, out, err = run(sandbox_dir, "flows", "ingest", "--from", cloud, POLICY, "--store", store)
    assert code == 0, out + err
    assert truth in out
    assert "reading" in err  # progress on stderr
    again = run(sandbox_dir, "flows", "ingest", "--from", cloud, POLICY, "--store", store)
    assert again[0] == 0, again
    assert "Ingested 0 file(s): 0 flow record(s)" in again[1]


@pytest.mark.parametrize(
    ("cloud", "source", "why"),
    [
        ("alibaba", "cn-hangzhou/no-such-project/vpc-flow-log", "ProjectNotExist"),
        ("alibaba", "cn-hangzhou/eastwest-sandbox-flowlogs/no-such-logstore", "LogStoreNotExist"),
        ("azure", "eastwestflowlogs/no-such-container", "ContainerNotFound"),
    ],
    ids=["project", "logstore", "container"],
)
def test_an_unreadable_source_is_reported_and_the_others_go_on(
    sandbox_dir: Path, tmp_path: Path, cloud: str, source: str, why: str
) -> None:
    good = {
        "alibaba": "cn-hangzhou/eastwest-sandbox-flowlogs/vpc-flow-log",
        "azure": "eastwestflowlogs",
    }[cloud]
    store = str(tmp_path / "flows.duckdb")
    code, out, _ = run(sandbox_dir, "flows", "ingest", "--from", cloud, POLICY,
                       "--source", source, "--source", good, "--store", store)  # fmt: skip
    assert code == 1
    assert why in out
    assert "1 rejected" in out
    assert "Ingested 0 file(s)" not in out  # the good source was read


def test_a_source_of_the_wrong_shape_is_a_usage_error(sandbox_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(sandbox_dir, "flows", "ingest", "--from", "alibaba", POLICY,
                       "--source", "project-only", "--store", str(tmp_path / "f"))  # fmt: skip
    assert code == 1  # eastwest's usage errors exit 1, as Terraform's do
    assert "Invalid value for --source" in err
    assert "REGION/PROJECT/LOGSTORE" in err


def _ingest_three(sandbox_dir: Path, store: str) -> None:
    # AWS: the S3-delivered flow log the sandbox seeds (text and Parquet objects).
    for cloud in ("aws", "alibaba", "azure"):
        code, out, err = run(
            sandbox_dir, "flows", "ingest", "--from", cloud, POLICY, "--store", store
        )
        assert code == 0, out + err


def test_three_clouds_sources_dry_run_blocks_the_denied_pairs(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    store = str(tmp_path / "flows.duckdb")
    _ingest_three(sandbox_dir, store)
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--json", "--flows", "--flows-store", store)
    assert code == 0, out
    dry = json.loads(out)["flows"]
    # Per denied connection: two records in AWS and in Alibaba Cloud, one tuple in Azure.
    assert dry["blocked_records"] == 5 * sum(n for *_, n in aws_logs.DENIED)
    assert {(b["from"], b["to"]) for b in dry["blocked"]} == DENIED


def test_three_clouds_sources_then_recommend_validate_plan_apply_blocks_nothing(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    store = str(tmp_path / "flows.duckdb")
    _ingest_three(sandbox_dir, store)
    proposed = tmp_path / "proposed.yaml"
    code, _, err = run(sandbox_dir, "flows", "recommend", POLICY, "--store", store,
                       "--out", str(proposed))  # fmt: skip
    assert code == 0, err
    checked = run(sandbox_dir, "validate", str(proposed))
    assert checked[0] == 0, checked
    assert run(sandbox_dir, "plan", str(proposed))[0] == 0
    code, out, err = run(sandbox_dir, "apply", str(proposed), "--auto-approve")
    assert code == 0, out + err
    code, out, _ = run(sandbox_dir, "plan", str(proposed), "--json", "--flows",
                       "--flows-store", store)  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["flows"]["blocked_records"] == 0
