"""``reference()`` and ``list*()`` while a deployment runs: answered from the live resources.

``reference()`` GETs the resource through the emulator's own routes, as a direct call would, and
answers its ``properties`` (the whole body with ``'Full'``); ``list*()`` POSTs the action
(``listKeys``, ``ListAccountSas``, ``ListServiceSas`` as the providers route them). The api-version
is the one the template gives, else the planned resource's, else a default for the namespace. A
failure is the provider's own error, which fails the resource (or the outputs) that asked.

A VM extension's ``reference()`` holds its ``instanceView`` (statuses and substatuses: what a script
printed), although a plain GET of the extension does not: Microsoft's quickstarts read a script's
output that way (``reference(extensionId).instanceView.substatuses[0].message``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ..base import INTERNAL_API_VERSION, Provider

if TYPE_CHECKING:
    from .runner import Run

__all__ = ["DEFAULT_API", "LiveRuntime"]

#: the api-version the deployments backend uses for its own calls, by namespace
DEFAULT_API = {
    "microsoft.storage": "2023-05-01",
    "microsoft.network": "2024-03-01",
    "microsoft.compute": "2024-07-01",
    "microsoft.insights": "2022-10-01",
    "microsoft.resources": "2022-09-01",
    "microsoft.containerinstance": "2023-05-01",
    "microsoft.containerregistry": "2025-11-01",
}


_VM_EXTENSION = re.compile(r"/providers/Microsoft\.Compute/virtualMachines/[^/]+/extensions/[^/]+$", re.IGNORECASE)


class LiveRuntime:
    """What a run's rendering asks of the live resources."""

    def __init__(self, backend: Provider, run: Run) -> None:
        self.backend = backend
        self.run = run

    def _api(self, resource_id: str, api_version: str | None) -> str:
        if api_version:
            return api_version
        planned = next((r for r in self.run.template.plan() if r.id.lower() == resource_id.lower()), None)
        if planned is not None:
            return planned.api_version
        namespace = resource_id.split("/providers/", 1)[-1].split("/", 1)[0]
        return DEFAULT_API.get(namespace.lower(), INTERNAL_API_VERSION)

    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        query = f"api-version={self._api(resource_id, api_version)}"
        if _VM_EXTENSION.search(resource_id):
            query += "&$expand=instanceView"
        response = self.backend.emu.dispatch("GET", f"{resource_id}?{query}")
        if response.status >= 400:
            error = (response.body or {}).get("error") or {}
            raise ArmError(response.status, error.get("code", "ResourceNotFound"), error.get("message", resource_id))
        body = response.body or {}
        return body if full else body.get("properties", {})

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        name = {"listkeys": "listKeys", "listaccountsas": "ListAccountSas", "listservicesas": "ListServiceSas"}.get(
            action, action
        )
        response = self.backend.emu.dispatch(
            "POST", f"{resource_id}/{name}?api-version={self._api(resource_id, api_version)}", body
        )
        if response.status >= 400:
            error = (response.body or {}).get("error") or {}
            raise ArmError(response.status, error.get("code", "BadRequest"), error.get("message", resource_id))
        return response.body
