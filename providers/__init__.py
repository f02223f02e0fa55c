"""Cloud adapters, chosen explicitly by cloud name.

``ADAPTERS`` maps a cloud to a factory that imports its SDK only when called, so a policy that
uses one cloud never pays for the others' imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.extras import require
from orchestrator.state import Target
from providers.base import Adapter, AdapterFactory


def _alibaba(target: Target, *, policy: str, sandbox: Mapping[str, Any] | None) -> Adapter:
    from providers.alibaba.adapter import make_alibaba_adapter  # noqa: PLC0415 - lazy SDK import

    return make_alibaba_adapter(target, policy=policy, sandbox=sandbox)


def _aws(target: Target, *, policy: str, sandbox: Mapping[str, Any] | None) -> Adapter:
    from providers.aws.adapter import make_aws_adapter  # noqa: PLC0415 - lazy SDK import

    return make_aws_adapter(target, policy=policy, sandbox=sandbox)


def _azure(target: Target, *, policy: str, sandbox: Mapping[str, Any] | None) -> Adapter:
    from providers.azure.adapter import make_azure_adapter  # noqa: PLC0415 - lazy SDK import

    mode = target.existing_nsgs
    if mode not in ("conflict", "share"):
        raise ValueError(f"existing_nsgs must be 'conflict' or 'share', not {mode!r}")
    shared = mode == "share"
    return make_azure_adapter(
        target, policy=policy, sandbox=sandbox, existing_nsgs="share" if shared else "conflict"
    )


def panos_adapter(label: str, *, policy: str, sandbox: Mapping[str, Any] | None) -> Any:
    """The adapter of hub firewall ``label`` (``<cloud>/<zone>``, or a Panorama device group's
    ``panorama/<host>/<group>``), made on first use so that a policy without inspection never
    imports pan-os-python."""
    require("panos", f"the PAN-OS firewall {label}")
    from providers.panos.factory import make_adapter  # noqa: PLC0415 - lazy SDK import

    return make_adapter(label, policy=policy, sandbox=sandbox)


ADAPTERS: Mapping[str, AdapterFactory] = {
    "alibaba": _alibaba,
    "aws": _aws,
    "azure": _azure,
}

__all__ = ["ADAPTERS", "Adapter", "AdapterFactory", "panos_adapter"]
