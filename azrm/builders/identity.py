"""Managed identities of a VM or a scale set: ``New-AzVMConfig -IdentityType ... -IdentityId ...``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal, cast

from ._base import Builder, check, resource_ref

__all__ = ["IDENTITY_TYPES", "Identity", "identity_from"]

IdentityType = Literal["SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None"]
#: what ``-IdentityType`` takes
IDENTITY_TYPES: tuple[IdentityType, ...] = ("SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned", "None")
_CANONICAL = {t.replace(" ", "").lower(): t for t in IDENTITY_TYPES}
_UAI_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+$",
    re.IGNORECASE,
)


class Identity(Builder):
    """A resource's ``identity`` block: its type and the user-assigned identities it holds."""

    identity_type: IdentityType
    identity_ids: tuple[str, ...] = ()

    def _rules(self) -> None:
        user = "UserAssigned" in self.identity_type
        check(
            user or not self.identity_ids,
            "identity_id",
            list(self.identity_ids),
            "give identity ids only with identity_type 'UserAssigned' or 'SystemAssigned, UserAssigned'",
        )
        check(
            not user or bool(self.identity_ids),
            "identity_id",
            None,
            f"identity_type '{self.identity_type}' needs at least one user-assigned identity id",
        )
        for rid in self.identity_ids:
            check(
                bool(_UAI_ID.match(rid)),
                "identity_id",
                rid,
                "must be the id of a user-assigned identity: /subscriptions/<id>/resourceGroups/<group>/providers/"
                "Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
            )
        lowered = [r.lower() for r in self.identity_ids]
        check(len(lowered) == len(set(lowered)), "identity_id", list(self.identity_ids), "each identity once")

    def to_body(self) -> dict[str, Any]:
        """Return ARM's ``identity`` JSON."""
        body: dict[str, Any] = {"type": self.identity_type}
        if self.identity_ids:
            body["userAssignedIdentities"] = {rid: {} for rid in self.identity_ids}
        return body


def identity_from(identity_type: str | None, identity_id: Sequence[Any] | str | None) -> Identity | None:
    """Return the :class:`Identity` for ``-IdentityType`` and ``-IdentityId`` (``None`` when neither is given).

    The type is matched without case and spaces; an id may be a string or a model with an ``id``.
    :raises ValidationError: for an unknown type, ids without a user-assigned type, or malformed ids.
    """
    ids: Sequence[Any] = () if identity_id is None else [identity_id] if isinstance(identity_id, str) else identity_id
    if identity_type is None:
        check(not ids, "identity_type", None, "give identity_type with identity_id (UserAssigned)")
        return None
    canonical = _CANONICAL.get(identity_type.replace(" ", "").lower())
    check(canonical is not None, "identity_type", identity_type, f"one of {', '.join(map(repr, IDENTITY_TYPES))}")
    refs = tuple(resource_ref(i, "identity_id") for i in ids)
    return Identity(identity_type=cast("IdentityType", canonical), identity_ids=refs)
