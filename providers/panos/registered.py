"""eastwest's registered IPs on one PAN-OS firewall (User-ID API), for dynamic address groups.

In: a ``panos.firewall.Firewall`` and eastwest's tag prefix (``eastwest-<policy>-``). Out:
``read()`` (each IP's tags that carry the prefix) and ``sync(wanted)`` (IP → tags: registers what
is missing and unregisters what eastwest registered and no longer wants). Always: tags without
the prefix are never registered nor removed (another tool's, or an admin's); a sync is one
User-ID request however many IPs change (pan-os-python's batch), and none when nothing does;
registered IPs are runtime state on the firewall, so nothing is committed.

The adapter (``adapter.py``) reads them on every observe (``registered_resources``: one
``ngfw_registered_ip`` per address) and ``send``s the plan's registrations; the compiler
wants them for a segment whose address group is dynamic (``compile/ngfw.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from pan.xapi import PanXapiError
from panos.errors import PanDeviceError
from panos.firewall import Firewall

from orchestrator.errors import ObservationError, PermanentError
from orchestrator.state.ngfw import NgfwRegisteredIp, ngfw_key


class RegisteredIps:
    def __init__(self, firewall: Firewall, label: str, prefix: str) -> None:
        self.firewall, self.label, self.prefix = firewall, label, prefix

    def read(self) -> dict[str, frozenset[str]]:
        try:
            found = self.firewall.userid.get_registered_ip(prefix=self.prefix)
        except (PanDeviceError, PanXapiError) as exc:
            raise ObservationError(
                f"panos/{self.label}: registered IPs unreadable: {exc}"
            ) from None
        return {ip: frozenset(tags) for ip, tags in found.items()}

    def sync(self, wanted: Mapping[str, Set[str]]) -> tuple[int, int]:
        """Registered and unregistered (IP, tag) pairs; one request for all of them."""
        self._refuse_foreign(wanted)
        have = self.read()
        add = {ip: set(tags) - have.get(ip, frozenset()) for ip, tags in wanted.items()}
        drop = {ip: set(tags) - set(wanted.get(ip, ())) for ip, tags in have.items()}
        add, drop = _nonempty(add), _nonempty(drop)
        if add or drop:
            self.send(add, drop)
        return sum(map(len, add.values())), sum(map(len, drop.values()))

    def send(self, add: Mapping[str, Set[str]], drop: Mapping[str, Set[str]]) -> None:
        """One User-ID request: ``add`` registered, ``drop`` unregistered (address → tags)."""
        self._refuse_foreign(add)
        self._refuse_foreign(drop)
        userid = self.firewall.userid
        userid.batch_start()
        for ip, tags in sorted(add.items()):
            userid.register(ip, sorted(tags))
        for ip, tags in sorted(drop.items()):
            userid.unregister(ip, sorted(tags))
        try:
            userid.batch_end()
        except (PanDeviceError, PanXapiError) as exc:
            raise PermanentError(f"panos/{self.label}: registering IPs failed: {exc}") from None

    def _refuse_foreign(self, pairs: Mapping[str, Set[str]]) -> None:
        foreign = {t for tags in pairs.values() for t in tags if not t.startswith(self.prefix)}
        if foreign:
            raise PermanentError(f"panos/{self.label}: tags {sorted(foreign)} are not eastwest's")


def registered_resources(
    label: str, found: Mapping[str, frozenset[str]]
) -> dict[str, NgfwRegisteredIp]:
    """The observed registrations as resources, keyed as the compiler keys them."""
    return {
        ngfw_key(label, "ngfw_registered_ip", ip): NgfwRegisteredIp(
            ngfw_key(label, "ngfw_registered_ip", ip), label, ip, tuple(sorted(tags))
        )
        for ip, tags in sorted(found.items())
        if tags
    }


def _nonempty(pairs: Mapping[str, set[str]]) -> dict[str, set[str]]:
    return {ip: tags for ip, tags in pairs.items() if tags}
