"""Route scale set requests to their handlers; serve the scale set and its instances.

The scale set's PUT, PATCH, GET, list, DELETE, instance view and SKUs; its instances' GET, list,
instance view and DELETE; ``delete`` (of chosen instances) and ``manualupgrade``. The backend class
puts the parts of the package together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....core.recovery import interrupted_create
from ....core.router import Router
from ....core.wire import Headers, Response
from ...base import json_response, list_response
from ...catalog import sizes_in
from ..common import VMSS_TYPE, VMSS_VM_TYPE, merge_patch
from .extensions import ScaleSetExtensions
from .instance_view import ScaleSetInstanceViews
from .instances import ScaleSetInstances
from .models import MAX_CAPACITY, ScaleSetModel
from .nics import ScaleSetNics
from .power import POWER_ACTIONS, ScaleSetPower

if TYPE_CHECKING:
    from ....core.store import Record
    from ....core.wire import Call


class VirtualMachineScaleSetBackend(
    # one part per module; ScaleSetExtensions comes first because it builds on the next three
    ScaleSetExtensions,
    ScaleSetModel,
    ScaleSetInstances,
    ScaleSetInstanceViews,
    ScaleSetNics,
    ScaleSetPower,
):
    """Scale sets, their instances and extensions, and the instances' network interfaces."""

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        emu.ip_config_sources.append(self)

    def restore(self) -> None:
        """Remove the instances a restart caught being made: the scale set's next PUT makes them again."""
        for inst in self.store.of_type(VMSS_VM_TYPE):
            if interrupted_create(inst):
                self.emu.remove(inst.id)

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        one = base + "/virtualMachineScaleSets/{vmScaleSetName}"
        opts = {"resource_param": "vmScaleSetName"}
        r.add("PUT", one, self.put_vmss, compute_policy="PutVMSS", **opts)
        r.add("PATCH", one, self.patch_vmss, compute_policy="PutVMSS", **opts)
        r.add("GET", one, self.get_vmss, compute_policy="GetVM", **opts)
        r.add("DELETE", one, self.delete_vmss, compute_policy="DeleteVMSS", **opts)
        r.add("GET", base + "/virtualMachineScaleSets", self.list_vmss, compute_policy="ListVMs")
        r.add(
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets",
            self.list_vmss,
            compute_policy="ListVMs",
        )
        r.add("GET", one + "/instanceView", self.get_instance_view, compute_policy="GetVM", **opts)
        r.add("GET", one + "/skus", self.list_skus, compute_policy="GetVM", **opts)
        for action in POWER_ACTIONS:
            r.add("POST", f"{one}/{action}", self._action(action), compute_policy="PutVMSS", **opts)
        r.add("POST", one + "/manualupgrade", self.manual_upgrade, compute_policy="PutVMSS", **opts)
        r.add("POST", one + "/delete", self.delete_instances, compute_policy="DeleteVMSS", **opts)
        # instances
        vm = one + "/virtualMachines/{instanceId}"
        r.add("GET", one + "/virtualMachines", self.list_instances, compute_policy="ListVMs")
        r.add("GET", vm, self.get_instance, compute_policy="GetVM", **opts)
        r.add("DELETE", vm, self.delete_instance, compute_policy="DeleteVMSS", **opts)
        r.add("GET", vm + "/instanceView", self.get_instance_view_of, compute_policy="GetVM", **opts)
        for action in ("start", "powerOff", "restart", "deallocate", "redeploy", "reimage", "reimageall"):
            r.add("POST", f"{vm}/{action}", self._action(action.lower(), one_instance=True), **opts)
        r.add("GET", vm + "/extensions", self.list_instance_extensions)
        r.add("GET", vm + "/extensions/{vmExtensionName}", self.get_instance_extension)
        # the model's extensions, as child resources
        ext = one + "/extensions/{vmssExtensionName}"
        r.add("PUT", ext, self.put_extension, compute_policy="PutVMSS", **opts)
        r.add("PATCH", ext, self.patch_extension, compute_policy="PutVMSS", **opts)
        r.add("GET", ext, self.get_extension)
        r.add("DELETE", ext, self.delete_extension, compute_policy="PutVMSS", **opts)
        r.add("GET", one + "/extensions", self.list_extensions)
        # the instances' network interfaces (served by the Network RP under the Compute path)
        r.add("GET", one + "/networkInterfaces", self.list_all_nics)
        r.add("GET", one + "/publicipaddresses", lambda call: list_response([]))
        nics = vm + "/networkInterfaces"
        r.add("GET", nics, self.list_instance_nics)
        r.add("GET", nics + "/{networkInterfaceName}", self.get_instance_nic)
        r.add("GET", nics + "/{networkInterfaceName}/ipConfigurations", self.list_instance_ip_configs)
        r.add(
            "GET", nics + "/{networkInterfaceName}/ipConfigurations/{ipConfigurationName}", self.get_instance_ip_config
        )

    # -- the scale set -----------------------------------------------------------------------------------
    def put_vmss(self, call: Call) -> Response:
        rid = self._vmss_id(call)
        name = rid.rsplit("/", 1)[-1]
        existing = self.store.get(rid)
        if interrupted_create(existing):
            # A restart interrupted its creation: this PUT creates it again, as Azure retries a failed creation.
            assert existing is not None
            self.emu.remove(existing.id)
            existing = None
        if existing is not None:
            self._pending_delete(existing)
        record = self._build(call, rid, name, call.body(), existing)
        op = self.change(call, record, existing, "create" if existing is None else "update")
        return json_response(201 if existing is None else 200, self.view(record), self.lro_headers(call, op))

    def patch_vmss(self, call: Call) -> Response:
        existing = self.vmss_or_404(call)
        self._pending_delete(existing)
        merged = merge_patch(self.view(existing), call.body())
        record = self._build(call, existing.id, existing.name, merged, existing)
        op = self.change(call, record, existing, "update")
        return json_response(200, self.view(record), self.lro_headers(call, op))

    def get_vmss(self, call: Call) -> Response:
        return json_response(200, self.view(self.vmss_or_404(call)))

    def list_vmss(self, call: Call) -> Response:
        return list_response(self.view(r) for r in self.records_in(call, VMSS_TYPE))

    def get_instance_view(self, call: Call) -> Response:
        return json_response(200, self.scale_set_instance_view(self.vmss_or_404(call)))

    def list_skus(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(
            {
                "resourceType": VMSS_TYPE,
                "sku": {"name": s.name, "tier": "Standard"},
                "capacity": {"minimum": 0, "maximum": MAX_CAPACITY, "defaultCapacity": 1, "scaleType": "Automatic"},
            }
            for s in sizes_in(vmss.location)
        )

    def delete_vmss(self, call: Call) -> Response:
        rid = self._vmss_id(call)
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        pending = self.emu.ops.pending_for(record.key, kind="delete")
        if pending is not None:
            return Response(202, None, Headers(self.lro_headers(call, pending, location=True)))
        record.properties["provisioningState"] = "Deleting"
        self.store.touch(record)
        for inst in self.instances(rid):
            inst.properties["provisioningState"] = "Deleting"
            inst.internal["power"] = "deallocating"
            self.store.touch(inst)
        op = self.begin(
            call, record, "delete", style="compute", complete=lambda: self.emu.remove(rid), op_id=call.request_id
        )
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    # -- its instances -----------------------------------------------------------------------------------
    def manual_upgrade(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        self._pending_delete(vmss)
        chosen = [i.id for i in self._instance_ids(call, vmss, required=True)]
        rid = vmss.id

        def complete() -> None:
            current = self.store.get(rid)
            if current is None:
                return
            failures = []
            for inst_id in chosen:
                inst = self.store.get(inst_id)
                if inst is not None and not self._is_latest(inst):
                    failure = self._upgrade(current, inst)
                    if failure:
                        failures.append((inst, failure))
            self._settle_state(current, failures)

        op = self.begin(call, vmss, "manualupgrade", style="compute", complete=complete, op_id=call.request_id)
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def _remove_instances(self, call: Call, vmss: Record, chosen: list[Record]) -> Response:
        self._pending_delete(vmss)
        ids = [i.id for i in chosen]
        for inst in chosen:
            inst.properties["provisioningState"] = "Deleting"
            inst.internal["power"] = "deallocating"
            self.store.touch(inst)
        vmss.body["sku"]["capacity"] = max(0, vmss.body["sku"]["capacity"] - len(chosen))
        self.store.touch(vmss)

        def complete() -> None:
            for inst_id in ids:
                self.emu.remove(inst_id)

        op = self.begin(call, vmss, "deleteinstances", style="compute", complete=complete, op_id=call.request_id)
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def delete_instances(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return self._remove_instances(call, vmss, self._instance_ids(call, vmss, required=True))

    def delete_instance(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return self._remove_instances(call, vmss, [self._instance_or_404(call, vmss)])

    def list_instances(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        expand = call.req.query.get("$expand", "")
        return list_response(self.instance_body(i, expand) for i in self.instances(vmss.id))

    def get_instance(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        inst = self._instance_or_404(call, vmss)
        return json_response(200, self.instance_body(inst, call.req.query.get("$expand", "")))

    def get_instance_view_of(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return json_response(200, self.instance_view(self._instance_or_404(call, vmss)))
