"""The local Microsoft Entra ID: the tenant's directory, its token service and the token checks.

- :mod:`.directory`: applications (service principals) with client secrets and certificates, users.
- :mod:`.tokens`: RS256 access tokens in Entra's v1 shape, issued and verified on the local clock.
- :mod:`.endpoints`: the OpenID configuration, the v2.0 token endpoint, the signing keys, and the
  managed identity endpoints (IMDS's path and App Service's ``IDENTITY_ENDPOINT`` protocol).
- :mod:`.arm`: ARM's 401 answers for a missing or bad token.

The emulator holds one :class:`EntraId` as ``emu.entra``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .directory import Application, Directory
from .principal import Principal
from .tokens import ARM_AUDIENCES, VAULT_AUDIENCES, TokenError, TokenIssuer, issuer_for

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..core.engine import Emulator
    from ..core.wire import Request, Response

__all__ = [
    "ARM_AUDIENCES",
    "VAULT_AUDIENCES",
    "Application",
    "Directory",
    "EntraId",
    "Principal",
    "TokenError",
    "issuer_for",
]


class EntraId:
    """The tenant's directory and token service (``emu.entra``)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.directory = Directory(emu)
        self._issuer: TokenIssuer | None = None
        #: tokens issued, by grant (``client_credentials``, ``managed_identity``...): tests count sign-ins
        self.issued: dict[str, int] = {}
        if emu.store.path is not None:  # a state file's key is made (and stored) at start, not inside a first request
            _ = self.issuer

    @property
    def tenant_id(self) -> str:
        """The tenant's id (the subscriptions' tenant)."""
        return self.emu.tenant_id

    @property
    def issuer(self) -> TokenIssuer:
        """The token issuer (its signing key is made on first use)."""
        if self._issuer is None:
            from .keys import SigningKey

            self._issuer = TokenIssuer(SigningKey.for_store(self.emu.store), self.emu.tenant_id)
        return self._issuer

    @property
    def default_principal(self) -> Principal:
        """The default application's service principal: who ``azrm.local()`` signs in as."""
        return self.directory.default.principal(self.tenant_id)

    def issue_token(
        self, principal: Principal | None = None, audience: str = "https://management.azure.com", *, cae: bool = False
    ) -> str:
        """Return an access token for ``principal`` (the default one when ``None``) and ``audience``."""
        token, _ = self.issuer.issue(principal or self.default_principal, audience, now=self.emu.now(), cae=cae)
        return token

    def serves(self, req: Request) -> bool:
        """Say whether ``req`` is for the token service or a managed identity endpoint (anonymous routes)."""
        from .endpoints import serves
        from .managed import serves_managed

        return serves(req) or serves_managed(req)

    def serve(self, req: Request) -> Response:
        """Answer a request :meth:`serves` accepts."""
        from .endpoints import serve, serves

        if serves(req):
            return serve(self, req)
        from .managed import serve_managed

        return serve_managed(self, req)

    def authenticate(self, req: Request) -> Principal:
        """Return who sent the ARM request ``req``; ARM's 401 :class:`ArmError` when its token is not good."""
        from .arm import authenticate

        return authenticate(self, req)

    def verify(self, token: str, audiences: Iterable[str] = ARM_AUDIENCES) -> Principal:
        """Return the principal ``token`` names; :class:`TokenError` when it is not valid now for ``audiences``."""
        return self.issuer.verify(token, audiences, now=self.emu.now())
