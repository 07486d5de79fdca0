"""Role definitions: Azure's built-in roles (``data/builtin-roles.json``) and custom roles.

Azure's behaviour reproduced:

- Role definitions are read at any scope (``{scope}/providers/Microsoft.Authorization/roleDefinitions``,
  the tenant root included). Built-in roles have the same GUID in every tenant and
  ``assignableScopes`` ``["/"]``; read under a subscription, their id names it.
- ``$filter=roleName eq '...'`` (how Az and the CLI resolve names, case-insensitively) and
  ``type eq 'BuiltInRole'`` / ``'CustomRole'``, joined with ``and``.
- A list at a scope holds the built-in roles and the custom roles assignable there (one of their
  ``assignableScopes`` is the scope or above it).
- Custom roles are PUT at a subscription or group with a GUID name, a unique ``roleName``, and
  existing ``assignableScopes``; they are stored at the subscription, as Azure writes their ids.
  A role still assigned cannot be deleted (``RoleDefinitionHasAssignments``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from importlib import resources
from typing import Any

from ...core.clock import iso_utc
from ...core.errors import ArmError, invalid_parameter
from ...core.store import Record
from ...core.wire import Call, Response
from ..base import Provider, json_response, list_response
from .permissions import scope_covers
from .scopes import ASSIGNMENT_TYPE, DEFINITION_TYPE, NAMESPACE, canonical_scope, is_guid, subscription_of

__all__ = ["DEFINITION_TYPE", "RoleDefinitions", "builtin_roles"]

_PERMISSION_KEYS = ("actions", "notActions", "dataActions", "notDataActions")
_CLAUSE = re.compile(r"^\s*(roleName|type)\s+eq\s+'((?:[^']|'')*)'\s*$", re.I)


@functools.lru_cache(maxsize=1)
def builtin_roles() -> dict[str, dict[str, Any]]:
    """Return the built-in roles the local Azure knows: lower-case GUID -> the data file's entry."""
    text = resources.files("azrm.emulator").joinpath("data/builtin-roles.json").read_text(encoding="utf-8")
    return {role["name"].lower(): role for role in json.loads(text)["roles"]}


def definition_id(scope: str, guid: str) -> str:
    """Return a role definition's id as Azure writes it under ``scope``'s subscription (or the root)."""
    sub = subscription_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/{DEFINITION_TYPE}/{guid}"


def _builtin_body(role: dict[str, Any], scope: str) -> dict[str, Any]:
    return {
        "id": definition_id(scope, role["name"]),
        "type": DEFINITION_TYPE,
        "name": role["name"],
        "properties": {
            "roleName": role["roleName"],
            "type": "BuiltInRole",
            "description": role["description"],
            "assignableScopes": ["/"],
            "permissions": [{k: list(role[k]) for k in _PERMISSION_KEYS}],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2026-01-01T00:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": None,
        },
    }


def _filters(raw: str | None) -> list[tuple[str, str]]:
    if not raw:
        return []
    out = []
    for clause in re.split(r"\s+and\s+", raw.strip(), flags=re.I):
        m = _CLAUSE.match(clause)
        if m is None:
            raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{raw}' is not supported.")
        out.append((m.group(1).lower(), m.group(2).replace("''", "'")))
    return out


