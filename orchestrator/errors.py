"""The one exception tree of eastwest.

::

    EastwestError
    ├── PolicyError            the policy files cannot be loaded (carries diagnostics)
    ├── PlanFileError          a saved plan is unreadable, from another version, or stale
    │   └── StalePlanError     the observed state changed since the plan was made
    ├── SandboxError           the local fake clouds could not be started, found or stopped
    ├── StoreError             the reconciler's history store (SQLite, PostgreSQL) failed
    └── ProviderError          a cloud call failed; message names cloud, account, region, key
        ├── ObservationError   a scope could not be read completely (never becomes a delete)
        ├── AccountMismatchError  credentials belong to another account than the policy's
        ├── TemporaryError     throttling, 5xx, conflicts: worth retrying after ``delay``
        └── PermanentError     validation, permissions, quotas: retrying will not help

SDK exceptions never cross ``providers/<cloud>/adapter.py``: they are translated into this tree
there, with credentials stripped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.diagnostics import Diagnostic


class EastwestError(Exception):
    """Base of every error eastwest raises on purpose."""


class PolicyError(EastwestError):
    """The policy could not be loaded; ``diagnostics`` holds every problem found."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        super().__init__(f"{len(diagnostics)} problem(s) in the policy")


class PlanFileError(EastwestError):
    """A saved plan cannot be used."""


class StalePlanError(PlanFileError):
    """The clouds changed since the saved plan was made; plan again."""


class SandboxError(EastwestError):
    """The local sandbox clouds could not be started, found or stopped."""


class StoreError(EastwestError):
    """The reconciler's history and lease store cannot be opened, read or written."""


class ProviderError(EastwestError):
    """A cloud call failed. The message names cloud, account, region and resource."""


class ObservationError(ProviderError):
    """A scope could not be read completely; plans for it contain no deletions."""


class AccountMismatchError(ProviderError):
    """The credentials in use belong to an account other than the policy's."""


class TemporaryError(ProviderError):
    """Worth retrying after ``delay`` seconds (throttling, 5xx, conflicting operation)."""

    def __init__(self, message: str, delay: float = 1.0) -> None:
        super().__init__(message)
        self.delay = delay


class PermanentError(ProviderError):
    """Retrying will not help (validation, permissions, quota, dependency)."""
