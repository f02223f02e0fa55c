"""Registered IPs and dynamic address groups on the fake firewall, through pan-os-python's
User-ID API: eastwest's tags synced in one request, another tool's tags left alone, and a
dynamic group's members following the registrations (no commit)."""

from __future__ import annotations

import pytest
from pan.xapi import PanXapiError
from panos.objects import AddressGroup

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.errors import MalformedCommandError
from moto_fixtures.panos.userid import matches
from orchestrator.errors import PermanentError
from providers.panos.adapter import PanosAdapter
from providers.panos.registered import RegisteredIps

WEB, DB = "eastwest-acme-web", "eastwest-acme-db"


@pytest.fixture
def registered(adapter: PanosAdapter) -> RegisteredIps:
    return RegisteredIps(adapter.firewall, "aws/us-east-1a", "eastwest-acme-")


def test_sync_registers_and_unregisters_only_eastwests_tags_in_one_request(
    registered: RegisteredIps, panos_server: PanosServer
) -> None:
    registered.firewall.userid.register("10.1.0.9", ["ops-team"])  # another tool's
    registered.firewall.userid.register("10.1.0.5", ["ops-team"])
    assert registered.sync({"10.1.0.5": {WEB}, "10.2.0.7": {DB}}) == (2, 0)
    before = panos_server.api.calls
    assert registered.sync({"10.1.0.5": {WEB, DB}}) == (1, 1)
    assert panos_server.api.calls - before == 2  # the read, and one User-ID request
    assert registered.read() == {"10.1.0.5": frozenset({WEB, DB})}
    assert panos_server.device.registered == {
        "10.1.0.5": {WEB, DB, "ops-team"},
        "10.1.0.9": {"ops-team"},
    }
    before = panos_server.api.calls
    assert registered.sync({"10.1.0.5": {WEB, DB}}) == (0, 0)
    assert panos_server.api.calls - before == 1  # the read only


def test_a_tag_without_eastwests_prefix_is_refused(registered: RegisteredIps) -> None:
    with pytest.raises(PermanentError, match="not eastwest's"):
        registered.sync({"10.1.0.5": {"ops-team"}})


def test_a_dynamic_groups_members_follow_the_registrations(registered: RegisteredIps) -> None:
    firewall = registered.firewall
    group = AddressGroup(WEB, dynamic_value=f"'{WEB}' or ('{DB}' and 'ops-team')")
    firewall.add(group)
    group.create()
    firewall.commit(sync=True)
    firewall.userid.register("10.3.0.1", ["ops-team"])
    registered.sync({"10.1.0.5": {WEB}, "10.3.0.1": {DB}, "10.2.0.7": {DB}})

    def members() -> list[str]:
        answer = firewall.op("show object dynamic-address-group all")
        return [e.get("name", "") for e in answer.findall(".//member-list/entry")]

    assert members() == ["10.1.0.5", "10.3.0.1"]
    registered.sync({"10.2.0.7": {DB, WEB}})
    assert members() == ["10.2.0.7"]


@pytest.mark.parametrize(
    ("expression", "tags", "expected"),
    [
        ("'a'", {"a"}, True),
        ("'a' and 'b'", {"a"}, False),
        ("'a' or 'b'", {"b"}, True),
        ("'a' and ('b' or 'c')", {"a", "c"}, True),
        ("('a' or 'b') and 'c'", {"a"}, False),
    ],
    ids=["one", "and", "or", "and-or", "or-and"],
)
def test_dynamic_filters(expression: str, tags: set[str], expected: bool) -> None:
    assert matches(expression, tags) is expected


@pytest.mark.parametrize("expression", ["'a' and", "('a'", "'a' 'b'", "a"])
def test_a_malformed_dynamic_filter_is_refused(expression: str) -> None:
    with pytest.raises(MalformedCommandError):
        matches(expression, {"a"})


def test_unregistering_a_tag_not_held_is_the_error_pan_os_python_ignores(
    registered: RegisteredIps, panos_server: PanosServer
) -> None:
    xapi = registered.firewall.xapi
    message = (
        "<uid-message><version>1.0</version><type>update</type><payload>"
        "<register><entry ip='10.1.0.1'><tag><member>x</member></tag></entry></register>"
        "<unregister><entry ip='10.1.0.2'><tag><member>y</member></tag></entry></unregister>"
        "</payload></uid-message>"
    )
    with pytest.raises(PanXapiError, match=r"does not exist, ignore unreg$"):
        xapi.user_id(cmd=message)
    assert panos_server.device.registered == {"10.1.0.1": {"x"}}
