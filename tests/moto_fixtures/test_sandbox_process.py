"""``sandbox up/down`` as a real background process in a temporary directory."""

from __future__ import annotations

import json
import os
import signal
import socket
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.aws.clients import ec2_client
from moto_fixtures.consoles import AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import (
    LOG_FILE,
    STATE_FILE,
    SandboxInfo,
    load_sandbox,
    sandbox_down,
    sandbox_up,
)
from orchestrator.errors import SandboxError

pytestmark = pytest.mark.sandbox


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    # Reparented to an init that has not reaped it yet: dead all the same.
    return stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    """One sandbox for the whole module: starting one costs a few seconds."""
    directory = tmp_path_factory.mktemp("sandbox")
    info = sandbox_up(directory)
    try:
        yield info
    finally:
        if not _gone(info.pid):
            os.kill(info.pid, signal.SIGKILL)


def test_up_writes_everything_a_client_needs(running: SandboxInfo) -> None:
    state = json.loads(running.state_file.read_text())

    assert state["format_version"] == 1
    assert state["pid"] == running.pid
    assert datetime.fromisoformat(state["started_at"]).tzinfo is not None
    assert Path(state["log"]) == running.directory / LOG_FILE
    assert Path(state["log"]).is_file()
    aws = state["aws"]
    assert aws["endpoint_url"] == running.aws_endpoint
    assert aws["endpoint_url"].startswith("http://127.0.0.1:")
    assert aws["access_key_id"] == "AKIAEASTWESTSANDBOX"
    assert aws["secret_access_key"]
    assert aws["accounts"] == ["111111111111", "222222222222"]
    assert aws["regions"] == ["us-east-1"]
    assert aws["landing_zone"]["ids"] == dict(running.landing_zone.ids)
    assert aws["landing_zone"]["firewalls"] == dict(running.landing_zone.firewalls)


def test_the_endpoint_answers_with_the_landing_zone(running: SandboxInfo) -> None:
    state = load_sandbox(running.directory)
    ec2 = ec2_client(state["aws"]["endpoint_url"], "111111111111")

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:segment", "Values": ["web"]}])["Vpcs"]

    assert sorted(v["VpcId"] for v in vpcs) == sorted(
        running.landing_zone.vpcs[name] for name in ("spoke-web-1", "spoke-web-2")
    )


def test_up_writes_the_alibaba_and_azure_sections(running: SandboxInfo) -> None:
    state = json.loads(running.state_file.read_text())

    alibaba, azure = state["alibaba"], state["azure"]
    assert alibaba == running.alibaba
    assert alibaba["endpoint_url"].startswith("http://127.0.0.1:")
    assert alibaba["access_key_id"]
    assert alibaba["access_key_secret"]
    assert alibaba["accounts"] == ["5123456789012345"]
    assert alibaba["regions"] == ["cn-hangzhou"]
    assert alibaba["landing_zone"]["ids"]["spoke-web-1"].startswith("vpc-")
    assert azure == running.azure
    assert azure["endpoint_url"].startswith("https://127.0.0.1:")
    assert azure["ca_bundle"] == str(running.directory / "azure-ca.pem")
    assert Path(azure["ca_bundle"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert azure["subscriptions"] == ["00000000-0000-0000-0000-000000000001"]
    assert azure["resource_groups"] == ["rg-net"]
    assert azure["regions"] == ["eastus"]
    assert set(azure["landing_zone"]["free_subnets"]) == {
        "vnet-web/snet-web-2",
        "vnet-app/snet-app-2",
        "vnet-db/snet-db-2",
    }
    assert state["control_url"] == running.control_url


def test_alibaba_and_azure_answer_their_sdks_with_their_landing_zones(
    running: SandboxInfo,
) -> None:
    state = load_sandbox(running.directory)
    alibaba, azure = AlibabaConsole(state["alibaba"]), AzureConsole(state["azure"])

    groups = {g["SecurityGroupName"]: g["SecurityGroupId"] for g in alibaba.groups()}
    vnets = {v.name for v in azure.network.virtual_networks.list("rg-net")}

    assert groups == state["alibaba"]["landing_zone"]["security_groups"]
    assert vnets == {"vnet-hub", "vnet-web", "vnet-app", "vnet-db"}


def test_reset_reseeds_only_the_fakes_that_were_used(running: SandboxInfo) -> None:
    state = load_sandbox(running.directory)
    reset = _post(state["control_url"] + "/_eastwest/reset")  # the test above used both
    assert reset == {"reset": ["alibaba", "azure"]}
    assert _post(state["control_url"] + "/_eastwest/reset") == {"reset": []}

    alibaba = AlibabaConsole(state["alibaba"])
    # A group with instances in it cannot be deleted: take the permissive one off its instance.
    seeded = state["alibaba"]["landing_zone"]
    group = seeded["security_groups"]["spoke-db-1-pg-open"]
    instance = seeded["instances"]["spoke-db-1-vm-h"]
    alibaba.call("2014-05-26", "LeaveSecurityGroup", SecurityGroupId=group, InstanceId=instance)
    alibaba.call("2014-05-26", "DeleteSecurityGroup", SecurityGroupId=group)
    assert _post(state["control_url"] + "/_eastwest/reset") == {"reset": ["alibaba"]}

    # Same ports, same ids, a CA bundle that still verifies: sandbox.json stays true. (New
    # clients: a keep-alive connection opened before a reset still reaches the old state.)
    after = load_sandbox(running.directory)
    assert after == state
    fresh = AlibabaConsole(after["alibaba"])
    groups = {g["SecurityGroupName"]: g["SecurityGroupId"] for g in fresh.groups()}
    assert groups == state["alibaba"]["landing_zone"]["security_groups"]
    assert len(list(AzureConsole(after["azure"]).network.virtual_networks.list("rg-net"))) == 4


def test_a_second_up_is_refused_and_leaves_the_first_alone(running: SandboxInfo) -> None:
    before = running.state_file.read_text()

    with pytest.raises(SandboxError, match="already running") as caught:
        sandbox_up(running.directory)

    assert "eastwest sandbox down --dir" in str(caught.value)
    assert running.state_file.read_text() == before
    assert not _gone(running.pid)


def test_down_stops_the_process_and_a_second_down_is_a_no_op(running: SandboxInfo) -> None:
    # Last in the module: it ends the shared sandbox.
    ports = [
        int(url.rsplit(":", 1)[1])
        for url in (
            running.aws_endpoint,
            running.alibaba["endpoint_url"],
            running.azure["endpoint_url"],
            running.control_url,
        )
    ]
    assert sandbox_down(running.directory) is True

    assert _gone(running.pid)
    assert not running.state_file.exists()
    assert not (running.directory / "azure-ca.pem").exists()
    assert [port for port in ports if _listening(port)] == []
    assert "stopped" in (running.directory / LOG_FILE).read_text()
    assert sandbox_down(running.directory) is False
    with pytest.raises(SandboxError, match="eastwest sandbox up --dir"):
        load_sandbox(running.directory)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _post(url: str) -> Any:
    request = urllib.request.Request(url, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _write_state(directory: Path, **overrides: Any) -> None:
    state: dict[str, Any] = {
        "format_version": 1,
        "pid": 2**22 + 12345,  # above the usual pid_max: never a live process
        "aws": {"endpoint_url": "http://127.0.0.1:9"},
    }
    state.update(overrides)
    (directory / STATE_FILE).write_text(json.dumps(state))


def test_down_without_a_sandbox_is_a_no_op(tmp_path: Path) -> None:
    assert sandbox_down(tmp_path / "never-created") is False
    assert sandbox_down(tmp_path) is False


def test_a_stale_state_file_is_not_running_and_down_clears_it(tmp_path: Path) -> None:
    _write_state(tmp_path)

    with pytest.raises(SandboxError, match="not running"):
        load_sandbox(tmp_path)
    assert sandbox_down(tmp_path) is False
    assert not (tmp_path / STATE_FILE).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "unreadable"),
        (json.dumps({"format_version": 2}), "not a format-1"),
        (json.dumps([1, 2]), "not a format-1"),
    ],
    ids=["garbage", "future-format", "not-an-object"],
)
def test_a_broken_state_file_names_the_fix(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / STATE_FILE).write_text(content)

    with pytest.raises(SandboxError, match=message) as caught:
        load_sandbox(tmp_path)

    assert f"eastwest sandbox up --dir {tmp_path.resolve()}" in str(caught.value)


