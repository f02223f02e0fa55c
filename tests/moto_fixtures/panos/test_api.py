"""The fake's wire: keys, the config actions and the documented error codes, read raw."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.seed import RULES_XPATH, VSYS_XPATH

from .conftest import Raw

RULE = f"{RULES_XPATH}/entry[@name='ops-jump-host-ssh']"
MISSING = f"{RULES_XPATH}/entry[@name='nope']"
TAG = "<entry name='eastwest'><color>color1</color></entry>"


def _line(response: ET.Element) -> str:
    text = response.findtext
    return str(text("msg/line") or text("result/msg") or text("msg") or "")


def test_keygen_issues_the_key_that_authenticates(raw: Raw, panos_server: PanosServer) -> None:
    status, response = raw(type="keygen", user="admin", password=panos_server.password)
    key = response.findtext("result/key")
    assert (status, response.get("status")) == (200, "success")
    assert key == panos_server.api.key_for("admin")
    status, response = raw(type="config", action="get", xpath=RULE, key=key)
    assert response.get("status") == "success"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "keygen", "user": "admin", "password": "wrong"}, "Invalid credentials."),
        ({"type": "keygen", "user": "nobody", "password": "x"}, "Invalid credentials."),
        ({"type": "config", "action": "get", "xpath": RULE, "key": "bogus"}, "Invalid Credential"),
    ],
    ids=["wrong-password", "unknown-user", "bad-key"],
)
def test_credentials_are_refused_with_http_403(
    raw: Raw, params: dict[str, str], message: str
) -> None:
    status, response = raw(**params)
    assert (status, response.get("status"), response.get("code")) == (403, "error", "403")
    assert _line(response) == message


@pytest.mark.parametrize(
    ("params", "code", "text"),
    [
        ({"type": "config", "action": "show", "xpath": MISSING}, "7", "No such node"),
        ({"type": "config", "action": "get", "xpath": "config/x"}, "6", "Bad Xpath"),
        ({"type": "config", "action": "get", "xpath": "/config/a[@b"}, "6", "Bad Xpath"),
        (
            {"type": "config", "action": "edit", "xpath": RULE, "element": "<entry name='x'/>"},
            "12",
            "edit breaks config validity",
        ),
        (
            {
                "type": "config",
                "action": "set",
                "xpath": "/config/predefined/application",
                "element": "<entry name='mine'/>",
            },
            "15",
            "predefined",
        ),
        ({"type": "op", "cmd": "<show><bogus/></show>"}, "17", "show -> bogus is unexpected"),
        ({"type": "op", "cmd": "<show><jobs><id>99</id></jobs></show>"}, "13", "job 99"),
        ({"type": "op", "cmd": "<show><system>"}, "18", "Malformed"),
        (
            {"type": "config", "action": "set", "xpath": RULES_XPATH, "element": "<entry"},
            "18",
            "Malformed",
        ),
        (
            {"type": "config", "action": "move", "xpath": RULE, "where": "before", "dst": "x"},
            "14",
            "not a sibling",
        ),
        ({"type": "report"}, "400", 'Illegal value for parameter "type" [report].'),
    ],
    ids=[
        "show-missing",
        "relative-xpath",
        "unclosed-predicate",
        "edit-other-name",
        "predefined",
        "unknown-op",
        "unknown-job",
        "malformed-op",
        "malformed-element",
        "move-unknown-dst",
        "unknown-type",
    ],
)
def test_errors_carry_the_documented_code(
    raw: Raw, params: dict[str, str], code: str, text: str
) -> None:
    status, response = raw(**params)
    assert (status, response.get("status"), response.get("code")) == (200, "error", code)
    assert text in _line(response)


def test_get_reads_the_candidate_and_show_the_running(raw: Raw) -> None:
    path = f"{VSYS_XPATH}/tag/entry[@name='eastwest']"
    _, empty = raw(type="config", action="get", xpath=path)
    assert (empty.get("status"), empty.find("result").get("count")) == ("success", "0")  # type: ignore[union-attr]
    _, done = raw(type="config", action="set", xpath=f"{VSYS_XPATH}/tag", element=TAG)
    assert (done.get("code"), done.findtext("msg")) == ("20", "command succeeded")
    _, candidate = raw(type="config", action="get", xpath=path)
    assert candidate.findtext("result/entry/color") == "color1"
    _, running = raw(type="config", action="show", xpath=path)
    assert (running.get("status"), running.get("code")) == ("error", "7")


def test_delete_of_nothing_is_a_success_that_says_so(raw: Raw) -> None:
    _, response = raw(type="config", action="delete", xpath=MISSING)
    assert (response.get("status"), response.get("code")) == ("success", "7")
    assert response.findtext("msg") == "Object doesn't exist"


def test_delete_with_or_removes_every_named_entry(raw: Raw) -> None:
    both = f"{RULES_XPATH}/entry[@name='ops-jump-host-ssh' or @name='log-untrust-denies']"
    _, response = raw(type="config", action="delete", xpath=both)
    assert response.get("code") == "20"
    _, left = raw(type="config", action="get", xpath=f"{RULES_XPATH}/entry")
    assert left.find("result").get("count") == "0"  # type: ignore[union-attr]


def test_set_merges_members_and_edit_replaces(raw: Raw) -> None:
    application = f"{RULE}/application"
    raw(type="config", action="set", xpath=application, element="<member>ssl</member>")
    _, merged = raw(type="config", action="get", xpath=f"{application}/member")
    assert [m.text for m in merged.findall("result/member")] == ["ssh", "ssl"]
    raw(
        type="config",
        action="edit",
        xpath=application,
        element="<application><member>dns</member></application>",
    )
    _, edited = raw(type="config", action="get", xpath=f"{application}/member")
    assert [m.text for m in edited.findall("result/member")] == ["dns"]


@pytest.mark.parametrize(
    ("where", "dst", "order"),
    [
        ("top", "", ["log-untrust-denies", "ops-jump-host-ssh"]),
        ("bottom", "", ["log-untrust-denies", "ops-jump-host-ssh"]),
        ("after", "log-untrust-denies", ["log-untrust-denies", "ops-jump-host-ssh"]),
        ("before", "log-untrust-denies", ["ops-jump-host-ssh", "log-untrust-denies"]),
    ],
    ids=["top", "bottom", "after", "before-itself-stays"],
)
def test_move_reorders_rules(raw: Raw, where: str, dst: str, order: list[str]) -> None:
    moved = "ops-jump-host-ssh" if where in ("bottom", "after", "before") else "log-untrust-denies"
    params = {"where": where, **({"dst": dst} if dst else {})}
    path = f"{RULES_XPATH}/entry[@name='{moved}']"
    _, response = raw(type="config", action="move", xpath=path, **params)
    assert response.get("status") == "success"
    _, rules = raw(type="config", action="get", xpath=f"{RULES_XPATH}/entry")
    assert [e.get("name") for e in rules.findall("result/entry")] == order


def test_multi_config_is_all_or_nothing(raw: Raw, panos_server: PanosServer) -> None:
    before = panos_server.device.candidate
    element = (
        "<multi-configRequest>"
        f'<set id="1" xpath="{VSYS_XPATH}/tag">{TAG}</set>'
        f'<edit id="2" xpath="{RULE}"><entry name="other"/></edit>'
        "</multi-configRequest>"
    )
    _, response = raw(type="config", action="multi-config", element=element)
    assert (response.get("status"), response.get("code")) == ("error", "12")
    assert "id 2" in _line(response)
    _, tag = raw(type="config", action="get", xpath=f"{VSYS_XPATH}/tag/entry[@name='eastwest']")
    assert tag.find("result").get("count") == "0"  # type: ignore[union-attr]
    assert panos_server.device.candidate is not before  # restored from the snapshot
    assert not panos_server.device.pending()


def test_multi_config_answers_each_sub_request(raw: Raw) -> None:
    element = (
        "<multi-configRequest>"
        f'<set id="a" xpath="{VSYS_XPATH}/tag">{TAG}</set>'
        f'<delete id="b" xpath="{MISSING}"/>'
        "</multi-configRequest>"
    )
    _, response = raw(type="config", action="multi-config", element=element)
    answers = [(r.get("id"), r.findtext("msg")) for r in response.findall("response")]
    assert answers == [("a", "command succeeded"), ("b", "Object doesn't exist")]
