"""Who may do what on a vault's data plane: access policies, or Azure RBAC's data actions.

Key Vault always enforces this, whatever ARM does: a vault with ``enableRbacAuthorization`` checks
the caller's role assignments at the vault (or above) for the operation's data action
(``Microsoft.KeyVault/vaults/secrets/getSecret/action``...); any other vault checks its
``accessPolicies`` for an entry with the token's ``oid`` and ``tid`` holding the permission
(``get``, ``list``, ``set``...). Refusals are 403 ``Forbidden`` with Key Vault's texts (research
notes, section 6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..authorization import ASSIGNMENT_TYPE, AuthorizationBackend, allows, scope_covers
from ..authorization.permissions import permissions_of
from .secrets import SecretError

if TYPE_CHECKING:
    from ...core.engine import Emulator
    from ...core.store import Record
    from ...entra import Principal

__all__ = ["SECRET_OPERATIONS", "SecretOperation", "check_access"]

_DATA = "Microsoft.KeyVault/vaults/secrets"


@dataclass(frozen=True)
class SecretOperation:
    """One data-plane operation: the access-policy permission and the RBAC data action it needs."""

    permission: str
    data_action: str


SECRET_OPERATIONS = {
    "set": SecretOperation("set", f"{_DATA}/setSecret/action"),
    "get": SecretOperation("get", f"{_DATA}/getSecret/action"),
    "update": SecretOperation("set", f"{_DATA}/update/action"),
    "list": SecretOperation("list", f"{_DATA}/readMetadata/action"),
    "delete": SecretOperation("delete", f"{_DATA}/delete"),
    "recover": SecretOperation("recover", f"{_DATA}/recover/action"),
    "purge": SecretOperation("purge", f"{_DATA}/purge/action"),
}


def _caller(principal: Principal) -> str:
    return (
        f"appid={principal.app_id or ''};oid={principal.object_id};iss=https://sts.windows.net/{principal.tenant_id}/"
    )


def check_access(
    emu: Emulator, vault: Record, principal: Principal, operation: SecretOperation, secret: str | None = None
) -> None:
    """Raise Key Vault's 403 unless ``principal`` may perform ``operation`` on ``vault``."""
    props = vault.body.get("properties") or {}
    where = f"{vault.name};location={vault.location}"
    if props.get("enableRbacAuthorization"):
        target = f"{vault.id}/secrets/{secret}" if secret else vault.id
        if rbac_allows(emu, principal.object_id, target, operation.data_action):
            return
        raise SecretError(
            403,
            "Forbidden",
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or "
            "role definitions were changed recently, please observe propagation time.\r\n"
            f"Caller: {_caller(principal)}\r\nAction: '{operation.data_action}'\r\n"
            f"Resource: '{target.lower()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\n"
            f"DecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {where}\r\n",
            inner="ForbiddenByRbac",
        )
    mine = [
        p
        for p in props.get("accessPolicies") or ()
        if str(p.get("objectId") or "").lower() == principal.object_id.lower()
        and str(p.get("tenantId") or "").lower() == principal.tenant_id.lower()
    ]
    if not mine:
        raise SecretError(
            403,
            "Forbidden",
            f"Access denied. Caller was not found on any access policy.\r\nCaller: {_caller(principal)}\r\n"
            f"Vault: {where}",
            inner="AccessDenied",
        )
    granted = {str(p).lower() for policy in mine for p in (policy.get("permissions") or {}).get("secrets") or ()}
    if operation.permission in granted or "all" in granted:
        return
    raise SecretError(
        403,
        "Forbidden",
        f"The user, group or application '{_caller(principal)}' does not have secrets {operation.permission} "
        f"permission on key vault '{where}'. For help resolving this issue, please see "
        "https://go.microsoft.com/fwlink/?linkid=2125287",
        inner="AccessDenied",
    )


def rbac_allows(emu: Emulator, principal_id: str, target: str, action: str, *, data: bool = True) -> bool:
    """Tell whether a principal's role assignments at ``target`` or above allow ``action``."""
    roles = emu.backend(AuthorizationBackend)
    definitions: list[dict[str, Any]] = []
    for record in emu.store.of_type(ASSIGNMENT_TYPE):
        assigned = record.properties
        if str(assigned.get("principalId") or "").lower() != principal_id.lower():
            continue
        if not scope_covers(str(assigned.get("scope") or ""), target):
            continue
        role = roles.find_definition(str(assigned.get("roleDefinitionId") or "").rsplit("/", 1)[-1], assigned["scope"])
        if role is not None:
            definitions.append(role)
    return allows(permissions_of(definitions), action, data=data)
