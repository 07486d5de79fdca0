"""Custom role definitions (``New-AzRoleDefinition -InputFile``) and the role objects azrm returns.

::

    role = azrm.CustomRole.from_mapping({
        "Name": "Virtual Machine Operator",
        "Description": "Start and restart virtual machines.",
        "Actions": ["Microsoft.Compute/*/read", "Microsoft.Compute/virtualMachines/start/action"],
        "AssignableScopes": [f"/subscriptions/{az.subscription_id}"],
    })
    az.new_role_definition(role)

``from_mapping`` reads the JSON ``New-AzRoleDefinition -InputFile`` takes (``Name``, ``Id``,
``Description``, ``Actions``, ``NotActions``, ``DataActions``, ``NotDataActions``, ``AssignableScopes``;
``IsCustom`` is accepted and ignored).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._base import Builder, check

__all__ = ["CustomRole", "RoleAssignment", "RoleDefinition", "check_guid", "check_scope"]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_SCOPE = re.compile(
    r"^/subscriptions/[^/]+(/resourceGroups/[^/]+(/providers/[^/]+(/[^/]+/[^/]+)+)?)?$",
    re.I,
)
_KEYS = {
    "name": "name",
    "id": "id",
    "description": "description",
    "actions": "actions",
    "notactions": "not_actions",
    "dataactions": "data_actions",
    "notdataactions": "not_data_actions",
    "assignablescopes": "assignable_scopes",
}


def check_guid(value: str, field: str) -> str:
    """Return ``value`` when it is a GUID (8-4-4-4-12 hex digits), else raise ValidationError naming ``field``."""
    check(bool(_GUID.match(value)), field, value, "must be a GUID such as 8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    return value


def check_scope(value: str, field: str = "scope") -> str:
    """Return ``value`` without a trailing ``/`` when it is a subscription, group or resource id."""
    scope = value.rstrip("/")
    check(
        bool(_SCOPE.match(scope)),
        field,
        value,
        "must be /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or a resource id",
    )
    return scope


def _operations(value: Sequence[str], field: str) -> tuple[str, ...]:
    check(not isinstance(value, str), field, value, "must be a list of operation strings, not one string")
    out = tuple(value)
    for op in out:
        check(isinstance(op, str) and op.strip() == op and bool(op), field, op, "operations are non-empty strings")
    return out


class CustomRole(Builder):
    """A custom role to create with :meth:`Session.new_role_definition` (``New-AzRoleDefinition``).

    :param name: the role's name, unique in the directory (PowerShell's ``Name``).
    :param assignable_scopes: where it may be assigned: subscriptions, groups (at least one).
    :param id: its GUID; a new one when omitted, as ``New-AzRoleDefinition`` does.
    """

    name: str
    assignable_scopes: tuple[str, ...]
    description: str = ""
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()
    id: str | None = None

    def _rules(self) -> None:
        check(bool(self.name.strip()), "role.name", self.name, "must not be empty")
        check(bool(self.assignable_scopes), "role.assignable_scopes", (), "needs one scope at least")
        for scope in self.assignable_scopes:
            check_scope(scope, "role.assignable_scopes")
            check(scope.count("/") <= 4, "role.assignable_scopes", scope, "custom roles go to subscriptions or groups")
        for field in ("actions", "not_actions", "data_actions", "not_data_actions"):
            _operations(getattr(self, field), f"role.{field}")
        check(
            bool(self.actions or self.data_actions),
            "role.actions",
            self.actions,
            "a role needs one action or data action at least",
        )
        if self.id is not None:
            check_guid(self.id, "role.id")

    @classmethod
    def from_mapping(cls, role: Mapping[str, Any]) -> CustomRole:
        """Build from ``New-AzRoleDefinition -InputFile``'s JSON keys (any casing) or this class's field names."""
        fields: dict[str, Any] = {}
        for key, value in role.items():
            name = _KEYS.get(str(key).replace("_", "").lower())
            if name is None and str(key).lower() == "iscustom":
                continue
            check(name is not None, "role", key, f"unknown key; expected {', '.join(sorted(set(_KEYS.values())))}")
            if name in ("actions", "not_actions", "data_actions", "not_data_actions", "assignable_scopes"):
                value = _operations(value or (), f"role.{name}")
            fields[str(name)] = value
        if fields.get("id") == "":
            fields["id"] = None
        return cls(**fields)

    def to_body(self, guid: str) -> dict[str, Any]:
        """Return the ARM body of the role definition ``PUT`` (``guid`` is its name)."""
        return {
            "name": guid,
            "properties": {
                "roleName": self.name,
                "description": self.description,
                "type": "CustomRole",
                "permissions": [
                    {
                        "actions": list(self.actions),
                        "notActions": list(self.not_actions),
                        "dataActions": list(self.data_actions),
                        "notDataActions": list(self.not_data_actions),
                    }
                ],
                "assignableScopes": list(self.assignable_scopes),
            },
        }

    def guid(self) -> str:
        """Return the role's GUID: its ``id``, or a new random one."""
        return self.id or str(uuid.uuid4())


@dataclass(frozen=True)
class RoleDefinition:
    """A role definition as ``Get-AzRoleDefinition`` shows it (``PSRoleDefinition``)."""

    id: str
    name: str
    is_custom: bool
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]
    assignable_scopes: tuple[str, ...]
    #: the full ARM id (``/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}``)
    resource_id: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> RoleDefinition:
        """Build from an ARM role definition body."""
        props = body.get("properties") or {}
        blocks = props.get("permissions") or [{}]

        def joined(key: str) -> tuple[str, ...]:
            return tuple(op for block in blocks for op in block.get(key) or ())

        return cls(
            id=str(body["name"]),
            name=str(props.get("roleName")),
            is_custom=props.get("type") == "CustomRole",
            description=str(props.get("description") or ""),
            actions=joined("actions"),
            not_actions=joined("notActions"),
            data_actions=joined("dataActions"),
            not_data_actions=joined("notDataActions"),
            assignable_scopes=tuple(props.get("assignableScopes") or ()),
            resource_id=str(body["id"]),
        )


@dataclass(frozen=True)
class RoleAssignment:
    """A role assignment as ``Get-AzRoleAssignment`` shows it (``PSRoleAssignment``)."""

    #: the full ARM id (PowerShell's ``RoleAssignmentId``)
    id: str
    #: its GUID (PowerShell's ``RoleAssignmentName``)
    name: str
    scope: str
    role_definition_id: str
    role_definition_name: str | None
    object_id: str
    object_type: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any], role_names: Mapping[str, str]) -> RoleAssignment:
        """Build from an ARM body; ``role_names`` maps lower-case role GUIDs to role names."""
        props = body.get("properties") or {}
        role_id = str(props.get("roleDefinitionId"))
        return cls(
            id=str(body["id"]),
            name=str(body["name"]),
            scope=str(props.get("scope")),
            role_definition_id=role_id,
            role_definition_name=role_names.get(role_id.rsplit("/", 1)[-1].lower()),
            object_id=str(props.get("principalId")),
            object_type=str(props.get("principalType")),
        )
