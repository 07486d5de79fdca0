"""User-assigned managed identities (``New-AzUserAssignedIdentity``... of Az.ManagedServiceIdentity).

azure-mgmt-msi is not among azrm's dependencies, so these go through azure-mgmt-resource's generic
resource operations with the MSI api-version, and return its ``GenericResource``: the identity's
``principal_id``, ``client_id`` and ``tenant_id`` are in ``.properties`` (``"principalId"``...).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from .._session_base import SessionBase
from ..builders._base import check, tag_body
from ..rules import resource_group_name_problem

__all__ = ["IDENTITY_API_VERSION", "IdentityOperations"]

#: the api-version of Microsoft.ManagedIdentity these operations use (Az.ManagedServiceIdentity's)
IDENTITY_API_VERSION = "2023-01-31"
UAI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")
_NAME_RULE = "3 to 128 letters, digits, hyphens and underscores, starting with a letter or a digit"


class IdentityOperations(SessionBase):
    """User-assigned identities, through the generic resource client."""

    def _identity_id(self, resource_group_name: str, name: str) -> str:
        problem = resource_group_name_problem(resource_group_name)
        check(problem is None, "resource_group_name", resource_group_name, problem or "")
        check(bool(_NAME.match(name)), "name", name, _NAME_RULE)
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{resource_group_name}/providers/{UAI_TYPE}/{name}"

    def new_user_assigned_identity(
        self,
        resource_group_name: str,
        name: str,
        location: str | None = None,
        *,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Create or update a user-assigned identity (``New-AzUserAssignedIdentity``).

        Returns azure-mgmt-resource's ``GenericResource``; ``.properties`` holds the ``principalId``,
        ``clientId`` and ``tenantId`` Azure gives it, also read as ``.principal_id``, ``.client_id`` and
        ``.tenant_id`` (the cmdlet's ``$identity.PrincipalId``...). Give its ``.id`` to ``identity_id`` of
        :func:`azrm.new_vm_config` or :meth:`~azrm.VMConfig.set_identity`.

        :raises ValidationError: for a name, group or region Azure would refuse (no request is made).

        >>> uai = session.new_user_assigned_identity("rg1", "web-identity", "westeurope")
        >>> uai.properties["principalId"]
        """
        from azure.mgmt.resource.resources.models import GenericResource

        rid = self._identity_id(resource_group_name, name)
        body = GenericResource({"location": self._location(location), "tags": tag_body(tags)})
        made = self._run(
            f"Creating user-assigned identity {name}",
            lambda: self.resource_client.resources.begin_create_or_update_by_id(
                rid, body, api_version=IDENTITY_API_VERSION
            ).result(),
        )
        return _identity(made)

    def get_user_assigned_identity(self, resource_group_name: str | None = None, name: str | None = None) -> Any:
        """Get one identity, or list them (``Get-AzUserAssignedIdentity``).

        With ``name``: that identity (``ResourceNotFoundError`` when missing). Without: a list of the
        identities of ``resource_group_name``, or of the subscription when no group is given.
        """
        if name is not None:
            check(resource_group_name is not None, "resource_group_name", None, "give the group of the identity")
            rid = self._identity_id(str(resource_group_name), name)
            return _identity(self.resource_client.resources.get_by_id(rid, api_version=IDENTITY_API_VERSION))
        return self._list_identities(resource_group_name)

    def _list_identities(self, resource_group_name: str | None) -> list[Any]:
        """List through the provider's own URL, whose entries carry ``properties`` (the generic list's do not)."""
        from azure.core.exceptions import HttpResponseError, map_error
        from azure.core.rest import HttpRequest
        from azure.mgmt.resource.resources.models import GenericResource

        scope = f"/subscriptions/{self.subscription_id}"
        if resource_group_name is not None:
            problem = resource_group_name_problem(resource_group_name)
            check(problem is None, "resource_group_name", resource_group_name, problem or "")
            scope += f"/resourceGroups/{resource_group_name}"
        url: str | None = f"{scope}/providers/{UAI_TYPE}?api-version={IDENTITY_API_VERSION}"
        out: list[Any] = []
        while url:
            response = self.resource_client.send_request(HttpRequest("GET", url))
            if response.status_code != 200:
                map_error(response.status_code, response, {})
                raise HttpResponseError(response=response)
            page = response.json()
            out.extend(_identity(GenericResource(item)) for item in page.get("value", []))
            url = page.get("nextLink")
        return out

    def remove_user_assigned_identity(self, resource_group_name: str, name: str) -> None:
        """Delete a user-assigned identity (``Remove-AzUserAssignedIdentity``); succeeds when already gone."""
        rid = self._identity_id(resource_group_name, name)
        self._run(
            f"Removing user-assigned identity {name}",
            lambda: self.resource_client.resources.begin_delete_by_id(rid, api_version=IDENTITY_API_VERSION).result(),
        )


@functools.cache
def _identity_class() -> type:
    """Return the class of the identities azrm returns (made on first use: the SDK is imported lazily)."""
    from azure.mgmt.resource.resources.models import GenericResource

    class UserAssignedIdentity(GenericResource):
        """A user-assigned identity: the generic resource, with ``PrincipalId``, ``ClientId``, ``TenantId``."""

        @property
        def principal_id(self) -> str | None:
            """The identity's service principal (``$identity.PrincipalId``)."""
            return (self.properties or {}).get("principalId")

        @property
        def client_id(self) -> str | None:
            """The identity's application id (``$identity.ClientId``)."""
            return (self.properties or {}).get("clientId")

        @property
        def tenant_id(self) -> str | None:
            """The identity's tenant (``$identity.TenantId``)."""
            return (self.properties or {}).get("tenantId")

    return UserAssignedIdentity


def _identity(resource: Any) -> Any:
    """Return ``resource`` (a ``GenericResource``) as a :func:`_identity_class` instance."""
    return _identity_class()(resource.as_dict())
