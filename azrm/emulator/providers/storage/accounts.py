"""Microsoft.Storage/storageAccounts: accounts whose endpoints are live Azurite accounts, and their keys."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from ....rules import storage_account_name_problem
from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.recovery import clear_interruption
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import Provider, json_response, list_response
from . import versions

if TYPE_CHECKING:
    from ...core.wire import Call

SA_TYPE = "Microsoft.Storage/storageAccounts"
SKUS = {
    "standard_lrs": "Standard_LRS",
    "standard_grs": "Standard_GRS",
    "standard_ragrs": "Standard_RAGRS",
    "standard_zrs": "Standard_ZRS",
    "standard_gzrs": "Standard_GZRS",
    "standard_ragzrs": "Standard_RAGZRS",
    "premium_lrs": "Premium_LRS",
    "premium_zrs": "Premium_ZRS",
}
KINDS = {
    "storage": "Storage",
    "storagev2": "StorageV2",
    "blobstorage": "BlobStorage",
    "filestorage": "FileStorage",
    "blockblobstorage": "BlockBlobStorage",
}
#: Azure's paired regions for the secondary of geo-redundant accounts (the common ones).
_PAIRS = {
    "eastus": "westus",
    "westus": "eastus",
    "eastus2": "centralus",
    "centralus": "eastus2",
    "westeurope": "northeurope",
    "northeurope": "westeurope",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "westus2": "westcentralus",
    "southeastasia": "eastasia",
    "eastasia": "southeastasia",
}
_UPDATABLE = (
    "accessTier",
    "allowBlobPublicAccess",
    "minimumTlsVersion",
    "supportsHttpsTrafficOnly",
    "allowSharedKeyAccess",
    "networkAcls",
    "encryption",
    "isHnsEnabled",
    "publicNetworkAccess",
    "defaultToOAuthAuthentication",
    "keyPolicy",
    "sasPolicy",
    "routingPreference",
    "largeFileSharesState",
    "isSftpEnabled",
    "isLocalUserEnabled",
    "allowCrossTenantReplication",
)


def split_blob_url(url: str) -> tuple[str, str, str] | None:
    """Split a blob URL into ``(account, container, blob)``, or return ``None``.

    Both Azurite's path style on loopback (``http://127.0.0.1:10000/<account>/<container>/<blob>``)
    and Azure's (``https://<account>.blob.core.windows.net/<container>/<blob>``) are understood.
    """
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host in ("127.0.0.1", "localhost", "::1") and len(segments) >= 3:
        return segments[0], segments[1], "/".join(segments[2:])
    if host.endswith(".blob.core.windows.net") and len(segments) >= 2:
        return host.split(".", 1)[0], segments[0], "/".join(segments[1:])
    return None


def invalid_name_message(name: str) -> str:
    """Azure's text for a bad account name (verbatim)."""
    return (
        f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 "
        "characters in length and use numbers and lower-case letters only."
    )


