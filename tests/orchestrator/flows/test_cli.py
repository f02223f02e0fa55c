"""The flow commands as a user runs them, on the sandbox: ingest the landing zone's flow logs,
map them, dry-run the example policy over them, then recommend a policy, validate, plan and
apply it, and dry-run again: nothing observed is blocked any more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner

from moto_fixtures.aws import flowlogs
from orchestrator.cli import main
from orchestrator.schemas import document_schema

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")
DENIED = {(c, s) for c, s, *_ in flowlogs.DENIED}
DENIED_RECORDS = 2 * sum(n for *_, n in flowlogs.DENIED)


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _json(text: str) -> Any:
    return json.loads(text)


def test_ingest_map_dry_run_then_recommend_validate_plan_apply(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    logs = flowlogs.write_flow_logs(tmp_path / "logs" / "aws.log")
    store = str(tmp_path / "flows.duckdb")

    code, out, _ = run(sandbox_dir, "flows", "ingest", str(logs), "--store", store)
    assert code == 0
    assert "2 malformed" in out
    assert f"{logs}:" in out

    code, out, _ = run(sandbox_dir, "flows", "map", POLICY, "--format", "json", "--store", store)
    assert code == 0
    graph = _json(out)
    denied = {(e["source"], e["target"]) for e in graph["edges"] if e["verdict"] == "denied"}
    assert denied == DENIED

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--json", "--flows", "--flows-store", store)
    assert code == 0
    document = _json(out)
    jsonschema.validate(document, document_schema("plan"))
    dry = document["flows"]
    assert (dry["blocked_count"], dry["blocked_records"]) == (len(DENIED), DENIED_RECORDS)
    assert {(b["from"], b["to"]) for b in dry["blocked"]} == DENIED

    proposed = tmp_path / "proposed.yaml"
    code, _, _ = run(sandbox_dir, "flows", "recommend", POLICY, "--store", store,
                     "--out", str(proposed))  # fmt: skip
    assert code == 0
    assert "# evidence:" in proposed.read_text()
    assert run(sandbox_dir, "validate", str(proposed))[0] == 0
    assert run(sandbox_dir, "plan", str(proposed))[0] == 0
    assert run(sandbox_dir, "apply", str(proposed), "--auto-approve")[0] == 0

    code, out, _ = run(sandbox_dir, "plan", str(proposed), "--json", "--flows",
                       "--flows-store", store, "--detailed-exitcode")  # fmt: skip
    assert code == 0, out
    after = _json(out)["flows"]
    assert (after["blocked_count"], after["blocked_records"]) == (0, 0)
    assert after["external_records"] == 2 * sum(n for *_, n in flowlogs.INTERNET)


def test_plan_text_names_the_blocked_flows(sandbox_dir: Path, tmp_path: Path) -> None:
    logs = flowlogs.write_flow_logs(tmp_path / "aws.log")
    store = str(tmp_path / "flows.duckdb")
    assert run(sandbox_dir, "flows", "ingest", str(logs), "--store", store)[0] == 0
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--flows", "--flows-store", store)
    assert code == 0
    assert f"block {DENIED_RECORDS} record(s) in {len(DENIED)} conversation(s)" in out
    assert "blocked: web -> db tcp/5432: 8 record(s)" in out


def test_ingest_from_aws_reads_the_flow_logs_in_cloudwatch_once(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    from moto_fixtures.sandbox import load_sandbox

    endpoint = load_sandbox(sandbox_dir)["aws"]["endpoint_url"]
    events = flowlogs.publish(endpoint)
    lines = flowlogs.flow_lines()
    store = str(tmp_path / "flows.duckdb")

    code, out, _ = run(sandbox_dir, "flows", "ingest", "--from", "aws", POLICY, "--store", store)
    assert code == 0, out
    assert events == len(lines)
    # The same traffic twice: in CloudWatch Logs, and in the S3 flow log the sandbox seeds.
    assert f"{2 * (len(lines) - 2)} flow record(s), 4 malformed" in out
    assert "cloudwatch:eastwest-sandbox-vpc-flow-logs:" in out  # refusals name the log group
    assert "s3:eastwest-sandbox-flow-logs/AWSLogs/" in out  # and the object

    again = run(sandbox_dir, "flows", "ingest", "--from", "aws", POLICY, "--store", store)
    assert again[0] == 0
    assert "Ingested 0 file(s): 0 flow record(s)" in again[1]

    code, out, _ = run(sandbox_dir, "flows", "map", POLICY, "--format", "json", "--store", store)
    denied = {(e["source"], e["target"]) for e in _json(out)["edges"] if e["verdict"] == "denied"}
    assert denied == DENIED


def test_the_three_clouds_flow_logs_map_onto_the_multicloud_segments(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    from moto_fixtures.alibaba import flowlogs as alibaba_logs
    from moto_fixtures.azure import flowlogs as azure_logs

    multicloud = POLICY.replace("sandbox.yaml", "sandbox-multicloud.yaml")
    folder = tmp_path / "logs"
    flowlogs.write_flow_logs(folder / "aws.log")
    alibaba_logs.write_flow_logs(folder / "alibaba.jsonl")
    azure_logs.write_flow_logs(folder / "azure.json")
    store = str(tmp_path / "flows.duckdb")

    code, out, _ = run(sandbox_dir, "flows", "ingest", str(folder), "--store", store)
    assert code == 0, out
    assert "Ingested 3 file(s)" in out
    assert "4 malformed, 1 no-data" in out  # AWS 2, Alibaba 1, Azure 1

    code, out, _ = run(sandbox_dir, "plan", multicloud, "--json", "--flows",
                       "--flows-store", store)  # fmt: skip
    assert code == 0, out
    dry = _json(out)["flows"]
    # Per denied connection: two records in AWS and in Alibaba Cloud, one tuple in Azure.
    assert dry["blocked_records"] == 5 * sum(n for *_, n in flowlogs.DENIED)
    assert {(b["from"], b["to"]) for b in dry["blocked"]} == DENIED


def test_recommend_discovers_segments_then_validates_and_plans(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    logs = flowlogs.write_flow_logs(tmp_path / "aws.log")
    store = str(tmp_path / "flows.duckdb")
    assert run(sandbox_dir, "flows", "ingest", str(logs), "--store", store)[0] == 0
    proposed = tmp_path / "proposed.yaml"
    code, _, err = run(sandbox_dir, "flows", "recommend", POLICY, "--segments", "discover",
                       "--store", store, "--out", str(proposed))  # fmt: skip
    assert code == 0, err
    text = proposed.read_text()
    assert "# Segments discovered from the addresses seen" in text
    assert run(sandbox_dir, "validate", str(proposed))[0] == 0
    code, out, _ = run(sandbox_dir, "plan", str(proposed), "--json", "--flows",
                       "--flows-store", store)  # fmt: skip
    assert code == 0, out
    assert _json(out)["flows"]["blocked_records"] == 0
