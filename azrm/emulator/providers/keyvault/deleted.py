"""Soft-deleted key vaults: ``deletedVaults`` lists, reads, purge, and recovery by ``createMode: recover``.

- A deleted vault, whether by its own DELETE or with its resource group (Key Vault's soft delete
  covers both, as Microsoft's soft-delete overview says), is kept at
  ``/subscriptions/{s}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{name}`` with its
  ``vaultId``, ``deletionDate`` and ``scheduledPurgeDate`` (deletion + the vault's retention days).
- It holds its name: creating a vault of that name is refused until it is recovered or purged. At its
  scheduled purge date (the local Azure's clock) it is gone.
- ``POST .../purge`` is a long-running operation (202); with purge protection on it is refused.
- ``PUT vaults/{name}`` with ``properties.createMode: recover`` restores it, in its own resource group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ..base import json_response, list_response
from .origins import VAULT_TYPE, VaultOrigins

if TYPE_CHECKING:
    from ...core.wire import Call, Response

__all__ = ["DELETED_TYPE", "VAULT_TYPE", "DeletedVaults"]

DELETED_TYPE = "Microsoft.KeyVault/deletedVaults"
_DAY = 86400.0


def _deleted_not_found(name: str, location: str) -> ArmError:
    """404 for a deleted vault that is not there (code and wording are the local Azure's)."""
    return ArmError(404, "ResourceNotFound", f"The deleted vault '{name}' was not found in location '{location}'.")


class DeletedVaults(VaultOrigins):
    """The soft-deleted half of :class:`~.vaults.KeyVaultBackend`."""

    def register_deleted(self, r: Router) -> None:
        """Add the ``deletedVaults`` routes."""
        base = "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault"
        one = base + "/locations/{location}/deletedVaults/{vaultName}"
        r.add("GET", base + "/deletedVaults", self.list_deleted)
        r.add("GET", one, self.get_deleted)
        r.add("POST", one + "/purge", self.purge_deleted)

    # -- bookkeeping -------------------------------------------------------------------------------
    def soft_delete(self, record: Record) -> None:
        """Keep a removed vault as a deleted vault (the delete hook of ``Microsoft.KeyVault/vaults``).

        Its secrets go with it (recovered with it, purged with it); its listener closes.
        """
        self.close_origin(record)
        props = record.body.get("properties", {})
        now = self.emu.now()
        purge_at = now + int(props.get("softDeleteRetentionInDays") or 90) * _DAY
        sub = record.rid.subscription
        did = (
            f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{record.location}/deletedVaults/{record.name}"
        )
        body = {
            "id": did,
            "name": record.name,
            "type": DELETED_TYPE,
            "properties": {
                "vaultId": record.id,
                "location": record.location,
                "tags": dict(record.body.get("tags") or {}),
                "deletionDate": iso_utc(now),
                "scheduledPurgeDate": iso_utc(purge_at),
                "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
            },
        }
        self.store.put(
            Record(
                did,
                DELETED_TYPE,
                body,
                secrets=self.clone(record.secrets),
                internal={
                    "unlisted": True,
                    "vault": self.clone(record.body),
                    "purge_at": purge_at,
                    "port": record.internal.get("port"),
                },
            )
        )

    def expire(self) -> None:
        """Drop the deleted vaults whose scheduled purge date has passed."""
        now = self.emu.now()
        for record in self.store.of_type(DELETED_TYPE):
            if record.internal.get("purge_at", float("inf")) <= now:
                self.store.delete(record.id)

    def _deleted(self, sub: str, name: str, location: str | None = None) -> Record | None:
        self.expire()
        prefix = f"/subscriptions/{sub}/".lower()
        for record in self.store.of_type(DELETED_TYPE):
            if (
                record.key.startswith(prefix)
                and record.name.lower() == name.lower()
                and (location is None or record.body["properties"]["location"] == location.lower().replace(" ", ""))
            ):
                return record
        return None

    # -- routes ------------------------------------------------------------------------------------
    def list_deleted(self, call: Call) -> Response:
        self.expire()
        prefix = f"/subscriptions/{call.sub}/".lower()
        return list_response(self.clone(r.body) for r in self.store.of_type(DELETED_TYPE) if r.key.startswith(prefix))

    def get_deleted(self, call: Call) -> Response:
        name, location = call.params["vaultName"], call.params["location"]
        record = self._deleted(call.sub, name, location)
        if record is None:
            raise _deleted_not_found(name, location)
        return json_response(200, self.clone(record.body))

    def purge_deleted(self, call: Call) -> Response:
        name, location = call.params["vaultName"], call.params["location"]
        record = self._deleted(call.sub, name, location)
        if record is None:
            raise _deleted_not_found(name, location)
        if record.body["properties"].get("purgeProtectionEnabled"):
            raise ArmError(
                409,
                "Conflict",
                f"Operation 'DeleteVault' is not allowed. The vault '{name}' has purge protection enabled and can "
                "only be purged at its scheduled purge date.",
            )

        def complete() -> None:
            self.store.delete(record.id)

        op = self.begin(
            call,
            record.id,
            "delete",
            style="resources",
            location=location,
            complete=complete,
            resource_type=DELETED_TYPE,
        )
        return json_response(202, None, self.lro_headers(call, op, location=True))

    def recover(self, call: Call, rid: str, name: str, body: dict[str, Any]) -> Response:
        """Bring a soft-deleted vault back (``PUT`` with ``createMode: recover``)."""
        if self.store.get(rid) is not None:
            raise ArmError(400, "BadRequest", f"The vault '{name}' exists; only a soft-deleted vault can be recovered.")
        location = body.get("location")
        record = self._deleted(call.sub, name, str(location) if location else None)
        if record is None:
            raise ArmError(
                404,
                "SoftDeletedVaultDoesNotExist",
                "A soft deleted vault with the given name does not exist. Ensure that the name for the vault that is "
                "being attempted to recover is in a recoverable state.",
            )
        vault = self.clone(record.internal["vault"])
        if vault["id"].lower() != rid.lower():
            raise ArmError(
                400,
                "BadRequest",
                f"The vault '{name}' was deleted from '{vault['id']}' and can only be recovered there.",
            )
        vault["properties"]["provisioningState"] = "Succeeded"
        self.store.delete(record.id)
        restored = Record(
            vault["id"],
            VAULT_TYPE,
            vault,
            secrets=self.clone(record.secrets),
            internal={"port": record.internal.get("port")},
        )
        self.store.put(restored)
        self.open_origin(restored)
        return json_response(200, self.clone(restored.body))
