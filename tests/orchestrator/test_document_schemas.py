"""The published JSON Schemas of `plan --json` and `paths --json` (orchestrator/schemas/): valid
schemas, equal to their copies in docs/schemas/, printed by `eastwest schema --document`, and
true of real documents made here from compiled resources; a document that breaks the contract
is refused. tests/providers/aws/test_cli_json_documents.py validates documents of the CLI
against the sandbox."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.compile import compile_policy
from orchestrator.diagnostics import Diagnostic, Severity, warning
from orchestrator.paths.check import Expect, PairResult, ScopeReport, Violation
from orchestrator.paths.render import report_json
from orchestrator.plan import Plan, ScopePlan
from orchestrator.plan.document import plan_to_json
from orchestrator.plan.findings import AccessCheck, AccessFinding
from orchestrator.schemas import DOCUMENTS, document_schema
from orchestrator.state import Action, Change, Target
from tests.orchestrator.factories import SCOPE, inventory, policy

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).parents[2]
TARGET = Target("aws", SCOPE.account, "prod")


def validator(name: str) -> Any:
    return jsonschema.Draft202012Validator(
        document_schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def plan_document() -> dict[str, Any]:
    """A plan with every action on every kind the compiler makes here, drift, and a located
    and an unlocated diagnostic."""
    resources = list(compile_policy(policy(), inventory()).scopes[SCOPE].resources.values())
    changes = [Change(Action.CREATE, None, r) for r in resources[::3]]
    changes += [Change(Action.DELETE, r, None, drift=True) for r in resources[1::3]]
    changes += [Change(Action.UPDATE, r, r) for r in resources[2::3] if r.kind == "address_set"]
    located = Diagnostic(Severity.WARNING, "x", "", "p.yaml", 12, 7, "segments[1]")
    diagnostics = (located, warning("no path", detail="d"))
    scope_plan = ScopePlan(SCOPE, TARGET, tuple(changes), "fp", {}, {"g": "digest"})
    finding = AccessFinding(str(SCOPE), "web", "db", "open beyond policy", "opened", "a → b", 2)
    access = AccessCheck(ran=True, findings=(finding,))
    return plan_to_json(Plan("test", (scope_plan,), diagnostics, access=access))


def paths_document() -> dict[str, Any]:
    bad = Violation("web", "db", Expect.DENIED, "routed", "tgw-rtb-1", ("rtb-1", "tgw-rtb-1"), "x")
    pairs = (
        PairResult("web", "db", Expect.DENIED, 2, (bad,)),
        PairResult("db", "web", Expect.INSPECTED, 1),
    )
    return report_json([ScopeReport(SCOPE, pairs)])


MAKERS: dict[str, Callable[[], dict[str, Any]]] = {"plan": plan_document, "paths": paths_document}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_schema_is_a_valid_draft_2020_12_schema_with_an_id(name: str) -> None:
    schema = document_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].startswith(f"urn:eastwest:schema:{name}:")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_copy_in_docs_is_the_shipped_one(name: str) -> None:
    published = ROOT / "docs" / "schemas" / f"{name}.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == document_schema(name)


@pytest.mark.parametrize("name", ["policy", *DOCUMENTS])
def test_eastwest_schema_prints_each_document(name: str) -> None:
    result = CliRunner().invoke(main, ["schema", "--document", name])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$id"].startswith(f"urn:eastwest:schema:{name}:")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_real_document_is_valid(name: str) -> None:
    document = json.loads(json.dumps(MAKERS[name]()))
    errors = [e.message for e in validator(name).iter_errors(document)]
    assert errors == []


def test_one_format_version_style() -> None:
    versions = [MAKERS[name]()["format_version"] for name in DOCUMENTS]
    assert all(re.fullmatch(r"[0-9]+\.[0-9]+", v) for v in versions), versions


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation: set the value at a dotted path (numbers index lists)."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        pytest.param("plan", _set("format_version", 1), id="plan-version-a-number"),
        pytest.param("plan", _set("format_version", "2.0"), id="plan-other-major"),
        pytest.param("plan", _set("summary.add", -1), id="plan-negative-count"),
        pytest.param("plan", _set("scopes.0.changes.0.symbol", "-"), id="plan-symbol-mismatch"),
        pytest.param("plan", _set("scopes.0.changes.0.after", None), id="plan-create-no-after"),
        pytest.param("plan", _set("scopes.0.changes.0.kind", "Bucket!"), id="plan-bad-kind"),
        pytest.param("plan", _set("scopes.0.target.profile", 7), id="plan-target-number"),
        pytest.param("plan", _set("diagnostics.0.line", "12"), id="plan-line-a-string"),
        pytest.param("plan", _set("scopes.0.scope", "gcp/x/y"), id="plan-unknown-cloud"),
        pytest.param("plan", _set("extra", True), id="plan-unknown-field"),
        pytest.param("plan", _set("access.findings.0.finding", "fine"), id="plan-finding-kind"),
        pytest.param("plan", _set("access.checked", "yes"), id="plan-access-checked"),
        pytest.param("paths", _set("format_version", 1), id="paths-version-a-number"),
        pytest.param("paths", _set("scopes.0.pairs.0.expected", "maybe"), id="paths-expected"),
        pytest.param("paths", _set("scopes.0.pairs.0.violations.0.count", 0), id="paths-count"),
    ],
)
def test_a_broken_document_is_refused(name: str, mutate: Callable[[dict[str, Any]], None]) -> None:
    document = copy.deepcopy(json.loads(json.dumps(MAKERS[name]())))
    mutate(document)
    assert not validator(name).is_valid(document)
