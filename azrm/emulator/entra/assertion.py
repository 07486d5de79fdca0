"""Client assertions: the signed JWT a certificate credential sends instead of a client secret.

azure-identity's ``CertificateCredential`` (through MSAL) signs ``{"aud": <token endpoint>, "iss":
<client id>, "sub": <client id>, "jti", "iat", "exp"}`` with the certificate's key, RS256, and names
the certificate by its SHA-1 thumbprint in ``x5t`` (standard base64 with padding); newer MSAL paths
use ``x5t#S256`` and PS256. Times are checked against the wall clock: the assertion is the client's
statement, made with the client's clock, which the local Azure's manual clock does not move.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import EntraId

__all__ = ["JWT_BEARER", "AssertionError_", "check_assertion"]

#: the only client assertion type Entra takes
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Entra's allowance for the client's clock
_SKEW = 300


class AssertionError_(Exception):
    """A client assertion Entra refuses: its AADSTS ``code`` and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_assertion(entra: EntraId, client_id: str, form: dict[str, str], endpoint: str) -> None:
    """Check the form's client assertion for ``client_id``; :class:`AssertionError_` when Entra would refuse it."""
    import jwt

    if form.get("client_assertion_type") != JWT_BEARER:
        raise AssertionError_(
            700023, f"Invalid client assertion type. The client assertion type must be '{JWT_BEARER}'."
        )
    assertion = form.get("client_assertion", "")
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise AssertionError_(50027, "JWT token is invalid or malformed.") from None
    thumbprint = header.get("x5t") or header.get("x5t#S256") or ""
    key = entra.directory.certificate_key(client_id, str(thumbprint)) if header.get("x5t") else None
    if key is None:
        raise AssertionError_(
            700027,
            "The certificate with identifier used to sign the client assertion is not registered on application. "
            f"[Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', "
            "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app "
            f"Id '{client_id}'.]",
        )
    algorithm = header.get("alg")
    if algorithm not in ("RS256", "PS256"):
        raise AssertionError_(
            50027, f"JWT token is invalid or malformed: the algorithm '{algorithm}' is not supported."
        )
    try:
        claims = jwt.decode(
            assertion,
            key,
            algorithms=[algorithm],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise AssertionError_(700027, "Client assertion failed signature validation.") from None
    except jwt.PyJWTError:
        raise AssertionError_(50027, "JWT token is invalid or malformed.") from None
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionError_(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation "
            "at https://docs.microsoft.com/en-us/azure/active-directory/develop/"
            "active-directory-certificate-credentials .",
        )
    if str(claims.get("aud", "")).rstrip("/").lower() != endpoint.rstrip("/").lower():
        raise AssertionError_(
            700212,
            f"No matching federated identity record found for presented assertion audience '{claims.get('aud')}'.",
        )
    now = time.time()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or exp < now - _SKEW or (isinstance(nbf, int | float) and nbf > now + _SKEW):
        raise AssertionError_(700024, "Client assertion is not within its valid time range.")