class StorageProvider(Provider):
    """Storage accounts, keys and name checks."""

    namespace = "Microsoft.Storage"

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        acc = sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/storageAccounts/{accountName}"
        r.add("PUT", acc, self.put_account)
        r.add("PATCH", acc, self.patch_account)
        r.add("GET", acc, self.get_account)
        r.add("DELETE", acc, self.delete_account)
        r.add("POST", acc + "/listKeys", self.list_keys)
        r.add("POST", acc + "/regenerateKey", self.regenerate_key)
        r.add(
            "GET",
            sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/storageAccounts",
            self.list_accounts,
        )
        r.add("GET", sub + "/providers/Microsoft.Storage/storageAccounts", self.list_accounts)
        r.add("POST", sub + "/providers/Microsoft.Storage/checkNameAvailability", self.check_name)
        self.emu.on_delete(SA_TYPE, self._on_delete)

    def restore(self) -> None:
        """Accounts kept in a state file come back to life in the (restarted) Azurite."""
        if self.emu.blob is None:
            return
        for record in self.store.of_type(SA_TYPE):
            keys = record.secrets["keys"]
            self.emu.blob.register(record.name, keys["key1"], keys["key2"])
            props = record.properties
            props["primaryEndpoints"] = self._endpoints(record.name, record.body["kind"])
            if "secondaryEndpoints" in props:
                props["secondaryEndpoints"] = self._endpoints(record.name + "-secondary", record.body["kind"])
            self.store.touch(record)

    # -- helpers -----------------------------------------------------------------------------------
    def _new_key(self) -> str:
        return base64.b64encode(self.emu.rng.getrandbits(512).to_bytes(64, "big")).decode("ascii")

    def by_name(self, name: str) -> Record | None:
        """Return the account with this (globally unique) name, in any group or subscription."""
        return self._by_name(name)

    def _by_name(self, name: str) -> Record | None:
        for record in self.store.of_type(SA_TYPE):
            if record.name.lower() == name.lower():
                return record
        return None

    def _endpoints(self, name: str, kind: str) -> dict[str, str]:
        if self.emu.blob is not None:
            endpoints = dict(self.emu.blob.endpoints(name))
        else:
            # No Azurite here: point at Azurite's default port, where a user may run their own.
            endpoints = {
                s: f"http://127.0.0.1:{p}/{name}/" for s, p in (("blob", 10000), ("queue", 10001), ("table", 10002))
            }
        return endpoints if kind != "BlobStorage" else {"blob": endpoints["blob"]}

    def view(self, record: Record) -> dict[str, Any]:
        """Return the account as ARM returns it."""
        return self.clone(record.body)

    def _account(self, call: Call) -> Record:
        return self.get_record(self.resource_id(call, "storageAccounts", call.params["accountName"]), SA_TYPE, call)

    # -- handlers ----------------------------------------------------------------------------------
    def put_account(self, call: Call) -> Response:
        name = call.params["accountName"]
        if storage_account_name_problem(name) is not None:
            raise ArmError(400, "AccountNameInvalid", invalid_name_message(name))
        body = call.body()
        existing = self._by_name(name)
        rid = self.resource_id(call, "storageAccounts", name)
        if existing is not None and existing.key != rid.lower():
            same_sub = existing.rid.subscription.lower() == call.sub.lower()
            if same_sub:
                raise ArmError(
                    409,
                    "StorageAccountAlreadyExists",
                    f"The storage account named {name} already exists under the subscription.",
                )
            raise ArmError(409, "StorageAccountAlreadyTaken", f"The storage account named {name} is already taken.")
        sku_name = str((body.get("sku") or {}).get("name", ""))
        sku = SKUS.get(sku_name.lower())
        if sku is None:
            raise ArmError(
                400,
                "InvalidValuesForRequestParameters",
                f"Values for request parameters are invalid: sku.name '{sku_name}' (expected one of "
                f"{', '.join(SKUS.values())}).",
            )
        kind_raw = str(body.get("kind", ""))
        kind = KINDS.get(kind_raw.lower())
        if kind is None:
            raise ArmError(
                400,
                "InvalidValuesForRequestParameters",
                f"Values for request parameters are invalid: kind '{kind_raw}' (expected one of "
                f"{', '.join(KINDS.values())}).",
            )
        location = self.location(body, SA_TYPE)
        tags = self.tags(body)
        props_in = body.get("properties") or {}

        if existing is not None:
            if existing.location != location:
                raise ArmError(
                    409,
                    "InvalidAccountLocation",
                    f"The storage account location cannot be changed from '{existing.location}' to '{location}'.",
                )
            existing.body["tags"] = tags
            existing.body["sku"] = {"name": sku, "tier": sku.split("_")[0]}
            for field in _UPDATABLE:
                if field in props_in:
                    existing.properties[field] = props_in[field]
            interrupted = clear_interruption(existing)  # made before its operation started: Azurite has it
            if interrupted or existing.properties.get("provisioningState") == "Failed":
                # ARM's rule: a PUT of a resource whose provisioning failed provisions it again (a re-run heals it)
                existing.properties["provisioningState"] = "Succeeded"
            self.store.touch(existing)
            return json_response(200, self.view(existing))

        now = self.emu.now()
        stamp = iso_utc(now)
        key1, key2 = self._new_key(), self._new_key()
        props: dict[str, Any] = {
            "keyCreationTime": {"key1": stamp, "key2": stamp},
            "privateEndpointConnections": [],
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": True,
            "networkAcls": {
                "bypass": "AzureServices",
                "virtualNetworkRules": [],
                "ipRules": [],
                "defaultAction": "Allow",
            },
            "supportsHttpsTrafficOnly": True,
            "encryption": {
                "services": {
                    "file": {"keyType": "Account", "enabled": True, "lastEnabledTime": stamp},
                    "blob": {"keyType": "Account", "enabled": True, "lastEnabledTime": stamp},
                },
                "keySource": "Microsoft.Storage",
            },
        }
        if kind in ("StorageV2", "BlobStorage"):
            props["accessTier"] = "Hot"
        for field in _UPDATABLE:
            if field in props_in:
                props[field] = self.clone(props_in[field])
        for service in (props.get("encryption") or {}).get("services", {}).values():
            if isinstance(service, dict) and service.get("enabled", True):
                service.setdefault("keyType", "Account")
                service.setdefault("lastEnabledTime", stamp)
        props.update(
            {
                "provisioningState": "Creating",
                "creationTime": stamp,
                "primaryEndpoints": self._endpoints(name, kind),
                "primaryLocation": location,
                "statusOfPrimary": "available",
            }
        )
        if sku in ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"):
            props["secondaryLocation"] = _PAIRS.get(location, "westus")
            props["statusOfSecondary"] = "available"
            if sku.startswith("Standard_RA"):
                props["secondaryEndpoints"] = self._endpoints(name + "-secondary", kind)
        record_body: dict[str, Any] = {
            "id": rid,
            "name": name,
            "type": SA_TYPE,
            "location": location,
            "tags": tags,
            "sku": {"name": sku, "tier": sku.split("_")[0]},
            "kind": kind,
            "properties": props,
        }
        for extra in ("extendedLocation", "identity"):
            if body.get(extra) is not None:
                record_body[extra] = body[extra]
        record = self.store.put(
            Record(rid, SA_TYPE, record_body, secrets={"keys": {"key1": key1, "key2": key2}}, internal={"created": now})
        )
        # Live in Azurite before ARM answers, so the endpoint works as soon as the client has it.
        if self.emu.blob is not None:
            self.emu.blob.register(name, key1, key2)

        def complete() -> None:
            record.properties["provisioningState"] = "Succeeded"
            self.store.touch(record)

        def failed(err: ArmError) -> None:
            record.properties["provisioningState"] = "Failed"
            self.store.touch(record)

        def final() -> tuple[int, Any]:
            current = self.store.get(rid)
            return (200, self.view(current)) if current is not None else (404, None)

        op = self.begin(call, record, "create", style="storage", complete=complete, on_failure=failed, final=final)
        return Response(202, None, Headers({**self.lro_headers(call, op), "Content-Type": "text/plain; charset=utf-8"}))

    def patch_account(self, call: Call) -> Response:
        record = self._account(call)
        body = call.body()
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        if "sku" in body:
            sku = SKUS.get(str((body["sku"] or {}).get("name", "")).lower())
            if sku is None:
                raise ArmError(
                    400, "InvalidValuesForRequestParameters", "Values for request parameters are invalid: sku.name."
                )
            record.body["sku"] = {"name": sku, "tier": sku.split("_")[0]}
        props_in = body.get("properties") or {}
        for field in _UPDATABLE:
            if field in props_in:
                record.properties[field] = props_in[field]
        self.store.touch(record)
        return json_response(200, self.view(record))

    def get_account(self, call: Call) -> Response:
        return json_response(200, self.view(self._account(call)))

    def list_accounts(self, call: Call) -> Response:
        return list_response(self.view(r) for r in self.records_in(call, SA_TYPE))

    def delete_account(self, call: Call) -> Response:
        rid = self.resource_id(call, "storageAccounts", call.params["accountName"])
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        self.emu.remove(record.id)
        return Response(200)

    def _on_delete(self, record: Record) -> None:
        if self.emu.blob is not None:
            self.emu.blob.unregister(record.name)

    def _keys(self, record: Record) -> dict[str, Any]:
        keys = record.secrets["keys"]
        created = record.properties.get("keyCreationTime", {})
        return {
            "keys": [
                {"creationTime": created.get(name), "keyName": name, "value": keys[name], "permissions": "Full"}
                for name in ("key1", "key2")
            ]
        }

    def list_keys(self, call: Call) -> Response:
        return json_response(200, versions.keys_out(call.api_version, self._keys(self._account(call))))

    def regenerate_key(self, call: Call) -> Response:
        record = self._account(call)
        key_name = str(next((v for k, v in call.body().items() if k.lower() == "keyname"), ""))
        if key_name.lower() not in ("key1", "key2"):
            raise ArmError(
                400,
                "InvalidValuesForRequestParameters",
                f"Values for request parameters are invalid: keyName '{key_name}' (expected key1 or key2).",
            )
        keys = record.secrets["keys"]
        keys[key_name.lower()] = self._new_key()
        record.properties.setdefault("keyCreationTime", {})[key_name.lower()] = iso_utc(self.emu.now())
        self.store.touch(record)
        if self.emu.blob is not None:
            self.emu.blob.register(record.name, keys["key1"], keys["key2"])
        return json_response(200, versions.keys_out(call.api_version, self._keys(record)))

    def check_name(self, call: Call) -> Response:
        body = call.body()
        name = str(body.get("name", ""))
        if storage_account_name_problem(name) is not None:
            return json_response(
                200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message": invalid_name_message(name)}
            )
        if self._by_name(name) is not None:
            return json_response(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"The storage account named {name} is already taken.",
                },
            )
        return json_response(200, {"nameAvailable": True})
