"""eastwest's rulebase in a Panorama device group, through pan-os-python: the firewall
adapter's reads and writes (``adapter.py``) aimed at the device group, then a push.

In: a ``panos.panorama.Panorama`` (made by ``session.py``), the device group's label
(``panorama/<host>/<device group>``), eastwest's name prefix and admin. Out: the same
``observe()``, ``catalogue()``, ``apply()`` as a firewall's. Always: objects live in the device
group and rules at the top of its **pre-rulebase** (what Panorama puts before each firewall's
local rules); nothing outside them is written (other device groups, the post-rulebase, shared
objects). An apply is one ``multi-config`` request and one commit on Panorama (partial, of
eastwest's admin), under Panorama's commit lock, then one commit-all pushing the device group
(``<commit-all><shared-policy><device-group><entry name=…>``), polled until every firewall of
the group has answered; a failed push is reported per firewall, and the firewalls keep their
last pushed configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from panos.panorama import DeviceGroup, Panorama, PanoramaCommitAll
from panos.policies import PreRulebase

from orchestrator.errors import ObservationError, PermanentError
from orchestrator.state.ngfw import (
    FirewallApplied,
    FirewallState,
    NgfwChange,
    NgfwPush,
    ngfw_key,
)
from providers.panos.adapter import PanosAdapter


class PanoramaAdapter(PanosAdapter):
    def __init__(
        self,
        panorama: Panorama,
        label: str,
        prefix: str,
        *,
        device_group: str,
        admin: str,
        poll: float = 0.5,
    ) -> None:
        super().__init__(panorama, label, prefix, admin=admin, poll=poll)
        self.group = DeviceGroup(device_group)
        panorama.add(self.group)

    @property
    def parent(self) -> Any:
        return self.group

    def _rulebase(self) -> PreRulebase:
        return PreRulebase()

    def _container_xpath(self) -> str:
        return str(self.group.xpath())

    def observe(self) -> FirewallState:
        """The firewall adapter's reads in the device group, and which of the group's
        firewalls do not hold Panorama's running configuration of it (not pushed since)."""
        state = super().observe()
        key = ngfw_key(self.label, "ngfw_push", self.group.name)
        push = NgfwPush(key, self.label, self.group.name, self._unsynced())
        return FirewallState(state.firewall, {**state.resources, key: push}, state.foreign)

    def _unsynced(self) -> tuple[str, ...]:
        with self._translated("read the device groups of", ObservationError):
            found = self.firewall.op("show devicegroups")
        groups = found.iterfind("./result/devicegroups/entry")
        group = next((g for g in groups if g.get("name") == self.group.name), None)
        if group is None:
            raise ObservationError(f"panos/{self.label}: Panorama has no such device group")
        devices = group.iterfind("devices/entry")
        return tuple(
            sorted(
                d.get("name", "")
                for d in devices
                if d.findtext("shared-policy-status") != "In Sync"
            )
        )

    def apply(self, changes: Sequence[NgfwChange]) -> FirewallApplied:
        """The firewall adapter's apply (whose commit pushes); a push alone when only the
        push is pending (a commit on Panorama whose push failed or never ran)."""
        applied = super().apply(changes)
        if applied.job or not any(isinstance(c.resource, NgfwPush) for c in changes):
            return applied
        self._lock()
        try:
            job = self._push("")
        finally:
            self._unlock()
        return FirewallApplied(job, applied.edits)

    def _commit(self) -> str:
        committed = super()._commit()
        return self._push(committed)

    def _push(self, committed: str) -> str:
        push = PanoramaCommitAll(PanoramaCommitAll.STYLE_DEVICE_GROUP, self.group.name)
        with self._translated(f"push device group {self.group.name} from", PermanentError):
            job = self.firewall.commit(cmd=push)
            result = self.firewall.syncjob(job, sync_all=True, interval=self.poll)
        failed = sorted(s for s, d in (result.get("devices") or {}).items() if not d["success"])
        if not result["success"]:
            raise PermanentError(
                f"panos/{self.label}: Panorama committed (job {committed or 'none'}) but its push "
                f"(job {job}) failed on {', '.join(failed) or 'the device group'}; the "
                "firewalls keep their last pushed configuration, and the next apply pushes again"
            )
        return f"{committed}+{job}" if committed else str(job)
