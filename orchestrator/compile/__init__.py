"""Compile: Policy + Inventory → DesiredState.

In: a validated ``Policy`` and the inventory (networks, subnets) of every scope its members
live in. Out: a ``DesiredState`` of neutral resources with stable keys, and diagnostics
(with field paths, located later against the policy files).
Always: pure (no I/O, no SDK); the same inputs give the same keys and values; default deny
between segments (only declared flows produce rules); quotas are checked here, never
discovered at apply.
"""

from orchestrator.compile.compiler import compile_policy, scopes_to_read

__all__ = ["compile_policy", "scopes_to_read"]
