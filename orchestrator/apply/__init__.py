"""Apply: a Plan → calls through the adapters → an ApplyReport.

In: a ``Plan`` (fresh, or read from a file and checked not stale) and an adapter per scope.
Out: an ``ApplyReport`` with one result per change.
Always: steps run in order per scope (make before break), and a scope stops at the first step
with a failure, so nothing is removed when what replaces it could not be added; the digests
that tell drift apart are recorded only after every step of a scope succeeded.
"""

from orchestrator.apply.engine import ApplyReport, apply_plan, check_fresh

__all__ = ["ApplyReport", "apply_plan", "check_fresh"]
