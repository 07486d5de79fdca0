"""Microsoft.ContainerRegistry/registries: registries whose login servers are live Distribution registries.

Each registry record has a real registry process behind it (``ContainerPlane.start_registry``):
the CNCF Distribution registry on loopback, with the local Azure's TLS certificate, its data under
the local Azure's container folder (kept with a state folder), and these users: the local Azure's
own service identity (imports, builds, container groups' pulls) and, when ``adminUserEnabled``,
the admin user named like the registry.

Deviations from Azure, on purpose:

- ``loginServer`` is the registry's address ``127.0.0.1:PORT``, not ``<name>.azurecr.io`` (which no
  client here can resolve). Real clients (podman, docker, the data-plane SDKs) reach it as it is;
  ``<name>.azurecr.io`` image references are still understood by the local Azure itself
  (``ContainerPlane.registry_for_host``). The port is kept in the record and taken again when a
  local Azure restarts from its state folder (a new one only if it is taken meanwhile).
- Distribution's htpasswd holds one password per user, so of the admin user's two passwords only
  ``password`` signs in; ``password2`` is listed and regenerated as in Azure but cannot sign in.
- Replications are records only: the registry is one process on this machine.
- Without Podman or the registry binary, writes answer the local Azure's own 409
  ``ContainerEngineUnavailable`` (with the install hint) before anything is stored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Response
from ..base import json_response, list_response
from .common import (
    REGISTRY_TYPE,
    credentials_refused,
    invalid_name_message,
    name_in_use,
    new_password,
    registry_name_problem,
    sku_of,
)
from .imports import ImportMixin
from .replications import ReplicationsMixin
from .runs import RunsMixin

if TYPE_CHECKING:
    from ...core.wire import Call

__all__ = ["REGISTRY_TYPE", "ContainerRegistryBackend"]

log = logging.getLogger("azrm.emulator.containerregistry")

#: properties a PUT or PATCH may set (the rest is the service's)
_UPDATABLE = (
    "adminUserEnabled",
    "networkRuleSet",
    "policies",
    "encryption",
    "dataEndpointEnabled",
    "publicNetworkAccess",
    "networkRuleBypassOptions",
    "networkRuleBypassAllowedForTasks",
    "zoneRedundancy",
    "anonymousPullEnabled",
    "roleAssignmentMode",
)


class ContainerRegistryBackend(ImportMixin, ReplicationsMixin, RunsMixin):
    """Registries, their credentials, imports, replications and runs."""

    namespace = "Microsoft.ContainerRegistry"

    def register(self, r: Router) -> None:
        sub = "/subscriptions/{subscriptionId}"
        group = sub + "/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries"
        reg = group + "/{registryName}"
        r.add("PUT", reg, self.put_registry)
        r.add("PATCH", reg, self.patch_registry)
        r.add("GET", reg, self.get_registry)
        r.add("DELETE", reg, self.delete_registry)
        r.add("GET", group, self.list_registries)
        r.add("GET", sub + "/providers/Microsoft.ContainerRegistry/registries", self.list_registries)
        r.add("POST", sub + "/providers/Microsoft.ContainerRegistry/checkNameAvailability", self.check_name)
        r.add("POST", reg + "/listCredentials", self.list_credentials)
        r.add("POST", reg + "/regenerateCredential", self.regenerate_credential)
        r.add("POST", reg + "/importImage", self.import_image)
        self.register_replications(r, reg)
        self.register_runs(r, reg)
        self.emu.on_delete(REGISTRY_TYPE, self._on_delete)

    def restore(self) -> None:
        """Registries kept in a state file run again, each on the port it had."""
        for record in self.store.of_type(REGISTRY_TYPE):
            try:
                self.start_process(record)
            except ArmError as err:
                log.warning("registry %s cannot run here: %s", record.name, err.message)
        self.restore_runs()

    def _on_delete(self, record: Record) -> None:
        plane = self.emu.containers
        if plane is not None:
            plane.remove_registry(record.name)

    def _check_name(self, name: str) -> None:
        if registry_name_problem(name) is not None:
            # code and text are guesses (no recorded answer); the rule is the documented one
            raise ArmError(400, "InvalidRegistryName", invalid_name_message(name))

    # -- handlers ----------------------------------------------------------------------------------
    def put_registry(self, call: Call) -> Response:
        name = call.params["registryName"]
        self._check_name(name)
        body = call.body()
        location = self.location(body, REGISTRY_TYPE)
        tags = self.tags(body)
        sku = sku_of(body)
        props_in = body.get("properties") or {}
        rid = self.resource_id(call, "registries", name)
        taken = self.by_name(name)
        if taken is not None and taken.key != rid.lower():
            raise name_in_use(name)
        if taken is not None:
            return self._update_registry(taken, body, tags=tags, sku=sku, location=location)

        now = self.emu.now()
        stamp = iso_utc(now)
        props: dict[str, Any] = {
            "loginServer": "",
            "creationDate": stamp,
            "provisioningState": "Creating",
            "adminUserEnabled": False,
            "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
            "policies": {
                "quarantinePolicy": {"status": "disabled"},
                "trustPolicy": {"type": "Notary", "status": "disabled"},
                "retentionPolicy": {"days": 7, "lastUpdatedTime": stamp, "status": "disabled"},
                "exportPolicy": {"status": "enabled"},
                "azureADAuthenticationAsArmPolicy": {"status": "enabled"},
            },
            "encryption": {"status": "disabled"},
            "status": None,
            "dataEndpointEnabled": False,
            "dataEndpointHostNames": [],
            "privateEndpointConnections": [],
            "publicNetworkAccess": "Enabled",
            "networkRuleBypassOptions": "AzureServices",
            "networkRuleBypassAllowedForTasks": False,
            "zoneRedundancy": "Disabled",
            "anonymousPullEnabled": False,
            "roleAssignmentMode": "LegacyRegistryPermissions",
        }
        for field in _UPDATABLE:
            if field in props_in and props_in[field] is not None:
                props[field] = self.clone(props_in[field])
        props["adminUserEnabled"] = bool(props["adminUserEnabled"])
        record_body: dict[str, Any] = {
            "id": rid,
            "name": name,
            "type": REGISTRY_TYPE,
            "location": location,
            "tags": tags,
            "sku": {"name": sku, "tier": sku},
            "properties": props,
        }
        if body.get("identity") is not None:
            record_body["identity"] = self.clone(body["identity"])
        record = Record(
            rid,
            REGISTRY_TYPE,
            record_body,
            secrets={"passwords": {"password": new_password(), "password2": new_password()}},
            internal={"created": now, "runs": 0},
        )
        # The registry runs before anything is stored: without an engine nothing is left behind.
        self.start_process(record)
        self.store.put(record)

        def complete() -> None:
            record.properties["provisioningState"] = "Succeeded"
            self.store.touch(record)

        def failed(err: ArmError) -> None:
            record.properties["provisioningState"] = "Failed"
            self.store.touch(record)

        op = self.begin(
            call,
            record,
            "create",
            style="network",
            complete=complete,
            on_failure=failed,
            op_id=f"registries-{self.guid()}",
        )
        return json_response(201, self.view(record), self.lro_headers(call, op))

    def _update_registry(
        self,
        record: Record,
        body: dict[str, Any],
        *,
        tags: dict[str, str] | None,
        sku: str | None,
        location: str | None,
    ) -> Response:
        if location is not None and location != record.location:
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{record.name}' already exists in location '{record.location}' in resource group "
                f"'{record.resource_group}'. A resource with the same name cannot be created in location "
                f"'{location}'. Please select a new resource name.",
            )
        before = bool(record.properties.get("adminUserEnabled"))
        staged = record.copy()
        if tags is not None:
            staged.body["tags"] = tags
        if sku is not None:
            staged.body["sku"] = {"name": sku, "tier": sku}
        props_in = body.get("properties") or {}
        for field in _UPDATABLE:
            if field in props_in and props_in[field] is not None:
                staged.properties[field] = self.clone(props_in[field])
        staged.properties["adminUserEnabled"] = bool(staged.properties.get("adminUserEnabled"))
        if body.get("identity") is not None:
            staged.body["identity"] = self.clone(body["identity"])
        if staged.properties["adminUserEnabled"] != before:
            self.start_process(staged)  # the admin user signs in from now on (or no longer)
        record.body = staged.body
        record.internal = staged.internal
        self.store.touch(record)
        return json_response(200, self.view(record))

    def patch_registry(self, call: Call) -> Response:
        record = self.registry_record(call)
        body = call.body()
        tags = self.tags(body) if "tags" in body else None
        sku = sku_of(body) if body.get("sku") is not None else None
        return self._update_registry(record, body, tags=tags, sku=sku, location=None)

    def get_registry(self, call: Call) -> Response:
        return json_response(200, self.view(self.registry_record(call)))

    def list_registries(self, call: Call) -> Response:
        return list_response(self.view(r) for r in self.records_in(call, REGISTRY_TYPE))

    def delete_registry(self, call: Call) -> Response:
        """Delete synchronously (the spec's readme: "synchronous delete returns 200"); 204 when absent."""
        record = self.store.get(self.resource_id(call, "registries", call.params["registryName"]))
        if record is None or record.type.lower() != REGISTRY_TYPE.lower():
            return Response(204)
        self.emu.remove(record.id)  # replications, runs and the registry's data go with it
        return Response(200)

    def check_name(self, call: Call) -> Response:
        body = call.body()
        name = str(body.get("name", ""))
        if registry_name_problem(name) is not None:
            # reason/message are guesses (no recorded answer for an invalid name; see the research notes)
            return json_response(
                200, {"nameAvailable": False, "reason": "Invalid", "message": invalid_name_message(name)}
            )
        if self.by_name(name) is not None:
            return json_response(
                200,
                {
                    "nameAvailable": False,
                    "reason": "AlreadyExists",
                    "message": f"The registry {name} is already in use.",
                },
            )
        return json_response(200, {"nameAvailable": True})

    # -- admin credentials ---------------------------------------------------------------------------
    @staticmethod
    def _credentials(record: Record) -> dict[str, Any]:
        passwords = record.secrets["passwords"]
        return {
            "username": record.name,
            "passwords": [{"name": n, "value": passwords[n]} for n in ("password", "password2")],
        }

    def list_credentials(self, call: Call) -> Response:
        record = self.registry_record(call)
        if not record.properties.get("adminUserEnabled"):
            raise credentials_refused(record.id)
        return json_response(200, self._credentials(record))

    def regenerate_credential(self, call: Call) -> Response:
        record = self.registry_record(call)
        if not record.properties.get("adminUserEnabled"):
            raise credentials_refused(record.id)
        which = str(call.body().get("name", ""))
        which = next((n for n in ("password", "password2") if n.lower() == which.lower()), "")
        if not which:
            raise ArmError(
                400,
                "InvalidParameter",
                "The value of parameter 'name' is invalid. Allowed values are: password, password2.",
                target="name",
            )
        record.secrets["passwords"][which] = new_password()
        if which == "password":
            self.start_process(record)  # the new password signs in, the old one no longer
        self.store.touch(record)
        return json_response(200, self._credentials(record))
