"""Power a scale set's instances: start, powerOff, restart, deallocate, redeploy, reimage.

The action runs on the instances a body's ``instanceIds`` names (all when absent) or on one instance.
They show the transient power state while the operation runs and go back to where they were if it
fails; restart is refused while an instance is not running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ....core.errors import ArmError
from ....core.recovery import POWER_BEFORE
from ....core.wire import Headers, Response
from .common import ScaleSetBase

if TYPE_CHECKING:
    from ....core.wire import Call

POWER_ACTIONS = {
    # action -> (power while it runs, power after)
    "start": ("starting", "running"),
    "poweroff": ("stopping", "stopped"),
    "restart": ("starting", "running"),
    "deallocate": ("deallocating", "deallocated"),
    "redeploy": ("starting", "running"),
    "reimage": ("starting", "running"),
    "reimageall": ("starting", "running"),
}


class ScaleSetPower(ScaleSetBase):
    """Power actions on instances."""

    def _action(self, action: str, *, one_instance: bool = False) -> Callable[[Call], Response]:
        during, after = POWER_ACTIONS[action]

        def handler(call: Call) -> Response:
            vmss = self.vmss_or_404(call)
            self._pending_delete(vmss)
            chosen = (
                [self._instance_or_404(call, vmss)] if one_instance else self._instance_ids(call, vmss, required=False)
            )
            if action == "restart":
                stopped = [i.body["name"] for i in chosen if i.internal.get("power") != "running"]
                if stopped:
                    raise ArmError(
                        409,
                        "OperationNotAllowed",
                        f"Operation 'restart' is not allowed on VM '{stopped[0]}' since the VM is not running. "
                        "Start it instead.",
                    )
            ids = [i.id for i in chosen]
            before = {i.id: i.internal.get("power", "running") for i in chosen}
            for inst in chosen:
                inst.internal["power"] = during
                inst.internal[POWER_BEFORE] = before[inst.id]  # where a restart that interrupts the action puts it
                self.store.touch(inst)

            def complete() -> None:
                for inst_id in ids:
                    inst = self.store.get(inst_id)
                    if inst is not None:
                        inst.internal["power"] = after
                        inst.internal.pop(POWER_BEFORE, None)
                        self.store.touch(inst)

            def failed(err: ArmError) -> None:
                for inst_id in ids:
                    inst = self.store.get(inst_id)
                    if inst is not None:
                        inst.internal["power"] = before[inst_id]
                        inst.internal.pop(POWER_BEFORE, None)
                        self.store.touch(inst)

            op = self.begin(
                call, vmss, action, style="compute", complete=complete, on_failure=failed, op_id=call.request_id
            )
            return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

        return handler
