"""Access tokens of the local Entra ID: RS256 JWTs in Entra's v1 shape, issued and verified.

ARM and Key Vault take v1 tokens even when they are asked for at the v2.0 endpoint: ``iss`` is
``https://sts.windows.net/{tid}/``, ``ver`` is ``1.0``, applications carry ``appid``/``appidacr``.
``aud`` is the scope without ``/.default``. Times are the local Azure's clock (a manual clock moves
expiry too).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .principal import Principal

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .keys import SigningKey

__all__ = ["ARM_AUDIENCES", "VAULT_AUDIENCES", "TokenError", "TokenIssuer", "issuer_for"]

#: the audiences ARM accepts (its 401 message lists exactly these four)
ARM_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
#: the audiences Key Vault's data plane accepts
VAULT_AUDIENCES = ("https://vault.azure.net", "https://vault.azure.net/")

#: how long an access token lives (Entra's default for client credentials is 60 to 90 minutes)
LIFETIME = 3599


def issuer_for(tenant_id: str) -> str:
    """Return the ``iss`` of a v1 token from ``tenant_id``."""
    return f"https://sts.windows.net/{tenant_id}/"


class TokenError(Exception):
    """A token the local Azure refuses; ``reason`` says why, the caller answers in its service's words.

    :param reason: ``malformed``, ``signature``, ``audience``, ``expired``, ``not_yet_valid``, ``tenant``
        or ``no_principal``.
    :param claims: the token's claims when they could be read (``aud``, ``exp``, ``tid``...).
    """

    def __init__(self, reason: str, detail: str, claims: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.claims = claims or {}


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    principal: Principal


class TokenIssuer:
    """Issue and verify the access tokens of one tenant, signed with ``key``."""

    _CACHE = 4096

    def __init__(self, key: SigningKey, tenant_id: str) -> None:
        self.key = key
        self.tenant_id = tenant_id
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def issue(
        self,
        principal: Principal,
        audience: str,
        *,
        now: float,
        lifetime: int = LIFETIME,
        cae: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Return a signed access token for ``principal`` and ``audience``, and its expiry (epoch seconds)."""
        import jwt

        issued = int(now)
        expires = issued + lifetime
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": issuer_for(principal.tenant_id),
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "idp": issuer_for(principal.tenant_id),
            "oid": principal.object_id,
            "sub": principal.object_id,
            "tid": principal.tenant_id,
            "ver": "1.0",
            "uti": _uti(),
        }
        if principal.kind == "User":
            claims.update(
                idtyp="user",
                upn=principal.name,
                unique_name=principal.name,
                name=principal.name,
                scp="user_impersonation",
                appid=principal.app_id or "04b07795-8ddb-461a-bbee-02f9e1bf7b46",  # azure-cli's public client id
                appidacr="0",
            )
        else:
            claims.update(idtyp="app", appid=principal.app_id, appidacr="1")
            if principal.kind == "ManagedIdentity":
                claims["xms_mirid"] = principal.name
        if cae:
            claims["xms_cc"] = ["CP1"]
        if extra:
            claims.update(extra)
        headers = {"typ": "JWT", "kid": self.key.kid, "x5t": self.key.kid}
        token = jwt.encode(claims, self.key.private, algorithm="RS256", headers=headers)
        return token, expires

    def verify(self, token: str, audiences: Iterable[str], *, now: float) -> Principal:
        """Return the principal ``token`` names; :class:`TokenError` when it is not valid for ``audiences`` now."""
        found = self._verified.get(token)
        if found is None:
            found = self._check_signature(token)
            with self._lock:
                self._verified[token] = found
                while len(self._verified) > self._CACHE:
                    self._verified.popitem(last=False)
        claims = found.claims
        allowed = tuple(audiences)
        aud = claims.get("aud")
        if aud not in allowed:
            raise TokenError("audience", f"wrong audience {aud!r}", claims)
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise TokenError("expired", "the token has expired", claims)
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and nbf > now + 300:  # Entra's five minutes of clock skew
            raise TokenError("not_yet_valid", "the token is not valid yet", claims)
        if claims.get("tid") != self.tenant_id or claims.get("iss") != issuer_for(self.tenant_id):
            raise TokenError("tenant", f"the token is from tenant {claims.get('tid')!r}", claims)
        return found.principal

    def _check_signature(self, token: str) -> _Verified:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed", "not a JSON web token") from None
        if header.get("alg") != "RS256":
            raise TokenError("signature", f"algorithm {header.get('alg')!r} is not RS256")
        try:
            claims = jwt.decode(
                token,
                self.key.public,
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenError("signature", "the signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise TokenError("malformed", str(exc)) from None
        oid = claims.get("oid")
        if not isinstance(oid, str) or not oid:
            raise TokenError("no_principal", "the token has no oid", claims)
        idtyp = claims.get("idtyp")
        kind = "User" if idtyp == "user" else ("ManagedIdentity" if claims.get("xms_mirid") else "ServicePrincipal")
        name = str(claims.get("upn") or "") if kind == "User" else ""
        principal = Principal(
            object_id=oid,
            tenant_id=str(claims.get("tid") or ""),
            kind=kind,
            app_id=claims.get("appid"),
            name=name,
        )
        return _Verified(claims, principal)


def _uti() -> str:
    import base64
    import os

    return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")
