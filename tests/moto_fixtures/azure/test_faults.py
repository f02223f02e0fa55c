"""Faults on demand in the Azure fake, through ``/_eastwest/faults`` and the real SDK: 429 with
``Retry-After``, 503, lost answers that leave the PUT carried out, by action, seeded."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError
from azure.core.rest import HttpResponse
from azure.mgmt.network.models import ApplicationSecurityGroup

from moto_fixtures.azure import AzureServer, start_azure_server
from moto_fixtures.azure.control import action_of
from tests.moto_fixtures.azure.conftest import RG, SUB, client_for

ASG = ApplicationSecurityGroup(location="eastus")


@pytest.fixture
def server() -> Iterator[AzureServer]:
    with start_azure_server(retry_after=0) as running:
        yield running


def control(server: AzureServer, method: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + "/_eastwest/faults", data=data, method=method)
    tls = ssl.create_default_context(cafile=server.ca_bundle)
    with urllib.request.urlopen(request, timeout=10, context=tls) as response:
        return json.loads(response.read())


def stored(server: AzureServer) -> int:
    client = client_for(server, retry_total=0)
    return len(list(client.application_security_groups.list(RG)))


@pytest.mark.parametrize(
    ("setting", "status", "code"),
    [
        pytest.param("throttle", 429, "SubscriptionRequestsThrottled", id="throttle-429"),
        pytest.param("server_error", 503, "ServiceUnavailable", id="server-error-503"),
    ],
)
def test_a_faulted_put_answers_the_arm_error_and_changes_nothing(
    server: AzureServer, setting: str, status: int, code: str
) -> None:
    control(server, "POST", {setting: 1.0, "actions": ["PUT applicationSecurityGroups"]})
    client = client_for(server, retry_total=0)
    with pytest.raises(HttpResponseError) as caught:
        client.application_security_groups.begin_create_or_update(RG, "asg", ASG).result()
    assert (caught.value.status_code, caught.value.error and caught.value.error.code) == (
        status,
        code,
    )
    if status == 429:
        assert isinstance(caught.value.response, HttpResponse)
        assert caught.value.response.headers["Retry-After"] == "1"
    assert stored(server) == 0


def test_a_lost_answer_leaves_the_put_carried_out(server: AzureServer) -> None:
    control(server, "POST", {"lost": 1.0, "actions": ["PUT applicationSecurityGroups"]})
    client = client_for(server, retry_total=0)
    with pytest.raises(ServiceResponseError):
        client.application_security_groups.begin_create_or_update(RG, "asg", ASG).result()
    assert stored(server) == 1  # GETs are not faulted: the write is there


def test_the_same_seed_gives_the_same_faults(server: AzureServer) -> None:
    def statuses() -> list[int]:
        control(server, "DELETE")
        client_for(server).application_security_groups.list(RG)  # a fresh connection pool
        control(server, "POST", {"throttle": 0.3, "server_error": 0.2, "seed": 5})
        client = client_for(server, retry_total=0)
        seen = []
        for _ in range(10):
            try:
                list(client.application_security_groups.list(RG))
                seen.append(200)
            except HttpResponseError as exc:
                seen.append(exc.status_code or 0)
        return seen

    first = statuses()
    assert {200, 429, 503} <= set(first)
    assert statuses() == first


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("PUT", f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
         "networkSecurityGroups/n/securityRules/r", "PUT securityRules"),
        ("GET", f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
         "routeTables", "GET routeTables"),
        ("GET", f"/subscriptions/{SUB}/providers/Microsoft.Network/locations/eastus/"
         "operations/abc", "GET operations"),
    ],
    ids=["child-rule", "list", "operation-poll"],
)  # fmt: skip
def test_actions_are_named_by_method_and_resource_type(method: str, path: str, action: str) -> None:
    assert action_of(method, path) == action


@pytest.mark.parametrize(
    "body",
    [{"bogus": 1}, {"throttle": -0.1}, {"throttle": 0.7, "lost": 0.5}],
    ids=["unknown-key", "negative", "above-one"],
)
def test_bad_settings_answer_400_and_change_nothing(
    server: AzureServer, body: dict[str, Any]
) -> None:
    before = control(server, "GET")
    with pytest.raises(urllib.error.HTTPError) as caught:
        control(server, "POST", body)
    caught.value.close()  # the error holds the answer's connection
    assert caught.value.code == 400
    assert control(server, "GET") == before
    assert control(server, "DELETE")["lost"] == 0.0
