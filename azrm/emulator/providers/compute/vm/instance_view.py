"""Show a VM as ARM returns it, and its instance view.

A VM lists its extensions under ``resources``; ``$expand=instanceView`` adds the instance view and
``$expand=userData`` the user data. The instance view has the computer name, the OS while the VM runs,
the agent (ready only while the VM runs), disks, extensions, update and fault domains in an
availability set, boot diagnostics blob URIs, and the provisioning and power statuses.
"""

from __future__ import annotations

from typing import Any

from ....core.store import Record
from ..common import POWER_DISPLAY, ComputeBase, agent_view, status


class VmInstanceViews(ComputeBase):
    """The VM's body and instance view."""

    def view(self, record: Record, expand: str = "") -> dict[str, Any]:
        """Return the VM as ARM returns it; ``expand`` may hold ``instanceView`` and ``userData``."""
        from ..extensions import VirtualMachineExtensionBackend

        body = self.clone(record.body)
        extensions = self.extensions_of(record.id)
        if extensions:
            ext_backend = self.emu.backend(VirtualMachineExtensionBackend)
            body["resources"] = [ext_backend.view(e) for e in extensions]
        expand = expand.lower()
        if "instanceview" in expand:
            body["properties"]["instanceView"] = self.instance_view(record)
        if "userdata" in expand and record.internal.get("userData") is not None:
            body["properties"]["userData"] = record.internal["userData"]
        return body

    def instance_view(self, record: Record) -> dict[str, Any]:
        """Return a VM's ``instanceView``: agent, disks, extensions and the provisioning and power statuses."""
        from ..extensions import VirtualMachineExtensionBackend

        props = record.properties
        internal = record.internal
        now = self.emu.now()
        state = props.get("provisioningState", "Succeeded")
        power = internal.get("power", "running")
        os_disk = props["storageProfile"]["osDisk"]
        provisioned = internal.get("provisioned_at", now)
        view: dict[str, Any] = {}
        if "osProfile" in props:
            view["computerName"] = props["osProfile"].get("computerName")
        if power == "running" and internal.get("osName"):
            view["osName"] = internal["osName"]
            view["osVersion"] = internal["osVersion"]
        ext_records = self.extensions_of(record.id)
        ext_views = self.emu.backend(VirtualMachineExtensionBackend).instance_views(ext_records)
        view["vmAgent"] = agent_view(power, ext_views, now)
        disk_names = [os_disk.get("name")] + [d.get("name") for d in props["storageProfile"].get("dataDisks", [])]
        view["disks"] = [
            {"name": n, "statuses": [status("ProvisioningState/succeeded", "Provisioning succeeded", time=provisioned)]}
            for n in disk_names
            if n
        ]
        if ext_views:
            view["extensions"] = ext_views
        view["hyperVGeneration"] = internal.get("hyperVGeneration", "V1")
        if props.get("availabilitySet"):
            view["platformUpdateDomain"] = internal.get("updateDomain", 0)
            view["platformFaultDomain"] = internal.get("faultDomain", 0)
        boot = (props.get("diagnosticsProfile") or {}).get("bootDiagnostics") or {}
        if boot.get("enabled") and boot.get("storageUri"):
            uri = str(boot["storageUri"]).rstrip("/") + f"/bootdiagnostics-{record.name.lower()}/{record.name}"
            view["bootDiagnostics"] = {
                "consoleScreenshotBlobUri": f"{uri}.screenshot.bmp",
                "serialConsoleLogBlobUri": f"{uri}.serialconsole.log",
            }
        if state == "Succeeded":
            prov = status("ProvisioningState/succeeded", "Provisioning succeeded", time=provisioned)
        elif state == "Failed":
            prov = status(
                "ProvisioningState/failed",
                "Provisioning failed",
                level="Error",
                message=internal.get("failure", "Provisioning failed."),
                time=now,
            )
        else:
            prov = status(f"ProvisioningState/{state.lower()}", state, time=now)
        view["statuses"] = [prov, status(f"PowerState/{power}", POWER_DISPLAY.get(power, power))]
        return view
