"""Role assignments at a subscription, a resource group or a resource.

Azure's behaviour reproduced (api-version 2022-04-01):

- ``PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{GUID}`` with ``roleDefinitionId``
  and ``principalId``: 201 with the assignment (``scope``, ``createdOn``...); the same body again
  answers 200. A name that is not a GUID is ``InvalidRoleAssignmentId``; a principal id that is not
  one ``InvalidPrincipalId``; an unknown role ``RoleDefinitionDoesNotExist``; the same principal,
  role and scope under another name ``RoleAssignmentExists`` (naming the existing one); another
  principal, role or scope under an existing name ``RoleAssignmentUpdateNotPermitted``.
- The scope must exist: a missing group or resource is answered as any URL under it.
- An assignment is stored under its scope, so deleting the group or resource removes it.
- Lists: without a filter, the assignments at, above and below the scope; ``atScope()`` those at
  and above it (what applies there); ``principalId eq '{id}'`` and ``assignedTo('{id}')`` one
  principal's (``assignedTo`` would add its groups: the local Azure has no directory, so none).
- ``DELETE`` answers 200 with the assignment, or 204 when there is none.

With ``EmulatorSettings(rbac=True)`` they are enforced (:mod:`.enforce`, matching by :mod:`.permissions`).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ...core.clock import iso_utc
from ...core.errors import ArmError, invalid_parameter
from ...core.store import Record
from ...core.wire import Call, Response
from ..base import json_response, list_response
from .definitions import RoleDefinitions, _definition_not_found, definition_id
from .permissions import scope_covers
from .scopes import ASSIGNMENT_TYPE, canonical_scope, is_guid

__all__ = ["ASSIGNMENT_TYPE", "RoleAssignments"]

_PRINCIPAL_TYPES = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")
_CLAUSE = re.compile(
    r"^\s*(?:(atScope)\(\s*\)|(principalId)\s+eq\s+'([^']*)'|(assignedTo)\(\s*'([^']*)'\s*\))\s*$", re.I
)


def _scope_of(call: Call) -> str:
    scope = call.params["scope"]
    if scope.strip("/") == "":
        raise ArmError(
            400,
            "InvalidScope",
            "The local Azure serves role assignments at a subscription, a resource group or a resource, "
            "not at the tenant root.",
        )
    return canonical_scope(call.emu, scope)


class RoleAssignments(RoleDefinitions):
    """Role assignments (and, inherited, role definitions)."""

    def _assignments(self) -> list[Record]:
        return self.store.of_type(ASSIGNMENT_TYPE)

    def put_assignment(self, call: Call) -> Response:
        scope = _scope_of(call)
        name = call.params["roleAssignmentName"]
        if not is_guid(name):
            raise ArmError(
                400,
                "InvalidRoleAssignmentId",
                f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
            )
        props = dict(call.body().get("properties") or {})
        principal = props.get("principalId")
        if not isinstance(principal, str) or not is_guid(principal):
            raise ArmError(
                400, "InvalidPrincipalId", f"The Principal ID '{principal}' is not valid. Principal ID must be a GUID."
            )
        role_ref = props.get("roleDefinitionId")
        if not isinstance(role_ref, str) or not role_ref.strip("/"):
            raise invalid_parameter("The role assignment must name a 'roleDefinitionId'.", target="roleDefinitionId")
        role_guid = role_ref.rstrip("/").rsplit("/", 1)[-1]
        role = self.find_definition(role_guid, scope) if is_guid(role_guid) else None
        if role is None:
            raise _definition_not_found(role_guid)
        principal_type = props.get("principalType") or "User"
        if principal_type not in _PRINCIPAL_TYPES:
            raise invalid_parameter(
                f"The principal type '{principal_type}' is not valid. It is one of {', '.join(_PRINCIPAL_TYPES)}.",
                target="principalType",
            )
        role_id = definition_id(scope, role["name"])
        rid = f"{scope}/providers/{ASSIGNMENT_TYPE}/{name}"
        existing = self.store.get(rid)
        if existing is not None:
            old = existing.properties
            if old["principalId"].lower() != principal.lower() or old["roleDefinitionId"].lower() != role_id.lower():
                raise ArmError(
                    409,
                    "RoleAssignmentUpdateNotPermitted",
                    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                )
        replaced = existing.key if existing is not None else None
        for other in self._assignments():
            p = other.properties
            if (
                other.key != replaced
                and p["scope"].lower() == scope.lower()
                and p["principalId"].lower() == principal.lower()
                and p["roleDefinitionId"].rsplit("/", 1)[-1].lower() == role["name"].lower()
            ):
                raise ArmError(
                    409,
                    "RoleAssignmentExists",
                    f"The role assignment already exists. The ID of the existing role assignment is {other.name}.",
                )
        now = iso_utc(self.emu.now())
        body: dict[str, Any] = {
            "properties": {
                "roleDefinitionId": role_id,
                "principalId": principal,
                "principalType": principal_type,
                "scope": scope,
                "condition": props.get("condition"),
                "conditionVersion": props.get("conditionVersion"),
                "createdOn": existing.properties["createdOn"] if existing else now,
                "updatedOn": now,
                "createdBy": existing.properties["createdBy"] if existing else None,
                "updatedBy": None,
                "delegatedManagedIdentityResourceId": props.get("delegatedManagedIdentityResourceId"),
                "description": props.get("description"),
            },
            "id": rid,
            "type": ASSIGNMENT_TYPE,
            "name": name,
        }
        self.store.put(Record(rid, ASSIGNMENT_TYPE, body, internal={"unlisted": True}))
        return json_response(200 if existing else 201, copy.deepcopy(body))

    def get_assignment(self, call: Call) -> Response:
        scope = _scope_of(call)
        record = self.store.get(f"{scope}/providers/{ASSIGNMENT_TYPE}/{call.params['roleAssignmentName']}")
        if record is None:
            raise _assignment_not_found(call.params["roleAssignmentName"])
        return json_response(200, copy.deepcopy(record.body))

    def delete_assignment(self, call: Call) -> Response:
        scope = _scope_of(call)
        record = self.store.delete(f"{scope}/providers/{ASSIGNMENT_TYPE}/{call.params['roleAssignmentName']}")
        if record is None:
            return Response(204, None)
        return json_response(200, copy.deepcopy(record.body))

    def list_assignments(self, call: Call) -> Response:
        scope = _scope_of(call)
        at_scope, principal = _filter(call.req.query.get("$filter"))
        out = []
        for record in self._assignments():
            p = record.properties
            above = scope_covers(p["scope"], scope)
            if not above and (at_scope or not scope_covers(scope, p["scope"])):
                continue
            if principal is not None and p["principalId"].lower() != principal.lower():
                continue
            out.append(copy.deepcopy(record.body))
        return list_response(out)


def _filter(raw: str | None) -> tuple[bool, str | None]:
    """Parse ``atScope()``, ``principalId eq '...'`` and ``assignedTo('...')``, joined with ``and``."""
    at_scope, principal = False, None
    if not raw:
        return at_scope, principal
    for clause in re.split(r"\s+and\s+", raw.strip(), flags=re.I):
        m = _CLAUSE.match(clause)
        if m is None:
            raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{raw}' is not supported.")
        if m.group(1):
            at_scope = True
        else:
            principal = m.group(3) if m.group(2) else m.group(5)
    return at_scope, principal


def _assignment_not_found(name: str) -> ArmError:
    return ArmError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
