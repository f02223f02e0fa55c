"""eastwest's rulebase on one PAN-OS firewall, through pan-os-python (the only module here that
calls it).

In: a ``panos.firewall.Firewall`` (made by ``session.py``), the firewall's label, eastwest's name
prefix and the admin eastwest logs in as. Out: ``observe()`` (the owned rulebase, read from the
running configuration, and the addresses registered with eastwest's tags), ``catalogue()``
(which of the wanted applications and profile groups the firewall knows) and ``apply()``.
Always: one ``multi-config`` request carries every edit of an apply (all or nothing on the
firewall), then one commit of eastwest's own changes (``<partial><admin>``, PAN-OS 8.0 and
later) polled to its end, all under the commit lock; a commit that fails reverts eastwest's
candidate changes, so a re-run starts clean; registered addresses go in one User-ID request
before the edits (a dynamic group is never emptier than the policy says), and need no commit;
SDK errors are translated here, without credentials. ``panorama.py`` reuses all of it for a
device group on Panorama (the hooks ``parent``, ``_rulebase``, ``_container_xpath``,
``_commit``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from xml.etree import ElementTree as ET

from pan.xapi import PanXapiError
from panos.errors import PanDeviceError, PanLockError
from panos.firewall import Firewall
from panos.objects import (
    AddressGroup,
    AddressObject,
    ScheduleObject,
    SecurityProfileGroup,
    ServiceObject,
    Tag,
)
from panos.policies import Rulebase, SecurityRule

from orchestrator.errors import ObservationError, PermanentError, TemporaryError
from orchestrator.state.change import Action
from orchestrator.state.ngfw import (
    FirewallApplied,
    FirewallCatalogue,
    FirewallState,
    NgfwAddressGroup,
    NgfwChange,
    NgfwPush,
    NgfwRegisteredIp,
    NgfwResource,
    NgfwSection,
    address_name,
)
from providers.panos.registered import RegisteredIps, registered_resources
from providers.panos.translate import from_objects, to_objects

PARTIAL_COMMIT_SINCE = (8, 0, 0)  # <commit><partial><admin>
PARTIAL_REVERT_SINCE = (8, 1, 0)  # <revert><config><partial><admin>
_SERVING = frozenset({"active", "active-primary", "active-secondary"})
_KINDS = {
    "tags": Tag,
    "addresses": AddressObject,
    "groups": AddressGroup,
    "services": ServiceObject,
    "schedules": ScheduleObject,
}


class PanosAdapter:
    def __init__(
        self, firewall: Firewall, label: str, prefix: str, *, admin: str, poll: float = 0.5
    ) -> None:
        self.firewall, self.label, self.prefix = firewall, label, prefix
        self.admin, self.poll = admin, poll
        self.registered = RegisteredIps(firewall, label, prefix)

    @property
    def parent(self) -> Any:
        """Where eastwest's objects and rulebase live: the firewall (its vsys)."""
        return self.firewall

    def _rulebase(self) -> Rulebase:
        return Rulebase()

    def observe(self) -> FirewallState:
        """Everything eastwest owns on the firewall, from its running configuration, and the
        addresses registered with its tags."""
        with self._translated("read the rulebase of", ObservationError):
            self.firewall.refresh_system_info()
            found = {
                name: kind.refreshall(self.parent, running_config=True, add=False)
                for name, kind in _KINDS.items()
            }
            rulebase = self._rulebase()
            self.parent.add(rulebase)
            found["rules"] = SecurityRule.refreshall(rulebase, running_config=True, add=False)
            self.parent.remove(rulebase)
        state = from_objects(self.label, self.prefix, found)
        ips = registered_resources(self.label, self.registered.read())
        return FirewallState(state.firewall, {**state.resources, **ips}, state.foreign)

    def probe(self) -> tuple[bool, str]:
        """Whether the firewall passes traffic, and why not: its management plane answers,
        its system is in normal operational mode, and it is not a passive or failed HA
        member. Two calls; never raises."""
        try:
            system = self.firewall.show_system_info()["system"]
            state = self.firewall.op("show high-availability state")
        except (PanDeviceError, PanXapiError) as exc:
            return False, f"unreachable: {exc}"
        mode = system.get("operational-mode", "normal")
        if mode != "normal":
            return False, f"operational mode {mode}"
        if state.findtext("./result/enabled") == "no":
            return True, "standalone"
        local = state.findtext("./result/group/local-info/state") or "unknown"
        return (local in _SERVING, f"HA state {local}")

    def catalogue(self, applications: Iterable[str], profiles: Iterable[str]) -> FirewallCatalogue:
        """Which of ``applications`` (App-ID, or the vsys' own) and ``profiles`` exist."""
        wanted = sorted(set(applications) - {"any"})
        with self._translated("read the catalogue of", ObservationError):
            known = set(self._names("/config/predefined/application", wanted))
            known |= set(self._names(self._container_xpath() + "/application", wanted))
            groups = SecurityProfileGroup.refreshall(self.parent, running_config=False, add=False)
        return FirewallCatalogue(
            frozenset(known), frozenset(g.name for g in groups) & set(profiles)
        )

    def _names(self, xpath: str, names: Sequence[str]) -> list[str]:
        if not names:
            return []
        choice = " or ".join(f"@name='{n}'" for n in names)
        root = self.firewall.xapi.get(f"{xpath}/entry[{choice}]")
        return [e.get("name", "") for e in root.findall("./result/entry")]

    def _container_xpath(self) -> str:
        vsys = self.firewall.vsys or "vsys1"
        return f"/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='{vsys}']"

    def apply(self, changes: Sequence[NgfwChange]) -> FirewallApplied:
        """Write ``changes`` in one request and commit them; nothing to do, nothing sent.
        Registered addresses first, in one User-ID request of their own."""
        ips = [c for c in changes if isinstance(c.resource, NgfwRegisteredIp)]
        if ips:
            self.registered.send(*_registrations(ips))
        requests = list(self._requests([c for c in changes if c not in ips]))
        if not requests:
            return FirewallApplied("", len(ips))
        self._lock()
        try:
            self._send(requests)
            job = self._commit()
        finally:
            self._unlock()
        return FirewallApplied(job, len(requests))

    def _lock(self) -> None:
        try:
            self.firewall.add_commit_lock(comment="eastwest apply")
        except PanLockError as exc:
            if self.admin and self._lock_holder() == self.admin:
                return  # left by an apply of ours that died before its commit: ours to use
            raise TemporaryError(f"panos/{self.label}: {exc}; retry once it is released") from None
        except (PanDeviceError, PanXapiError) as exc:
            message = f"panos/{self.label}: taking the commit lock failed: {exc}"
            raise PermanentError(message) from None

    def _lock_holder(self) -> str:
        with self._translated("read the commit locks of", TemporaryError):
            found = self.firewall.op("show commit-locks")
        entry = found.find("./result/commit-locks/entry")
        return entry.get("name", "") if entry is not None else ""

    def _unlock(self) -> None:
        # The firewall drops the lock itself once our commit completes: none left is no error.
        try:
            self.firewall.remove_commit_lock(exceptions=False)
        except (PanDeviceError, PanXapiError) as exc:
            message = f"panos/{self.label}: releasing the commit lock failed: {exc}"
            raise TemporaryError(message) from None

    def _send(self, requests: Sequence[ET.Element]) -> None:
        batch = ET.Element("multi-configRequest")
        for index, request in enumerate(requests, start=1):
            request.set("id", str(index))
            batch.append(request)
        try:
            # pan-python 0.17 (what pan-os-python pins) has no multi_config(): the same
            # request through its generic call.
            query = {"type": "config", "action": "multi-config"}
            query["element"] = ET.tostring(batch, encoding="unicode")
            self.firewall.xapi.ad_hoc(query, modify_qs=True)
        except (PanDeviceError, PanXapiError) as exc:
            # All or nothing on the firewall: nothing of ours is left in the candidate.
            message = f"panos/{self.label}: the firewall refused the edits: {exc}"
            raise PermanentError(message) from None

    def _commit(self) -> str:
        # A partial commit names the admin; an API key alone does not say whose it is.
        partial = bool(self.admin) and self._version() >= PARTIAL_COMMIT_SINCE
        with self._translated("commit on", PermanentError):
            job = self.firewall.commit(admins=[self.admin] if partial else None)
            if job is None:
                return ""
            result = self.firewall.syncjob(job, interval=self.poll)
        if not result["success"]:
            self._revert()
            lines = "; ".join(str(m) for m in result["messages"] or [])
            raise PermanentError(
                f"panos/{self.label}: commit job {job} failed ({lines}); eastwest's changes "
                "were reverted on the firewall"
            )
        return str(job)

    def _revert(self) -> None:
        if self._version() < PARTIAL_REVERT_SINCE:
            return  # reverting everyone's candidate is not ours to do: the next run re-sends
        cmd = (
            "<revert><config><partial><admin>"
            f"<member>{self.admin}</member></admin></partial></config></revert>"
        )
        with self._translated("revert eastwest's changes on", PermanentError):
            self.firewall.op(cmd, cmd_xml=False)

    def _version(self) -> tuple[int, int, int]:
        version = self.firewall.version or self.firewall.refresh_system_info().version
        major, minor, patch = [*str(version).split("-")[0].split("."), "0", "0"][:3]
        return int(major), int(minor), int(patch)

    def _requests(self, changes: Sequence[NgfwChange]) -> Iterator[ET.Element]:
        for change in changes:
            if isinstance(change.resource, NgfwPush):
                continue  # no configuration: Panorama's push (panorama.py)
            if isinstance(change.resource, NgfwSection):
                if isinstance(change.after, NgfwSection):
                    yield from self._moves(change.after)
            elif change.action is Action.DELETE:
                yield from self._deletes(change.resource)
            else:
                yield from self._edits(change)

    def _edits(self, change: NgfwChange) -> Iterator[ET.Element]:
        assert change.after is not None
        for obj in to_objects(change.after, self.prefix):
            edit = ET.Element("edit", {"xpath": self._xpath(obj)})
            edit.append(ET.fromstring(obj.element_str()))  # noqa: S314 (pan-os-python's own XML)
            yield edit
        before, after = change.before, change.after
        if isinstance(before, NgfwAddressGroup) and isinstance(after, NgfwAddressGroup):
            for cidr in sorted(set(before.cidrs) - set(after.cidrs)):
                if not cidr.startswith("ref:"):
                    yield self._delete_address(cidr)

    def _deletes(self, resource: NgfwResource) -> Iterator[ET.Element]:
        for obj in reversed(to_objects(resource, self.prefix)):
            yield ET.Element("delete", {"xpath": self._xpath(obj)})

    def _delete_address(self, cidr: str) -> ET.Element:
        obj = AddressObject(address_name(self.prefix, cidr), cidr)
        return ET.Element("delete", {"xpath": self._xpath(obj)})

    def _moves(self, section: NgfwSection) -> Iterator[ET.Element]:
        previous = ""
        for name in section.order:
            path = self._xpath(SecurityRule(name))
            where = {"where": "after", "dst": previous} if previous else {"where": "top"}
            yield ET.Element("move", {"xpath": path, **where})
            previous = name

    def _xpath(self, obj: Any) -> str:
        """The object's xpath on this firewall (rules under the vsys rulebase)."""
        parent = self._rulebase() if isinstance(obj, SecurityRule) else None
        holder = self.parent.add(parent) if parent is not None else self.parent
        holder.add(obj)
        try:
            return str(obj.xpath())
        finally:
            holder.remove(obj)
            if parent is not None:
                self.parent.remove(parent)

    @contextmanager
    def _translated(self, what: str, error: type[Exception]) -> Iterator[None]:
        """Turn pan-os-python's errors into eastwest's tree at this boundary."""
        try:
            yield
        except (PanDeviceError, PanXapiError) as exc:
            raise error(f"panos/{self.label}: could not {what} the firewall: {exc}") from None


def _registrations(
    changes: Sequence[NgfwChange],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What to register and unregister, address → tags, for the registered-IP changes."""
    add: dict[str, set[str]] = {}
    drop: dict[str, set[str]] = {}
    for change in changes:
        before = set(getattr(change.before, "tags", ()))
        after = set(getattr(change.after, "tags", ()))
        name = getattr(change.resource, "name", "")
        if after - before:
            add[name] = after - before
        if before - after:
            drop[name] = before - after
    return add, drop
