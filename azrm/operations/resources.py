"""Resource groups and generic resources (``New-AzResourceGroup``, ``Get-AzResource``...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._aliases import accepts_aliases
from .._session_base import SessionBase
from ..builders._base import check, tag_body
from ..rules import resource_group_name_problem

__all__ = ["ResourceOperations"]


class ResourceOperations(SessionBase):
    """Resource group operations."""

    @accepts_aliases(resource_group_name="name")
    def new_resource_group(
        self, name: str, location: str | None = None, *, tags: Mapping[str, str] | None = None
    ) -> Any:
        """Create or update a resource group (``New-AzResourceGroup``); returns the SDK's ``ResourceGroup``.

        ``name`` is also ``resource_group_name`` and ``tags`` also ``tag``, as in the cmdlet.

        :raises ValidationError: for a name or region Azure would refuse (no request is made).

        >>> rg = session.new_resource_group("KNRGTest01", "westeurope")
        """
        problem = resource_group_name_problem(name)
        check(problem is None, "name", name, problem or "")
        body = {"location": self._location(location), "tags": tag_body(tags)}
        return self._run(
            f"Creating resource group {name}",
            lambda: self.resource_client.resource_groups.create_or_update(name, body),
        )

    def get_resource_group(self, name: str | None = None) -> Any:
        """Get a resource group (``Get-AzResourceGroup -Name``); raises ``ResourceNotFoundError`` when missing.

        Without ``name``, every group of the subscription as a list (``Get-AzResourceGroup``).
        """
        if name is None:
            return self.list_resource_groups()
        return self.resource_client.resource_groups.get(name)

    def list_resource_groups(self) -> list[Any]:
        """All resource groups of the subscription (``Get-AzResourceGroup``)."""
        return list(self.resource_client.resource_groups.list())

    def begin_remove_resource_group(self, name: str) -> Any:
        """Start deleting a resource group and everything in it; returns the SDK poller (``-AsJob``)."""
        self._forget(name)  # what this session knew of its resources
        return self.resource_client.resource_groups.begin_delete(name)

    def remove_resource_group(self, name: str) -> None:
        """Delete a resource group and everything in it (``Remove-AzResourceGroup -Force``).

        Succeeds when the group is already gone.
        """
        from azure.core.exceptions import ResourceNotFoundError

        try:
            poller = self.begin_remove_resource_group(name)
        except ResourceNotFoundError:
            return
        self._wait(f"Removing resource group {name}", poller)

    def list_resources(self, resource_group_name: str | None = None, *, resource_type: str | None = None) -> list[Any]:
        """Resources of a group or of the subscription (``Get-AzResource``), optionally of one type."""
        flt = f"resourceType eq '{resource_type}'" if resource_type else None
        resources = self.resource_client.resources
        expand = "provisioningState,createdTime"
        if resource_group_name:
            return list(resources.list_by_resource_group(resource_group_name, filter=flt, expand=expand))
        return list(resources.list(filter=flt, expand=expand))
