"""Microsoft.ContainerRegistry/registries/replications: geo-replicas, records only.

Locally a registry is one process on this machine, so a replication is what ARM shows (its region,
state and status) with nothing behind it: pulls and pushes all reach the one registry.
Replications are a Premium feature; for other SKUs the code and text of Azure's refusal were not
found, so the refusal uses the az CLI's own wording for the same rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.store import Record
from ...core.wire import Response
from ..base import json_response, list_response
from .common import REPLICATION_TYPE, registry_name_problem
from .core import RegistryCore

if TYPE_CHECKING:
    from ...core.router import Router
    from ...core.wire import Call


class ReplicationsMixin(RegistryCore):
    """Replication routes of :class:`~.registries.ContainerRegistryBackend`."""

    def register_replications(self, r: Router, reg: str) -> None:
        """Add the replication routes under the registry URL ``reg``."""
        r.add("PUT", reg + "/replications/{replicationName}", self.put_replication)
        r.add("PATCH", reg + "/replications/{replicationName}", self.patch_replication)
        r.add("GET", reg + "/replications/{replicationName}", self.get_replication)
        r.add("DELETE", reg + "/replications/{replicationName}", self.delete_replication)
        r.add("GET", reg + "/replications", self.list_replications)

    def _replication_id(self, call: Call) -> str:
        registry = self.registry_record(call)
        return f"{registry.id}/replications/{call.params['replicationName']}"

    def put_replication(self, call: Call) -> Response:
        registry = self.registry_record(call)
        name = call.params["replicationName"]
        if registry_name_problem(name) is not None:
            raise ArmError(
                400,
                "InvalidReplicationName",
                f"The replication name '{name}' is invalid. Replication names may contain only alpha numeric "
                "characters and must be between 5 and 50 characters.",
            )
        if registry.body["sku"]["name"] != "Premium":
            # a guess at the code; the text is the az CLI's for this rule (replication.py)
            raise ArmError(
                400,
                "ReplicationsNotSupported",
                "Replications are only supported for managed registries in Premium SKU.",
            )
        body = call.body()
        location = self.location(body, REPLICATION_TYPE)
        tags = self.tags(body)
        props_in = body.get("properties") or {}
        rid = f"{registry.id}/replications/{name}"
        existing = self.store.get(rid)
        if existing is not None:
            existing.body["tags"] = tags
            for field in ("regionEndpointEnabled", "zoneRedundancy"):
                if field in props_in:
                    existing.properties[field] = props_in[field]
            self.store.touch(existing)
            return json_response(200, self.clone(existing.body))
        stamp = iso_utc(self.emu.now())
        props: dict[str, Any] = {
            "provisioningState": "Creating",
            "status": {"displayStatus": "Ready", "message": "The replication is ready.", "timestamp": stamp},
            "regionEndpointEnabled": bool(props_in.get("regionEndpointEnabled", True)),
            "zoneRedundancy": props_in.get("zoneRedundancy") or "Disabled",
        }
        record = self.store.put(
            Record(
                rid,
                REPLICATION_TYPE,
                {
                    "id": rid,
                    "name": name,
                    "type": REPLICATION_TYPE,
                    "location": location,
                    "tags": tags,
                    "properties": props,
                },
            )
        )

        def complete() -> None:
            record.properties["provisioningState"] = "Succeeded"
            self.store.touch(record)

        op = self.begin(call, record, "create", style="network", complete=complete, op_id=f"replications-{self.guid()}")
        return json_response(201, self.clone(record.body), self.lro_headers(call, op))

    def patch_replication(self, call: Call) -> Response:
        record = self.get_record(self._replication_id(call), REPLICATION_TYPE, call)
        body = call.body()
        if "tags" in body:
            record.body["tags"] = self.tags(body)
        for field in ("regionEndpointEnabled",):
            if field in (body.get("properties") or {}):
                record.properties[field] = body["properties"][field]
        self.store.touch(record)
        return json_response(200, self.clone(record.body))

    def get_replication(self, call: Call) -> Response:
        return json_response(200, self.clone(self.get_record(self._replication_id(call), REPLICATION_TYPE, call).body))

    def list_replications(self, call: Call) -> Response:
        registry = self.registry_record(call)
        return list_response(self.clone(r.body) for r in self.store.under(registry.id) if r.type == REPLICATION_TYPE)

    def delete_replication(self, call: Call) -> Response:
        record = self.store.get(self._replication_id(call))
        if record is None:
            return Response(204)
        self.emu.remove(record.id)
        return Response(200)
