"""What the parts of the VM backend share: finding the VM, and the 409 while its delete runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....core.errors import ArmError
from ....core.store import Record
from ..common import ComputeBase

if TYPE_CHECKING:
    from ....core.wire import Call


class VmBase(ComputeBase):
    """Lookups shared by the VM backend's parts."""

    def _vm_id(self, call: Call) -> str:
        return self.resource_id(call, "virtualMachines", call.params["vmName"])

    def _pending_delete(self, record: Record) -> None:
        if self.emu.ops.pending_for(record.key, kind="delete") is not None:
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed on VM '{record.name}' since the VM is marked for deletion. You can only "
                "retry the Delete operation (or wait for an ongoing one to complete).",
            )
