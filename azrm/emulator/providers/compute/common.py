"""What the Microsoft.Compute backends share.

Instance-view statuses, the extension-handler contract, the Compute RP's error phrasing, and the
JSON merge that PATCH applies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.clock import iso_compute
from ...core.errors import ArmError, invalid_parameter
from ...core.store import Record
from ..base import Provider
from ..catalog import sizes_in

if TYPE_CHECKING:
    from ...core.engine import Emulator

VM_TYPE = "Microsoft.Compute/virtualMachines"
EXT_TYPE = "Microsoft.Compute/virtualMachines/extensions"
DISK_TYPE = "Microsoft.Compute/disks"
AVSET_TYPE = "Microsoft.Compute/availabilitySets"
VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
#: the store's type for scale set instances (their bodies say ``Microsoft.Compute/virtualMachines``, as Azure's)
VMSS_VM_TYPE = "Microsoft.Compute/virtualMachineScaleSets/virtualMachines"
VMSS_EXT_TYPE = "Microsoft.Compute/virtualMachineScaleSets/extensions"

POWER_DISPLAY = {
    "starting": "VM starting",
    "running": "VM running",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}
#: Sizes that take premium storage ("s" sizes): DS, GS, and names such as D2s_v3 or B1s.
_PREMIUM = re.compile(r"^Standard_(DS|GS|[A-Z]+\d+[a-z]*s)", re.IGNORECASE)


def supports_premium(vm_size: str) -> bool:
    """Whether a size can use Premium_LRS disks."""
    return bool(_PREMIUM.match(vm_size))


def status(
    code: str, display: str, *, level: str = "Info", message: str | None = None, time: float | None = None
) -> dict[str, Any]:
    """One instance-view status entry."""
    entry: dict[str, Any] = {"code": code, "level": level, "displayStatus": display}
    if message is not None:
        entry["message"] = message
    if time is not None:
        entry["time"] = iso_compute(time)
    return entry


def agent_view(power: str, ext_views: list[dict[str, Any]], now: float) -> dict[str, Any]:
    """Return the VM agent part of an instance view: ready while the VM runs, unavailable otherwise."""
    if power != "running":
        return {
            "vmAgentVersion": "Unknown",
            "statuses": [
                status(
                    "ProvisioningState/Unavailable",
                    "Not Ready",
                    level="Warning",
                    message="VM status blob is found but not yet populated.",
                    time=now,
                )
            ],
        }
    return {
        "vmAgentVersion": "2.7.41491.1102",
        "statuses": [
            status(
                "ProvisioningState/succeeded",
                "Ready",
                message="GuestAgent is running and processing the extensions.",
                time=now,
            )
        ],
        "extensionHandlers": [
            {
                "type": ev["type"],
                "typeHandlerVersion": ev["typeHandlerVersion"],
                "status": status("ProvisioningState/succeeded", "Ready"),
            }
            for ev in ext_views
        ],
    }


def missing(parameter: str) -> ArmError:
    """Build the Compute RP's answer for a required field left out (verbatim shape)."""
    return ArmError(400, "InvalidParameter", f"Required parameter '{parameter}' is missing (null).", target=parameter)


def merge_patch(base: Any, patch: Any) -> Any:
    """Merge a PATCH body into a resource as JSON: objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge_patch(base.get(k), v) if k in base else v
        return out
    return patch


# -- extension handlers: how the local Azure "runs" an extension inside a VM ------------------------
@dataclass
class ExtensionContext:
    """What an extension handler gets.

    The VM, the extension, its settings (public and protected) and the emulator (for the blob plane,
    the clock...).
    """

    emu: Emulator
    vm: Record
    extension: Record
    settings: dict[str, Any]
    protected_settings: dict[str, Any]


@dataclass
class ExtensionOutcome:
    """A successful run: the status message and any substatuses (DSC reports two)."""

    message: str = "Enable succeeded"
    substatuses: list[dict[str, Any]] = field(default_factory=list)


class ExtensionFailure(Exception):
    """Raised by a handler when the extension fails inside the VM."""

    def __init__(self, message: str, *, substatuses: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.substatuses = substatuses or []


ExtensionHandler = Callable[[ExtensionContext], ExtensionOutcome]


def default_handler(ctx: ExtensionContext) -> ExtensionOutcome:
    """Extensions without a specific handler succeed, as a well-formed extension would."""
    props = ctx.extension.properties
    return ExtensionOutcome(message=f"Extension {props.get('publisher')}.{props.get('type')} enabled.")


class ComputeBase(Provider):
    """Base of the Microsoft.Compute backends."""

    namespace = "Microsoft.Compute"

    def vm_or_404(self, vm_id: str, rg: str | None) -> Record:
        """Return the VM, or ARM's ``ResourceNotFound``."""
        record = self.store.get(vm_id)
        if record is None or record.type != VM_TYPE:
            from ...core.errors import not_found

            raise not_found(VM_TYPE, vm_id.rsplit("/", 1)[-1], rg)
        return record

    def extensions_of(self, vm_id: str) -> list[Record]:
        """Extension records of a VM."""
        prefix = vm_id.lower() + "/extensions/"
        return [r for r in self.store.of_type(EXT_TYPE) if r.key.startswith(prefix)]


def size_not_offered(size_name: Any, location: str, target: str) -> ArmError:
    """Return the Compute RP's refusal of a size the region does not offer (message as Azure words it)."""
    return invalid_parameter(
        f"The value {size_name} provided for the VM size is not valid. The valid sizes in the current region are: "
        f"{', '.join(s.name for s in sizes_in(location))}.",
        target=target,
    )
