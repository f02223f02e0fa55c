"""A saved plan (``plan --out FILE``) as evidence, never as instructions.

``apply FILE`` takes nothing from the file on trust (DESIGN.md rule 9): the file names the
policy files it was made from and their digest; apply loads those files again (refusing them
if the digest changed), plans again against the live clouds, and applies only when the plan it
derives now is the plan in the file, change for change, native id for native id. A scope whose
observation moved is *stale*; a file whose changes the policy would not produce now is
*tampered with*; both are refused before any write.

Optionally the file is signed (``EASTWEST_PLAN_KEY``): HMAC-SHA256 over the document's
canonical JSON, so that a pipeline moving plans between machines can refuse one that was edited
on the way, or that was never signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import PlanFileError, StalePlanError
from orchestrator.plan.ngfw import FirewallPlan
from orchestrator.plan.planner import Plan, ScopePlan
from orchestrator.state import Change
from orchestrator.state.codec import resource_to_json
from orchestrator.state.ngfw import NgfwChange, ngfw_to_json

PLAN_KEY_ENV = "EASTWEST_PLAN_KEY"
SIGNATURE_ALGORITHM = "hmac-sha256"


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """The policy files a plan was made from (as given on the command line) and their digest."""

    files: tuple[str, ...]
    digest: str


def sign(body: Mapping[str, Any], key: bytes) -> dict[str, str]:
    mac = hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()
    return {"algorithm": SIGNATURE_ALGORITHM, "value": mac}


def verify(body: Mapping[str, Any], key: bytes | None, where: str) -> None:
    """Raises ``PlanFileError`` when a key is set and the file is unsigned or signed otherwise.
    Without a key the signature (if any) is not checked: the plan is re-derived regardless."""
    if not key:
        return
    signature = body.get("signature")
    if not isinstance(signature, dict) or "value" not in signature:
        raise PlanFileError(
            f"{where}: the plan is not signed, and {PLAN_KEY_ENV} is set: only signed plans are "
            "applied; make it again with `eastwest plan --out` and the same key"
        )
    if signature.get("algorithm") != SIGNATURE_ALGORITHM:
        raise PlanFileError(f"{where}: unknown signature algorithm {signature.get('algorithm')!r}")
    expected = sign(body, key)["value"]
    if not hmac.compare_digest(str(signature["value"]), expected):
        raise PlanFileError(
            f"{where}: the plan's signature does not match: the file was changed after it was "
            f"signed, or signed with another {PLAN_KEY_ENV}; nothing was applied"
        )


def _canonical(body: Mapping[str, Any]) -> bytes:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()


def check_rederived(saved: Plan, fresh: Plan) -> None:
    """Refuse ``saved`` unless the plan derived now from its policy and the clouds is the same.

    Stale (the clouds moved: a fingerprint differs) is told apart from tampered (the clouds did
    not move, yet the file says something else), because the remedy differs: plan again, or
    find out who edited the file.
    """
    if saved.policy != fresh.policy:
        raise PlanFileError(
            f"the plan is for policy {saved.policy!r}, its files now define {fresh.policy!r}"
        )
    ours = {str(sp.scope): sp for sp in fresh.scopes}
    theirs = {str(sp.scope): sp for sp in saved.scopes}
    for name in sorted(set(ours) | set(theirs)):
        now, then = ours.get(name), theirs.get(name)
        if now is None or then is None:
            raise PlanFileError(_tampered(f"scope {name} is in one plan only"))
        if not now.changes and not then.changes:
            # Nothing is written there (apply skips a scope without changes): its observation
            # may move, a console edit of something else, without making the plan stale.
            continue
        if now.fingerprint != then.fingerprint:
            raise StalePlanError(
                f"the saved plan is stale: what eastwest owns in {name} ({now.target.name}) "
                "changed since the plan was made; run `eastwest plan` again"
            )
        problem = _difference(then, now)
        if problem is not None:
            raise PlanFileError(_tampered(f"{name}: {problem}"))
    _check_firewalls(saved.firewalls, fresh.firewalls)


def _check_firewalls(saved: Sequence[FirewallPlan], fresh: Sequence[FirewallPlan]) -> None:
    """As for a scope: stale when the firewall's rulebase moved, tampered when it did not and
    the file still says something else."""
    ours = {f.firewall: f for f in fresh}
    theirs = {f.firewall: f for f in saved}
    for name in sorted(set(ours) | set(theirs)):
        now, then = ours.get(name), theirs.get(name)
        if now is None or then is None:
            raise PlanFileError(_tampered(f"firewall {name} is in one plan only"))
        if not now.changes and not then.changes:
            continue
        if now.fingerprint != then.fingerprint:
            raise StalePlanError(
                f"the saved plan is stale: eastwest's section of firewall {name} changed since "
                "the plan was made; run `eastwest plan` again"
            )
        derived = [_firewall_change(c) for c in now.changes]
        if [_firewall_change(c) for c in then.changes] != derived:
            raise PlanFileError(
                _tampered(f"firewall {name}: its changes are not what the policy produces now")
            )


def _difference(then: ScopePlan, now: ScopePlan) -> str | None:
    if then.target != now.target:
        return "the account it is applied with differs"
    saved = {c.key: _change(c) for c in then.changes}
    derived = {c.key: _change(c) for c in now.changes}
    for key in sorted(set(saved) | set(derived)):
        if saved.get(key) != derived.get(key):
            return f"change {key} is not what the policy produces now"
    for key in sorted(set(then.native) | set(now.native)):
        if then.native.get(key) != now.native.get(key):
            return f"the native id of {key} is not the one eastwest observes now"
    if dict(then.applied) != dict(now.applied):
        return "the digests to record after apply differ"
    return None


def _change(change: Change) -> tuple[object, ...]:
    # Compared in their JSON form: what the file can say, with no Python-side identity.
    before = resource_to_json(change.before) if change.before else None
    after = resource_to_json(change.after) if change.after else None
    return (str(change.action), change.drift, before, after)


def _firewall_change(change: NgfwChange) -> tuple[object, ...]:
    before = ngfw_to_json(change.before) if change.before else None
    after = ngfw_to_json(change.after) if change.after else None
    return (str(change.action), change.drift, before, after)


def _tampered(detail: str) -> str:
    return (
        f"the saved plan does not match the plan its policy and the clouds give now ({detail}); "
        "it was edited, or made by another eastwest: refusing to apply it, nothing was changed"
    )
