"""Signing in to the local Azure: azure-identity's ``ClientSecretCredential`` against the local Entra ID.

The local Azure checks bearer tokens as Azure does (signature, audience, issuer, expiry), so a client
needs a real token from the local Entra ID. :class:`LocalCredential` gets one the way a script gets
one from Azure: azure-identity's ``ClientSecretCredential`` and MSAL ask the token endpoint for the
local Azure's default application (or any application given). Two things differ from Azure, and
only these:

- the authority is the local Azure's own origin, so instance discovery (a call to
  ``login.microsoftonline.com``) is switched off with ``disable_instance_discovery=True``;
- the local CA is trusted with ``connection_verify``.

Over plain HTTP (``--no-tls``) MSAL refuses the authority, so the token is asked for directly with
the same form post.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from .. import _secrets

if TYPE_CHECKING:
    from .core.engine import Emulator

__all__ = ["LocalCredential"]


class LocalCredential:
    """A ``TokenCredential`` (and ``SupportsTokenInfo``) for the local Azure's Entra ID.

    :param authority: the local Azure's origin (``https://127.0.0.1:PORT``), its login endpoint.
    :param tenant_id: the tenant to sign in to.
    :param client_id: the application (client) id.
    :param client_secret: its secret; masked in azrm's logs, never in the repr.
    :keyword connection_verify: the local CA bundle (a path).
    :keyword transport: an azure-core transport (the in-process way into an emulator).

    Most code gets one from :meth:`for_emulator` or :meth:`from_info`; ``azrm.local()`` builds it.
    """

    def __init__(
        self,
        authority: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        connection_verify: Any = None,
        transport: Any = None,
    ) -> None:
        _secrets.register(client_secret)
        self.authority = authority.rstrip("/")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self._secret = client_secret
        self._verify = connection_verify
        self._transport = transport
        self._inner: Any = None
        self._lock = threading.Lock()
        #: how many times the cached token was dropped because the local Azure said it had expired
        self.refreshes = 0

    @classmethod
    def for_emulator(cls, emu: Emulator, authority: str = "https://azrm.local") -> LocalCredential:
        """Return a credential signing in to an in-process emulator (through its azure-core transport)."""
        app = emu.entra.directory.default
        return cls(authority, emu.tenant_id, app.app_id, emu.entra.directory.default_secret, transport=emu.transport())

    @classmethod
    def from_info(cls, info: dict[str, Any], *, transport: Any = None) -> LocalCredential:
        """Return a credential from a local Azure's start line (``arm_endpoint``, ``client_id``, ``client_secret``)."""
        return cls(
            str(info["arm_endpoint"]),
            str(info["tenant_id"]),
            str(info["client_id"]),
            str(info["client_secret"]),
            connection_verify=info.get("ca_bundle") or None,
            transport=transport,
        )

    def _credential(self) -> Any:
        with self._lock:
            if self._inner is None:
                if self.authority.startswith("http://"):
                    self._inner = _PlainHttpClient(self)
                else:
                    from azure.identity import ClientSecretCredential

                    options: dict[str, Any] = {"authority": self.authority, "disable_instance_discovery": True}
                    if self._verify:
                        options["connection_verify"] = self._verify
                    if self._transport is not None:
                        options["transport"] = self._transport
                    self._inner = ClientSecretCredential(self.tenant_id, self.client_id, self._secret, **options)
            return self._inner

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return an access token for ``scopes`` (cached by MSAL until five minutes before it expires)."""
        return self._credential().get_token(*scopes, **kwargs)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """Return an access token for ``scopes`` with its expiry and refresh time."""
        return self._credential().get_token_info(*scopes, options=options)

    def refresh(self) -> None:
        """Drop the cached tokens: the next request signs in again.

        The local Azure's manual clock moves its time but not this process's, so a token can expire
        there while MSAL, judging by the wall clock, still holds it valid; azrm's sessions call this
        when the local Azure answers ``ExpiredAuthenticationToken``.
        """
        with self._lock:
            inner, self._inner = self._inner, None
            self.refreshes += 1
        if inner is not None:
            inner.close()

    def close(self) -> None:
        """Close the underlying credential."""
        with self._lock:
            inner, self._inner = self._inner, None
        if inner is not None:
            inner.close()

    def __enter__(self) -> LocalCredential:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"LocalCredential(authority={self.authority!r}, tenant_id={self.tenant_id!r}, client_id={self.client_id!r})"
        )


class _PlainHttpClient:
    """The client credentials grant over plain HTTP (MSAL insists on https authorities)."""

    def __init__(self, owner: LocalCredential) -> None:
        self._owner = owner
        self._cache: dict[tuple[str, ...], AccessTokenInfo] = {}

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        cached = self._cache.get(scopes)
        if cached is not None and cached.expires_on - time.time() > 300:
            return cached
        owner = self._owner
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": owner.client_id,
                "client_secret": owner._secret,
                "scope": " ".join(scopes),
            }
        ).encode()
        url = f"{owner.authority}/{owner.tenant_id}/oauth2/v2.0/token"
        with urllib.request.urlopen(urllib.request.Request(url, data=form, method="POST"), timeout=30) as resp:
            body = json.loads(resp.read())
        info = AccessTokenInfo(body["access_token"], int(time.time()) + int(body["expires_in"]))
        self._cache[scopes] = info
        return info

    def close(self) -> None:
        self._cache.clear()


def local_authentication_policy(credential: Any, *scopes: str) -> Any:
    """Return ARM's challenge policy that also signs in again when the local Azure says the token expired.

    On Azure the SDK renews a token five minutes before it expires by the wall clock, so a request
    never carries an expired one. The local Azure's manual clock moves only the local Azure's time;
    this policy closes that gap: on ``ExpiredAuthenticationToken`` it drops the credential's cached
    tokens (:meth:`LocalCredential.refresh`), signs in again and sends the request once more.
    """
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class LocalChallengePolicy(ARMChallengeAuthenticationPolicy):
        def on_challenge(self, request: Any, response: Any) -> bool:
            if super().on_challenge(request, response):
                return True
            refresh = getattr(self._credential, "refresh", None)
            if refresh is None or _error_code(response.http_response) != "ExpiredAuthenticationToken":
                return False
            refresh()
            self.authorize_request(request, *self._scopes)
            return True

    return LocalChallengePolicy(credential, *scopes)


def local_async_authentication_policy(credential: Any, *scopes: str) -> Any:
    """Return the aio twin of :func:`local_authentication_policy` (for the SDK's ``aio`` clients).

    ``credential`` is an async credential; the cached tokens it drops are those of the sync credential it
    wraps (``credential.credential``, azrm.aio's threaded bridge) when it has no ``refresh`` of its own.
    """
    from azure.mgmt.core.policies import AsyncARMChallengeAuthenticationPolicy

    class LocalAsyncChallengePolicy(AsyncARMChallengeAuthenticationPolicy):
        async def on_challenge(self, request: Any, response: Any) -> bool:
            if await super().on_challenge(request, response):
                return True
            held = self._credential
            refresh = getattr(held, "refresh", None) or getattr(getattr(held, "credential", None), "refresh", None)
            if refresh is None or _error_code(response.http_response) != "ExpiredAuthenticationToken":
                return False
            refresh()
            await self.authorize_request(request, *self._scopes)
            return True

    return LocalAsyncChallengePolicy(credential, *scopes)


def _error_code(response: Any) -> str | None:
    try:
        body = json.loads(response.text())
    except (ValueError, TypeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None
