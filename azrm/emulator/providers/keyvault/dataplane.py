"""Key Vault's data plane for secrets: the REST API azure-keyvault-secrets' ``SecretClient`` speaks.

A request belongs to a vault by its origin (the SDK wants the vault URL to be an origin, research
notes section 6.2): ``https://127.0.0.1:{port}`` where the HTTPS server gave the vault its own
listener (see :mod:`.origins`), or ``https://{name}.vault.azure.net`` (what an in-process
transport hands over, and the ``vaultUri`` of a vault made while no server is attached).

Then, as Key Vault does:

1. No ``Authorization`` header: 401 with ``WWW-Authenticate: Bearer authorization="{login}/{tenant}",
   resource="https://vault.azure.net"`` and ``AKV10000``; the SDK's challenge policy reads the tenant
   from it, gets a token for ``https://vault.azure.net/.default`` and sends the request again. A token
   for another audience, expired, from another tenant or badly signed: 401 with Key Vault's texts.
2. The ``api-version`` is one Key Vault serves (7.0 to 7.6, 2025-07-01, 2026-04-01).
3. The caller's access policy or role assignments allow the operation (:mod:`.access`).
4. The operation on the vault's secrets (:mod:`.secrets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...core.wire import Headers, Response
from ...entra import VAULT_AUDIENCES, TokenError
from .access import SECRET_OPERATIONS, check_access
from .secrets import SecretError, VaultFacts, VaultSecrets, secret_name_problem

if TYPE_CHECKING:
    from ...core.engine import Emulator
    from ...core.store import Record
    from ...core.wire import Request
    from ...entra import Principal

__all__ = ["API_VERSIONS", "VaultPlane", "vault_secrets"]

#: the api-versions the data plane accepts (the CLI sends 7.4, azure-keyvault-secrets 4.12 2026-04-01)
API_VERSIONS = frozenset(("2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"))
_AZURE_SUFFIX = ".vault.azure.net"
_LOOPBACK = ("127.0.0.1", "localhost")


def vault_secrets(emu: Emulator, vault: Record, url: str) -> VaultSecrets:
    """Return the secrets of ``vault`` (ids built on ``url``), read from and written into its record."""
    props = vault.body.get("properties") or {}
    facts = VaultFacts(
        url=url.rstrip("/"),
        retention_days=int(props.get("softDeleteRetentionInDays") or 90),
        purge_protection=bool(props.get("enablePurgeProtection")),
    )
    data = vault.secrets.setdefault("kv_secrets", {})
    return VaultSecrets(data, facts, emu.now(), lambda: emu.new_guid().replace("-", ""))


def _error(err: SecretError, headers: dict[str, str] | None = None) -> Response:
    return Response(err.status, err.body(), Headers(headers or {}))


class VaultPlane:
    """The data plane of every vault of one emulator (it is in ``emu.planes``)."""

    def __init__(self, emu: Emulator, vault_type: str) -> None:
        self.emu = emu
        self.vault_type = vault_type

    def vault_for(self, req: Request) -> Record | None:
        """Return the live vault ``req`` is addressed to by its origin, or ``None`` (then it is not ours)."""
        host, _, port = req.netloc.lower().rpartition(":") if ":" in req.netloc else (req.netloc.lower(), "", "")
        if port == "443":
            port = ""
        if host.endswith(_AZURE_SUFFIX):
            name = host[: -len(_AZURE_SUFFIX)]
            return next((r for r in self.emu.store.of_type(self.vault_type) if r.name.lower() == name), None)
        if host in _LOOPBACK and port.isdigit():
            wanted = int(port)
            return next((r for r in self.emu.store.of_type(self.vault_type) if r.internal.get("port") == wanted), None)
        return None

    def serves(self, req: Request) -> bool:
        """Tell whether ``req`` is for a vault's data plane."""
        return self.vault_for(req) is not None

    def serve(self, req: Request) -> Response:
        """Answer one data-plane request (Key Vault's error bodies, never ARM's)."""
        vault = self.vault_for(req)
        if vault is None:  # deleted between serves() and now
            return _error(SecretError(404, "NotFound", "The vault was not found."))
        headers = {"x-ms-keyvault-region": str(vault.location), "x-ms-keyvault-service-version": "1.9.0.0"}
        try:
            principal = self._authenticate(req, vault)
            version = req.api_version
            if not version:
                raise SecretError(400, "BadParameter", "The request must have an 'api-version' query parameter.")
            if version not in API_VERSIONS:
                raise SecretError(
                    400,
                    "BadParameter",
                    f"The specified version ({version}) is not recognized. Consider using the latest supported "
                    "version (2026-04-01).",
                )
            status, body = self._route(req, vault, principal)
        except SecretError as err:
            return _error(err, {**headers, **err.headers})
        self.emu.store.touch(vault)
        return Response(status, body, Headers(headers))

    # -- authentication ------------------------------------------------------------------------------
    def _authenticate(self, req: Request, vault: Record) -> Principal:
        tenant = str((vault.body.get("properties") or {}).get("tenantId") or self.emu.tenant_id)
        login = str(
            getattr(self.emu.origins, "endpoint", None)
            or self.emu.published.get("arm_endpoint")
            or "https://login.microsoftonline.com"
        ).rstrip("/")
        challenge = {"WWW-Authenticate": f'Bearer authorization="{login}/{tenant}", resource="https://vault.azure.net"'}

        def refuse(message: str) -> SecretError:
            return SecretError(401, "Unauthorized", message, headers=challenge)

        scheme, _, token = (req.headers.get("authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() not in ("bearer", "pop") or not token:
            raise refuse("AKV10000: Request is missing a Bearer or PoP token.")
        try:
            return self.emu.entra.verify(token, VAULT_AUDIENCES)
        except TokenError as exc:
            claims = exc.claims
            if exc.reason == "audience":
                message = f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: {claims.get('aud')}."
            elif exc.reason == "tenant":
                message = (
                    f"AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, "
                    f"found {claims.get('iss')}."
                )
            elif exc.reason == "expired":
                message = f"AKV10013: Token expired at {claims.get('exp')} (local Azure's wording)."
            elif exc.reason == "signature":
                message = "AKV10046: Unable to resolve the key used for signature validation."
            else:
                message = f"AKV10001: Invalid token: {exc.detail}."
            raise refuse(message) from None

    # -- routes --------------------------------------------------------------------------------------
    def _route(self, req: Request, vault: Record, principal: Principal) -> tuple[int, Any]:
        parts = [unquote(p) for p in req.path.split("/")[1:]]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        method = req.method
        kind = parts[0].lower() if parts else ""
        name = parts[1] if len(parts) > 1 else ""
        rest = [p.lower() for p in parts[2:]]
        if name and (problem := secret_name_problem(name)):
            raise SecretError(400, "BadParameter", problem)
        secrets = vault_secrets(self.emu, vault, req.base_url)

        def allow(operation: str) -> None:
            check_access(self.emu, vault, principal, SECRET_OPERATIONS[operation], name or None)

        if kind == "secrets":
            if not name and method == "GET":
                allow("list")
                return 200, {"value": secrets.list_secrets(), "nextLink": None}
            if name and not rest:
                if method == "PUT":
                    allow("set")
                    return 200, secrets.set(name, self._body(req))
                if method == "GET":
                    allow("get")
                    return 200, secrets.get(name)
                if method == "PATCH":
                    allow("update")
                    return 200, secrets.update(name, "", self._body(req))
                if method == "DELETE":
                    allow("delete")
                    return 200, secrets.delete(name)
            if name and rest == ["versions"] and method == "GET":
                allow("list")
                return 200, {"value": secrets.versions(name), "nextLink": None}
            if name and len(rest) == 1 and rest[0] not in ("backup", "restore"):
                if method == "GET":
                    allow("get")
                    return 200, secrets.get(name, rest[0])
                if method == "PATCH":
                    allow("update")
                    return 200, secrets.update(name, rest[0], self._body(req))
        elif kind == "deletedsecrets":
            if not name and method == "GET":
                allow("list")
                return 200, {"value": secrets.list_deleted(), "nextLink": None}
            if name and not rest:
                if method == "GET":
                    allow("list")
                    return 200, secrets.get_deleted(name)
                if method == "DELETE":
                    allow("purge")
                    secrets.purge(name)
                    return 204, None
            if name and rest == ["recover"] and method == "POST":
                allow("recover")
                return 200, secrets.recover(name)
        raise SecretError(
            400,
            "BadParameter",
            f"The local Azure's key vaults do not serve {method} {req.path} (secrets only: no keys, certificates, "
            "backups or restores).",
        )

    @staticmethod
    def _body(req: Request) -> dict[str, Any]:
        try:
            data = req.json()
        except ValueError as exc:
            raise SecretError(400, "BadParameter", f"The request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise SecretError(400, "BadParameter", "The request body must be a JSON object.")
        return data
