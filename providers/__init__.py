"""Cloud adapters, chosen explicitly by cloud name.

``ADAPTERS`` maps a cloud to a factory that imports its SDK only when called, so a policy that
uses one cloud never pays for the others' imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.state import Target
from providers.base import Adapter, AdapterFactory


def _aws(target: Target, *, policy: str, sandbox: Mapping[str, Any] | None) -> Adapter:
    from providers.aws.adapter import make_aws_adapter  # noqa: PLC0415 - lazy SDK import

    return make_aws_adapter(target, policy=policy, sandbox=sandbox)


ADAPTERS: Mapping[str, AdapterFactory] = {"aws": _aws}

__all__ = ["ADAPTERS", "Adapter", "AdapterFactory"]
