"""A fake Panorama: the same XML API as the fake VM-Series (``api.py``), on a configuration
with device groups, and the commit-all that pushes one device group to its firewalls.

In: the device groups and the serials of their firewalls. Out: ``PanoramaDevice`` (a
``Device`` whose ``commit_all`` enqueues a ``CommitAll`` job) and its initial configuration:
the App-ID catalogue, shared objects, and per device group a hand-made address, tag,
profile group, one pre-rule and one post-rule (what eastwest must never change). Always: a
commit-all pushes the device group as Panorama's *running* configuration holds it (pending
candidate changes are not pushed, as on Panorama); the job is ``ACT`` for ``commit_seconds``
with each device ``PEND``, then ``FIN`` with each device ``OK`` (the pushed configuration
recorded in ``pushed[serial]``) or ``FAIL`` (``fail_pushes``); ``show devicegroups`` says
per firewall whether its copy is Panorama's running group (``In Sync``) or not (``Out of
Sync``: committed on Panorama, not pushed). Not modelled: the firewalls' own copy (a pushed
configuration does not reach the fake VM-Series), templates.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree as ET

from moto_fixtures.panos.device import Clock, Device, Job
from moto_fixtures.panos.errors import (
    InvalidCommandError,
    InvalidObjectError,
    OperationDeniedError,
)
from moto_fixtures.panos.seed import strip, with_catalogue

DEVICE_XPATH = "/config/devices/entry[@name='localhost.localdomain']"
_DEVICE_GROUPS = "devices/entry/device-group"

_CONFIG = """
<config version="10.2.0" urldb="paloaltonetworks">
  <mgt-config><users><entry name="admin"><permissions><role-based><superuser>yes</superuser>
  </role-based></permissions></entry></users></mgt-config>
  <shared>
    <address><entry name="corp-dns"><ip-netmask>10.200.0.53/32</ip-netmask></entry></address>
    <address-group/><service/><schedule/>
    <tag><entry name="corp"><color>color5</color></entry></tag>
  </shared>
  <panorama/>
  <devices><entry name="localhost.localdomain">
    <deviceconfig><system><hostname>{hostname}</hostname></system></deviceconfig>
    <device-group>{groups}</device-group>
    <template><entry name="hub-network"><config/></entry></template>
  </entry></devices>
</config>
"""
_GROUP = """
<entry name="{name}">
  <devices>{devices}</devices>
  <address><entry name="{name}-syslog"><ip-netmask>10.250.0.5/32</ip-netmask></entry></address>
  <address-group/><service/><schedule/>
  <tag><entry name="operations"><color>color3</color></entry></tag>
  <profile-group><entry name="default"><virus><member>default</member></virus>
  <spyware><member>default</member></spyware></entry></profile-group>
  <pre-rulebase><security><rules>
    <entry name="{name}-dns" uuid="{uuid}01">
      <from><member>any</member></from><to><member>any</member></to>
      <source><member>any</member></source><destination><member>corp-dns</member></destination>
      <source-user><member>any</member></source-user><category><member>any</member></category>
      <application><member>dns</member></application>
      <service><member>application-default</member></service>
      <action>allow</action><tag><member>operations</member></tag>
      <description>kept by the network team</description>
    </entry>
  </rules></security></pre-rulebase>
  <post-rulebase><security><rules>
    <entry name="{name}-log-the-rest" uuid="{uuid}02">
      <from><member>any</member></from><to><member>any</member></to>
      <source><member>any</member></source><destination><member>any</member></destination>
      <source-user><member>any</member></source-user><category><member>any</member></category>
      <application><member>any</member></application><service><member>any</member></service>
      <action>deny</action><log-end>yes</log-end>
    </entry>
  </rules></security></post-rulebase>
