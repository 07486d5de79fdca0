"""``Microsoft.ManagedIdentity/userAssignedIdentities``, as the MSI resource provider serves them.

From azure-rest-api-specs ``specification/msi`` (api-versions 2018-11-30 to 2024-11-30):

- PUT creates (201) or updates (200) at once, no long-running operation; ``location`` is required
  and cannot change; ``tenantId``, ``principalId`` and ``clientId`` are GUIDs the server fills and
  keeps for the identity's life.
- Names are 3-128 characters: letters, digits, hyphens and underscores, starting with a letter or a
  digit (the spec's pattern). The error for another name is the local Azure's choice (Azure's exact
  wording was not found): 400 ``InvalidResourceName``.
- PATCH changes ``tags`` only; GET lists by resource group and by subscription; DELETE answers 200,
  or 204 when the identity does not exist.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ..base import Provider, json_response, list_response

if TYPE_CHECKING:
    from ...core.wire import Call, Response

__all__ = ["UAI_TYPE", "UserAssignedIdentityBackend"]

UAI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")


class UserAssignedIdentityBackend(Provider):
    """User-assigned identities: each has a tenant, a principal (object) id and a client (application) id."""

    namespace = "Microsoft.ManagedIdentity"

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        collection = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
        one = sub + "/resourceGroups/{resourceGroupName}" + collection + "/{resourceName}"
        r.add("GET", sub + collection, self.list_identities)
        r.add("GET", sub + "/resourceGroups/{resourceGroupName}" + collection, self.list_identities)
        r.add("PUT", one, self.put_identity)
        r.add("GET", one, self.get_identity)
        r.add("PATCH", one, self.patch_identity)
        r.add("DELETE", one, self.delete_identity)

    def _id(self, call: Call) -> str:
        return self.resource_id(call, "userAssignedIdentities", call.params["resourceName"])

    def put_identity(self, call: Call) -> Response:
        name = call.params["resourceName"]
        if not _NAME.match(name):
            raise ArmError(
                400,
                "InvalidResourceName",
                f"Resource name '{name}' is invalid. The name can contain only letters, digits, hyphens and "
                "underscores, must start with a letter or a digit, and must be 3 to 128 characters long.",
                target="resourceName",
            )
        body = call.body()
        rid = self._id(call)
        existing = self.store.get(rid)
        location = self.location(body, UAI_TYPE)
        old = existing.body.get("properties", {}) if existing is not None else {}
        if existing is not None and existing.location != location:
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing.location}' in resource group "
                f"'{call.rg}'. A resource with the same name cannot be created in location '{location}'. "
                "Please select a new resource name.",
            )
        props_in = body.get("properties") or {}
        props: dict[str, Any] = {
            "tenantId": old.get("tenantId") or self.emu.tenant_id,
            "principalId": old.get("principalId") or self.guid(),
            "clientId": old.get("clientId") or self.guid(),
        }
        if props_in.get("isolationScope") is not None or "isolationScope" in old:
            props["isolationScope"] = props_in.get("isolationScope") or old.get("isolationScope") or "None"
        record = Record(
            rid,
            UAI_TYPE,
            {
                "id": rid,
                "name": name,
                "type": UAI_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props,
            },
        )
        self.store.put(record)
        return json_response(200 if existing is not None else 201, self.clone(record.body))

    def get_identity(self, call: Call) -> Response:
        return json_response(200, self.clone(self.get_record(self._id(call), UAI_TYPE, call).body))

    def list_identities(self, call: Call) -> Response:
        return list_response(self.clone(r.body) for r in self.records_in(call, UAI_TYPE))

    def patch_identity(self, call: Call) -> Response:
        record = self.get_record(self._id(call), UAI_TYPE, call)
        body = call.body()
        if "location" in body and body["location"] and self.location(body, UAI_TYPE) != record.location:
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The location of identity '{record.name}' cannot change.",
            )
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        self.store.put(record)
        return json_response(200, self.clone(record.body))

    def delete_identity(self, call: Call) -> Response:
        record = self.store.get(self._id(call))
        if record is None or record.type.lower() != UAI_TYPE.lower():
            return json_response(204, None)
        self.emu.remove(record.id)
        return json_response(200, None)
