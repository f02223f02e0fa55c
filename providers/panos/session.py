"""Who to talk to for one hub firewall, or a Panorama, and as whom.

In: the firewall's label (``<cloud>/<zone>``) and, in the sandbox, ``sandbox.json``'s ``panos``
section; elsewhere the environment: ``EASTWEST_PANOS_<LABEL>_HOST`` (host or host:port) and
either ``EASTWEST_PANOS_API_KEY`` or ``EASTWEST_PANOS_USERNAME`` / ``EASTWEST_PANOS_PASSWORD``
(``<LABEL>`` upper-cased, non-alphanumerics as ``_``: ``AWS_US_EAST_1A``). A Panorama is
reached at the ``host`` its policy names (the sandbox's ``panoramas`` entry of that name), with
the same credential variables. Out: a ``panos.firewall.Firewall`` or
``panos.panorama.Panorama`` and the admin name commits are made for. Always: credentials are
never part of an error message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from panos.firewall import Firewall
from panos.panorama import Panorama

from orchestrator.errors import PermanentError
from providers.panos import env_name


def make_firewall(
    label: str, *, sandbox: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ
) -> tuple[Firewall, str]:
    if sandbox is not None:
        found = sandbox.get("panos", {}).get("firewalls", {}).get(label)
        return _sandboxed(Firewall, found, f"panos/{label}: the sandbox runs no firewall there")
    host = environ.get(f"EASTWEST_PANOS_{env_name(label)}_HOST", "")
    if not host:
        raise PermanentError(
            f"panos/{label}: no management address: set EASTWEST_PANOS_{env_name(label)}_HOST"
        )
    firewall, user = _device(Firewall, label, host, environ)
    return firewall, user


def make_panorama(
    label: str,
    host: str,
    *,
    sandbox: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[Panorama, str]:
    if sandbox is not None:
        found = sandbox.get("panos", {}).get("panoramas", {}).get(host)
        return _sandboxed(Panorama, found, f"panos/{label}: the sandbox runs no Panorama {host}")
    return _device(Panorama, label, host, environ)


def _sandboxed(kind: Any, entry: Mapping[str, Any] | None, missing: str) -> tuple[Any, str]:
    if entry is None:
        raise PermanentError(missing)
    device = kind(entry["hostname"], entry["username"], entry["password"], port=entry["port"])
    return device, str(entry["username"])


def _device(kind: Any, label: str, host: str, environ: Mapping[str, str]) -> tuple[Any, str]:
    hostname, _, port = host.partition(":")
    user = environ.get("EASTWEST_PANOS_USERNAME", "")
    key = environ.get("EASTWEST_PANOS_API_KEY")
    password = environ.get("EASTWEST_PANOS_PASSWORD")
    if not key and not (user and password):
        raise PermanentError(
            f"panos/{label}: no credentials: set EASTWEST_PANOS_API_KEY, or "
            "EASTWEST_PANOS_USERNAME and EASTWEST_PANOS_PASSWORD"
        )
    device = kind(hostname, user or None, password, api_key=key, port=int(port) if port else 443)
    return device, user
