"""`plan --json` and `paths --json` from the CLI against the sandbox, validated against the
published schemas (orchestrator/schemas/) with the jsonschema library; a diagnostic about the
policy carries its file, line and field path in the plan document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.schemas import document_schema

jsonschema = pytest.importorskip("jsonschema")
POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"
GHOST = (  # a segment whose tags match no VPC: a warning about segments[5]
    "  - name: ghost\n    members:\n"
    "      - {account: aws-sandbox, region: us-east-1, tags: {segment: ghost}}\n\n"
)


def run(directory: Path, *args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def errors(name: str, document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        document_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_plan_and_paths_documents_match_their_schemas(sandbox_dir: Path) -> None:
    code, plan = run(sandbox_dir, "plan", str(POLICY), "--json")
    assert code == 0
    assert errors("plan", plan) == []
    kinds = {c["kind"] for s in plan["scopes"] for c in s["changes"]}
    assert {"firewall_group", "flow_rule", "hub_association", "appliance_mode"} <= kinds

    code, before = run(sandbox_dir, "paths", str(POLICY), "--json")
    assert (code, before["ok"]) == (1, False)  # nothing applied yet: violations to describe
    assert errors("paths", before) == []

    assert (
        CliRunner()
        .invoke(main, ["--sandbox", str(sandbox_dir), "apply", str(POLICY), "--auto-approve"])
        .exit_code
        == 0
    )
    # Routes only: the groups are not on the workloads (and pg-open-db-1 opens 5432).
    code, after = run(sandbox_dir, "paths", str(POLICY), "--json", "--routing-only")
    assert (code, after["ok"]) == (0, True)
    assert errors("paths", after) == []
    code, empty = run(sandbox_dir, "plan", str(POLICY), "--json")
    assert (code, empty["summary"]["add"], errors("plan", empty)) == (0, 0, [])


def test_a_policy_diagnostic_in_the_plan_document_has_file_line_and_path(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    text = POLICY.read_text(encoding="utf-8").replace("\nrules:\n", f"\n{GHOST}rules:\n")
    policy = tmp_path / "with-ghost.yaml"
    policy.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  - name: ghost") + 1

    code, plan = run(sandbox_dir, "plan", str(policy), "--json")
    assert code == 0
    assert errors("plan", plan) == []
    [ghost] = [d for d in plan["diagnostics"] if "ghost" in d["summary"]]
    assert (ghost["severity"], ghost["file"], ghost["line"]) == ("warning", str(policy), line)
    assert ghost["path"] == "segments[5]"
