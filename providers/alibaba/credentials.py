"""Alibaba Cloud credentials: the chain of ``alibabacloud-credentials``, as its users know it.

In: the policy account's ``profile`` (or None), the environment and the home directory (both
injected; the process's by default). Out: a ``CredentialChain`` whose ``resolve()`` gives
``Credentials`` (AccessKey, plus an STS token where the source issues one), or raises a
``PermanentError`` naming every link it tried and why each gave nothing. Always: secrets never
reach a message or a ``repr``; nothing is read or fetched before the first ``resolve()``.

The links, in the library's own order (its ``DefaultCredentialsProvider``), each present only
where it is configured:

1. environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` (optional
   ``ALIBABA_CLOUD_SECURITY_TOKEN``), else the Terraform provider's ``ALICLOUD_ACCESS_KEY`` /
   ``ALICLOUD_SECRET_KEY`` (optional ``ALICLOUD_SECURITY_TOKEN``);
2. OIDC / RRSA (ACK pods): ``ALIBABA_CLOUD_ROLE_ARN``, ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN`` and
   ``ALIBABA_CLOUD_OIDC_TOKEN_FILE`` all set (``ALIBABA_CLOUD_STS_REGION`` optional);
3. the aliyun CLI's ``~/.aliyun/config.json``: the profile ``ALIBABA_CLOUD_PROFILE`` names, else
   the file's ``current`` (every mode the CLI writes: AK, StsToken, RamRoleArn, EcsRamRole,
   OIDC, ChainableRamRoleArn, …);
4. ``~/.alibabacloud/credentials.ini`` (or ``ALIBABA_CLOUD_CREDENTIALS_FILE``), section
   ``ALIBABA_CLOUD_PROFILE`` or ``default``;
5. the ECS instance's RAM role from the metadata service (role ``ALIBABA_CLOUD_ECS_METADATA``,
   else the one attached), unless ``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true``.

A policy account with ``profile: NAME`` uses that profile and nothing else (3 then 4), as an
AWS account's ``profile`` does: a policy naming one account's profile must not silently run
with another account's keys from the environment.

The library reads the process environment once, at import, for its defaults; every link here
is therefore built with explicit arguments from the injected environment, so a test's (or a
reconciler's) environment is the one that counts.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider import (
    CLIProfileCredentialsProvider,
    EcsRamRoleCredentialsProvider,
    OIDCRoleArnCredentialsProvider,
    ProfileCredentialsProvider,
    StaticAKCredentialsProvider,
    StaticSTSCredentialsProvider,
)

from orchestrator.errors import PermanentError
from providers.alibaba.errors import redact

ENV_KEYS = (
    (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
)
_OIDC_KEYS = (
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
)
# The library hangs its own StreamHandlers (one per module) on its "credentials" logger and logs
# each failed link with a traceback; eastwest reports the chain's outcome itself, in one message.
_LIBRARY_LOG = logging.getLogger("credentials")
for _handler in list(_LIBRARY_LOG.handlers):
    _LIBRARY_LOG.removeHandler(_handler)
_LIBRARY_LOG.addHandler(logging.NullHandler())
_LIBRARY_LOG.propagate = False

# The metadata service answers in milliseconds on ECS; elsewhere nobody answers, so waiting long
# only delays the error.
_METADATA_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = ""
    security_token: str = ""

    def __repr__(self) -> str:  # never print the secret, not even in a traceback
        return f"Credentials(access_key_id={self.access_key_id[:6]}…)"


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials | None:
    env = os.environ if env is None else env
    for key_id, secret, token in ENV_KEYS:
        if env.get(key_id) and env.get(secret):
            return Credentials(env[key_id], env[secret], env.get(token, ""))
    return None


@dataclass(frozen=True)
class Link:
    """One place credentials may come from: its name for messages, and how to build the
    library's provider for it (built only when the chain gets that far)."""

    name: str
    provider: Callable[[], Any]


class CredentialChain:
    """The links for one account, tried in order on the first ``resolve()``; the first that
    gives credentials is kept, and asked again on every later call (it refreshes STS tokens
    itself before they expire)."""

    def __init__(self, links: list[Link]) -> None:
        self.links = links
        self._chosen: tuple[Link, Any] | None = None

    def select(self) -> tuple[Link, Any]:
        """The first link whose provider gives credentials, and that provider."""
        if self._chosen is None:
            tried = []
            for link in self.links:
                try:
                    provider = link.provider()
                    _credentials_of(provider)
                except Exception as exc:  # noqa: BLE001 - every link's failure is reported below
                    tried.append(f"{link.name}: {_reason(exc)}")
                    continue
                self._chosen = (link, provider)
                break
            else:
                raise PermanentError(_missing(tried))
        return self._chosen

    def resolve(self) -> Credentials:
        return _credentials_of(self.select()[1])


def _credentials_of(provider: Any) -> Credentials:
    found = provider.get_credentials()
    return Credentials(
        found.get_access_key_id() or "",
        found.get_access_key_secret() or "",
        found.get_security_token() or "",
    )


