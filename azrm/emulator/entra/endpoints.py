"""The local Entra ID on the wire: what MSAL and azure-identity call, served without a token.

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (and v1's ``/{tenant}/.well-known/...``)
- ``POST /{tenant}/oauth2/v2.0/token``: client credentials (a secret or a certificate's signed
  assertion) and username + password
- ``GET /{tenant}/discovery/v2.0/keys``: the signing key
- ``GET /common/discovery/instance``: MSAL's instance discovery (raw MSAL may be pointed here)

``{tenant}`` is the tenant's id, ``organizations`` or ``common``; any other answers Entra's
``AADSTS90002``. Entra's errors are OAuth's shape, ``{"error", "error_description", "error_codes",
"timestamp", "trace_id", "correlation_id", "error_uri"}``, with the AADSTS code and message Entra
gives (docs/identity.md lists them). The managed identity endpoints are in :mod:`.managed`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..core.wire import Headers, Response
from .assertion import AssertionError_, check_assertion
from .tokens import ARM_AUDIENCES, VAULT_AUDIENCES

if TYPE_CHECKING:
    from ..core.wire import Request
    from . import EntraId

__all__ = ["RESOURCES", "serve", "serves"]

_PATH = re.compile(
    r"^/(?P<tenant>[^/]+)/(?:(?P<v2>v2\.0/)?\.well-known/openid-configuration|oauth2/v2\.0/(?P<op>token|devicecode)"
    r"|discovery/(?:v2\.0/)?keys|discovery/instance)/?$",
    re.IGNORECASE,
)
#: the resources the local Entra ID issues tokens for (the scope without ``/.default``)
RESOURCES = (
    *ARM_AUDIENCES,
    *VAULT_AUDIENCES,
    "https://storage.azure.com",
    "https://storage.azure.com/",
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "https://management.core.windows.net//",
)
_ALIASES = ("organizations", "common")


def serves(req: Request) -> bool:
    """Tell whether ``req`` is for the local Entra ID (checked before ARM's authentication)."""
    return req.method in ("GET", "POST", "HEAD") and _PATH.match(req.path) is not None


def serve(entra: EntraId, req: Request) -> Response:
    """Answer a request for the local Entra ID."""
    match = _PATH.match(req.path)
    assert match is not None
    tenant = match["tenant"]
    lowered = req.path.lower()
    if lowered.endswith("/discovery/instance") or lowered.endswith("/discovery/instance/"):
        return _instance_discovery(req)
    if tenant.lower() not in (*_ALIASES, entra.tenant_id.lower()):
        return _oauth_error(
            entra,
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
            "the correct cloud. Check with your subscription administrator, this may happen if there are no active "
            "subscriptions for the tenant.",
        )
    base = req.base_url
    if "openid-configuration" in lowered:
        return Response(200, _openid_configuration(base, entra.tenant_id, v2=bool(match["v2"])), _no_store())
    if "/keys" in lowered:
        return Response(200, {"keys": [entra.issuer.key.jwk()]})
    if req.method != "POST":
        return _oauth_error(entra, 405, "invalid_request", 900561, "The endpoint only accepts POST requests.")
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    if match["op"] == "devicecode":
        return _oauth_error(
            entra, 400, "invalid_request", 50059, "The local Entra ID does not offer the device code flow."
        )
    return _token(entra, req, form, f"{base}/{tenant}/oauth2/v2.0/token")


def _openid_configuration(base: str, tenant: str, *, v2: bool) -> dict[str, Any]:
    """Return the OpenID configuration (the fields MSAL reads, and the usual others)."""
    root = f"{base}/{tenant}"
    version = "/v2.0" if v2 else ""
    return {
        "token_endpoint": f"{root}/oauth2{version}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{root}/discovery{version}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tenant}/v2.0" if v2 else f"https://sts.windows.net/{tenant}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2{version}/authorize",
        "device_authorization_endpoint": f"{root}/oauth2{version}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2{version}/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "oid"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "azrm.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }


def _instance_discovery(req: Request) -> Response:
    """Answer MSAL's instance discovery for the local authority (raw MSAL may be pointed at it)."""
    base = req.base_url
    host = base.split("://", 1)[-1]
    return Response(
        200,
        {
            "tenant_discovery_endpoint": f"{base}/common/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        },
    )


def _token(entra: EntraId, req: Request, form: dict[str, str], endpoint: str) -> Response:
    grant = form.get("grant_type", "")
    scope = form.get("scope", "")
    if grant == "client_credentials":
        principal_or_error = _client(entra, form, endpoint)
    elif grant == "password":
        principal_or_error = _user(entra, form)
    elif not grant:
        return _oauth_error(
            entra,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        )
    else:
        return _oauth_error(
            entra, 400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
        )
    if isinstance(principal_or_error, Response):
        return principal_or_error
    resource = _resource(scope)
    if resource is None:
        return _oauth_error(
            entra,
            400,
            "invalid_scope",
            70011,
            f"The provided request must include a 'scope' input parameter. The provided value for the input "
            f"parameter 'scope' is not valid. The scope {scope} is not valid.",
        )
    if resource not in RESOURCES:
        return _oauth_error(
            entra,
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named {entra.tenant_id}. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented to by "
            "any user in the tenant. You might have sent your authentication request to the wrong tenant.",
        )
    cae = "CP1" in form.get("claims", "")
    token, expires = entra.issuer.issue(principal_or_error, resource, now=entra.emu.now(), cae=cae)
    entra.issued[grant] = entra.issued.get(grant, 0) + 1
    lifetime = max(0, expires - int(entra.emu.now()))
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    }
    return Response(200, body, _no_store())


def _resource(scope: str) -> str | None:
    """Return the resource of a ``.default`` scope (``https://management.azure.com/.default``); else ``None``."""
    resources = [s for s in scope.split() if s not in ("openid", "profile", "offline_access", "email")]
    if len(resources) != 1 or not resources[0].endswith("/.default"):
        return None
    return resources[0][: -len("/.default")]


def _client(entra: EntraId, form: dict[str, str], endpoint: str) -> Any:
    client_id = form.get("client_id", "")
    app = entra.directory.application(client_id) if client_id else None
    if app is None:
        return _oauth_error(
            entra,
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{entra.tenant_id}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented to by "
            "any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        )
    if "client_secret" in form:
        if not entra.directory.check_secret(client_id, form["client_secret"]):
            return _oauth_error(
                entra,
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                f"value, not the client secret ID, for a secret added to app '{app.app_id}'.",
            )
        return app.principal(entra.tenant_id)
    if "client_assertion" in form:
        try:
            check_assertion(entra, app.app_id, form, endpoint)
        except AssertionError_ as exc:
            return _oauth_error(entra, 401, "invalid_client", exc.code, exc.message)
        return app.principal(entra.tenant_id)
    return _oauth_error(
        entra,
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def _user(entra: EntraId, form: dict[str, str]) -> Any:
    username = form.get("username", "")
    found = entra.directory.check_password(username, form.get("password", ""))
    if found is None:
        if entra.directory.user(username) is None:
            return _oauth_error(
                entra, 400, "invalid_grant", 50034, f"The user account {username} does not exist in the directory."
            )
        return _oauth_error(
            entra, 400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."
        )
    return found


def _oauth_error(entra: EntraId, status: int, error: str, code: int, message: str) -> Response:
    """Return Entra's OAuth error answer with its AADSTS code, trace and correlation ids and timestamp."""
    trace, correlation = entra.emu.new_guid(), entra.emu.new_guid()
    stamp = datetime.fromtimestamp(entra.emu.now(), timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    description = f"AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {stamp}"
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return Response(status, body, _no_store())


def _no_store() -> Headers:
    return Headers({"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})
