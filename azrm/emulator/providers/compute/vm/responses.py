"""Route VM requests to their handlers: PUT, PATCH, GET, list, DELETE, instance view and sizes.

A PUT or PATCH is validated at once (``models.py``) and stored ``Creating`` or ``Updating``; disks are
made and the VM comes up when the operation completes, and a failure leaves it ``Failed``. A new VM in
an availability set gets the next update and fault domains. Deleting a VM releases its public IPs and MAC
addresses, deletes or detaches its disks (by ``deleteOption``) and deletes the NICs marked ``Delete``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ....core.errors import ArmError
from ....core.ids import key
from ....core.recovery import interrupted_create
from ....core.router import Router
from ....core.store import Record
from ....core.wire import Headers, Response
from ...base import json_response, list_response
from ...catalog import sizes_in
from ..common import VM_TYPE, merge_patch
from .disk_steps import Step, detach_disk
from .instance_view import VmInstanceViews
from .models import VmModel
from .power import VmPower

if TYPE_CHECKING:
    from ....core.wire import Call


log = logging.getLogger("azrm.emulator")


class VirtualMachineBackend(VmModel, VmInstanceViews, VmPower):
    """Virtual machines."""

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        one = base + "/virtualMachines/{vmName}"
        vm = {"resource_param": "vmName"}
        r.add("PUT", one, self.put_vm, compute_policy="PutVM", **vm)
        r.add("PATCH", one, self.patch_vm, compute_policy="PutVM", **vm)
        r.add("GET", one, self.get_vm, compute_policy="GetVM", **vm)
        r.add("DELETE", one, self.delete_vm, compute_policy="DeleteVM", **vm)
        r.add("GET", one + "/instanceView", self.get_instance_view, compute_policy="GetVM", **vm)
        r.add("GET", one + "/vmSizes", self.available_sizes, compute_policy="GetVM", **vm)
        r.add("POST", one + "/generalize", self.generalize, compute_policy="PutVM", **vm)
        for action in ("start", "powerOff", "restart", "deallocate", "redeploy", "reapply"):
            r.add("POST", f"{one}/{action}", self._action(action), compute_policy="PutVM", **vm)
        r.add("GET", base + "/virtualMachines", self.list_vms, compute_policy="ListVMs")
        r.add(
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines",
            self.list_vms,
            compute_policy="ListVMs",
        )

    def restore(self) -> None:
        """Report the VMs whose VHD blobs are gone after a restart: ``Failed``, naming the blobs, never ``Succeeded``.

        The local Azure makes Azurite save a VHD before it commits the VM that uses it, so only data lost
        behind its back (Azurite's folder deleted or replaced) gets here. The next PUT of such a VM creates
        it again, as after an interrupted creation.
        """
        if self.emu.blob is None:
            return
        for vm in self.store.of_type(VM_TYPE):
            if vm.properties.get("provisioningState") != "Succeeded":
                continue
            missing = self._missing_vhds(vm)
            if missing:
                vm.properties["provisioningState"] = "Failed"
                vm.internal["failure"] = (
                    f"The VHD blob(s) {', '.join(missing)} of virtual machine '{vm.name}' no longer exist: the local "
                    "Azure's blob data was lost while it was stopped. PUT the VM again (re-run the script) to create "
                    "it again with new disks."
                )
                vm.internal["interrupted"] = "create"  # so that the next PUT creates it again
                log.warning("%s: %s", vm.id, vm.internal["failure"])
                self.store.touch(vm)

    def _store_and_begin(self, call: Call, record: Record, existing: Record | None, steps: list[Step]) -> Response:
        """Store a new or changed VM and start the operation that runs ``steps`` and brings it up."""
        if existing is not None:
            self._pending_delete(existing)
            record.internal.setdefault("power", existing.internal.get("power", "running"))
        else:
            record.internal["power"] = "starting"
            avset_id = (record.properties.get("availabilitySet") or {}).get("id")
            if avset_id:
                avset = self.store.get(avset_id)
                index = sum(
                    1
                    for vm in self.store.of_type(VM_TYPE)
                    if key((vm.properties.get("availabilitySet") or {}).get("id", "")) == key(avset_id)
                )
                if avset is not None:
                    record.internal["faultDomain"] = index % avset.properties["platformFaultDomainCount"]
                    record.internal["updateDomain"] = index % avset.properties["platformUpdateDomainCount"]
        record.properties["provisioningState"] = "Creating" if existing is None else "Updating"
        self.store.put(record)
        rid = record.id

        def complete() -> None:
            vm = self.store.get(rid)
            if vm is None:
                return
            for step in steps:
                step(vm)
            vm.properties["provisioningState"] = "Succeeded"
            vm.internal.pop("failure", None)
            vm.internal.setdefault("provisioned_at", self.emu.now())
            if vm.internal.get("power") in ("starting", "running"):
                self.bring_up(vm)
            self.store.touch(vm)

        def failed(err: ArmError) -> None:
            vm = self.store.get(rid)
            if vm is not None:
                vm.properties["provisioningState"] = "Failed"
                vm.internal["failure"] = err.message
                self.store.touch(vm)

        kind = "create" if existing is None else "update"
        op = self.begin(
            call, record, kind, style="compute", complete=complete, on_failure=failed, op_id=call.request_id
        )
        return json_response(201 if existing is None else 200, self.view(record), self.lro_headers(call, op))

    def put_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        name = rid.rsplit("/", 1)[-1]  # the casing it was created with
        existing = self.store.get(rid)
        if interrupted_create(existing):
            # A restart interrupted its creation: this PUT creates it again, as Azure retries a failed creation.
            assert existing is not None
            self._discard_unfinished_vhds(existing)
            self.emu.remove(existing.id)
            existing = None
        record, steps = self._build(call, rid, name, call.body(), existing)
        return self._store_and_begin(call, record, existing, steps)

    def patch_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        existing = self.vm_or_404(rid, call.rg)
        merged = merge_patch(self.view(existing), call.body())
        merged.pop("resources", None)
        record, steps = self._build(call, rid, existing.name, merged, existing)
        return self._store_and_begin(call, record, existing, steps)

    def get_vm(self, call: Call) -> Response:
        record = self.vm_or_404(self._vm_id(call), call.rg)
        return json_response(200, self.view(record, call.req.query.get("$expand", "")))

    def get_instance_view(self, call: Call) -> Response:
        return json_response(200, self.instance_view(self.vm_or_404(self._vm_id(call), call.rg)))

    def list_vms(self, call: Call) -> Response:
        expand = call.req.query.get("$expand", "")
        return list_response(self.view(r, expand) for r in self.records_in(call, VM_TYPE))

    def available_sizes(self, call: Call) -> Response:
        vm = self.vm_or_404(self._vm_id(call), call.rg)
        return list_response(s.to_arm() for s in sizes_in(vm.location))

    def delete_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        pending = self.emu.ops.pending_for(record.key, kind="delete")
        if pending is not None:
            return Response(202, None, Headers(self.lro_headers(call, pending, location=True)))
        record.properties["provisioningState"] = "Deleting"
        record.internal["power"] = "deallocating"
        self.store.touch(record)

        def complete() -> None:
            vm = self.store.get(rid)
            if vm is None:
                return
            self.release(vm)
            for nic in self._nics(vm):
                nic.internal.pop("macAddress", None)
                self.store.touch(nic)
            sp = vm.properties["storageProfile"]
            for disk in [sp["osDisk"], *sp.get("dataDisks", [])]:
                disk_id = (disk.get("managedDisk") or {}).get("id")
                if disk_id:
                    if str(disk.get("deleteOption", "Detach")).lower() == "delete":
                        self.emu.remove(disk_id)
                    else:
                        detach_disk(self.store, disk_id)
            doomed_nics = [
                n["id"]
                for n in vm.properties["networkProfile"]["networkInterfaces"]
                if str((n.get("properties") or {}).get("deleteOption", "Detach")).lower() == "delete"
            ]
            self.emu.remove(rid)
            for nic_id in doomed_nics:
                self.emu.remove(nic_id)

        op = self.begin(call, record, "delete", style="compute", complete=complete, op_id=call.request_id)
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))
