"""``type=op`` and ``type=commit`` on one device: the operational commands eastwest and
pan-os-python send, answered with the ``<result>`` the firewall gives.

In: the ``cmd`` parameter (XML, as ``pan.xapi`` builds it from ``show jobs id "4"``) and the
admin who sent it. Out: a ``(result element or None, message)`` pair for the response. Always:
a command outside the table is ``Invalid command`` (code 17), never silently ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from xml.etree import ElementTree as ET

from moto_fixtures.panos.device import Device, Job
from moto_fixtures.panos.errors import (
    BadRequestError,
    InvalidCommandError,
    MalformedCommandError,
    ObjectNotFoundError,
)
from moto_fixtures.panos.panorama import show_devicegroups
from moto_fixtures.panos.userid import show_dynamic_groups, show_registered

Answer = tuple[ET.Element | None, str]
SW_VERSION = "10.2.9"
APP_VERSION = "8799-8509"


def run_op(device: Device, admin: str, cmd: str) -> Answer:
    root = _parse(cmd)
    shape = _shape(root)
    # Commands with arguments before their keywords end (``registered-ip/limit``) by prefix.
    handler = _HANDLERS.get(shape) or _BY_PREFIX.get(shape[:3])
    if handler is None:
        raise InvalidCommandError(f"{' -> '.join(shape)} is unexpected")
    return handler(device, admin, root)


def run_commit(device: Device, admin: str, cmd: str, action: str = "") -> Answer:
    """``<commit/>`` or ``<commit><partial><admin><member>…`` (PAN-OS 8.0 and later); on a
    Panorama, ``action=all`` with ``<commit-all><shared-policy><device-group><entry name=…>``
    pushes a device group."""
    if action == "all":
        return _commit_all(device, admin, _parse(cmd or "<commit-all/>"))
    if action:
        raise BadRequestError(f'Illegal value for parameter "action" [{action}].')
    root = _parse(cmd or "<commit/>")
    if root.tag != "commit":
        raise InvalidCommandError(f"{root.tag} is unexpected")
    members = root.findall("partial/admin/member")
    admins = tuple(m.text or "" for m in members) if members else None
    job = device.commit(admin, admins)
    if job is None:
        return None, "There are no changes to commit."
    return _enqueued(job, "Commit")


def _commit_all(device: Device, admin: str, root: ET.Element) -> Answer:
    push = getattr(device, "commit_all", None)
    if push is None:  # a firewall has no commit-all
        raise BadRequestError('Illegal value for parameter "action" [all].')
    groups = root.findall("shared-policy/device-group/entry")
    if root.tag != "commit-all" or len(groups) != 1:
        raise InvalidCommandError("commit-all needs shared-policy/device-group with one entry")
    return _enqueued(push(admin, groups[0].get("name", "")), "CommitAll")


def _enqueued(job: int, kind: str) -> Answer:
    result = ET.Element("result")
    message = f"{kind} job enqueued with jobid {job}"
    ET.SubElement(ET.SubElement(result, "msg"), "line").text = message
    ET.SubElement(result, "job").text = str(job)
    return result, ""


def _parse(cmd: str) -> ET.Element:
    try:
        return ET.fromstring(cmd)  # noqa: S314 (expat expands no external entities; a loopback fake)
    except ET.ParseError as exc:
        raise MalformedCommandError(f"Malformed Request: {exc}") from None


def _shape(root: ET.Element) -> tuple[str, ...]:
    """The command's keyword path: ``show/jobs/id`` for ``<show><jobs><id>4</id>…``."""
    path = [root.tag]
    node = root
    while len(node) > 0 and node[0].tag not in ("comment", "admin", "from", "partial"):
        node = node[0]
        path.append(node.tag)
    return tuple(path)


def _system_info(device: Device, admin: str, root: ET.Element) -> Answer:
    result = ET.Element("result")
    system = ET.SubElement(result, "system")
    facts = {
        "hostname": device.hostname,
        "ip-address": "127.0.0.1",
        "model": device.model,
        "family": "vm" if device.model == "PA-VM" else "pc",
        "serial": device.serial,
        "vm-license": "VM-300",
        "sw-version": SW_VERSION,
        "app-version": APP_VERSION,
        "multi-vsys": "off",
        "operational-mode": "normal",
        "uptime": "0 days, 1:00:00",
    }
    for key, value in facts.items():
        ET.SubElement(system, key).text = value
    return result, ""


def _ha_state(device: Device, admin: str, root: ET.Element) -> Answer:
    result = ET.Element("result")
    ET.SubElement(result, "enabled").text = "yes"
    group = ET.SubElement(result, "group")
    ET.SubElement(group, "mode").text = "Active-Passive"
    local = ET.SubElement(group, "local-info")
    ET.SubElement(local, "state").text = device.faults.ha_state
    ET.SubElement(local, "mgmt-ip").text = "127.0.0.1/32"
    peer = ET.SubElement(group, "peer-info")
    ET.SubElement(peer, "state").text = (
        "passive" if device.faults.ha_state == "active" else "active"
    )
    return result, ""


