"""The ``identity`` block of a VM or a scale set, resolved as Azure resolves it.

``{"type": "SystemAssigned" | "UserAssigned" | "SystemAssigned, UserAssigned" | "None",
"userAssignedIdentities": {"<identity id>": {}}}``:

- A system-assigned identity gets a ``principalId`` (kept across updates while the type keeps it;
  a new one after it was removed) and the ``tenantId``.
- Each user-assigned identity must exist; it is reported with its ``principalId`` and ``clientId``.
  A missing one is refused as Azure refuses it: 400 ``FailedIdentityOperation`` wrapping the identity
  service's ``BadRequest`` "Resource '<id>' was not found." (the inner message as quoted in
  Azure/azure-policy#1311; the outer code is the local Azure's choice). In a PATCH, an identity set
  to ``null`` is removed.
- ``"None"`` removes the identity. A PUT without an ``identity`` keeps the one the resource has.
- A type without ``UserAssigned`` drops ``userAssignedIdentities``; a ``UserAssigned`` type without
  any is refused (400 ``InvalidParameter``, the local Azure's wording).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError, invalid_parameter
from ...core.ids import ResourceId
from .identities import UAI_TYPE

if TYPE_CHECKING:
    from ...core.engine import Emulator

__all__ = ["IDENTITY_TYPES", "resolve_identity"]

#: the identity types Azure's Compute RP takes (compared without case and spaces)
IDENTITY_TYPES = ("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None")
_CANONICAL = {t.replace(" ", "").lower(): t for t in IDENTITY_TYPES}


def resolve_identity(
    emu: Emulator, given: Any, existing: dict[str, Any] | None, resource_id: str
) -> dict[str, Any] | None:
    """Return the ``identity`` to store for ``resource_id`` (``None``: it has none).

    ``given`` is the request's block (``None`` when absent), ``existing`` the stored one.
    """
    if given is None:
        return existing
    if not isinstance(given, dict):
        raise invalid_parameter("The value of parameter identity is invalid.", target="identity")
    raw = str(given.get("type") or "")
    kind = _CANONICAL.get(raw.replace(" ", "").lower())
    if kind is None:
        raise invalid_parameter(
            f"The value '{raw}' of parameter identity.type is invalid. Allowed values: {', '.join(IDENTITY_TYPES)}.",
            target="identity.type",
        )
    if kind == "None":
        return None
    out: dict[str, Any] = {"type": kind}
    if "SystemAssigned" in kind:
        old = existing or {}
        kept = old.get("principalId") if "SystemAssigned" in str(old.get("type", "")) else None
        out["principalId"] = kept or emu.new_guid()
        out["tenantId"] = emu.tenant_id
    if "UserAssigned" in kind:
        out["userAssignedIdentities"] = _user_assigned(emu, given.get("userAssignedIdentities"), resource_id)
    return out


def _user_assigned(emu: Emulator, given: Any, resource_id: str) -> dict[str, Any]:
    """Resolve ``userAssignedIdentities``: each id to an existing identity's principal and client ids."""
    if given is not None and not isinstance(given, dict):
        raise invalid_parameter(
            "The value of parameter identity.userAssignedIdentities is invalid.",
            target="identity.userAssignedIdentities",
        )
    out: dict[str, Any] = {}
    for identity_id, value in (given or {}).items():
        if value is None:  # removed by a PATCH
            continue
        record = emu.store.get(identity_id)
        if record is None or record.type.lower() != UAI_TYPE.lower() or not _well_formed(identity_id):
            raise ArmError(
                400,
                "FailedIdentityOperation",
                f"Identity operation for resource '{resource_id}' failed with error 'Failed to perform resource "
                "identity operation. Status: 'BadRequest'. Response: "
                f'\'{{"error":{{"code":"BadRequest","message":"Resource \'{identity_id}\' was not found."}}}}\'.\'.',
            )
        props = record.body.get("properties", {})
        out[record.id] = {"principalId": props.get("principalId"), "clientId": props.get("clientId")}
    if not out:
        raise invalid_parameter(
            "The identity type 'UserAssigned' needs at least one identity in identity.userAssignedIdentities.",
            target="identity.userAssignedIdentities",
        )
    return out


def _well_formed(identity_id: str) -> bool:
    try:
        rid = ResourceId.parse(identity_id)
    except ValueError:
        return False
    return rid.resource_group is not None and f"{rid.namespace}/{'/'.join(rid.types)}".lower() == UAI_TYPE.lower()
