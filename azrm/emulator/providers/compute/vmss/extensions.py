"""Serve a scale set's extensions: the model's, as child resources, and those applied to each instance.

A PUT, PATCH or DELETE of ``.../virtualMachineScaleSets/<name>/extensions/<extension>`` is the scale
set's own PUT narrowed to one extension of its model: it bumps the model version, and the upgrade
policy decides when instances get it. ``.../virtualMachines/<id>/extensions`` shows what an instance runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....core.errors import ArmError
from ....core.store import Record
from ....core.wire import Headers, Response
from ...base import json_response, list_response
from ..common import VMSS_EXT_TYPE
from .instance_view import ScaleSetInstanceViews
from .instances import ScaleSetInstances
from .models import ScaleSetModel

if TYPE_CHECKING:
    from ....core.wire import Call


class ScaleSetExtensions(ScaleSetModel, ScaleSetInstances, ScaleSetInstanceViews):
    """Extension routes: they rebuild the model and roll it out like a PUT of the scale set."""

    # -- the instances' extensions -------------------------------------------------------------------------
    def list_instance_extensions(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._instance_extension_views(self._instance_or_404(call, vmss)))

    def get_instance_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        inst = self._instance_or_404(call, vmss)
        wanted = call.params["vmExtensionName"].lower()
        for view in self._instance_extension_views(inst):
            if view["name"].lower() == wanted:
                if "instanceview" in call.req.query.get("$expand", "").lower():
                    view["properties"]["instanceView"] = self.clone(
                        inst.internal["extensions"][view["name"]]["instanceView"]
                    )
                return json_response(200, view)
        raise ArmError(404, "NotFound", f"The extension {call.params['vmExtensionName']} was not found on {inst.id}.")

    # -- the model's extensions as child resources -------------------------------------------------------
    def _extension_view(self, vmss: Record, ext: dict[str, Any]) -> dict[str, Any]:
        body = self.clone(ext)
        body["id"] = f"{vmss.id}/extensions/{ext['name']}"
        body["type"] = VMSS_EXT_TYPE
        body["properties"]["provisioningState"] = vmss.properties.get("provisioningState", "Succeeded")
        return body

    def _model_extensions(self, vmss: Record) -> list[dict[str, Any]]:
        return list((vmss.properties["virtualMachineProfile"].get("extensionProfile") or {}).get("extensions", []))

    def _with_extensions(self, call: Call, vmss: Record, extensions: list[dict[str, Any]]) -> Record:
        body = self.view(vmss)
        profile = body["properties"]["virtualMachineProfile"]
        profile["extensionProfile"] = {"extensions": extensions}
        return self._build(call, vmss.id, vmss.name, body, vmss)

    def put_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return self._set_extension(
            call, vmss, call.params["vmssExtensionName"], dict(call.body().get("properties") or {})
        )

    def patch_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        name = call.params["vmssExtensionName"]
        current = next((e for e in self._model_extensions(vmss) if e["name"].lower() == name.lower()), None)
        if current is None:
            raise ArmError(404, "NotFound", f"The extension {name} was not found in scale set {vmss.name}.")
        props = {**current["properties"], **(call.body().get("properties") or {})}
        return self._set_extension(call, vmss, current["name"], props)

    def _set_extension(self, call: Call, vmss: Record, name: str, props_in: dict[str, Any]) -> Response:
        """Add or replace one extension of the model (the scale set's PUT, narrowed to it)."""
        self._pending_delete(vmss)
        protected = props_in.get("protectedSettings")
        others = [e for e in self._model_extensions(vmss) if e["name"].lower() != name.lower()]
        created = len(others) == len(self._model_extensions(vmss))
        # the other extensions keep their protected settings: the view the model is rebuilt from has none
        old_protected = dict(vmss.secrets.get("protectedSettings") or {})
        record = self._with_extensions(call, vmss, [*others, {"name": name, "properties": props_in}])
        kept = {k: v for k, v in old_protected.items() if k.lower() != name.lower()}
        if protected is not None:
            kept[name] = protected
        elif name in old_protected:
            kept[name] = old_protected[name]
        record.secrets["protectedSettings"] = kept
        self._bump_model(vmss, record)
        op = self.change(call, record, vmss, "update")
        ext = next(e for e in self._model_extensions(record) if e["name"] == name)
        return json_response(201 if created else 200, self._extension_view(record, ext), self.lro_headers(call, op))

    def get_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        name = call.params["vmssExtensionName"].lower()
        for ext in self._model_extensions(vmss):
            if ext["name"].lower() == name:
                return json_response(200, self._extension_view(vmss, ext))
        raise ArmError(
            404, "NotFound", f"The extension {call.params['vmssExtensionName']} was not found in scale set {vmss.name}."
        )

    def list_extensions(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._extension_view(vmss, e) for e in self._model_extensions(vmss))

    def delete_extension(self, call: Call) -> Response:
        vmss = self.store.get(self._vmss_id(call))
        name = call.params["vmssExtensionName"].lower()
        if vmss is None or not any(e["name"].lower() == name for e in self._model_extensions(vmss)):
            return Response(204)
        self._pending_delete(vmss)
        record = self._with_extensions(
            call, vmss, [e for e in self._model_extensions(vmss) if e["name"].lower() != name]
        )
        record.secrets["protectedSettings"] = {
            k: v for k, v in (vmss.secrets.get("protectedSettings") or {}).items() if k.lower() != name
        }
        self._bump_model(vmss, record)
        op = self.change(call, record, vmss, "update")
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))
