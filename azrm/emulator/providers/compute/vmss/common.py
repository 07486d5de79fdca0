"""What every part of the scale set backend shares.

Finding a scale set and its instances (ARM's ``NotFound`` and the 409 while a delete runs), reading a
body's ``instanceIds``, and the model version: each change to what instances take from the model
(profile, size, protected settings) bumps it, and an instance whose version is behind reports
``latestModelApplied: false``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....core.errors import ArmError, invalid_parameter
from ....core.ids import key
from ....core.store import Record
from ..common import VMSS_TYPE, VMSS_VM_TYPE, ComputeBase, missing

if TYPE_CHECKING:
    from ....core.wire import Call


class ScaleSetBase(ComputeBase):
    """Lookups and model versions of scale sets, shared by the backend's parts."""

    # -- lookups ---------------------------------------------------------------------------------
    def _vmss_id(self, call: Call) -> str:
        return self.resource_id(call, "virtualMachineScaleSets", call.params["vmScaleSetName"])

    def vmss_or_404(self, call: Call) -> Record:
        """Return the scale set the call names, or ARM's ``ResourceNotFound``."""
        return self.get_record(self._vmss_id(call), VMSS_TYPE, call)

    def instances(self, vmss_id: str) -> list[Record]:
        """Return the scale set's instances, by instance id."""
        prefix = key(vmss_id) + "/virtualmachines/"
        found = [r for r in self.store.of_type(VMSS_VM_TYPE) if r.key.startswith(prefix)]
        return sorted(found, key=lambda r: int(r.body["instanceId"]))

    def _instance_or_404(self, call: Call, vmss: Record) -> Record:
        instance_id = call.params["instanceId"]
        record = self.store.get(f"{vmss.id}/virtualMachines/{instance_id}")
        if record is None or record.type != VMSS_VM_TYPE:
            raise ArmError(
                404,
                "NotFound",
                f"The Resource 'Microsoft.Compute/virtualMachineScaleSets/{vmss.name}/virtualMachines/{instance_id}' "
                f"under resource group '{vmss.resource_group}' was not found.",
            )
        return record

    def _pending_delete(self, vmss: Record) -> None:
        if self.emu.ops.pending_for(vmss.key, kind="delete") is not None:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed on virtual machine scale set '{vmss.name}' since it is marked for "
                "deletion. You can only retry the Delete operation (or wait for an ongoing one to complete).",
            )

    def _instance_ids(self, call: Call, vmss: Record, *, required: bool) -> list[Record]:
        """Return the instances a body's ``instanceIds`` names (all of them when absent, unless required)."""
        try:
            raw = call.req.json()
        except ValueError:
            raise ArmError(
                400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
            ) from None
        ids = raw.get("instanceIds") if isinstance(raw, dict) else None
        instances = {i.body["instanceId"]: i for i in self.instances(vmss.id)}
        if not ids:
            if required:
                raise missing("instanceIds")
            return list(instances.values())
        if "*" in ids:
            return list(instances.values())
        chosen = []
        for value in ids:
            inst = instances.get(str(value))
            if inst is None:
                raise invalid_parameter(
                    f"The provided instanceId {value} is not an active Virtual Machine Scale Set VM instanceId.",
                    target="instanceIds",
                )
            chosen.append(inst)
        return chosen

    # -- views -----------------------------------------------------------------------------------
    def view(self, record: Record) -> dict[str, Any]:
        """Return the scale set as ARM returns it (no password, no protected settings)."""
        return self.clone(record.body)

    # -- the model version -----------------------------------------------------------------------
    @staticmethod
    def _model(record: Record) -> Any:
        """Return what instances take from the scale set: the profile, the size and the protected settings."""
        return (
            record.properties.get("virtualMachineProfile"),
            record.body["sku"]["name"],
            record.secrets.get("protectedSettings"),
        )

    def _bump_model(self, before: Record, after: Record) -> None:
        """Give ``after`` the next model version if instances would take something new from it."""
        after.internal["model_version"] = int(before.internal.get("model_version", 1)) + (
            1 if self._model(before) != self._model(after) else 0
        )

    def _is_latest(self, inst: Record) -> bool:
        """Tell whether an instance runs its scale set's current model."""
        vmss = self.store.get(inst.id.rsplit("/virtualMachines/", 1)[0])
        return vmss is None or inst.internal.get("model_version") == vmss.internal.get("model_version")
