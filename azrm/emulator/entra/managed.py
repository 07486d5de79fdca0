"""Managed identity tokens: the endpoints a program running "on" a resource asks for its identity's tokens.

On Azure, code on a VM asks IMDS (``http://169.254.169.254/metadata/identity/oauth2/token``), and
code in App Service, Functions or a container asks ``IDENTITY_ENDPOINT`` with the ``IDENTITY_HEADER``
secret; the platform knows which resource is asking. On loopback nothing tells who asks, so each
resource with an identity gets an *endpoint key* (an HMAC of its id with a secret of the state file):

- IMDS's path under ``/_imds/{key}``: set ``AZURE_POD_IDENTITY_AUTHORITY_HOST`` to
  ``https://127.0.0.1:PORT/_imds/{key}`` (azure-identity and MSAL append the path, and skip the IMDS
  probe when it is set);
- App Service's protocol at ``/msi/token``: ``IDENTITY_ENDPOINT=https://127.0.0.1:PORT/msi/token``,
  ``IDENTITY_HEADER={key}``.

:meth:`azrm.LocalSession.managed_identity_environment` returns those variables for a resource.
Which identity: the system-assigned one; else the user-assigned one named by ``client_id``,
``object_id`` or ``msi_res_id`` / ``mi_res_id``; a resource with only one user-assigned identity
uses it. Answers follow IMDS (``expires_in`` as a string) and App Service (``expires_on``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from ..core.wire import Response
from .endpoints import RESOURCES
from .principal import Principal

if TYPE_CHECKING:
    from ..core.wire import Request
    from . import EntraId

__all__ = ["endpoint_key", "serve_managed", "serves_managed"]

_IMDS_PATH = "/metadata/identity/oauth2/token"
_APP_SERVICE_PATH = "/msi/token"
_META = "entra_identity_salt"
_UAI = "microsoft.managedidentity/userassignedidentities"


def serves_managed(req: Request) -> bool:
    """Tell whether ``req`` asks a managed identity endpoint (IMDS's path, under ``/_imds/{key}`` or not)."""
    path = req.path.rstrip("/").lower()
    return req.method == "GET" and (path.endswith(_IMDS_PATH) or path == _APP_SERVICE_PATH)


def endpoint_key(entra: EntraId, resource_id: str) -> str:
    """Return the endpoint key of the resource ``resource_id`` (stable for a state file)."""
    salt = entra.emu.store.meta.get(_META)
    if not salt:
        salt = secrets.token_hex(32)
        entra.emu.store.set_meta(_META, salt)
    digest = hmac.new(bytes.fromhex(str(salt)), resource_id.lower().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def serve_managed(entra: EntraId, req: Request) -> Response:
    """Answer a managed identity token request (IMDS or App Service style)."""
    path = req.path.rstrip("/")
    app_service = path.lower() == _APP_SERVICE_PATH
    if app_service:
        key = req.headers.get("x-identity-header", "")
    else:
        parts = [p for p in path[: -len(_IMDS_PATH)].split("/") if p]
        key = parts[1] if len(parts) == 2 and parts[0] == "_imds" else ""
        if req.headers.get("metadata", "").lower() != "true":
            return _imds_error(400, "invalid_request", "Required metadata header not specified")
    resource = req.query.get("resource", "")
    holder = _holder(entra, key) if key else None
    if holder is None:
        return _fail(app_service, 400, "invalid_request", "Identity not found")
    wanted = {
        "client_id": req.query.get("client_id"),
        "object_id": req.query.get("object_id") or req.query.get("principal_id"),
        "resource_id": req.query.get("msi_res_id") or req.query.get("mi_res_id"),
    }
    principal = _identity(entra, holder, wanted)
    if isinstance(principal, str):
        return _fail(app_service, 400, "invalid_request", principal)
    if resource.rstrip("/") + "/" not in [r.rstrip("/") + "/" for r in RESOURCES]:
        return _fail(
            app_service,
            400,
            "invalid_resource",
            f"AADSTS500011: The resource principal named {resource} "
            f"was not found in the tenant named {entra.tenant_id}.",
        )
    now = entra.emu.now()
    token, expires = entra.issuer.issue(principal, resource, now=now)
    entra.issued["managed_identity"] = entra.issued.get("managed_identity", 0) + 1
    body: dict[str, Any] = {
        "access_token": token,
        "expires_on": str(expires),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": principal.app_id,
    }
    if not app_service:
        body.update(refresh_token="", expires_in=str(expires - int(now)), not_before=str(int(now)))
    return Response(200, body)


def _holder(entra: EntraId, key: str) -> Any:
    """Return the record (a resource with an ``identity``, or a user-assigned identity) ``key`` stands for."""
    for record in entra.emu.store:
        has_identity = record.type.lower() == _UAI or isinstance(record.body.get("identity"), dict)
        if has_identity and hmac.compare_digest(endpoint_key(entra, record.id), key):
            return record
    return None


def _identity(entra: EntraId, holder: Any, wanted: dict[str, str | None]) -> Principal | str:
    """Return the principal of the identity asked for, or IMDS's message why there is none."""
    tenant = entra.tenant_id
    if holder.type.lower() == _UAI:
        props = holder.body.get("properties", {})
        return Principal(props["principalId"], tenant, "ManagedIdentity", app_id=props["clientId"], name=holder.id)
    identity = holder.body.get("identity") or {}
    assigned = identity.get("userAssignedIdentities") or {}
    if any(wanted.values()):
        for rid, ids in assigned.items():
            if (
                (wanted["client_id"] and str(ids.get("clientId", "")).lower() == wanted["client_id"].lower())
                or (wanted["object_id"] and str(ids.get("principalId", "")).lower() == wanted["object_id"].lower())
                or (wanted["resource_id"] and rid.lower() == wanted["resource_id"].lower())
            ):
                return Principal(ids["principalId"], tenant, "ManagedIdentity", app_id=ids.get("clientId"), name=rid)
        return "Identity not found"
    if identity.get("principalId"):
        app_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"azrm:system-assigned:{identity['principalId']}"))
        return Principal(identity["principalId"], tenant, "ManagedIdentity", app_id=app_id, name=holder.id)
    if len(assigned) == 1:
        rid, ids = next(iter(assigned.items()))
        return Principal(ids["principalId"], tenant, "ManagedIdentity", app_id=ids.get("clientId"), name=rid)
    if assigned:
        return (
            "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in "
            "the token request"
        )
    return "Identity not found"


def _fail(app_service: bool, status: int, error: str, message: str) -> Response:
    if app_service:
        return Response(status, {"statusCode": status, "message": message, "correlationId": str(uuid.uuid4())})
    return _imds_error(status, error, message)


def _imds_error(status: int, error: str, message: str) -> Response:
    return Response(status, {"error": error, "error_description": message})
