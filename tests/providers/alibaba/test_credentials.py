"""The Alibaba Cloud credential chain (``providers/alibaba/credentials.py``), from injected
environments and a temporary HOME, without the network: the ECS metadata service is a local fake
reached through the chain's metadata proxy, and the fake Alibaba endpoint checks what the
credentials sign.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from alibabacloud_credentials.provider import (
    CLIProfileCredentialsProvider,
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    StaticAKCredentialsProvider,
    StaticSTSCredentialsProvider,
)

from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from orchestrator.errors import PermanentError
from orchestrator.state import Scope
from providers.alibaba.credentials import CredentialChain, Credentials, Link, credential_chain
from providers.alibaba.errors import ApiError
from providers.alibaba.reader import read_inventory
from providers.alibaba.session import AlibabaApi
from tests.providers.alibaba.cloud import ACCOUNT, REGION

NO_ECS = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
ROLE = "EastwestReader"


def _cli_config(home: Path, current: str = "dev") -> Path:
    """A ~/.aliyun/config.json as `aliyun configure` writes it: two AK profiles, one STS."""
    profiles = [
        {"name": "dev", "mode": "AK", "access_key_id": "LTAIdev", "access_key_secret": "dev-s"},
        {"name": "prod", "mode": "AK", "access_key_id": "LTAIprod", "access_key_secret": "prod-s"},
        {
            "name": "temp",
            "mode": "StsToken",
            "access_key_id": "STS.temp",
            "access_key_secret": "temp-s",
            "sts_token": "temp-token",
        },
    ]
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"current": current, "profiles": profiles}))
    return path


@pytest.mark.parametrize(
    ("env", "provider", "expected"),
    [
        pytest.param(
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"},
            StaticAKCredentialsProvider,
            Credentials("id", "s"),
            id="access-key",
        ),
        pytest.param(
            {
                "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.id",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s",
                "ALIBABA_CLOUD_SECURITY_TOKEN": "tok",
            },
            StaticSTSCredentialsProvider,
            Credentials("STS.id", "s", "tok"),
            id="sts-token",
        ),
        pytest.param(
            {"ALICLOUD_ACCESS_KEY": "tf", "ALICLOUD_SECRET_KEY": "tf-s"},
            StaticAKCredentialsProvider,
            Credentials("tf", "tf-s"),
            id="terraform-provider-names",
        ),
    ],
)
def test_the_environment_comes_first(
    tmp_path: Path, env: dict[str, str], provider: type, expected: Credentials
) -> None:
    _cli_config(tmp_path)  # present, and not used: the environment wins
    chain = credential_chain(env=env, home=tmp_path)
    link, chosen = chain.select()
    assert isinstance(chosen, provider), link.name
    assert chain.resolve() == expected


@pytest.mark.parametrize(
    ("profile", "env", "expected"),
    [
        pytest.param(None, {}, Credentials("LTAIdev", "dev-s"), id="current-profile"),
        pytest.param(
            None,
            {"ALIBABA_CLOUD_PROFILE": "prod"},
            Credentials("LTAIprod", "prod-s"),
            id="ALIBABA_CLOUD_PROFILE",
        ),
        pytest.param("temp", {}, Credentials("STS.temp", "temp-s", "temp-token"), id="sts-mode"),
        pytest.param(
            "prod",
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-s"},
            Credentials("LTAIprod", "prod-s"),
            id="the-policy-profile-beats-the-environment",
        ),
    ],
)
def test_aliyun_cli_profiles(
    tmp_path: Path, profile: str | None, env: dict[str, str], expected: Credentials
) -> None:
    config = _cli_config(tmp_path)
    chain = credential_chain(profile, env={**NO_ECS, **env}, home=tmp_path)
    link, chosen = chain.select()
    assert isinstance(chosen, CLIProfileCredentialsProvider)
    assert str(config) in link.name
    assert chain.resolve() == expected


def test_oidc_rrsa_is_chosen_by_its_three_variables(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJ.oidc.token")
    env = {
        **NO_ECS,
        "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::5123456789012345:role/eastwest",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": "acs:ram::5123456789012345:oidc-provider/ack",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
    }
    _cli_config(tmp_path)
    links = credential_chain(env=env, home=tmp_path).links
    assert "RRSA" in links[0].name
    first = links[0].provider()
    assert isinstance(first, OIDCRoleArnCredentialsProvider)
    assert first.get_provider_name() == "oidc_role_arn"
    # Without one of the three, the link is not in the chain at all.
    del env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]
    assert not any("RRSA" in link.name for link in credential_chain(env=env, home=tmp_path).links)


class _Metadata(BaseHTTPRequestHandler):
    """The ECS metadata service (100.100.100.200) as an HTTP proxy sees requests for it."""

    credentials: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[str]] = []

    def do_PUT(self) -> None:  # IMDSv2 session token
        self.seen.append(f"PUT {self.path}")
        self._answer("imds-token" if self.path.endswith("/latest/api/token") else None)

    def do_GET(self) -> None:
        self.seen.append(f"GET {self.path}")
        base = "http://100.100.100.200/latest/meta-data/ram/security-credentials/"
        if self.path == base:
            self._answer(ROLE)
        elif self.path == base + ROLE:
            body = {"Code": "Success", "Expiration": "2099-01-01T00:00:00Z", **self.credentials}
            self._answer(json.dumps(body))
        else:
            self._answer(None)

    def _answer(self, body: str | None) -> None:
        data = (body or "not found").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test reads ``seen``; the terminal stays quiet


@pytest.fixture
def metadata() -> Iterator[str]:
    _Metadata.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def alibaba() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as server:
        yield server


def test_the_ecs_ram_role_signs_real_calls(
    tmp_path: Path, metadata: str, alibaba: AlibabaServer
) -> None:
    _Metadata.credentials = {
        "AccessKeyId": alibaba.access_key_id,
        "AccessKeySecret": alibaba.access_key_secret,
        "SecurityToken": "ecs-sts-token",
    }
    chain = credential_chain(env={}, home=tmp_path, metadata_proxy=metadata)
    link, chosen = chain.select()
    assert isinstance(chosen, EcsRamRoleCredentialsProvider)
    assert "ECS RAM role" in link.name
    assert chain.resolve().security_token == "ecs-sts-token"
    assert any(s.endswith(f"/security-credentials/{ROLE}") for s in _Metadata.seen)

    api = AlibabaApi(chain, endpoint=alibaba.url)
    inventory = read_inventory(api, Scope("alibaba", ACCOUNT, REGION))
    assert inventory.scope.region == REGION


def test_the_ecs_link_can_be_switched_off(tmp_path: Path) -> None:
    assert credential_chain(env=NO_ECS, home=tmp_path).links == []
    named = credential_chain(env={"ALIBABA_CLOUD_ECS_METADATA": ROLE}, home=tmp_path).links
    assert [ROLE in link.name for link in named] == [True]


@pytest.mark.parametrize(
    ("profile", "env", "names"),
    [
        pytest.param(None, NO_ECS, ["no source is configured"], id="nothing-configured"),
        pytest.param(
            "missing",
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": "x", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "hush-1"},
            ["aliyun CLI profile 'missing'", "config.json"],
            id="unknown-profile",
        ),
        pytest.param("nowhere", {}, ["profile 'nowhere'", "neither"], id="no-profile-file"),
    ],
)
def test_missing_credentials_name_the_chain_and_no_secret(
    tmp_path: Path, profile: str | None, env: dict[str, str], names: list[str]
) -> None:
    if profile is not None and profile != "nowhere":
        _cli_config(tmp_path)
    with pytest.raises(PermanentError) as caught:
        credential_chain(profile, env=env, home=tmp_path).resolve()
    message = str(caught.value)
    assert message.startswith("no Alibaba Cloud credentials found")
    for name in names:
        assert name in message
    for secret in ("hush-1", "dev-s", "prod-s", "temp-s", "temp-token"):
        assert secret not in message


class _Rotating:
    """A provider whose STS credentials change when told, as a refreshed role's do."""

    def __init__(self, current: Credentials) -> None:
        self.current = current

    def get_credentials(self) -> Any:
        return _Found(self.current)


class _Found:
    def __init__(self, c: Credentials) -> None:
        self.c = c

    def get_access_key_id(self) -> str:
        return self.c.access_key_id

    def get_access_key_secret(self) -> str:
        return self.c.access_key_secret

    def get_security_token(self) -> str:
        return self.c.security_token


def test_refreshed_credentials_replace_the_clients_and_stay_out_of_errors(
    alibaba: AlibabaServer,
) -> None:
    good = Credentials(alibaba.access_key_id, alibaba.access_key_secret, "token-1")
    stale = Credentials(alibaba.access_key_id, "rotated-secret-XYZ", "token-SECRET-2")
    rotating = _Rotating(good)
    chain = CredentialChain([Link("test", lambda: rotating)])
    api = AlibabaApi(chain, endpoint=alibaba.url)
    scope = Scope("alibaba", ACCOUNT, REGION)
    read_inventory(api, scope)
    rotating.current = stale
    with pytest.raises(ApiError) as caught:
        read_inventory(api, scope)  # signed with the rotated secret: the fake refuses it
    assert caught.value.code == "SignatureDoesNotMatch"
    assert "rotated-secret-XYZ" not in str(caught.value)
    assert "token-SECRET-2" not in str(caught.value)
