"""Scopes of Microsoft.Authorization: which ones exist, and how ids and GUIDs are written."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...core.errors import ArmError, not_found, resource_group_not_found
from ...core.ids import ResourceId, resource_group_id

if TYPE_CHECKING:
    from ...core.engine import Emulator

__all__ = ["ASSIGNMENT_TYPE", "DEFINITION_TYPE", "NAMESPACE", "canonical_scope", "is_guid", "subscription_of"]

NAMESPACE = "Microsoft.Authorization"
DEFINITION_TYPE = f"{NAMESPACE}/roleDefinitions"
ASSIGNMENT_TYPE = f"{NAMESPACE}/roleAssignments"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def is_guid(value: str) -> bool:
    """Tell a GUID in its usual 8-4-4-4-12 form (the only form Azure takes for these names)."""
    return bool(_GUID.match(value))


def subscription_of(scope: str) -> str | None:
    """Return the subscription id a scope lies in (``None`` for the tenant root)."""
    parts = [p for p in scope.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None


def canonical_scope(emu: Emulator, scope: str) -> str:
    """Return the scope in the casing Azure keeps it, or raise Azure's answer when it does not exist.

    A scope is a subscription, a resource group or a resource (nested ones too); a missing
    subscription, group or resource is answered as ARM answers any URL under it.
    """
    parts = [p for p in scope.split("/") if p]
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        raise _invalid_scope(scope)
    sub = parts[1]
    known = next((s for s in emu.subscriptions if s.lower() == sub.lower()), None)
    if known is None:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
    if len(parts) == 2:
        return f"/subscriptions/{known}"
    if parts[2].lower() != "resourcegroups" or len(parts) < 4:
        raise _invalid_scope(scope)
    group = emu.store.get(resource_group_id(known, parts[3]))
    if group is None:
        raise resource_group_not_found(parts[3])
    if len(parts) == 4:
        return group.id
    try:
        rid = ResourceId.parse("/" + "/".join(parts))
    except ValueError:
        raise _invalid_scope(scope) from None
    record = emu.store.get("/" + "/".join(parts))
    if record is None:
        raise not_found(rid.type, "/".join(rid.names), group.name)
    return record.id


def _invalid_scope(scope: str) -> ArmError:
    return ArmError(
        400,
        "InvalidScope",
        f"The scope '{scope or '/'}' is not valid. The local Azure serves Microsoft.Authorization at a "
        "subscription, a resource group or a resource (management groups are not emulated).",
    )
