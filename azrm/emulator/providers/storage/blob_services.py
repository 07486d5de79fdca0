"""Microsoft.Storage blob services and blob containers, as templates declare them.

``storageAccounts/blobServices`` has one instance per account, ``default``, holding the service's
settings (CORS, soft delete...). ``storageAccounts/blobServices/containers`` are real containers in
the account's Azurite: a container a template makes can be written to at once with the account's
keys, and ``publicAccess`` sets the container's anonymous read level there too. Both are served
synchronously, as the Storage RP serves them (PUT 201 then 200, DELETE 200 then 204).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.errors import ArmError, parent_not_found
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Response
from ..base import Provider, json_response, list_response
from .accounts import SA_TYPE

if TYPE_CHECKING:
    from ...core.wire import Call

SERVICE_TYPE = "Microsoft.Storage/storageAccounts/blobServices"
CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers"
_CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$")
_PUBLIC_ACCESS = {"none": "None", "blob": "Blob", "container": "Container"}
#: the service settings an account's blob service has before anyone sets them
_SERVICE_DEFAULTS: dict[str, Any] = {
    "cors": {"corsRules": []},
    "deleteRetentionPolicy": {"allowPermanentDelete": False, "enabled": False},
}


class BlobServicesBackend(Provider):
    """The ``default`` blob service of each account and its containers."""

    namespace = "Microsoft.Storage"

    def register(self, r: Router) -> None:
        acc = (
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/"
            "storageAccounts/{accountName}"
        )
        service = acc + "/blobServices/{blobServicesName}"
        r.add("PUT", service, self.put_service)
        r.add("GET", service, self.get_service)
        r.add("GET", acc + "/blobServices", self.list_services)
        one = service + "/containers/{containerName}"
        r.add("PUT", one, self.put_container)
        r.add("PATCH", one, self.put_container)
        r.add("GET", one, self.get_container)
        r.add("DELETE", one, self.delete_container)
        r.add("GET", service + "/containers", self.list_containers)

    # -- helpers -------------------------------------------------------------------------------------
    def _account(self, call: Call) -> Record:
        rid = self.resource_id(call, "storageAccounts", call.params["accountName"])
        record = self.store.get(rid)
        if record is None or record.type != SA_TYPE:
            raise parent_not_found(call.params["accountName"])
        return record

    @staticmethod
    def _service_name(call: Call) -> str:
        name = call.params["blobServicesName"]
        if name.lower() != "default":
            raise ArmError(
                400,
                "InvalidResourceName",
                f"The blob service name '{name}' is invalid: an account has one blob service, named 'default'.",
            )
        return "default"

    def _service_body(self, account: Record) -> dict[str, Any]:
        stored = self.store.get(f"{account.id}/blobServices/default")
        props = self.clone(stored.properties) if stored is not None else self.clone(_SERVICE_DEFAULTS)
        return {
            "id": f"{account.id}/blobServices/default",
            "name": "default",
            "type": SERVICE_TYPE,
            "sku": self.clone(account.body.get("sku")),
            "properties": props,
        }

    # -- the blob service ------------------------------------------------------------------------------
    def put_service(self, call: Call) -> Response:
        account = self._account(call)
        self._service_name(call)
        props_in = call.body().get("properties") or {}
        current = self._service_body(account)["properties"]
        current.update(self.clone(props_in))
        rid = f"{account.id}/blobServices/default"
        self.store.put(Record(rid, SERVICE_TYPE, {"id": rid, "name": "default", "type": SERVICE_TYPE,
                                                  "properties": current}, internal={"unlisted": True}))  # fmt: skip
        return json_response(200, self._service_body(account))

    def get_service(self, call: Call) -> Response:
        account = self._account(call)
        self._service_name(call)
        return json_response(200, self._service_body(account))

    def list_services(self, call: Call) -> Response:
        return list_response([self._service_body(self._account(call))])

    # -- containers -----------------------------------------------------------------------------------
    def _container_id(self, account: Record, name: str) -> str:
        return f"{account.id}/blobServices/default/containers/{name}"

    def put_container(self, call: Call) -> Response:
        account = self._account(call)
        self._service_name(call)
        name = call.params["containerName"]
        if not _CONTAINER_NAME.match(name) and name != "$root":
            raise ArmError(
                400,
                "ContainerOperationFailure",
                "The specified resource name contains invalid characters.",
            )
        rid = self._container_id(account, name)
        existing = self.store.get(rid)
        props_in = call.body().get("properties") or {}
        access_raw = props_in.get("publicAccess", existing.properties.get("publicAccess") if existing else "None")
        access = _PUBLIC_ACCESS.get(str(access_raw or "None").lower())
        if access is None:
            raise ArmError(
                400,
                "InvalidValuesForRequestParameters",
                f"Values for request parameters are invalid: publicAccess '{access_raw}' "
                "(expected one of None, Blob, Container).",
            )
        if access != "None" and account.properties.get("allowBlobPublicAccess") is False:
            raise ArmError(
                409,
                "PublicAccessNotPermitted",
                "Public access is not permitted on this storage account.",
            )
        if self.emu.blob is not None:
            self.emu.blob.create_container(account.name, name, None if access == "None" else access.lower())
        stamp = iso_utc(self.emu.now())
        props: dict[str, Any] = {
            "deleted": False,
            "remainingRetentionDays": 0,
            "defaultEncryptionScope": "$account-encryption-key",
            "denyEncryptionScopeOverride": False,
            "publicAccess": access,
            "leaseStatus": "Unlocked",
            "leaseState": "Available",
            "lastModifiedTime": stamp,
            "hasImmutabilityPolicy": False,
            "hasLegalHold": False,
        }
        if props_in.get("metadata") is not None:
            props["metadata"] = dict(props_in["metadata"])
        elif existing is not None and "metadata" in existing.properties:
            props["metadata"] = existing.properties["metadata"]
        body = {"id": rid, "name": name, "type": CONTAINER_TYPE, "etag": f'"0x{self.guid()[:15].upper()}"',
                "properties": props}  # fmt: skip
        self.store.put(Record(rid, CONTAINER_TYPE, body, internal={"unlisted": True}))
        return json_response(200 if existing is not None else 201, self.clone(body))

    def get_container(self, call: Call) -> Response:
        account = self._account(call)
        rid = self._container_id(account, call.params["containerName"])
        record = self.store.get(rid)
        if record is None:
            raise ArmError(404, "ContainerNotFound", "The specified container does not exist.")
        return json_response(200, self.clone(record.body))

    def list_containers(self, call: Call) -> Response:
        account = self._account(call)
        prefix = self._container_id(account, "").lower()
        return list_response(self.clone(r.body) for r in self.store.of_type(CONTAINER_TYPE) if r.key.startswith(prefix))

    def delete_container(self, call: Call) -> Response:
        account = self._account(call)
        record = self.store.get(self._container_id(account, call.params["containerName"]))
        if record is None:
            return Response(204)
        if self.emu.blob is not None:
            self.emu.blob.delete_container(account.name, record.name)
        self.store.delete(record.id)
        return Response(200)
