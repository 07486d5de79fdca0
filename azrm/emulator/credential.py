"""A credential for the local Azure, which accepts any bearer token."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

__all__ = ["LocalCredential"]


class LocalCredential:
    """Hands out a fixed bearer token (``TokenCredential`` and ``SupportsTokenInfo``).

    The local Azure checks that a bearer token is present, not what it says, so this is all a client
    needs there. Against real Azure use azure-identity's credentials.
    """

    def __init__(self, token: str = "azrm-local-token") -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return a token valid for an hour."""
        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """Return a token valid for an hour."""
        return AccessTokenInfo(self._token, int(time.time()) + 3600)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> LocalCredential:
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def __repr__(self) -> str:
        return "LocalCredential()"