def _reason(exc: Exception) -> str:
    # The library's messages name files, hosts and HTTP codes; a response body quoted in one
    # may carry a token, so the usual query-string secrets are cut out all the same.
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text[:300], ())


def _missing(tried: list[str]) -> str:
    lines = "; ".join(tried) if tried else "no source is configured"
    return (
        f"no Alibaba Cloud credentials found. Tried, in order: {lines}. Set "
        "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, configure a profile "
        "with `aliyun configure` (and name it in the account's `profile`), or run on ECS with a "
        "RAM role or in ACK with RRSA; for the local sandbox pass --sandbox DIR"
    )


def credential_chain(
    profile: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    metadata_proxy: str | None = None,
) -> CredentialChain:
    """``metadata_proxy`` (tests) sends the metadata service's requests through an HTTP proxy,
    which is how a local fake answers for 100.100.100.200."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("HOME") or Path.home()) if home is None else home
    if profile:
        return CredentialChain(_profile_links(profile, env, home))
    links = [*_env_links(env), *_oidc_links(env)]
    links += _profile_links(env.get("ALIBABA_CLOUD_PROFILE") or None, env, home)
    links += _ecs_links(env, metadata_proxy)
    return CredentialChain(links)


def _env_links(env: Mapping[str, str]) -> list[Link]:
    found = credentials_from_env(env)
    if found is None:
        return []
    name = next(k for k, _, _ in ENV_KEYS if env.get(k))
    if found.security_token:
        return [
            Link(
                f"environment ({name}, with a security token)",
                lambda: StaticSTSCredentialsProvider(
                    access_key_id=found.access_key_id,
                    access_key_secret=found.access_key_secret,
                    security_token=found.security_token,
                ),
            )
        ]
    return [
        Link(
            f"environment ({name})",
            lambda: StaticAKCredentialsProvider(
                access_key_id=found.access_key_id, access_key_secret=found.access_key_secret
            ),
        )
    ]


def _oidc_links(env: Mapping[str, str]) -> list[Link]:
    if not all(env.get(k) for k in _OIDC_KEYS):
        return []
    role, provider_arn, token_file = (env[k] for k in _OIDC_KEYS)
    return [
        Link(
            f"OIDC role {role} (RRSA, token file {token_file})",
            lambda: OIDCRoleArnCredentialsProvider(
                role_arn=role,
                oidc_provider_arn=provider_arn,
                oidc_token_file_path=token_file,
                role_session_name=env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or "eastwest",
                sts_region_id=env.get("ALIBABA_CLOUD_STS_REGION") or None,
                enable_vpc=env.get("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "").lower() == "true",
            ),
        )
    ]


def _profile_links(name: str | None, env: Mapping[str, str], home: Path) -> list[Link]:
    links = []
    config = home / ".aliyun" / "config.json"
    cli_off = env.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").lower() == "true"
    if config.is_file() and not cli_off:
        chosen = name or _current_profile(config)
        links.append(
            Link(
                f"aliyun CLI profile {chosen!r} in {config}",
                lambda: CLIProfileCredentialsProvider(
                    profile_name=chosen, profile_file=str(config)
                ),
            )
        )
    ini = Path(env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or home / ".alibabacloud/credentials.ini")
    if ini.is_file():
        section = name or "default"
        links.append(
            Link(
                f"profile {section!r} in {ini}",
                lambda: ProfileCredentialsProvider(profile_file=str(ini), profile_name=section),
            )
        )
    if name and not links:
        links.append(Link(f"profile {name!r}", _no_profile_file(name, config, ini)))
    return links


def _current_profile(config: Path) -> str:
    try:
        body = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "default"  # the library reports the unreadable file when this link is tried
    return str(body.get("current") or "default") if isinstance(body, dict) else "default"


def _no_profile_file(name: str, config: Path, ini: Path) -> Callable[[], Any]:
    def fail() -> Any:
        raise PermanentError(f"neither {config} nor {ini} exists to hold profile {name!r}")

    return fail


def _ecs_links(env: Mapping[str, str], proxy: str | None) -> list[Link]:
    if env.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() == "true":
        return []
    role = env.get("ALIBABA_CLOUD_ECS_METADATA") or None
    which = role or "(the one attached to the instance)"
    options = HttpOptions(
        proxy=proxy, connect_timeout=_METADATA_TIMEOUT_MS, read_timeout=_METADATA_TIMEOUT_MS
    )
    return [
        Link(
            f"ECS RAM role {which} from the metadata service",
            # Refreshed on use: the library's background refresher would start a thread that
            # outlives eastwest's own scheduling.
            lambda: EcsRamRoleCredentialsProvider(
                role_name=role,
                disable_imds_v1=env.get("ALIBABA_CLOUD_IMDSV1_DISABLED", "").lower() == "true",
                http_options=options,
                async_update_enabled=False,
            ),
        )
    ]