</entry>
"""


def initial_panorama_config(hostname: str, groups: Mapping[str, Sequence[str]]) -> ET.Element:
    entries = "".join(
        _GROUP.format(
            name=name,
            devices="".join(f'<entry name="{serial}"/>' for serial in serials),
            uuid=f"7c1d4e2a-0b5f-4a8e-9c3d-{index:010d}",
        )
        for index, (name, serials) in enumerate(sorted(groups.items()), start=1)
    )
    return with_catalogue(strip(_CONFIG.format(hostname=hostname, groups=entries)))


class PanoramaDevice(Device):
    model = "Panorama"

    def __init__(
        self,
        hostname: str,
        serial: str,
        groups: Mapping[str, Sequence[str]],
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(hostname, serial, clock)
        self.running = initial_panorama_config(hostname, groups)
        self.candidate = copy.deepcopy(self.running)
        self._pushing: dict[int, ET.Element] = {}  # job → the device group it pushes
        # serial → what the last push sent it; the seed is in sync with every firewall.
        self.pushed: dict[str, ET.Element] = {
            serial: self._payload(entry)
            for entry in self.running.iterfind(f"{_DEVICE_GROUPS}/entry")
            for serial in _serials(entry)
        }

    def _group(self, name: str) -> ET.Element | None:
        groups = self.running.iterfind(f"{_DEVICE_GROUPS}/entry")
        return next((g for g in groups if g.get("name") == name), None)

    def _payload(self, entry: ET.Element) -> ET.Element:
        """What a push of device group ``entry`` sends: the shared objects and the group."""
        pushed = ET.Element("pushed")
        shared = self.running.find("shared")
        pushed.extend(copy.deepcopy([entry] if shared is None else [shared, entry]))
        return pushed

    def sync_status(self) -> dict[str, dict[str, bool]]:
        """Device group → serial → whether its copy is Panorama's running group."""
        return {
            entry.get("name", ""): {
                serial: serial in self.pushed
                and ET.tostring(self.pushed[serial]) == ET.tostring(self._payload(entry))
                for serial in _serials(entry)
            }
            for entry in self.running.iterfind(f"{_DEVICE_GROUPS}/entry")
        }

    def commit_all(self, admin: str, group: str) -> int:
        """Enqueue a push of device group ``group`` to its firewalls."""
        if self.commit_lock is not None and self.commit_lock[0] != admin:
            raise OperationDeniedError(f"Commit lock is currently held by {self.commit_lock[0]}")
        entry = self._group(group)
        if entry is None:
            raise InvalidObjectError(f"device-group {group} does not exist")
        job = self.enqueue(admin, self.running, {})
        job.kind = "CommitAll"
        job.devices = dict.fromkeys(_serials(entry), "PEND")
        self._pushing[job.id] = self._payload(entry)
        return job.id

    def _finish(self, job: Job) -> None:
        if job.kind != "CommitAll":
            super()._finish(job)
            return
        job.status = "FIN"
        failed = self.faults.fail_pushes > 0
        if failed:
            self.faults.fail_pushes -= 1
        for serial in job.devices:
            job.devices[serial] = "FAIL" if failed else "OK"
            if not failed:
                self.pushed[serial] = self._pushing[job.id]
        job.result = "FAIL" if failed and job.devices else "OK"
        message = "push failed: device busy (injected fault)" if failed else "pushed"
        job.details = [f"commit-all {message}"]


def _serials(entry: ET.Element) -> list[str]:
    return [d.get("name", "") for d in entry.findall("devices/entry")]


def show_devicegroups(device: Device, admin: str, root: ET.Element) -> tuple[ET.Element, str]:
    """``show devicegroups [name G]``: each group's firewalls and their sync state."""
    del admin
    status = getattr(device, "sync_status", None)
    if status is None:
        raise InvalidCommandError("show -> devicegroups is unexpected")
    wanted = root.findtext("devicegroups/name")
    result = ET.Element("result")
    groups = ET.SubElement(result, "devicegroups")
    for name, serials in status().items():
        if wanted not in (None, name):
            continue
        devices = ET.SubElement(ET.SubElement(groups, "entry", {"name": name}), "devices")
        for serial, synced in serials.items():
            entry = ET.SubElement(devices, "entry", {"name": serial})
            ET.SubElement(entry, "serial").text = serial
            ET.SubElement(entry, "connected").text = "yes"
            state = "In Sync" if synced else "Out of Sync"
            ET.SubElement(entry, "shared-policy-status").text = state
    return result, ""
