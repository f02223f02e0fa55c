"""The fake Panorama through pan-os-python, unpatched: device groups' pre-rulebase and objects,
a commit to Panorama (partial, by admin) and a commit-all pushing one device group, polled to
its per-firewall results; and the errors Panorama answers."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from pan.xapi import PanXapiError
from panos.errors import PanDeviceXapiError
from panos.firewall import Firewall
from panos.objects import AddressObject
from panos.panorama import DeviceGroup, Panorama, PanoramaCommitAll
from panos.policies import PostRulebase, PreRulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.validate import commit_errors


@pytest.fixture
def panorama(panorama_server: PanosServer) -> Panorama:
    device = Panorama(
        "127.0.0.1", panorama_server.username, panorama_server.password, port=panorama_server.port
    )
    device.interval = 0.02
    return device


HUB = ("007951000000011", "007951000000012")
BRANCH = "007951000000013"


def _sync(panorama: Panorama) -> dict[str, str]:
    found = panorama.op("show devicegroups")
    return {
        d.get("name", ""): d.findtext("shared-policy-status") or ""
        for d in found.iterfind("./result/devicegroups/entry/devices/entry")
    }


def _group(panorama: Panorama, name: str = "hub") -> DeviceGroup:
    group = DeviceGroup(name)
    panorama.add(group)
    return group


def _rule(name: str, destination: str = "any") -> SecurityRule:
    return SecurityRule(
        name,
        fromzone=["any"],
        tozone=["any"],
        source=["any"],
        destination=[destination],
        application=["ssl"],
        service=["application-default"],
        action="allow",
    )


def test_it_is_a_panorama_with_device_groups(panorama: Panorama) -> None:
    assert panorama.refresh_system_info().platform == "Panorama"
    pre = _group(panorama).add(PreRulebase())
    assert [r.name for r in SecurityRule.refreshall(pre, running_config=True)] == ["hub-dns"]
    post = _group(panorama, "branch").add(PostRulebase())
    names = [r.name for r in SecurityRule.refreshall(post, running_config=True)]
    assert names == ["branch-log-the-rest"]


def test_a_commit_then_a_push_of_one_device_group(
    panorama: Panorama, panorama_server: PanosServer
) -> None:
    group = _group(panorama)
    group.add(AddressObject("web", "10.1.0.0/16")).create()
    pre = group.add(PreRulebase())
    pre.add(_rule("to-web", "web")).create()
    branch = ET.tostring(panorama_server.device.pushed[BRANCH])  # type: ignore[attr-defined]
    assert set(_sync(panorama).values()) == {"In Sync"}
    committed = panorama.commit(sync=True, admins=[panorama_server.username])
    assert committed["success"], committed
    assert _sync(panorama) == {**dict.fromkeys(HUB, "Out of Sync"), BRANCH: "In Sync"}
    push = PanoramaCommitAll(PanoramaCommitAll.STYLE_DEVICE_GROUP, "hub")
    job = panorama.commit(cmd=push)
    result = panorama.syncjob(job, sync_all=True, interval=0.02)
    assert result["success"], result
    assert set(result["devices"]) == set(HUB)
    assert set(_sync(panorama).values()) == {"In Sync"}
    pushed = panorama_server.device.pushed  # type: ignore[attr-defined]
    assert ET.tostring(pushed[BRANCH]) == branch
    rules = pushed["007951000000011"].findall(".//pre-rulebase/security/rules/entry")
    assert [r.get("name") for r in rules] == ["hub-dns", "to-web"]


def test_a_push_sends_panoramas_running_configuration_not_its_candidate(
    panorama: Panorama, panorama_server: PanosServer
) -> None:
    _group(panorama).add(PreRulebase()).add(_rule("pending")).create()
    job = panorama.commit_all(devicegroup="hub")
    assert panorama.syncjob(job, sync_all=True, interval=0.02)["success"]
    pushed = panorama_server.device.pushed["007951000000011"]  # type: ignore[attr-defined]
    assert "pending" not in ET.tostring(pushed, encoding="unicode")


def test_a_failed_push_is_reported_per_device(
    panorama: Panorama, panorama_server: PanosServer
) -> None:
    panorama_server.device.faults.fail_pushes = 1
    job = panorama.commit_all(devicegroup="hub")
    result = panorama.syncjob(job, sync_all=True, interval=0.02)
    assert not result["success"]
    assert {d["result"] for d in result["devices"].values()} == {"FAIL"}
    assert set(_sync(panorama).values()) == {"In Sync"}  # nothing was committed to push


@pytest.mark.parametrize(
    ("cmd", "message"),
    [
        ("<commit-all><shared-policy><device-group><entry name='nope'/></device-group>"
         "</shared-policy></commit-all>", "device-group nope does not exist"),
        ("<commit-all><template><name>hub-network</name></template></commit-all>",
         "commit-all needs shared-policy/device-group"),
    ],
    ids=["unknown-group", "template"],
)  # fmt: skip
def test_a_push_panorama_cannot_make_is_an_error(
    panorama: Panorama, cmd: str, message: str
) -> None:
    with pytest.raises(PanXapiError, match=message):
        panorama.xapi.commit(cmd=cmd, action="all")


def test_a_firewall_has_no_commit_all(panos_server: PanosServer) -> None:
    firewall = Firewall(
        "127.0.0.1", panos_server.username, panos_server.password, port=panos_server.port
    )
    with pytest.raises(PanDeviceXapiError, match=r'parameter "action" \[all\]'):
        firewall.commit(cmd=PanoramaCommitAll(PanoramaCommitAll.STYLE_DEVICE_GROUP, "hub"))


def test_a_pre_rule_naming_what_the_device_group_lacks_fails_the_commit(
    panorama: Panorama, panorama_server: PanosServer
) -> None:
    _group(panorama).add(PreRulebase()).add(_rule("broken", "no-such-address")).create()
    result = panorama.commit(sync=True)
    assert not result["success"]
    assert any("no-such-address" in str(m) for m in result["messages"])
    assert commit_errors(panorama_server.device.running) == []