def _job(device: Device, admin: str, root: ET.Element) -> Answer:
    text = (root.findtext("jobs/id") or "").strip().strip('"')
    job = device.jobs.get(int(text)) if text.isdigit() else None
    if job is None:
        raise ObjectNotFoundError(f"job {text} not found")
    result = ET.Element("result")
    result.append(_job_element(job))
    return result, ""


def _job_element(job: Job) -> ET.Element:
    element = ET.Element("job")
    fields = {
        "tenq": _stamp(job.enqueued),
        "tdeq": _stamp(job.starts),
        "id": str(job.id),
        "user": job.user,
        "type": job.kind,
        "status": job.status,
        "queued": "NO",
        "stoppable": "no",
        "result": job.result,
        "tfin": _stamp(job.ends) if job.status == "FIN" else "",
        "description": "",
        "positionInQ": "0",
        "progress": "100" if job.status == "FIN" else "50",
    }
    for key, value in fields.items():
        ET.SubElement(element, key).text = value
    details = ET.SubElement(element, "details")
    for line in job.details:
        ET.SubElement(details, "line").text = line
    ET.SubElement(element, "warnings")
    if job.kind == "CommitAll":
        element.append(_devices(job))
    return element


def _devices(job: Job) -> ET.Element:
    """A commit-all's per-firewall results, as ``syncjob(sync_all=True)`` reads them."""
    devices = ET.Element("devices")
    for serial, outcome in sorted(job.devices.items()):
        entry = ET.SubElement(devices, "entry")
        fields = {
            "serial-no": serial,
            "devicename": serial,
            "vsys": "vsys1",
            "result": outcome,
            "status": {"OK": "commit succeeded", "FAIL": "commit failed"}.get(outcome, ""),
            "tstart": _stamp(job.starts),
            "tfin": _stamp(job.ends) if job.status == "FIN" else "",
        }
        for key, value in fields.items():
            ET.SubElement(entry, key).text = value
        ET.SubElement(entry, "details").text = " ".join(job.details)
    return devices


def _stamp(when: float) -> str:
    # The device clock is monotonic; jobs show wall time as the firewall does.
    offset = time.time() - time.monotonic()
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(when + offset))


def _lock_add(device: Device, admin: str, root: ET.Element) -> Answer:
    device.add_commit_lock(admin, root.findtext("commit-lock/add/comment") or "")
    return None, "Successfully acquired commit lock"


def _lock_remove(device: Device, admin: str, root: ET.Element) -> Answer:
    device.remove_commit_lock(root.findtext("commit-lock/remove/admin") or admin)
    return None, "Successfully released commit lock"


def _locks(device: Device, admin: str, root: ET.Element) -> Answer:
    result = ET.Element("result")
    locks = ET.SubElement(result, "commit-locks")
    if device.commit_lock is not None:
        entry = ET.SubElement(locks, "entry", {"name": device.commit_lock[0]})
        ET.SubElement(entry, "comment").text = device.commit_lock[1]
    return result, ""


def _pending(device: Device, admin: str, root: ET.Element) -> Answer:
    result = ET.Element("result")
    result.text = "yes" if device.pending() else "no"
    return result, ""


def _load_running(device: Device, admin: str, root: ET.Element) -> Answer:
    if (root.findtext("config/from") or "") != "running-config.xml":
        raise InvalidCommandError("only running-config.xml can be loaded here")
    device.revert()
    return None, "Config loaded from running-config.xml"


def _revert(device: Device, admin: str, root: ET.Element) -> Answer:
    members = root.findall("config/partial/admin/member")
    device.revert(tuple(m.text or "" for m in members) if members else None)
    return None, "Candidate configuration reverted"


_HANDLERS: dict[tuple[str, ...], Callable[[Device, str, ET.Element], Answer]] = {
    ("show", "system", "info"): _system_info,
    ("show", "high-availability", "state"): _ha_state,
    ("show", "jobs", "id"): _job,
    ("request", "commit-lock", "add"): _lock_add,
    ("request", "commit-lock", "remove"): _lock_remove,
    ("show", "commit-locks"): _locks,
    ("check", "pending-changes"): _pending,
    ("load", "config"): _load_running,
    ("revert", "config"): _revert,
    ("show", "devicegroups"): show_devicegroups,
    ("show", "devicegroups", "name"): show_devicegroups,
}
_BY_PREFIX: dict[tuple[str, ...], Callable[[Device, str, ET.Element], Answer]] = {
    ("show", "object", "registered-ip"): show_registered,
    ("show", "object", "dynamic-address-group"): show_dynamic_groups,
}
