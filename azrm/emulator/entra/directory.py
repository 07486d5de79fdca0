"""The local Entra ID's directory: applications with their service principals, and users.

Kept in the state file's meta table (sealed), so a state file keeps its sign-ins across restarts.
Client secrets and passwords are kept as salted SHA-256 digests; only the default application's
secret is kept itself, because ``azrm.local()`` signs in with it (it is printed at start, like the
admin key, and masked in logs). Managed identities are not kept here: they are resources
(``Microsoft.ManagedIdentity/userAssignedIdentities``, ``identity`` blocks), found by
:mod:`.managed`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .principal import Principal

if TYPE_CHECKING:
    from ..core.engine import Emulator

__all__ = ["Application", "Directory"]

_META = "entra_directory"
_DEFAULT_NAME = "azrm-local"


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


@dataclass(frozen=True)
class Application:
    """An application registration and its service principal (one tenant: they go together)."""

    app_id: str
    object_id: str
    display_name: str

    def principal(self, tenant_id: str) -> Principal:
        """Return the service principal as a token names it."""
        return Principal(self.object_id, tenant_id, "ServicePrincipal", app_id=self.app_id)


class Directory:
    """Applications (client id, object id, secrets, certificate thumbprints) and users of the tenant."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        data = emu.store.meta.get(_META)
        if not isinstance(data, dict):
            data = {"applications": {}, "users": {}, "default": None, "default_secret": None}
        self._data: dict[str, Any] = data
        if not data.get("default"):
            secret = secrets.token_urlsafe(30)
            app = self._add(_DEFAULT_NAME, secret)
            data["default"] = app.app_id
            data["default_secret"] = secret
            self._save()

    # -- applications ----------------------------------------------------------------------------
    @property
    def default(self) -> Application:
        """The application ``azrm.local()`` signs in as (Owner of the subscriptions)."""
        return self.application(str(self._data["default"]))  # type: ignore[return-value]

    @property
    def default_secret(self) -> str:
        """The default application's client secret."""
        return str(self._data["default_secret"])

    def applications(self) -> list[Application]:
        """Every application, oldest first."""
        return [self._app(row) for row in self._data["applications"].values()]

    def application(self, app_id: str) -> Application | None:
        """Return the application with client id ``app_id`` (any case), or ``None``."""
        row = self._data["applications"].get(app_id.lower())
        return self._app(row) if row else None

    def by_object_id(self, object_id: str) -> Principal | None:
        """Return the service principal or user whose object id is ``object_id``."""
        wanted = object_id.lower()
        for row in self._data["applications"].values():
            if row["objectId"] == wanted:
                return self._app(row).principal(self.emu.tenant_id)
        user = self._data["users"].get(wanted)
        if user:
            return Principal(wanted, self.emu.tenant_id, "User", name=user["userPrincipalName"])
        return None

    def add_application(self, display_name: str, *, certificate_pem: bytes | None = None) -> tuple[Application, str]:
        """Register an application with a new client secret (and a certificate); returns it and the secret."""
        secret = secrets.token_urlsafe(30)
        app = self._add(display_name, secret)
        if certificate_pem is not None:
            self.add_certificate(app.app_id, certificate_pem)
        self._save()
        return app, secret

    def add_secret(self, app_id: str) -> str:
        """Add a client secret to an application; returns it (only now: it is kept as a digest)."""
        row = self._data["applications"][app_id.lower()]
        secret = secrets.token_urlsafe(30)
        salt = secrets.token_hex(8)
        row["secrets"].append({"salt": salt, "digest": _digest(salt, secret)})
        self._save()
        return secret

    def add_certificate(self, app_id: str, certificate_pem: bytes) -> str:
        """Add a certificate credential; returns its SHA-1 thumbprint (hex, upper case, as the portal shows it)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        cert = x509.load_pem_x509_certificate(certificate_pem)
        thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()
        public = cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        row = self._data["applications"][app_id.lower()]
        row["certificates"][thumbprint] = public.decode("ascii")
        self._save()
        return thumbprint

    def check_secret(self, app_id: str, secret: str) -> bool:
        """Tell whether ``secret`` is one of the application's client secrets."""
        row = self._data["applications"].get(app_id.lower())
        if not row:
            return False
        if app_id.lower() == str(self._data["default"]).lower() and hmac.compare_digest(secret, self.default_secret):
            return True
        return any(hmac.compare_digest(_digest(s["salt"], secret), s["digest"]) for s in row["secrets"])

    def certificate_key(self, app_id: str, x5t: str) -> Any:
        """Return the public key of the application's certificate with thumbprint ``x5t`` (base64 or hex)."""
        row = self._data["applications"].get(app_id.lower())
        if not row:
            return None
        wanted = _thumbprint_hex(x5t)
        pem = row["certificates"].get(wanted) if wanted else None
        if pem is None:
            return None
        from cryptography.hazmat.primitives import serialization

        return serialization.load_pem_public_key(pem.encode("ascii"))

    def remove_application(self, app_id: str) -> bool:
        """Remove an application (its tokens stop working at their expiry, as on Azure)."""
        removed = self._data["applications"].pop(app_id.lower(), None) is not None
        self._save()
        return removed

    # -- users -----------------------------------------------------------------------------------
    def add_user(self, user_principal_name: str, password: str) -> Principal:
        """Add a user (for the device code flow and role assignments to people)."""
        oid = self.emu.new_guid()
        salt = secrets.token_hex(8)
        self._data["users"][oid] = {
            "userPrincipalName": user_principal_name,
            "salt": salt,
            "digest": _digest(salt, password),
        }
        self._save()
        return Principal(oid, self.emu.tenant_id, "User", name=user_principal_name)

    def user(self, user_principal_name: str) -> Principal | None:
        """Return the user signing in as ``user_principal_name`` (any case)."""
        wanted = user_principal_name.lower()
        for oid, row in self._data["users"].items():
            if row["userPrincipalName"].lower() == wanted:
                return Principal(oid, self.emu.tenant_id, "User", name=row["userPrincipalName"])
        return None

    def check_password(self, user_principal_name: str, password: str) -> Principal | None:
        """Return the user when ``password`` is theirs."""
        found = self.user(user_principal_name)
        if found is None:
            return None
        row = self._data["users"][found.object_id]
        return found if hmac.compare_digest(_digest(row["salt"], password), row["digest"]) else None

    # -- internals -------------------------------------------------------------------------------
    def _add(self, display_name: str, secret: str) -> Application:
        app_id, object_id = self.emu.new_guid(), self.emu.new_guid()
        salt = secrets.token_hex(8)
        self._data["applications"][app_id] = {
            "appId": app_id,
            "objectId": object_id,
            "displayName": display_name,
            "secrets": [{"salt": salt, "digest": _digest(salt, secret)}],
            "certificates": {},
        }
        return Application(app_id, object_id, display_name)

    @staticmethod
    def _app(row: dict[str, Any]) -> Application:
        return Application(row["appId"], row["objectId"], row["displayName"])

    def _save(self) -> None:
        self.emu.store.set_meta(_META, self._data)


def _thumbprint_hex(x5t: str) -> str | None:
    """Return a thumbprint as upper-case hex, from hex or (padded or not) base64 / base64url."""
    text = x5t.strip()
    if len(text) == 40 and all(c in "0123456789abcdefABCDEF" for c in text):
        return text.upper()
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(padded)
        except ValueError:
            continue
        if len(raw) == 20:
            return raw.hex().upper()
    return None
