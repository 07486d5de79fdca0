"""Storage accounts (``New-AzStorageAccount``, ``Get-AzStorageAccountKey``...)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from .. import _secrets
from .._aliases import accepts_aliases
from .._session_base import SessionBase, waiting_twin
from ..builders._base import check, tag_body
from ..rules import storage_account_name_problem

__all__ = ["SKU_NAMES", "STORAGE_KINDS", "StorageOperations"]

SKU_NAMES = (
    "Standard_LRS",
    "Standard_GRS",
    "Standard_RAGRS",
    "Standard_ZRS",
    "Standard_GZRS",
    "Standard_RAGZRS",
    "Premium_LRS",
    "Premium_ZRS",
)
STORAGE_KINDS = ("StorageV2", "Storage", "BlobStorage", "BlockBlobStorage", "FileStorage")


class StorageOperations(SessionBase):
    """Storage account operations."""

    def _account_body(
        self,
        name: str,
        *,
        location: str | None,
        sku_name: str,
        kind: str,
        tags: Mapping[str, str] | None,
        access_tier: str | None,
        allow_blob_public_access: bool,
        minimum_tls_version: str,
        enable_https_traffic_only: bool | None,
    ) -> dict[str, Any]:
        problem = storage_account_name_problem(name)
        check(problem is None, "name", name, problem or "")
        sku = next((s for s in SKU_NAMES if s.lower() == sku_name.lower()), None)
        check(sku is not None, "sku_name", sku_name, f"must be one of {', '.join(SKU_NAMES)}")
        canonical_kind = next((k for k in STORAGE_KINDS if k.lower() == kind.lower()), None)
        check(canonical_kind is not None, "kind", kind, f"must be one of {', '.join(STORAGE_KINDS)}")
        properties: dict[str, Any] = {
            "allowBlobPublicAccess": allow_blob_public_access,
            "minimumTlsVersion": minimum_tls_version,
            "supportsHttpsTrafficOnly": True if enable_https_traffic_only is None else enable_https_traffic_only,
        }
        if access_tier:
            properties["accessTier"] = access_tier
        return {
            "location": self._location(location),
            "sku": {"name": sku},
            "kind": canonical_kind,
            "tags": tag_body(tags, storage=True),
            "properties": properties,
        }

    @accepts_aliases(
        storage_account_name="name",
        account_name="name",
        type="sku_name",
        storage_account_type="sku_name",
        account_type="sku_name",
        min_tls_version="minimum_tls_version",
    )
    def begin_new_storage_account(
        self,
        resource_group_name: str,
        name: str,
        *,
        location: str | None = None,
        sku_name: str = "Standard_LRS",
        kind: str = "StorageV2",
        tags: Mapping[str, str] | None = None,
        access_tier: str | None = None,
        allow_blob_public_access: bool = False,
        minimum_tls_version: str = "TLS1_2",
        enable_https_traffic_only: bool | None = None,
    ) -> Any:
        """Start creating a storage account; returns the SDK poller (``-AsJob``)."""
        body = self._account_body(
            name,
            location=location,
            sku_name=sku_name,
            kind=kind,
            tags=tags,
            access_tier=access_tier,
            allow_blob_public_access=allow_blob_public_access,
            minimum_tls_version=minimum_tls_version,
            enable_https_traffic_only=enable_https_traffic_only,
        )
        self._forget(resource_group_name, name, "account", "keys")  # a new account has new keys
        poller = self.storage_client.storage_accounts.begin_create(resource_group_name, name, body)
        return self._when_done(poller, lambda account: self._remember("account", resource_group_name, name, account))

    new_storage_account = waiting_twin(
        begin_new_storage_account,
        "Creating storage account {name}",
        """Create a storage account (``New-AzStorageAccount``); returns the SDK's ``StorageAccount``.

        Blob public access is off and HTTPS-only is on unless asked otherwise. As in the cmdlet, ``name`` is
        also ``storage_account_name`` or ``account_name``, and ``sku_name`` also ``type`` (AzureRM's
        ``-Type``), ``storage_account_type`` or ``account_type``; ``minimum_tls_version`` is also
        ``min_tls_version`` (azrm's first name for it).

        :keyword location: the region (default: the session's).
        :keyword sku_name: ``Standard_LRS`` (default), ``Standard_GRS``, ``Premium_LRS``...
        :keyword minimum_tls_version: ``TLS1_2`` (default), ``TLS1_0``, ``TLS1_1``, ``TLS1_3``.
        :keyword enable_https_traffic_only: ``False`` allows plain HTTP (on by default, as in Azure).
        :keyword kind: ``StorageV2`` (default), ``BlobStorage``, ``BlockBlobStorage``, ``FileStorage``, ``Storage``.
        :raises ValidationError: for a name, SKU, kind or region Azure would refuse (no request is made).
        :raises azure.core.exceptions.ResourceExistsError: when the (globally unique) name is taken.
        """,
    )

    def get_storage_account(self, resource_group_name: str, name: str) -> Any:
        """Get a storage account (``Get-AzStorageAccount``)."""
        account = self.storage_client.storage_accounts.get_properties(resource_group_name, name)
        return self._remember("account", resource_group_name, name, account)

    def get_storage_account_key(self, resource_group_name: str, name: str) -> list[Any]:
        """Return the account's keys (``Get-AzStorageAccountKey``): ``StorageAccountKey`` models, key1 first.

        The key values are registered as secrets: they never appear in logs.
        """
        result = self.storage_client.storage_accounts.list_keys(resource_group_name, name)
        keys = list(getattr(result, "keys_property", None) or result["keys"])
        for key in keys:
            _secrets.register(key.value)
        return self._remember("keys", resource_group_name, name, keys)

    def new_storage_account_key(self, resource_group_name: str, name: str, *, key_name: str = "key1") -> list[Any]:
        """Regenerate one of the account's keys (``New-AzStorageAccountKey``); returns the keys, key1 first.

        What was signed with the old key (SAS tokens in DSC extensions, for instance) stops working.
        """
        check(key_name in ("key1", "key2"), "key_name", key_name, "key1 or key2")
        self._forget(resource_group_name, name, "keys")
        result = self._run(
            f"Regenerating {key_name} of storage account {name}",
            lambda: self.storage_client.storage_accounts.regenerate_key(
                resource_group_name, name, {"keyName": key_name}
            ),
        )
        keys = list(getattr(result, "keys_property", None) or result["keys"])
        for key in keys:
            _secrets.register(key.value)
        return self._remember("keys", resource_group_name, name, keys)

    def remove_storage_account(self, resource_group_name: str, name: str) -> None:
        """Delete a storage account and its data (``Remove-AzStorageAccount -Force``); fine when already gone."""
        self._forget(resource_group_name, name)
        self._run(
            f"Removing storage account {name}",
            lambda: self.storage_client.storage_accounts.delete(resource_group_name, name),
        )

    # -- what a publish needs, read once a session ----------------------------------------------------
    def _blob_endpoint(self, resource_group_name: str, account_name: str) -> str:
        """Return the blob endpoint: known from the account's create or an earlier read here, else read."""
        account = self._recall("account", resource_group_name, account_name)
        if account is None:
            account = self.get_storage_account(resource_group_name, account_name)
        return str(account.primary_endpoints.blob)

    def _account_key(self, resource_group_name: str, account_name: str, *, fresh: bool = False) -> str:
        """Return the account's first key: read once a session (``fresh=True`` reads again)."""
        keys = None if fresh else self._recall("keys", resource_group_name, account_name)
        if keys is None:
            keys = self.get_storage_account_key(resource_group_name, account_name)
        return str(keys[0].value)

    def blob_service(self, resource_group_name: str, account_name: str, *, fresh: bool = False) -> Any:
        """Return an azure-storage-blob ``BlobServiceClient`` on the account, with its first key.

        The Az cmdlets use the first key the same way. The account's endpoint and keys are read once
        a session (its create gives the endpoint), and again after :meth:`new_storage_account_key`,
        a recreate or a remove through this session, or with ``fresh=True``.
        """
        from azure.storage.blob import BlobServiceClient

        endpoint = self._blob_endpoint(resource_group_name, account_name)
        key = self._account_key(resource_group_name, account_name, fresh=fresh)
        return BlobServiceClient(endpoint, credential=key)

    # -- shared access signatures (New-AzStorageBlobSASToken, New-AzStorageContainerSASToken) ------------
    def new_storage_blob_sas_token(
        self,
        container: str,
        blob: str,
        *,
        context: Any,
        permission: str = "r",
        start_time: datetime.datetime | None = None,
        expiry_time: datetime.datetime | None = None,
        full_uri: bool = False,
    ) -> str:
        """Return a SAS token of one blob, signed with the account's first key (``New-AzStorageBlobSASToken``).

        As today's cmdlet returns it: without a leading ``?`` (``full_uri=True``: the blob's URL with the
        token). The token is registered as a secret: it never appears in logs.

        :keyword context: the storage account (``$storageAccount.Context`` of the cmdlets): the model
            :meth:`new_storage_account` or :meth:`get_storage_account` returns.
        :keyword permission: the cmdlet's letters, ``r``, ``rw``, ``racwdl``...
        :keyword expiry_time: default one hour after ``start_time`` (default now), as the cmdlet's.
        """
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        return self._signed(
            generate_blob_sas, BlobSasPermissions, context, (container, blob), permission, start_time, expiry_time,
            full_uri,
        )  # fmt: skip

    def new_storage_container_sas_token(
        self,
        name: str,
        *,
        context: Any,
        permission: str = "r",
        start_time: datetime.datetime | None = None,
        expiry_time: datetime.datetime | None = None,
        full_uri: bool = False,
    ) -> str:
        """Return a SAS token of a container (``New-AzStorageContainerSASToken``).

        See :meth:`new_storage_blob_sas_token`; ``permission`` may also hold ``l`` (list).
        """
        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        return self._signed(
            generate_container_sas, ContainerSasPermissions, context, (name,), permission, start_time, expiry_time,
            full_uri,
        )  # fmt: skip

    def _signed(
        self,
        generate: Any,
        kind: Any,
        context: Any,
        path: tuple[str, ...],
        permission: str,
        start_time: datetime.datetime | None,
        expiry_time: datetime.datetime | None,
        full_uri: bool,
    ) -> str:
        """Sign ``path`` (a container, or a container and a blob) with the account's first key; see the callers."""
        group, account = _context_account(context)
        start, expiry = _sas_window(start_time, expiry_time)
        token: str = generate(
            account,
            *path,
            account_key=self._account_key(group, account),
            permission=_sas_permission(kind, permission),
            start=start,
            expiry=expiry,
        )
        _secrets.register(token)
        if full_uri:
            return f"{self._blob_endpoint(group, account).rstrip('/')}/{'/'.join(path)}?{token}"
        return token


def _context_account(context: Any) -> tuple[str, str]:
    """Return the group and name of the storage account a cmdlet's ``-Context`` stands for."""
    resource_id = str(getattr(context, "id", "") or "")
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    check(
        "resourcegroups" in lowered and "storageaccounts" in lowered,
        "context",
        resource_id or type(context).__name__,
        "the storage account (what new_storage_account or get_storage_account returns)",
    )
    return parts[lowered.index("resourcegroups") + 1], parts[lowered.index("storageaccounts") + 1]


def _sas_window(
    start: datetime.datetime | None, expiry: datetime.datetime | None
) -> tuple[datetime.datetime, datetime.datetime]:
    begin = start or datetime.datetime.now(datetime.timezone.utc)
    end = expiry or begin + datetime.timedelta(hours=1)
    check(end > begin, "expiry_time", end.isoformat(), "after the start time")
    return begin, end


def _sas_permission(kind: Any, letters: str) -> Any:
    allowed = "racwdxltmeopi" if kind.__name__.startswith("Container") else "racwdxtmei"
    check(
        bool(letters) and all(c in allowed for c in letters.lower()),
        "permission",
        letters,
        f"letters among {allowed!r} (r read, a add, c create, w write, d delete, l list...)",
    )
    return kind.from_string(letters.lower())
