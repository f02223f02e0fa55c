"""Candidate and running, commit jobs, partial commits, locks and operational state, driven
through pan-os-python as a real client would."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from panos.errors import PanDeviceXapiError, PanLockError, PanURLError
from panos.firewall import Firewall
from panos.objects import Tag
from panos.policies import Rulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.server import OTHER_PASSWORD, OTHER_USERNAME

from .conftest import Raw


def _rule(name: str, application: str = "postgres") -> SecurityRule:
    return SecurityRule(
        name,
        fromzone=["trust"],
        tozone=["trust"],
        source=["10.1.0.0/16"],
        destination=["10.2.0.0/16"],
        application=[application],
        service=["application-default"],
        action="allow",
    )


def _names(firewall: Firewall, running: bool) -> list[str]:
    rulebase = firewall.add(Rulebase())
    return [r.name for r in SecurityRule.refreshall(rulebase, running_config=running)]


def _operator(panos_server: PanosServer) -> Firewall:
    fw = Firewall("127.0.0.1", OTHER_USERNAME, OTHER_PASSWORD, port=panos_server.port)
    fw.interval = 0.02
    return fw


def test_a_commit_installs_the_candidate(firewall: Firewall) -> None:
    firewall.add(Rulebase()).add(_rule("eastwest-a")).create()
    assert "eastwest-a" in _names(firewall, running=False)
    assert "eastwest-a" not in _names(firewall, running=True)
    assert firewall.pending_changes()
    result = firewall.commit(sync=True)
    assert (result["success"], result["result"]) == (True, "OK")
    assert _names(firewall, running=True)[-1] == "eastwest-a"
    assert not firewall.pending_changes()


def test_nothing_to_commit_enqueues_no_job(firewall: Firewall) -> None:
    assert firewall.commit(sync=True) is None


def test_a_commit_job_is_active_for_a_while(
    raw: Raw, firewall: Firewall, panos_server: PanosServer
) -> None:
    panos_server.device.faults.commit_seconds = 0.4
    firewall.add(Tag("eastwest")).create()
    job = firewall.commit()
    cmd = f"<show><jobs><id>{job}</id></jobs></show>"
    _, first = raw(type="op", cmd=cmd)
    assert (first.findtext("result/job/status"), first.findtext("result/job/result")) == (
        "ACT",
        "PEND",
    )
    time.sleep(0.45)
    _, last = raw(type="op", cmd=cmd)
    assert (last.findtext("result/job/status"), last.findtext("result/job/result")) == (
        "FIN",
        "OK",
    )


Setup = Callable[[Firewall, PanosServer], None]


def _inject(firewall: Firewall, server: PanosServer) -> None:
    server.device.faults.fail_commits = 1
    firewall.add(Rulebase()).add(_rule("eastwest-a")).create()


def _unknown_app(firewall: Firewall, server: PanosServer) -> None:
    firewall.add(Rulebase()).add(_rule("eastwest-a", application="not-an-app")).create()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (_inject, "injected fault"),
        (_unknown_app, "application 'not-an-app' is not a valid reference"),
    ],
    ids=["injected", "unknown-application"],
)
def test_a_failed_commit_leaves_running_and_candidate(
    firewall: Firewall, panos_server: PanosServer, setup: Setup, message: str
) -> None:
    before = _names(firewall, running=True)
    setup(firewall, panos_server)
    result = firewall.commit(sync=True)
    assert (result["success"], result["result"]) == (False, "FAIL")
    assert any(message in line for line in result["messages"])
    assert _names(firewall, running=True) == before
    assert firewall.pending_changes()  # the firewall keeps the candidate as it was
    firewall.revert_to_running_configuration()
    assert not firewall.pending_changes()


def test_a_partial_commit_installs_one_admins_changes(
    firewall: Firewall, panos_server: PanosServer
) -> None:
    operator = _operator(panos_server)
    operator.add(Rulebase()).add(_rule("hand-made")).create()
    firewall.add(Rulebase()).add(_rule("eastwest-a")).create()
    result = firewall.commit(sync=True, admins=["admin"])
    assert result["success"]
    running = _names(firewall, running=True)
    assert "eastwest-a" in running
    assert "hand-made" not in running
    assert firewall.pending_changes()  # the operator's change still waits for its commit
    assert "hand-made" in _names(firewall, running=False)


def test_a_partial_revert_drops_one_admins_changes(
    raw: Raw, firewall: Firewall, panos_server: PanosServer
) -> None:
    _operator(panos_server).add(Rulebase()).add(_rule("hand-made")).create()
    firewall.add(Rulebase()).add(_rule("eastwest-a")).create()
    partial = "<partial><admin><member>admin</member></admin></partial>"
    cmd = f"<revert><config>{partial}</config></revert>"
    _, response = raw(type="op", cmd=cmd)
    assert response.get("status") == "success"
    candidate = _names(firewall, running=False)
    assert "eastwest-a" not in candidate
    assert "hand-made" in candidate


def test_the_commit_lock_of_another_admin_blocks_commits(
    firewall: Firewall, panos_server: PanosServer
) -> None:
    operator = _operator(panos_server)
    assert operator.add_commit_lock("maintenance")
    firewall.add(Tag("eastwest")).create()
    assert firewall.check_commit_locks()
    with pytest.raises(PanLockError, match="already held by operator"):
        firewall.add_commit_lock("eastwest")
    with pytest.raises(PanDeviceXapiError, match="Commit lock is currently held by operator"):
        firewall.commit(sync=True)
    assert operator.remove_commit_lock()
    assert firewall.commit(sync=True)["success"]


def test_system_info_and_ha_state(firewall: Firewall, panos_server: PanosServer) -> None:
    info = firewall.refresh_system_info()
    assert (info.version, info.platform) == ("10.2.9", "PA-VM")
    panos_server.device.faults.ha_state = "suspended"
    state = firewall.op("show high-availability state")
    assert state.findtext("result/group/local-info/state") == "suspended"


def test_a_firewall_that_is_down_answers_503(firewall: Firewall, panos_server: PanosServer) -> None:
    panos_server.device.faults.down = True
    with pytest.raises(PanURLError, match="503"):
        firewall.refresh_system_info()


def test_the_holders_commit_releases_the_commit_lock(firewall: Firewall) -> None:
    assert firewall.add_commit_lock("eastwest")
    firewall.add(Tag("eastwest")).create()
    assert firewall.commit(sync=True)["success"]
    assert not firewall.check_commit_locks()
