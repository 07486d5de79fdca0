"""Microsoft.Storage: storage accounts whose endpoints are live Azurite accounts, and their blob containers."""

from __future__ import annotations

from .accounts import SA_TYPE, StorageProvider, split_blob_url
from .blob_services import BlobServicesBackend

__all__ = ["SA_TYPE", "BlobServicesBackend", "StorageProvider", "split_blob_url"]
