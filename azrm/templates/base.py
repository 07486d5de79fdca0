"""What the template engine's modules share: its errors, the deployment context, and the runtime.

A template is evaluated for one deployment, described by a :class:`Context` (subscription, group,
location, deployment name, clock, cloud). What only the live resources know (``reference()``,
``list*()``) is asked of a :class:`Runtime`; before the deployment runs (validation, what-if) the
runtime is :data:`NO_RUNTIME`, which raises :class:`Deferred`, so those expressions stay as they
are, as ARM's what-if shows them.

Errors are :class:`TemplateError` with ARM's code (``InvalidTemplate``...) and the JSON path of the
faulty part (``resources[2].properties.osProfile.adminUsername``). ARM compares names
case-insensitively (parameters, variables, copy loops): :func:`lookup` does so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "AZURE_CLOUD",
    "DEPLOYMENT_TYPE",
    "NO_RUNTIME",
    "Context",
    "Deferred",
    "Runtime",
    "TemplateError",
    "json_strings",
    "lookup",
]

DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"


class TemplateError(Exception):
    """A template ARM refuses; ``code`` is ARM's (``InvalidTemplate``), ``path`` the faulty part."""

    def __init__(self, message: str, *, code: str = "InvalidTemplate", path: str = "", plain: bool = False) -> None:
        where = f" at '{path}'" if path else ""
        super().__init__(message if plain else f"Deployment template validation failed: '{message}'{where}.")
        self.code = code
        self.detail = message
        self.path = path
        self.message = str(self)


class Deferred(Exception):
    """``reference()`` or ``list*()`` asked before the deployment runs: the value is not known yet."""


class Runtime(Protocol):
    """What rendering needs from the world at deployment time."""

    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        """Return the resource's ``properties`` (whole body with ``full``); raise :class:`Deferred` if unknown."""
        ...

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        """POST ``<resource_id>/<action>`` (``listKeys``...) and return the answer."""
        ...


class _NoRuntime:
    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        raise Deferred(resource_id)

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        raise Deferred(resource_id)


NO_RUNTIME: Runtime = _NoRuntime()


#: what ``environment()`` answers by default: Azure's public cloud
AZURE_CLOUD: Mapping[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/"
    "quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@dataclass
class Context:
    """Where a template is deployed."""

    subscription_id: str
    resource_group: str
    location: str
    deployment_name: str
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    resource_group_tags: Mapping[str, str] = field(default_factory=dict)
    now: float = 0.0
    environment: Mapping[str, Any] = field(default_factory=lambda: dict(AZURE_CLOUD))
    #: the template's own link, when deployed from one (for ``deployment().properties.templateLink``)
    template_link: Mapping[str, Any] | None = None
    new_guid: Callable[[], str] | None = None
    #: an inline nested template of the *outer* scope: its ``reference()`` calls are the parent's,
    #: evaluated on resources that exist before it runs, so they add no dependency inside it
    outer_scope: bool = False
    #: in an outer-scope nested template: the id a name means in the parent's template (``None``: unknown)
    outer_reference: Callable[[str], str | None] | None = None
    #: ``providers(namespace, type)``: the provider manifest (``None`` where no local Azure answers)
    providers: Callable[[str, str | None], Any] | None = None

    @property
    def resource_group_id(self) -> str:
        """The group's id."""
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


def lookup(mapping: Mapping[str, Any], name: str) -> tuple[str, Any] | None:
    """Look ``name`` up case-insensitively: return ``(key as written, value)``, or None."""
    if name in mapping:
        return name, mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if key.lower() == lowered:
            return key, value
    return None


def json_strings(value: Any) -> Iterator[str]:
    """Yield every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)
