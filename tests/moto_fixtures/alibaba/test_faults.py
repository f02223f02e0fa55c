"""Faults on demand in the Alibaba Cloud fake, through ``/_eastwest/faults`` and the real SDK:
each cloud code by kind of action, lost answers that leave the call carried out, the seeded
draws, and the settings endpoint's checks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkecs.request.v20140526 import (
    CreateSecurityGroupRequest,
    DescribeSecurityGroupsRequest,
)

from moto_fixtures.alibaba.clients import call
from moto_fixtures.alibaba.server import AlibabaServer


def control(server: AlibabaServer, method: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + "/_eastwest/faults", data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def create(client: Any, server: AlibabaServer) -> dict[str, Any]:
    return call(client, server, CreateSecurityGroupRequest.CreateSecurityGroupRequest())


def describe(client: Any, server: AlibabaServer) -> dict[str, Any]:
    return call(client, server, DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest())


@pytest.mark.parametrize(
    ("setting", "read", "answer"),
    [
        pytest.param("throttle", False, ("Throttling.User", 400), id="throttle-write"),
        pytest.param("throttle", True, ("Throttling", 400), id="throttle-read"),
        pytest.param("server_error", False, ("InternalError", 500), id="error-write"),
        pytest.param("server_error", True, ("ServiceUnavailable", 503), id="error-read"),
    ],
)
def test_a_faulted_call_answers_the_cloud_code_and_changes_nothing(
    alibaba: AlibabaServer, acs: Any, setting: str, read: bool, answer: tuple[str, int]
) -> None:
    control(alibaba, "POST", {setting: 1.0})
    with pytest.raises(ServerException) as caught:
        describe(acs, alibaba) if read else create(acs, alibaba)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == answer
    assert alibaba.backend.ecs.groups == {}


def test_a_lost_answer_leaves_the_call_carried_out(alibaba: AlibabaServer, acs: Any) -> None:
    control(alibaba, "POST", {"lost": 1.0, "actions": ["CreateSecurityGroup"]})
    with pytest.raises(ClientException) as caught:
        create(acs, alibaba)
    assert caught.value.get_error_code() == "SDK.HttpError"
    assert len(alibaba.backend.ecs.groups) == 1
    # Other actions are not faulted, and the server still serves.
    assert describe(acs, alibaba)["TotalCount"] == 1


def test_the_same_seed_gives_the_same_faults(alibaba: AlibabaServer, acs: Any) -> None:
    def outcomes() -> list[str]:
        control(alibaba, "POST", {"throttle": 0.5, "seed": 11})
        seen = []
        for _ in range(12):
            try:
                create(acs, alibaba)
                seen.append("ok")
            except ServerException as exc:
                seen.append(str(exc.get_error_code()))
        return seen

    first = outcomes()
    assert {"ok", "Throttling.User"} <= set(first)
    assert outcomes() == first


@pytest.mark.parametrize(
    "body",
    [{"bogus": 1}, {"throttle": -0.1}, {"throttle": 0.7, "lost": 0.5}],
    ids=["unknown-key", "negative", "above-one"],
)
def test_bad_settings_answer_400_and_change_nothing(
    alibaba: AlibabaServer, body: dict[str, Any]
) -> None:
    before = control(alibaba, "GET")
    with pytest.raises(urllib.error.HTTPError) as caught:
        control(alibaba, "POST", body)
    caught.value.close()  # the error holds the answer's connection
    assert caught.value.code == 400
    assert control(alibaba, "GET") == before


def test_the_first_names_are_still_read_and_delete_clears(alibaba: AlibabaServer) -> None:
    settings = control(alibaba, "POST", {"unavailable": 0.25, "latency_s": 0.01})
    assert (settings["server_error"], settings["latency"]) == (0.25, 0.01)
    cleared = control(alibaba, "DELETE")
    assert (cleared["server_error"], cleared["latency"], cleared["lost"]) == (0.0, 0.0, 0.0)
