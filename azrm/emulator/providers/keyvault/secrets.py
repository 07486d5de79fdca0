"""The secrets of a key vault as Key Vault's data plane keeps them: versions, attributes, soft delete.

Pure bookkeeping over one vault's secrets (a plain dict kept in the vault record's sealed
``secrets``, so values are encrypted in a state file and go with the vault when it is deleted,
recovered or purged); :mod:`.dataplane` maps the REST routes onto it. Shapes and texts follow
azure-keyvault-secrets 4.12's generated models and Key Vault's answers (research notes, section 6.3):

- dates are unix seconds; a version is 32 hex digits; a secret's ``id`` is
  ``{vault}/secrets/{name}/{version}`` (items in lists carry no version, versions lists do);
- ``recoveryLevel`` is ``Recoverable+Purgeable`` (``Recoverable`` with purge protection), prefixed
  ``Customized`` when the vault keeps deleted things fewer than 90 days; ``recoverableDays`` is the
  vault's retention;
- a deleted secret keeps its name (``ObjectIsDeletedButRecoverable`` on a new value) until it is
  recovered, purged, or its ``scheduledPurgeDate`` passes.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SecretError", "VaultFacts", "VaultSecrets", "not_found", "secret_name_problem"]

_DAY = 86400
_NOT_FOUND_HELP = (
    "If you recently deleted this secret you may be able to recover it using the correct recovery command. "
    "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
)


class SecretError(Exception):
    """A refusal in Key Vault's words: HTTP status, ``code``, message and optional ``innererror`` code."""

    def __init__(
        self, status: int, code: str, message: str, inner: str | None = None, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"({code}) {message}")
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """Return Key Vault's error body ``{"error": {"code", "message", "innererror"?}}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner:
            error["innererror"] = {"code": self.inner}
        return {"error": error}


def secret_name_problem(name: str) -> str | None:
    """Return why ``name`` is not a secret name (1-127 letters, digits and dashes), or ``None``."""
    if not 1 <= len(name) <= 127 or not all(c.isascii() and (c.isalnum() or c == "-") for c in name):
        return f"The request URI contains an invalid name: {name}"
    return None


def not_found(name: str, version: str = "") -> SecretError:
    """Return Key Vault's 404 for a secret (or one version of it) that is not there."""
    shown = f"{name}/{version}" if version else name
    return SecretError(
        404, "SecretNotFound", f"A secret with (name/id) {shown} was not found in this key vault. {_NOT_FOUND_HELP}"
    )


def _deleted_not_found(name: str) -> SecretError:
    return SecretError(404, "SecretNotFound", f"Deleted Secret not found: {name}")


def _attributes(given: Any) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise SecretError(400, "BadParameter", "The property 'attributes' must be an object.")
    out: dict[str, Any] = {}
    if "enabled" in given and given["enabled"] is not None:
        if not isinstance(given["enabled"], bool):
            raise SecretError(400, "BadParameter", "The property 'attributes.enabled' must be a boolean.")
        out["enabled"] = given["enabled"]
    for stamp in ("nbf", "exp"):
        if stamp in given:
            value = given[stamp]
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise SecretError(400, "BadParameter", f"The property 'attributes.{stamp}' must be unix seconds.")
            out[stamp] = value
    return out


def _tags(given: Any) -> dict[str, str] | None:
    if given is None:
        return None
    if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
        raise SecretError(400, "BadParameter", "The property 'tags' must be an object of strings.")
    if len(given) > 15:
        raise SecretError(400, "BadParameter", "A secret can have at most 15 tags.")
    return dict(given)


@dataclass(frozen=True)
class VaultFacts:
    """What the bundles say about the vault: its origin, retention days and purge protection."""

    url: str
    retention_days: int = 90
    purge_protection: bool = False

    @property
    def recovery_level(self) -> str:
        """Key Vault's ``recoveryLevel`` for this vault's objects."""
        level = "Recoverable" if self.purge_protection else "Recoverable+Purgeable"
        return level if self.retention_days >= 90 else f"CustomizedRecoverable{level[len('Recoverable') :]}"


