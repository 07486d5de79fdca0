"""Power a VM: start, powerOff, restart, deallocate, redeploy, reapply and generalize, as Azure does.

The VM shows the transient power state while the operation runs and goes back to where it was if it
fails. Restart is refused unless the VM runs, generalize unless it is stopped, and a generalized VM
cannot start again. A VM that comes up gives its NICs MAC addresses and its dynamic public IPs an
address; deallocating or deleting it releases the public IPs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ....core.errors import ArmError
from ....core.recovery import POWER_BEFORE
from ....core.store import Record
from ....core.wire import Headers, Response
from ...network.public_ip import PublicIpBackend
from .common import VmBase

if TYPE_CHECKING:
    from ....core.wire import Call


class VmPower(VmBase):
    """Power actions, and the NIC and public IP addresses that follow the power state."""

    # -- what follows the power state --------------------------------------------------------------
    def _nics(self, vm: Record) -> list[Record]:
        out = []
        for entry in vm.properties["networkProfile"]["networkInterfaces"]:
            nic = self.store.get(entry["id"])
            if nic is not None:
                out.append(nic)
        return out

    def _public_ips(self, vm: Record) -> list[str]:
        return [
            ipc["properties"]["publicIPAddress"]["id"]
            for nic in self._nics(vm)
            for ipc in nic.properties.get("ipConfigurations", [])
            if ipc["properties"].get("publicIPAddress")
        ]

    def _mac(self) -> str:
        return "00-0D-3A-" + "-".join(f"{self.emu.rng.randrange(256):02X}" for _ in range(3))

    def bring_up(self, vm: Record) -> None:
        """Mark the VM running: NICs get MAC addresses, dynamic public IPs get addresses."""
        vm.internal["power"] = "running"
        for nic in self._nics(vm):
            if not nic.internal.get("macAddress"):
                nic.internal["macAddress"] = self._mac()
                self.store.touch(nic)
        pips = self.emu.backend(PublicIpBackend)
        for pip_id in self._public_ips(vm):
            pips.bind_dynamic(pip_id)

    def release(self, vm: Record) -> None:
        """Release the dynamic public IPs of a deallocated or deleted VM."""
        pips = self.emu.backend(PublicIpBackend)
        for pip_id in self._public_ips(vm):
            pips.release_dynamic(pip_id)

    # -- actions -----------------------------------------------------------------------------------
    def generalize(self, call: Call) -> Response:
        record = self.vm_or_404(self._vm_id(call), call.rg)
        if record.internal.get("power") not in ("stopped", "deallocated"):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Operation 'generalize' is not allowed on VM '{record.name}' since the VM is "
                "running. Please stop it first.",
            )
        record.internal["generalized"] = True
        self.store.touch(record)
        return Response(200)

    _TRANSITIONS = {
        "start": ("starting", "running"),
        "powerOff": ("stopping", "stopped"),
        "restart": ("starting", "running"),
        "deallocate": ("deallocating", "deallocated"),
        "redeploy": ("starting", "running"),
        "reapply": (None, None),
    }

    def _action(self, action: str) -> Callable[[Call], Response]:
        def handler(call: Call) -> Response:
            record = self.vm_or_404(self._vm_id(call), call.rg)
            self._pending_delete(record)
            power = record.internal.get("power", "running")
            if action == "restart" and power != "running":
                raise ArmError(
                    409,
                    "OperationNotAllowed",
                    f"Operation 'restart' is not allowed on VM '{record.name}' since the VM is "
                    f"{power}. Start it instead.",
                )
            if record.internal.get("generalized") and action in ("start", "restart", "redeploy"):
                raise ArmError(
                    409,
                    "OperationNotAllowed",
                    f"Operation '{action}' is not allowed on VM '{record.name}' since the VM is generalized.",
                )
            during, after = self._TRANSITIONS[action]
            if during is not None:
                record.internal["power"] = during
                record.internal[POWER_BEFORE] = power  # where a restart that interrupts the action puts it back
                self.store.touch(record)
            rid = record.id

            def complete() -> None:
                vm = self.store.get(rid)
                if vm is None or after is None:
                    return
                vm.internal.pop(POWER_BEFORE, None)
                vm.internal["power"] = after
                if after == "running":
                    self.bring_up(vm)
                elif after == "deallocated":
                    self.release(vm)
                self.store.touch(vm)

            def failed(err: ArmError) -> None:
                vm = self.store.get(rid)
                if vm is not None and during is not None:
                    vm.internal["power"] = power
                    vm.internal.pop(POWER_BEFORE, None)
                    self.store.touch(vm)

            op = self.begin(
                call,
                record,
                action.lower(),
                style="compute",
                complete=complete,
                on_failure=failed,
                op_id=call.request_id,
            )
            return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

        return handler
