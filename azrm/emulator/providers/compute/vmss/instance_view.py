"""Show scale set instances as ARM does, and the scale set's instance view.

An instance reads as a VM (``Microsoft.Compute/virtualMachines``) with ``latestModelApplied``, its
applied extensions under ``resources`` and, on ``$expand=instanceView``, a VM's instance view (update
domain ``id % 5``, fault domain ``id % 2``). The scale set's instance view counts its instances'
statuses and each extension's statuses.
"""

from __future__ import annotations

from typing import Any

from ....core.store import Record
from ..common import POWER_DISPLAY, agent_view, status
from .common import ScaleSetBase


class ScaleSetInstanceViews(ScaleSetBase):
    """Instance bodies and instance views."""

    def instance_body(self, inst: Record, expand: str = "") -> dict[str, Any]:
        """Return an instance as ARM returns it, with its extensions (and instance view on request)."""
        body = self.clone(inst.body)
        body["properties"]["latestModelApplied"] = self._is_latest(inst)
        exts = self._instance_extension_views(inst)
        if exts:
            body["resources"] = exts
        if "instanceview" in expand.lower():
            body["properties"]["instanceView"] = self.instance_view(inst)
        return body

    def _instance_extension_views(self, inst: Record) -> list[dict[str, Any]]:
        out = []
        for name, ext in (inst.internal.get("extensions") or {}).items():
            out.append(
                {
                    "name": name,
                    "id": f"{inst.id}/extensions/{name}",
                    "type": "Microsoft.Compute/virtualMachines/extensions",
                    "location": inst.location,
                    "properties": {
                        **ext["properties"],
                        "provisioningState": ext["state"],
                    },
                }
            )
        return out

    def instance_view(self, inst: Record) -> dict[str, Any]:
        """Return an instance's instance view, shaped as a VM's."""
        now = self.emu.now()
        props = inst.properties
        power = inst.internal.get("power", "running")
        ext_views = [self.clone(e["instanceView"]) for e in (inst.internal.get("extensions") or {}).values()]
        state = props.get("provisioningState", "Succeeded")
        provisioned = inst.internal.get("provisioned_at", now)
        view: dict[str, Any] = {
            "platformUpdateDomain": int(inst.body["instanceId"]) % 5,
            "platformFaultDomain": int(inst.body["instanceId"]) % 2,
            "computerName": props["osProfile"]["computerName"],
        }
        if power == "running":
            view["osName"] = inst.internal.get("osName")
            view["osVersion"] = inst.internal.get("osVersion")
        view["vmAgent"] = agent_view(power, ext_views, now)
        view["disks"] = [
            {
                "name": props["storageProfile"]["osDisk"]["name"],
                "statuses": [status("ProvisioningState/succeeded", "Provisioning succeeded", time=provisioned)],
            }
        ]
        if ext_views:
            view["extensions"] = ext_views
        if state == "Failed":
            prov = status(
                "ProvisioningState/failed",
                "Provisioning failed",
                level="Error",
                message=inst.internal.get("failure", "Provisioning failed."),
                time=now,
            )
        elif state == "Succeeded":
            prov = status("ProvisioningState/succeeded", "Provisioning succeeded", time=provisioned)
        else:
            prov = status(f"ProvisioningState/{state.lower()}", state, time=now)
        view["statuses"] = [prov, status(f"PowerState/{power}", POWER_DISPLAY.get(power, power))]
        return view

    def scale_set_instance_view(self, vmss: Record) -> dict[str, Any]:
        """Return the scale set's instance view: counts of instance and extension states, and its own state."""
        instances = self.instances(vmss.id)
        summary: dict[str, int] = {}
        for inst in instances:
            for entry in self.instance_view(inst)["statuses"]:
                summary[entry["code"]] = summary.get(entry["code"], 0) + 1
        extensions = []
        for ext in (vmss.properties["virtualMachineProfile"].get("extensionProfile") or {}).get("extensions", []):
            counts: dict[str, int] = {}
            for inst in instances:
                applied = (inst.internal.get("extensions") or {}).get(ext["name"])
                if applied is None:
                    continue
                code = applied["instanceView"]["statuses"][0]["code"]
                counts[code] = counts.get(code, 0) + 1
            extensions.append(
                {"name": ext["name"], "statusesSummary": [{"code": c, "count": n} for c, n in counts.items()]}
            )
        state = vmss.properties.get("provisioningState", "Succeeded")
        level = "Error" if state == "Failed" else "Info"
        display = {"Succeeded": "Provisioning succeeded", "Failed": "Provisioning failed"}.get(state, state)
        view: dict[str, Any] = {
            "virtualMachine": {"statusesSummary": [{"code": c, "count": n} for c, n in summary.items()]},
            "statuses": [status(f"ProvisioningState/{state.lower()}", display, level=level, time=self.emu.now())],
        }
        if extensions:
            view["extensions"] = extensions
        return view
