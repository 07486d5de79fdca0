"""Role-based access (Az.Resources): ``New-AzRoleAssignment``, ``Get-AzRoleDefinition`` and their kin.

azure-mgmt-authorization is not a dependency: the calls go through the resource client's pipeline
(same credential, retries and error types) to Microsoft.Authorization's REST API, api-version
2022-04-01, and come back as :class:`azrm.RoleAssignment` / :class:`azrm.RoleDefinition`, the fields
PowerShell shows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .._session_base import SessionBase
from ..builders._base import check
from ..builders.access import CustomRole, RoleAssignment, RoleDefinition, check_guid, check_scope

__all__ = ["AccessOperations"]

API_VERSION = "2022-04-01"
_AUTH = "providers/Microsoft.Authorization"


class AccessOperations(SessionBase):
    """Role definitions and role assignments (Microsoft.Authorization), enforced by the local Azure with ``--rbac``."""

    # -- plumbing ------------------------------------------------------------------------------------
    def _authz(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        """Send one request to Microsoft.Authorization; return the JSON answer (``None`` for 204)."""
        from azure.core.exceptions import (
            HttpResponseError,
            ResourceExistsError,
            ResourceNotFoundError,
            map_error,
        )
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        url = f"{path}?api-version={API_VERSION}{query}"
        request = HttpRequest(method, url, json=body)
        response = self.resource_client.send_request(request)
        if response.status_code >= 400:
            map_error(response.status_code, response, {404: ResourceNotFoundError, 409: ResourceExistsError})
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return json.loads(response.text()) if response.status_code != 204 and response.text() else None

    def _scope(self, scope: str | None, resource_group_name: str | None) -> str:
        check(
            scope is None or resource_group_name is None,
            "scope",
            scope,
            "give scope= or resource_group_name=, not both",
        )
        if scope is not None:
            return check_scope(scope)
        base = f"/subscriptions/{self.subscription_id}"
        return f"{base}/resourceGroups/{resource_group_name}" if resource_group_name else base

    def _role_names(self) -> dict[str, str]:
        return {d.id.lower(): d.name for d in self.get_role_definition()}

    # -- role definitions ----------------------------------------------------------------------------
    def get_role_definition(
        self, name: str | None = None, *, id: str | None = None, scope: str | None = None
    ) -> list[RoleDefinition]:
        """Return role definitions: one by ``name`` or ``id``, or all visible at ``scope`` (``Get-AzRoleDefinition``).

        :param name: a role name (``"Reader"``), case-insensitive.
        :keyword id: a role GUID (``"acdd72a7-3385-48ef-bd42-f606fba81ae7"``) or full role definition id.
        :keyword scope: where to look (the subscription by default); custom roles show where assignable.
        :raises azure.core.exceptions.ResourceNotFoundError: no role has that ``id``.

        ``az.get_role_definition("Reader")[0].actions == ("*/read",)``; an unknown name gives ``[]``.
        """
        check(name is None or id is None, "name", name, "give name or id, not both")
        where = check_scope(scope) if scope is not None else f"/subscriptions/{self.subscription_id}"
        if id is not None:
            guid = check_guid(id.rstrip("/").rsplit("/", 1)[-1], "id")
            return [RoleDefinition.from_body(self._authz("GET", f"{where}/{_AUTH}/roleDefinitions/{guid}"))]
        query = ""
        if name is not None:
            query = "&$filter=" + quote(f"roleName eq '{name.replace(chr(39), chr(39) * 2)}'")
        page = self._authz("GET", f"{where}/{_AUTH}/roleDefinitions", query=query)
        return [RoleDefinition.from_body(item) for item in page.get("value", [])]

    def new_role_definition(self, role: CustomRole | Mapping[str, Any]) -> RoleDefinition:
        """Create (or update, with the same ``id``) a custom role (``New-AzRoleDefinition -InputFile``).

        :param role: a :class:`azrm.CustomRole`, or a mapping with ``New-AzRoleDefinition``'s JSON keys
            (``Name``, ``Description``, ``Actions``, ``NotActions``, ``DataActions``, ``NotDataActions``,
            ``AssignableScopes``, optional ``Id``).
        :raises azure.core.exceptions.ResourceExistsError: another role has that name
            (``RoleDefinitionWithSameNameExists``).
        """
        config = role if isinstance(role, CustomRole) else CustomRole.from_mapping(role)
        guid = config.guid()
        scope = config.assignable_scopes[0]
        body = self._authz("PUT", f"{scope}/{_AUTH}/roleDefinitions/{guid}", config.to_body(guid))
        return RoleDefinition.from_body(body)

    def remove_role_definition(self, id: str, *, scope: str | None = None) -> None:
        """Delete a custom role by GUID or id (``Remove-AzRoleDefinition -Id``); already gone is fine.

        :raises azure.core.exceptions.ResourceExistsError: the role is still assigned
            (``RoleDefinitionHasAssignments``).
        """
        guid = check_guid(id.rstrip("/").rsplit("/", 1)[-1], "id")
        where = check_scope(scope) if scope is not None else f"/subscriptions/{self.subscription_id}"
        self._authz("DELETE", f"{where}/{_AUTH}/roleDefinitions/{guid}")

    # -- role assignments ----------------------------------------------------------------------------
    def new_role_assignment(
        self,
        *,
        object_id: str,
        role_definition_name: str | None = None,
        role_definition_id: str | None = None,
        scope: str | None = None,
        resource_group_name: str | None = None,
        object_type: str = "User",
        name: str | None = None,
        description: str | None = None,
    ) -> RoleAssignment:
        """Assign a role to a principal at a scope (``New-AzRoleAssignment``).

        :keyword object_id: the principal's object id (a user, group or service principal GUID).
        :keyword role_definition_name: the role by name (``"Contributor"``); or
        :keyword role_definition_id: the role by GUID or id (exactly one of the two).
        :keyword scope: a subscription, group or resource id; or
        :keyword resource_group_name: a group of the session's subscription; neither: the subscription.
        :keyword object_type: ``User``, ``Group`` or ``ServicePrincipal`` (Azure's ``principalType``).
        :keyword name: the assignment's GUID; a new one when omitted, as PowerShell does.
        :raises azure.core.exceptions.ResourceExistsError: the principal has that role there already
            (``RoleAssignmentExists``).

        ``az.new_role_assignment(object_id=oid, role_definition_name="Reader", resource_group_name="rg")``
        """
        check(
            (role_definition_name is None) != (role_definition_id is None),
            "role_definition_name",
            role_definition_name,
            "give exactly one of role_definition_name and role_definition_id",
        )
        check_guid(object_id, "object_id")
        guid = check_guid(name, "name") if name is not None else str(uuid.uuid4())
        where = self._scope(scope, resource_group_name)
        if role_definition_id is not None:
            role_guid = check_guid(role_definition_id.rstrip("/").rsplit("/", 1)[-1], "role_definition_id")
            role_name = None
        else:
            found = self.get_role_definition(role_definition_name, scope=where)
            check(bool(found), "role_definition_name", role_definition_name, "no role of that name exists here")
            role_guid, role_name = found[0].id, found[0].name
        body = {
            "properties": {
                "roleDefinitionId": f"/subscriptions/{self.subscription_id}/{_AUTH}/roleDefinitions/{role_guid}",
                "principalId": object_id,
                "principalType": object_type,
                "description": description,
            }
        }
        answer = self._authz("PUT", f"{where}/{_AUTH}/roleAssignments/{guid}", body)
        names = {role_guid.lower(): role_name} if role_name else self._role_names()
        return RoleAssignment.from_body(answer, names)

    def get_role_assignment(
        self,
        *,
        object_id: str | None = None,
        scope: str | None = None,
        resource_group_name: str | None = None,
        at_scope: bool = False,
    ) -> list[RoleAssignment]:
        """Return role assignments (``Get-AzRoleAssignment``).

        At a scope Azure lists the assignments at, above and below it; ``at_scope=True`` keeps those
        that apply there (at it and above), ``object_id`` one principal's.

        :keyword object_id: the principal's object id.
        :keyword scope: a subscription, group or resource id; or
        :keyword resource_group_name: a group of the session's subscription; neither: the subscription.
        """
        where = self._scope(scope, resource_group_name)
        clauses = ["atScope()"] if at_scope else []
        if object_id is not None:
            clauses.append(f"principalId eq '{check_guid(object_id, 'object_id')}'")
        query = "&$filter=" + quote(" and ".join(clauses)) if clauses else ""
        page = self._authz("GET", f"{where}/{_AUTH}/roleAssignments", query=query)
        names = self._role_names()
        return [RoleAssignment.from_body(item, names) for item in page.get("value", [])]

    def remove_role_assignment(
        self,
        *,
        name: str | None = None,
        object_id: str | None = None,
        role_definition_name: str | None = None,
        scope: str | None = None,
        resource_group_name: str | None = None,
    ) -> None:
        """Delete a role assignment (``Remove-AzRoleAssignment``); already gone is fine.

        Name it by its GUID (``name``) at its scope, or as PowerShell does by ``object_id``,
        ``role_definition_name`` and scope.
        """
        where = self._scope(scope, resource_group_name)
        if name is not None:
            self._authz("DELETE", f"{where}/{_AUTH}/roleAssignments/{check_guid(name, 'name')}")
            return
        check(
            object_id is not None and role_definition_name is not None,
            "name",
            name,
            "give the assignment's name, or object_id and role_definition_name",
        )
        for found in self.get_role_assignment(object_id=object_id, scope=where, at_scope=True):
            same_role = (found.role_definition_name or "").lower() == str(role_definition_name).lower()
            if same_role and found.scope.lower() == where.lower():
                self._authz("DELETE", found.id)
