"""``GET /metadata/endpoints``: the cloud's endpoints, served without a token, as ARM serves them.

Clients read it before they hold a token: ``az cloud register --endpoint-resource-manager`` (with
api-version 2022-09-01, one cloud object), azure-cli's ``ARM_CLOUD_METADATA_URL`` (2019-05-01, an
array of clouds) and msrestazure's ``get_cloud_from_metadata_endpoint`` (2015-01-01, the old flat
shape). Each answer points at the local Azure: the resource manager is the URL the client called,
and so is the login endpoint, where the local Entra ID answers on the same listener.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .versions import required_version
from .wire import Response

if TYPE_CHECKING:
    from .wire import Request

__all__ = ["CLOUD_NAME", "cloud_metadata", "is_discovery"]

#: the name the local Azure's cloud goes by in ``/metadata/endpoints``
CLOUD_NAME = "LocalAzure"
#: the token audiences ARM accepts; the first is what azure-cli asks tokens for
_AUDIENCES = ["https://management.core.windows.net/", "https://management.azure.com/"]
#: the first api-version answering one object rather than an array of clouds
_OBJECT_SINCE = "2022-09-01"
#: the first api-version answering the cloud objects (before it: the flat 2015-01-01 shape)
_CLOUDS_SINCE = "2019-05-01"


def is_discovery(req: Request) -> bool:
    """Tell a request ARM answers without a token (``GET /metadata/endpoints``, even as ``//metadata/...``)."""
    return req.method in ("GET", "HEAD") and "/" + req.path.lstrip("/").rstrip("/").lower() == "/metadata/endpoints"


def cloud_metadata(req: Request) -> Response:
    """Answer ``GET /metadata/endpoints`` in the shape of the request's api-version."""
    version = required_version(req.api_version)
    base = req.base_url.rstrip("/") + "/"
    date = version[:10]
    if date < _CLOUDS_SINCE:
        return Response(
            200,
            {
                "galleryEndpoint": base,
                "graphEndpoint": "https://graph.windows.net/",
                "portalEndpoint": base,
                "authentication": {"loginEndpoint": base, "audiences": list(_AUDIENCES)},
            },
        )
    cloud = _cloud(base)
    return Response(200, cloud if date >= _OBJECT_SINCE else [cloud])


def _cloud(base: str) -> dict[str, Any]:
    """Return the cloud object (the fields azure-cli's ``_arm_to_cli_mapper`` reads, ``suffixes`` included)."""
    return {
        "name": CLOUD_NAME,
        "resourceManager": base,
        "portal": base,
        "gallery": base,
        "sqlManagement": base,
        "graphAudience": "https://graph.windows.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "batch": "https://batch.core.windows.net/",
        "authentication": {
            "loginEndpoint": base,
            "audiences": list(_AUDIENCES),
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "sqlServerHostname": "database.windows.net",
            "acrLoginServer": "azurecr.io",
        },
    }