class VaultSecrets:
    """One vault's secrets over ``data`` (``name lower -> entry``), which the caller stores."""

    def __init__(
        self, data: dict[str, Any], vault: VaultFacts, now: float, new_version: Callable[[], str] | None = None
    ) -> None:
        self.data = data
        self._new_version = new_version or (lambda: uuid.uuid4().hex)
        self.vault = vault
        self.now = int(now)
        for lowered, entry in list(data.items()):  # deleted secrets past their purge date are gone
            deleted = entry.get("deleted")
            if deleted is not None and deleted["scheduledPurgeDate"] <= self.now:
                del data[lowered]

    # -- lookups -----------------------------------------------------------------------------------
    def _live(self, name: str) -> dict[str, Any]:
        entry = self.data.get(name.lower())
        if entry is None or entry.get("deleted") is not None:
            raise not_found(name)
        return entry

    def _deleted(self, name: str) -> dict[str, Any]:
        entry = self.data.get(name.lower())
        if entry is None or entry.get("deleted") is None:
            raise _deleted_not_found(name)
        return entry

    @staticmethod
    def _version(entry: dict[str, Any], version: str) -> dict[str, Any]:
        if not version:
            return entry["versions"][-1]
        for found in entry["versions"]:
            if found["version"] == version.lower():
                return found
        raise not_found(entry["name"], version)

    # -- shapes ------------------------------------------------------------------------------------
    def _attrs(self, version: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(version["attributes"])
        attrs["recoverableDays"] = self.vault.retention_days
        attrs["recoveryLevel"] = self.vault.recovery_level
        return attrs

    def bundle(self, entry: dict[str, Any], version: dict[str, Any], *, value: bool = True) -> dict[str, Any]:
        """Return a SecretBundle (with the value unless ``value=False``)."""
        out: dict[str, Any] = {}
        if value:
            out["value"] = version["value"]
        out["id"] = f"{self.vault.url}/secrets/{entry['name']}/{version['version']}"
        out["attributes"] = self._attrs(version)
        if version.get("contentType") is not None:
            out["contentType"] = version["contentType"]
        out["tags"] = copy.deepcopy(version.get("tags") or {})
        return out

    def item(self, entry: dict[str, Any], version: dict[str, Any], *, versioned: bool = False) -> dict[str, Any]:
        """Return a SecretItem: the bundle without value; ``id`` without version unless ``versioned``."""
        out = self.bundle(entry, version, value=False)
        if not versioned:
            out["id"] = f"{self.vault.url}/secrets/{entry['name']}"
        return out

    def _deleted_shape(self, entry: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
        deleted = entry["deleted"]
        return {
            "recoveryId": f"{self.vault.url}/deletedsecrets/{entry['name']}",
            "deletedDate": deleted["deletedDate"],
            "scheduledPurgeDate": deleted["scheduledPurgeDate"],
            **shape,
        }

    # -- operations --------------------------------------------------------------------------------
    def set(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Add a new version (``PUT /secrets/{name}``); return its bundle."""
        value = body.get("value")
        if not isinstance(value, str):
            raise SecretError(400, "BadParameter", "The property 'value' is required and must be a string.")
        if len(value.encode("utf-8")) > 25 * 1024:
            raise SecretError(400, "BadParameter", "The secret value exceeds the maximum size of 25 KB.")
        entry = self.data.get(name.lower())
        if entry is not None and entry.get("deleted") is not None:
            raise SecretError(
                409,
                "Conflict",
                f"Secret {entry['name']} is currently in a deleted but recoverable state, and its name cannot be "
                "reused; in this state, the secret can only be recovered or purged.",
                inner="ObjectIsDeletedButRecoverable",
            )
        content_type = body.get("contentType")
        if content_type is not None and not isinstance(content_type, str):
            raise SecretError(400, "BadParameter", "The property 'contentType' must be a string.")
        attrs = {"enabled": True, "nbf": None, "exp": None, **_attributes(body.get("attributes"))}
        attrs.update(created=self.now, updated=self.now)
        version = {
            "version": self._new_version(),
            "value": value,
            "contentType": content_type,
            "tags": _tags(body.get("tags")) or {},
            "attributes": attrs,
        }
        if entry is None:
            entry = self.data[name.lower()] = {"name": name, "versions": [], "deleted": None}
        entry["versions"].append(version)
        return self.bundle(entry, version)

    def get(self, name: str, version: str = "") -> dict[str, Any]:
        """Return a version's bundle (the latest when ``version`` is empty)."""
        entry = self._live(name)
        found = self._version(entry, version)
        if not found["attributes"].get("enabled", True):
            raise SecretError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled")
        return self.bundle(entry, found)

    def update(self, name: str, version: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change a version's content type, tags and attributes (``PATCH``); return its bundle without value."""
        entry = self._live(name)
        found = self._version(entry, version)
        if "contentType" in body:
            found["contentType"] = body["contentType"]
        tags = _tags(body.get("tags"))
        if tags is not None:
            found["tags"] = tags
        found["attributes"].update(_attributes(body.get("attributes")))
        found["attributes"]["updated"] = self.now
        return self.bundle(entry, found, value=False)

    def list_secrets(self) -> list[dict[str, Any]]:
        """Return the items of the secrets not deleted (their latest version's attributes)."""
        return [self.item(e, e["versions"][-1]) for e in self.data.values() if e.get("deleted") is None]

    def versions(self, name: str) -> list[dict[str, Any]]:
        """Return the items of every version of a secret (none for an unknown one, as Key Vault answers)."""
        entry = self.data.get(name.lower())
        if entry is None or entry.get("deleted") is not None:
            return []
        return [self.item(entry, v, versioned=True) for v in entry["versions"]]

    def delete(self, name: str) -> dict[str, Any]:
        """Soft-delete every version of a secret; return the deleted secret (without value)."""
        entry = self._live(name)
        entry["deleted"] = {
            "deletedDate": self.now,
            "scheduledPurgeDate": self.now + self.vault.retention_days * _DAY,
        }
        return self._deleted_shape(entry, self.bundle(entry, entry["versions"][-1], value=False))

    def get_deleted(self, name: str) -> dict[str, Any]:
        """Return a deleted secret (``GET /deletedsecrets/{name}``)."""
        entry = self._deleted(name)
        return self._deleted_shape(entry, self.bundle(entry, entry["versions"][-1], value=False))

    def list_deleted(self) -> list[dict[str, Any]]:
        """Return the deleted secrets as items."""
        return [
            self._deleted_shape(e, self.item(e, e["versions"][-1]))
            for e in self.data.values()
            if e.get("deleted") is not None
        ]

    def recover(self, name: str) -> dict[str, Any]:
        """Bring a deleted secret back with all its versions; return its latest bundle without value."""
        entry = self._deleted(name)
        entry["deleted"] = None
        return self.bundle(entry, entry["versions"][-1], value=False)

    def purge(self, name: str) -> None:
        """Forget a deleted secret for good (refused while the vault has purge protection)."""
        entry = self._deleted(name)
        if self.vault.purge_protection:
            raise SecretError(
                403,
                "Forbidden",
                'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault '
                "service will automatically purge it after the retention period has passed.",
                inner="PurgeProtected",
            )
        del self.data[entry["name"].lower()]

    def value_of(self, name: str, version: str = "") -> str:
        """Return a secret's value for a template reference (``SecretError`` as :meth:`get` raises it)."""
        return str(self.get(name, version)["value"])