class RoleDefinitions(Provider):
    """Built-in and custom role definitions."""

    namespace = NAMESPACE

    def _read_scope(self, call: Call) -> str:
        scope = call.params["scope"]
        return "" if scope.strip("/") == "" else canonical_scope(self.emu, scope)

    def _custom(self) -> list[Record]:
        return self.store.of_type(DEFINITION_TYPE)

    def find_definition(self, guid: str, scope: str) -> dict[str, Any] | None:
        """Return the role definition with this GUID as read at ``scope`` (``None`` when there is none)."""
        role = builtin_roles().get(guid.lower())
        if role is not None:
            return _builtin_body(role, scope)
        record = next((r for r in self._custom() if r.name.lower() == guid.lower()), None)
        return self.clone(record.body) if record is not None else None

    def all_definitions(self, scope: str) -> list[dict[str, Any]]:
        """Return every role definition visible at ``scope``: built-ins, then custom roles assignable there."""
        out = [_builtin_body(role, scope) for role in builtin_roles().values()]
        for record in self._custom():
            scopes = record.properties.get("assignableScopes") or []
            if not scope or any(scope_covers(s, scope) for s in scopes):
                out.append(self.clone(record.body))
        return out

    # -- handlers ----------------------------------------------------------------------------------
    def list_definitions(self, call: Call) -> Response:
        scope = self._read_scope(call)
        found = self.all_definitions(scope)
        for field, value in _filters(call.req.query.get("$filter")):
            key = "roleName" if field == "rolename" else "type"
            found = [d for d in found if str(d["properties"][key]).lower() == value.lower()]
        return list_response(found)

    def get_definition(self, call: Call) -> Response:
        scope = self._read_scope(call)
        guid = call.params["roleDefinitionId"]
        found = self.find_definition(guid, scope)
        if found is None:
            raise _definition_not_found(guid)
        return json_response(200, found)

    def put_definition(self, call: Call) -> Response:
        scope = call.params["scope"]
        if len([p for p in scope.split("/") if p]) not in (2, 4):
            raise invalid_parameter("Custom role definitions are created at a subscription or a resource group.")
        scope = canonical_scope(self.emu, scope)
        guid = call.params["roleDefinitionId"]
        if not is_guid(guid):
            raise ArmError(
                400,
                "InvalidRoleDefinitionId",
                f"The role definition ID '{guid}' is not valid. The role definition ID must be a GUID.",
            )
        if guid.lower() in builtin_roles():
            raise ArmError(
                400, "RoleDefinitionBuiltIn", f"The role definition '{guid}' is a built-in role and cannot be changed."
            )
        props = dict(call.body().get("properties") or {})
        name = props.get("roleName")
        if not isinstance(name, str) or not name.strip():
            raise invalid_parameter("The role definition must have a non-empty 'roleName'.", target="roleName")
        taken = [d for d in self.all_definitions("") if d["properties"]["roleName"].lower() == name.lower()]
        if any(d["name"].lower() != guid.lower() for d in taken):
            raise ArmError(
                409,
                "RoleDefinitionWithSameNameExists",
                f"A custom role with the same name '{name}' already exists in this directory.",
            )
        scopes = props.get("assignableScopes")
        if not isinstance(scopes, list) or not scopes:
            raise invalid_parameter("The role definition must have at least one assignable scope.")
        assignable = [canonical_scope(self.emu, str(s)) for s in scopes]
        permissions = []
        for block in props.get("permissions") or [{}]:
            permissions.append({k: [str(op) for op in (block.get(k) or [])] for k in _PERMISSION_KEYS})
        rid = definition_id(scope, guid)
        existing = self.store.get(rid)
        now = iso_utc(self.emu.now())
        body = {
            "id": rid,
            "type": DEFINITION_TYPE,
            "name": guid,
            "properties": {
                "roleName": name,
                "type": "CustomRole",
                "description": props.get("description"),
                "assignableScopes": assignable,
                "permissions": permissions,
                "createdOn": existing.properties.get("createdOn") if existing else now,
                "updatedOn": now,
                "createdBy": None,
                "updatedBy": None,
            },
        }
        self.store.put(Record(rid, DEFINITION_TYPE, body, internal={"unlisted": True}))
        return json_response(200 if existing else 201, copy.deepcopy(body))

    def delete_definition(self, call: Call) -> Response:
        self._read_scope(call)
        guid = call.params["roleDefinitionId"]
        record = next((r for r in self._custom() if r.name.lower() == guid.lower()), None)
        if record is None:
            if guid.lower() in builtin_roles():
                raise ArmError(
                    400, "RoleDefinitionBuiltIn", f"The built-in role definition '{guid}' cannot be deleted."
                )
            return Response(204, None)
        if any(
            str(a.properties.get("roleDefinitionId", "")).lower().endswith("/" + guid.lower())
            for a in self.store.of_type(ASSIGNMENT_TYPE)
        ):
            raise ArmError(
                409,
                "RoleDefinitionHasAssignments",
                "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).",
            )
        self.store.delete(record.id)
        return json_response(200, copy.deepcopy(record.body))


def _definition_not_found(guid: str) -> ArmError:
    return ArmError(
        404, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not exist."
    )
