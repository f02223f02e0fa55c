"""Who to talk to for one hub firewall, and as whom.

In: the firewall's label (``<cloud>/<zone>``) and, in the sandbox, ``sandbox.json``'s ``panos``
section; elsewhere the environment: ``EASTWEST_PANOS_<LABEL>_HOST`` (host or host:port) and
either ``EASTWEST_PANOS_API_KEY`` or ``EASTWEST_PANOS_USERNAME`` / ``EASTWEST_PANOS_PASSWORD``
(``<LABEL>`` upper-cased, non-alphanumerics as ``_``: ``AWS_US_EAST_1A``). Out: a
``panos.firewall.Firewall`` and the admin name commits are made for. Always: credentials are
never part of an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from panos.firewall import Firewall

from orchestrator.errors import PermanentError
from providers.panos import env_name


def make_firewall(
    label: str, *, sandbox: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ
) -> tuple[Firewall, str]:
    if sandbox is not None:
        entry = sandbox.get("panos", {}).get("firewalls", {}).get(label)
        if entry is None:
            raise PermanentError(f"panos/{label}: the sandbox runs no firewall for this zone")
        firewall = Firewall(
            entry["hostname"], entry["username"], entry["password"], port=entry["port"]
        )
        return firewall, str(entry["username"])
    host = environ.get(f"EASTWEST_PANOS_{env_name(label)}_HOST", "")
    if not host:
        raise PermanentError(
            f"panos/{label}: no management address: set EASTWEST_PANOS_{env_name(label)}_HOST"
        )
    hostname, _, port = host.partition(":")
    user = environ.get("EASTWEST_PANOS_USERNAME", "")
    key = environ.get("EASTWEST_PANOS_API_KEY")
    password = environ.get("EASTWEST_PANOS_PASSWORD")
    if not key and not (user and password):
        raise PermanentError(
            f"panos/{label}: no credentials: set EASTWEST_PANOS_API_KEY, or "
            "EASTWEST_PANOS_USERNAME and EASTWEST_PANOS_PASSWORD"
        )
    firewall = Firewall(
        hostname, user or None, password, api_key=key, port=int(port) if port else 443
    )
    return firewall, user
