"""Sovereign clouds: what ``standard_clients`` builds for an account's ``azure_cloud``.

The client is the real ``NetworkManagementClient`` with azure-core's real pipeline; only the HTTP
transport is a fake (a ``requests`` adapter that records and answers), and the credential is a
recorder of the authority it is made for and the scopes a token is asked for. So each case shows
where a request would go, for which audience, signed in where, without the network.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport
from urllib3.response import HTTPResponse

from orchestrator.errors import PermanentError
from providers.azure.session import CLOUDS, FAST, default_credential, standard_clients

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


class _Recorder:
    def __init__(self, authority: str) -> None:
        self.authority = authority
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("token", 2**31)


class _Answer(requests.adapters.BaseAdapter):
    """Answers every request with an empty list of route tables, and keeps the URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.urls.append(str(request.url))
        body = json.dumps({"value": []}).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        response = requests.Response()
        response.status_code = 200
        response.raw = HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=200, preload_content=False
        )
        response.headers.update(headers)
        response.request = request
        response.url = str(request.url)
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("cloud", "host", "audience", "authority"),
    [
        pytest.param(
            "AZURE_PUBLIC_CLOUD",
            "management.azure.com",
            "https://management.azure.com/.default",
            "login.microsoftonline.com",
            id="public",
        ),
        pytest.param(
            "AZURE_CHINA_CLOUD",
            "management.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
            "login.chinacloudapi.cn",
            id="china",
        ),
        pytest.param(
            "AZURE_US_GOVERNMENT",
            "management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
            "login.microsoftonline.us",
            id="us-government",
        ),
    ],
)
def test_the_cloud_decides_endpoint_audience_and_authority(
    cloud: str, host: str, audience: str, authority: str
) -> None:
    made: list[_Recorder] = []

    def credential(at: str) -> _Recorder:
        made.append(_Recorder(at))
        return made[-1]

    session = requests.Session()
    answer = _Answer()
    session.mount("https://", answer)
    clients = standard_clients(
        SUBSCRIPTION,
        FAST,
        cloud=cloud,
        credential=credential,
        transport=RequestsTransport(session=session, session_owner=False),
    )
    assert list(clients.network().route_tables.list("rg-net")) == []
    assert [r.authority for r in made] == [authority]
    assert made[0].scopes == [(audience,)]
    assert len(answer.urls) == 1
    assert answer.urls[0].startswith(f"https://{host}/subscriptions/{SUBSCRIPTION}/")


def test_the_table_agrees_with_azure_core_and_azure_identity() -> None:
    from azure.core import AzureClouds
    from azure.identity import AzureAuthorityHosts
    from azure.mgmt.core.tools import get_arm_endpoints

    hosts = {
        "AZURE_PUBLIC_CLOUD": AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        "AZURE_CHINA_CLOUD": AzureAuthorityHosts.AZURE_CHINA,
        "AZURE_US_GOVERNMENT": AzureAuthorityHosts.AZURE_GOVERNMENT,
    }
    assert set(CLOUDS) == {c.value for c in AzureClouds} == set(hosts)
    for name, cloud in CLOUDS.items():
        arm = get_arm_endpoints(AzureClouds(name))
        assert (cloud.resource_manager, [cloud.credential_scope]) == (
            arm["resource_manager"],
            arm["credential_scopes"],
        )
        assert cloud.authority == hosts[name]


def test_the_default_credential_signs_in_at_the_clouds_authority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in (("AZURE_CLIENT_ID", "c"), ("AZURE_TENANT_ID", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-used")
    chain: Any = default_credential(CLOUDS["AZURE_CHINA_CLOUD"].authority)
    # The environment's service principal comes first; azure-identity keeps its authority on
    # the credential it wraps (private, but the only place it can be seen without a sign-in).
    inner = chain.credentials[0]._credential
    assert inner._authority == "https://login.chinacloudapi.cn"


def test_an_unknown_cloud_is_refused_by_name() -> None:
    with pytest.raises(PermanentError, match=r"AZURE_GERMANY.*AZURE_CHINA_CLOUD"):
        standard_clients(SUBSCRIPTION, cloud="AZURE_GERMANY")
