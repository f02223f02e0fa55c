"""Saved plans as evidence: re-derived plans compared, signatures checked (no cloud here; the
CLI against the sandbox is tests/providers/aws/test_cli_saved_plans.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.errors import PlanFileError, StalePlanError
from orchestrator.plan import Plan
from orchestrator.plan.document import read_plan, write_plan
from orchestrator.plan.saved import PolicyRef, check_rederived
from orchestrator.state import NativeRef
from tests.orchestrator.plan.test_render import CASES, _drifted_plan


def _scope_edit(plan: Plan, **fields: object) -> Plan:
    (scope,) = plan.scopes
    return replace(plan, scopes=(replace(scope, **fields),))  # type: ignore[arg-type]


def _forged_rule(plan: Plan) -> Plan:
    (scope,) = plan.scopes
    first = scope.changes[0]
    forged = replace(first, before=None) if first.before is not None else first
    return _scope_edit(plan, changes=(forged, *scope.changes[1:]))


def _pointed_elsewhere(plan: Plan) -> Plan:
    (scope,) = plan.scopes
    key = next(iter(scope.native))
    return _scope_edit(plan, native={**scope.native, key: NativeRef("sg-handmade")})


EDITS: dict[str, tuple[Callable[[Plan], Plan], type[Exception] | None, str]] = {
    "identical": (lambda p: p, None, ""),
    "cloud-moved": (lambda p: _scope_edit(p, fingerprint="other"), StalePlanError, "stale"),
    "change-edited": (_forged_rule, PlanFileError, "is not what the policy produces now"),
    "native-id-edited": (_pointed_elsewhere, PlanFileError, "the native id of"),
    "digests-edited": (lambda p: _scope_edit(p, applied={}), PlanFileError, "digests"),
    "other-policy": (lambda p: replace(p, policy="other"), PlanFileError, "is for policy"),
    "scope-dropped": (lambda p: replace(p, scopes=()), PlanFileError, "in one plan only"),
}


def assert_rederived(
    fresh: Plan, change: Callable[[Plan], Plan], error: type[Exception] | None, message: str
) -> None:
    """``change(fresh)`` saved is accepted (``error`` None) or refused with ``message``."""
    saved = change(fresh)
    if error is None:
        check_rederived(saved, fresh)
        return
    with pytest.raises(error, match=message):
        check_rederived(saved, fresh)


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_saved_plan_is_applied_only_if_re_derived_identically(edit: str) -> None:
    assert_rederived(_drifted_plan(), *EDITS[edit])


def test_a_scope_without_changes_may_move_without_making_the_plan_stale() -> None:
    quiet = CASES["no-changes"]()
    check_rederived(_scope_edit(quiet, fingerprint="moved"), quiet)


def _written(tmp_path: Path, key: bytes | None) -> Path:
    path = tmp_path / "plan.json"
    write_plan(_drifted_plan(), path, PolicyRef(("p.yaml",), "sha256:abc"), key)
    return path


@pytest.mark.parametrize(
    ("signed_with", "read_with", "message"),
    [
        pytest.param(b"k1", b"k1", None, id="same-key"),
        pytest.param(None, None, None, id="no-key-anywhere"),
        pytest.param(b"k1", None, None, id="no-key-to-check-with"),
        pytest.param(None, b"k1", "the plan is not signed", id="unsigned-with-a-key"),
        pytest.param(b"k1", b"k2", "signature does not match", id="another-key"),
    ],
)
def test_signatures(
    tmp_path: Path, signed_with: bytes | None, read_with: bytes | None, message: str | None
) -> None:
    path = _written(tmp_path, signed_with)
    if message is None:
        saved = read_plan(path, read_with)
        # Stored absolute: `apply FILE` then works from any directory.
        assert saved.policy == PolicyRef((str(Path("p.yaml").resolve()),), "sha256:abc")
        return
    with pytest.raises(PlanFileError, match=message):
        read_plan(path, read_with)


def test_an_edit_after_signing_breaks_the_signature(tmp_path: Path) -> None:
    path = _written(tmp_path, b"k1")
    body = json.loads(path.read_text())
    body["policy_files"] = ["elsewhere.yaml"]  # pointing the plan at another policy
    path.write_text(json.dumps(body))
    with pytest.raises(PlanFileError, match="signature does not match"):
        read_plan(path, b"k1")
