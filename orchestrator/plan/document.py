"""The plan as a JSON document: what ``plan --json`` prints and ``plan --out FILE`` saves.

``format_version`` follows Terraform's rule: the minor number grows with additions, the major
with anything a consumer could trip over. ``eastwest apply FILE`` reads this document back and
refuses one whose major version it does not know, then re-derives it (``saved.py``).

A saved file adds to the JSON view ``policy_files`` and ``policy_digest`` (what apply loads and
checks again) and, when ``EASTWEST_PLAN_KEY`` is set, ``signature``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.errors import PlanFileError
from orchestrator.plan.ngfw import FirewallPlan
from orchestrator.plan.planner import Plan, ScopePlan
from orchestrator.plan.saved import PolicyRef, sign, verify
from orchestrator.state import Action, Change, NativeRef, Scope, Target
from orchestrator.state.codec import resource_from_json, resource_to_json
from orchestrator.state.ngfw import NgfwChange, ngfw_from_json, ngfw_to_json

# 1.1 added "access" (the effective-access check and its findings); 1.2 "firewalls" (each hub
# firewall's rulebase changes) and "conflicts" (members eastwest cannot guard).
FORMAT_VERSION = "1.2"
_ACTION_NAMES = {Action.CREATE: "create", Action.UPDATE: "update", Action.DELETE: "delete"}


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "policy": plan.policy,
        "created_at": plan.created_at,
        "summary": plan.counts(),
        "complete": plan.complete,
        "scopes": [_scope_to_json(s) for s in plan.scopes],
        "diagnostics": [d.to_json() for d in plan.diagnostics],
        "access": plan.access.to_json(),
        "conflicts": [d.to_json() for d in plan.conflicts],
        "firewalls": [_firewall_to_json(f) for f in plan.firewalls],
    }


def _firewall_to_json(planned: FirewallPlan) -> dict[str, Any]:
    return {
        "firewall": planned.firewall,
        "fingerprint": planned.fingerprint,
        "skipped": planned.skipped,
        "changes": [
            {
                "action": _ACTION_NAMES[c.action],
                "symbol": str(c.action),
                "key": c.resource.key,
                "kind": c.resource.kind,
                "drift": c.drift,
                "before": ngfw_to_json(c.before) if c.before else None,
                "after": ngfw_to_json(c.after) if c.after else None,
            }
            for c in planned.changes
        ],
    }


def _firewall_from_json(body: Mapping[str, Any]) -> FirewallPlan:
    changes = tuple(
        NgfwChange(
            Action(c["symbol"]),
            ngfw_from_json(c["before"]) if c["before"] else None,
            ngfw_from_json(c["after"]) if c["after"] else None,
            drift=bool(c["drift"]),
        )
        for c in body["changes"]
    )
    return FirewallPlan(body["firewall"], changes, body.get("fingerprint"), body.get("skipped"))


def _scope_to_json(sp: ScopePlan) -> dict[str, Any]:
    return {
        "scope": str(sp.scope),
        "target": {
            "cloud": sp.target.cloud,
            "account": sp.target.account,
            "name": sp.target.name,
            "profile": sp.target.profile,
            "resource_group": sp.target.resource_group,
            "existing_nsgs": sp.target.existing_nsgs,
            "azure_cloud": sp.target.azure_cloud,
        },
        "fingerprint": sp.fingerprint,
        "skipped": sp.skipped,
        "changes": [_change_to_json(c) for c in sp.changes],
        "native": {k: {"id": v.id, "version": v.version} for k, v in sorted(sp.native.items())},
        "applied": dict(sp.applied),
    }


def _change_to_json(change: Change) -> dict[str, Any]:
    return {
        "action": _ACTION_NAMES[change.action],
        "symbol": str(change.action),
        "key": change.key,
        "kind": change.resource.kind,
        "step": int(change.step),
        "drift": change.drift,
        "before": resource_to_json(change.before) if change.before else None,
        "after": resource_to_json(change.after) if change.after else None,
    }


@dataclass(frozen=True, slots=True)
class SavedPlan:
    plan: Plan
    policy: PolicyRef | None  # None in a file written before plans named their policy


def write_plan(
    plan: Plan, path: Path, policy: PolicyRef | None = None, key: bytes | None = None
) -> None:
    body = plan_to_json(plan)
    if policy is not None:
        # Absolute, so that `apply FILE` finds them from any working directory.
        body["policy_files"] = [str(Path(f).resolve()) for f in policy.files]
        body["policy_digest"] = policy.digest
    if key:
        body["signature"] = sign(body, key)
    text = json.dumps(body, indent=2, sort_keys=False) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_plan(path: Path, key: bytes | None = None) -> SavedPlan:
    """The plan and the policy it names. Raises ``PlanFileError`` for an unreadable file, an
    unknown format, or (with ``key``) a missing or wrong signature."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFileError(f"{path}: not a readable eastwest plan ({exc})") from exc
    version = str(body.get("format_version", "")) if isinstance(body, dict) else ""
    if version.split(".")[0] != FORMAT_VERSION.split(".", maxsplit=1)[0]:
        raise PlanFileError(
            f"{path}: plan format {version or 'unknown'} is not supported "
            f"(this eastwest writes {FORMAT_VERSION}); make the plan again"
        )
    verify(body, key, str(path))
    try:
        return SavedPlan(_plan_from_json(body), _policy_ref(body))
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"{path}: the plan is damaged ({exc!r})") from exc


def _policy_ref(body: Mapping[str, Any]) -> PolicyRef | None:
    files, digest = body.get("policy_files"), body.get("policy_digest")
    if files is None and digest is None:
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise TypeError("policy_files must be a list of paths")
    return PolicyRef(tuple(files), str(digest))


def _plan_from_json(body: Mapping[str, Any]) -> Plan:
    scopes = tuple(_scope_from_json(s) for s in body["scopes"])
    diags = tuple(_diagnostic(d) for d in body.get("diagnostics", []))
    conflicts = tuple(_diagnostic(d) for d in body.get("conflicts", []))
    firewalls = tuple(_firewall_from_json(f) for f in body.get("firewalls", []))
    return Plan(
        body["policy"],
        scopes,
        diags,
        created_at=body["created_at"],
        conflicts=conflicts,
        firewalls=firewalls,
    )


def _diagnostic(d: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(
        Severity(d["severity"]),
        d["summary"],
        d.get("detail", ""),
        d.get("file"),
        d.get("line"),
        d.get("column"),
        d.get("path", ""),
        code=d.get("code", ""),
    )


def _scope_from_json(body: Mapping[str, Any]) -> ScopePlan:
    t = body["target"]
    target = Target(
        t["cloud"],
        t["account"],
        t["name"],
        t.get("profile"),
        t.get("resource_group"),
        t.get("existing_nsgs", "conflict"),
        t.get("azure_cloud", "AZURE_PUBLIC_CLOUD"),
    )
    changes = tuple(
        Change(
            Action(c["symbol"]),
            resource_from_json(c["before"]) if c["before"] else None,
            resource_from_json(c["after"]) if c["after"] else None,
            drift=bool(c["drift"]),
        )
        for c in body["changes"]
    )
    native = {k: NativeRef(v["id"], v.get("version")) for k, v in body["native"].items()}
    return ScopePlan(
        Scope.parse(body["scope"]),
        target,
        changes,
        body["fingerprint"],
        native,
        dict(body["applied"]),
        body.get("skipped"),
    )


def is_plan_file(path: Path) -> bool:
    """A saved plan (JSON with a format_version), as opposed to a policy file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip()
    except OSError:
        return False
    return head.startswith(b"{") and b"format_version" in head