def test_a_live_pid_that_is_not_a_sandbox_does_not_count(tmp_path: Path) -> None:
    # Our own pid is alive but is no sandbox daemon (pid reuse after a reboot looks like this).
    _write_state(tmp_path, pid=os.getpid())

    with pytest.raises(SandboxError, match="not running"):
        load_sandbox(tmp_path)


def test_a_daemon_that_cannot_start_is_reported_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A `moto` that cannot be imported, ahead of the real one on the daemon's path.
    broken = tmp_path / "broken"
    (broken / "moto").mkdir(parents=True)
    (broken / "moto" / "__init__.py").write_text("raise ImportError('moto is broken here')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken))
    directory = tmp_path / "sandbox"

    with pytest.raises(SandboxError, match="failed to start") as caught:
        sandbox_up(directory)

    assert "moto is broken here" in str(caught.value)
    assert str(directory / LOG_FILE) in str(caught.value)
    assert not (directory / STATE_FILE).exists()
    assert sandbox_down(directory) is False


def test_a_fake_that_cannot_start_is_named_with_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Alibaba fake's seed imports the CBN SDK: a broken one fails that fake alone.
    broken = tmp_path / "broken"
    (broken / "aliyunsdkcbn").mkdir(parents=True)
    (broken / "aliyunsdkcbn" / "__init__.py").write_text("raise ImportError('cbn is broken')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken))
    directory = tmp_path / "sandbox"

    with pytest.raises(SandboxError, match="failed to start") as caught:
        sandbox_up(directory)

    assert "starting the Alibaba Cloud fake failed: ImportError: cbn is broken" in str(caught.value)
    assert not (directory / STATE_FILE).exists()
    assert sandbox_down(directory) is False


@pytest.mark.parametrize(
    ("files", "cause"),
    [
        ({}, "FileNotFoundError"),
        ({"ecs.json": "{", "vpc.json": "{}", "cbn.json": "{}"}, "ValueError"),
    ],
    ids=["metadata-missing", "metadata-unparsable"],
)
def test_the_cause_of_a_failed_start_leads_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], cause: str
) -> None:
    # Issue 11: the terminal said only "RemoteDisconnected"; the cause was in the log alone.
    broken = tmp_path / "metadata"
    broken.mkdir()
    for name, text in files.items():
        (broken / name).write_text(text)
    monkeypatch.setenv("EASTWEST_ALIBABA_METADATA", str(broken))
    directory = tmp_path / "sandbox"

    with pytest.raises(SandboxError) as caught:
        sandbox_up(directory)

    first_line = str(caught.value).splitlines()[0]
    assert f"failed to start (starting the Alibaba Cloud fake failed: {cause}" in first_line
    assert str(broken) in first_line
    assert not (directory / STATE_FILE).exists()
    assert sandbox_down(directory) is False
