"""ARM's side of sign-in: the bearer token every request carries, checked, or ARM's 401.

Codes and messages are ARM's (docs/research/identity-access-keyvault.md §3 has the sources): a
missing header ``AuthenticationFailed``, a header that is not ``Bearer <token>``
``AuthenticationFailedInvalidHeader``, a token that does not parse or verify
``InvalidAuthenticationToken``, another audience ``InvalidAuthenticationTokenAudience``, an expired
one ``ExpiredAuthenticationToken``, another tenant ``InvalidAuthenticationTokenTenant``. Each 401
carries ``WWW-Authenticate: Bearer authorization_uri="<login endpoint>/<tenant>", error="invalid_token",
error_description="..."``: clients read the tenant from it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..core.errors import ArmError
from .tokens import ARM_AUDIENCES, TokenError

if TYPE_CHECKING:
    from ..core.wire import Request
    from . import EntraId
    from .principal import Principal

__all__ = ["authenticate"]


def _dotnet(ts: float) -> str:
    """Return a UTC time as ARM's messages print it (.NET's ``M/d/yyyy h:mm:ss tt``)."""
    moment = datetime.fromtimestamp(ts, timezone.utc)
    hour = moment.hour % 12 or 12
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def authenticate(entra: EntraId, req: Request) -> Principal:
    """Return who sent ``req``; raise ARM's 401 when its bearer token is missing or not valid."""
    login = f"{req.base_url}/{entra.tenant_id}"
    auth = req.headers.get("authorization")
    if not auth:
        raise _unauthorized(
            login,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        )
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(
            login,
            "AuthenticationFailedInvalidHeader",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            "The authentication failed because of invalid 'Authorization' header.",
        )
    try:
        return entra.verify(token, ARM_AUDIENCES)
    except TokenError as exc:
        code, message = _refusal(entra, exc)
        raise _unauthorized(login, code, message, message) from None


def _refusal(entra: EntraId, exc: TokenError) -> tuple[str, str]:
    claims = exc.claims
    if exc.reason == "audience":
        allowed = ",".join(f"'{a}'" for a in ARM_AUDIENCES)
        return (
            "InvalidAuthenticationTokenAudience",
            f"The access token has been obtained for wrong audience or resource '{claims.get('aud')}'. It should "
            f"exactly match with one of the allowed audiences {allowed}.",
        )
    if exc.reason == "expired":
        return (
            "ExpiredAuthenticationToken",
            f"The access token expiry UTC time '{_dotnet(float(claims.get('exp') or 0))}' is earlier than current UTC "
            f"time '{_dotnet(entra.emu.now())}'.",
        )
    if exc.reason == "tenant":
        ours = f"https://sts.windows.net/{entra.tenant_id}/"
        return (
            "InvalidAuthenticationTokenTenant",
            f"The access token is from the wrong issuer '{claims.get('iss')}'. It must match the tenant '{ours}' "
            f"associated with this subscription. Please use the authority (URL) '{_login_hint(entra)}' to get the "
            "token. Note, if the subscription is transferred to another tenant there is no impact to the services, "
            "but information about new tenant could take time to propagate (up to an hour). If you just transferred "
            "your subscription and see this error message, please try back later.",
        )
    if exc.reason == "no_principal":
        return (
            "InvalidAuthenticationToken",
            "The received access token is not valid: at least one of the claims 'puid' or 'altsecid' or 'oid' should "
            "be present. If you are accessing as application please make sure service principal is properly created "
            "in the tenant.",
        )
    if exc.reason == "not_yet_valid":
        return "InvalidAuthenticationToken", "The access token is not yet valid."
    return "InvalidAuthenticationToken", "The access token is invalid."


def _login_hint(entra: EntraId) -> str:
    endpoint = str(entra.emu.published.get("arm_endpoint") or "https://login.windows.net").rstrip("/")
    return f"{endpoint}/{entra.tenant_id}"


def _unauthorized(login: str, code: str, message: str, description: str) -> ArmError:
    quoted = description.replace('"', "'")
    header = f'Bearer authorization_uri="{login}", error="invalid_token", error_description="{quoted}"'
    return ArmError(401, code, message, headers={"WWW-Authenticate": header})
