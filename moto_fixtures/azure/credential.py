"""A ``TokenCredential`` for the fake ARM: a static bearer token that opens nothing real."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential

FAKE_TOKEN = "eastwest-sandbox-token"  # noqa: S105 (opens nothing real)


class _StaticCredential:
    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(FAKE_TOKEN, int(time.time()) + 3600)


def fake_credential() -> TokenCredential:
    """The credential to give ``NetworkManagementClient`` when it talks to the fake."""
    return _StaticCredential()
