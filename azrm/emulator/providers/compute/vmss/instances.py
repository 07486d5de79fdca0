"""Create, provision, upgrade and scale a scale set's instances.

- Instance ids only grow; names are ``<scale set>_<id>``, computer names ``<prefix><id in base 36>``.
- ``overprovision`` (default on) creates extra instances and deletes them once the operation ends:
  the final count is the capacity and instance ids (and NAT ports) can have gaps.
- Scale-in removes the highest instance ids (``scaleInPolicy`` ``OldestVM`` removes the lowest).
- Each instance gets NICs from the model: private addresses from the subnets and a frontend port from
  each inbound NAT pool; a create or scale-out that a NAT pool has too few free ports for is refused.
- A model change (image version, extensions...) reaches existing instances at once with
  ``upgradePolicy.mode`` Automatic (and Rolling, here all at once); with Manual they report
  ``latestModelApplied: false`` until ``manualupgrade`` names them. New instances get the latest model.
- Extensions run per instance with the same handlers as VMs (the DSC handler really fetches the
  archive); an instance whose extension fails is ``Failed`` and the scale set's operation fails.
"""

from __future__ import annotations

import math
import random
import string
from typing import TYPE_CHECKING, Any

from ....core.clock import iso_compute
from ....core.errors import ArmError, invalid_resource_reference
from ....core.ids import key
from ....core.store import Record
from ..common import VMSS_EXT_TYPE, VMSS_TYPE, VMSS_VM_TYPE
from ..vm.validation import platform_image
from .common import ScaleSetBase

if TYPE_CHECKING:
    from ....core.wire import Call

_BASE36 = string.digits + string.ascii_uppercase


def base36(number: int, width: int = 6) -> str:
    """Write ``number`` in base 36, 6 digits (``12`` -> ``00000C``): Azure's suffix for instance computer names."""
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(width, "0")


def overprovision_extra(count: int) -> int:
    """Return how many extra instances Azure creates (then deletes) when overprovisioning ``count`` new ones."""
    return math.ceil(count / 2) if count else 0


class ScaleSetInstances(ScaleSetBase):
    """The instances' life: creation from the model, NAT ports, extensions, upgrades and scaling."""

    # -- NAT ports ---------------------------------------------------------------------------------
    def _nat_ports_taken(self, pool_id: str) -> set[int]:
        taken: set[int] = set()
        for inst in self.store.of_type(VMSS_VM_TYPE):
            for nic in inst.internal.get("nics", []):
                for ipc in nic["ipConfigurations"]:
                    port = (ipc.get("natPorts") or {}).get(key(pool_id))
                    if port is not None:
                        taken.add(port)
        return taken

    def _nat_pool(self, pool_id: str) -> dict[str, Any]:
        lb = self.store.get(pool_id.rsplit("/inboundNatPools/", 1)[0])
        if lb is None:
            raise invalid_resource_reference(pool_id, pool_id)
        for pool in lb.properties.get("inboundNatPools", []):
            if key(pool["id"]) == key(pool_id):
                return dict(pool["properties"])
        raise invalid_resource_reference(pool_id, pool_id)

    def check_nat_capacity(self, vmss: Record, new_instances: int) -> None:
        """Refuse a create or scale-out that its NAT pools have no ports for (as Azure does)."""
        if new_instances <= 0:
            return
        needed = new_instances + (overprovision_extra(new_instances) if vmss.properties.get("overprovision") else 0)
        for config in vmss.properties["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]:
            for ipc in config["properties"]["ipConfigurations"]:
                for ref in ipc["properties"].get("loadBalancerInboundNatPools", []):
                    pool = self._nat_pool(ref["id"])
                    start, end = pool["frontendPortRangeStart"], pool["frontendPortRangeEnd"]
                    free = (end - start + 1) - len(self._nat_ports_taken(ref["id"]))
                    if free < needed:
                        raise ArmError(
                            400,
                            "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts",
                            f"The frontend port range {start}-{end} of inbound NAT pool {ref['id']} has {free} free "
                            f"ports; scale set {vmss.name} needs {needed} (new instances, plus overprovisioned ones "
                            "while they are created). Enlarge the range or turn overprovisioning off.",
                        )

    # -- one instance ------------------------------------------------------------------------------
    def _instance_network(self, vmss: Record, inst_id: str, old: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Give an instance its NICs from the model: addresses from the subnets, a port from each NAT pool.

        ``old`` (the instance's NICs before a model upgrade) keeps addresses and ports that still fit.
        """
        from ...network.nic import NetworkInterfaceBackend

        network = self.emu.backend(NetworkInterfaceBackend)
        previous = {
            (nic["name"].lower(), ipc["name"].lower()): ipc for nic in old or [] for ipc in nic["ipConfigurations"]
        }
        nics = []
        taken_now: dict[str, str] = {}
        for config in vmss.properties["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]:
            nic_id = f"{inst_id}/networkInterfaces/{config['name']}"
            ipcs = []
            for index, ipc in enumerate(config["properties"]["ipConfigurations"]):
                p = ipc["properties"]
                ipc_id = f"{nic_id}/ipConfigurations/{ipc['name']}"
                found = network.find_subnet(p["subnet"]["id"])
                if found is None:
                    raise invalid_resource_reference(p["subnet"]["id"], vmss.id)
                _, subnet = found
                before = previous.get((config["name"].lower(), ipc["name"].lower()))
                requested = None
                if before is not None and key(before["subnet"]) == key(subnet["id"]):
                    requested = before["privateIPAddress"]
                address = network.allocate_ip(
                    subnet["id"], subnet, requested=requested, holder_id=ipc_id, owner_id=inst_id, taken_now=taken_now
                )
                taken_now[address] = ipc_id
                ports: dict[str, int] = {}
                for ref in p.get("loadBalancerInboundNatPools", []):
                    kept = ((before or {}).get("natPorts") or {}).get(key(ref["id"]))
                    ports[key(ref["id"])] = kept if kept is not None else self._free_port(ref["id"], vmss)
                ipcs.append(
                    {
                        "name": ipc["name"],
                        "id": ipc_id,
                        "primary": bool(p.get("primary", index == 0)),
                        "subnet": subnet["id"],
                        "privateIPAddress": address,
                        "pools": [r["id"] for r in p.get("loadBalancerBackendAddressPools", [])],
                        "natPools": [r["id"] for r in p.get("loadBalancerInboundNatPools", [])],
                        "natPorts": ports,
                    }
                )
            nics.append(
                {
                    "name": config["name"],
                    "id": nic_id,
                    "primary": config["properties"]["primary"],
                    "nsg": (config["properties"].get("networkSecurityGroup") or {}).get("id"),
                    "enableIPForwarding": config["properties"]["enableIPForwarding"],
                    "enableAcceleratedNetworking": config["properties"]["enableAcceleratedNetworking"],
                    "ipConfigurations": ipcs,
                }
            )
        return nics

    def _free_port(self, pool_id: str, vmss: Record) -> int:
        pool = self._nat_pool(pool_id)
        taken = self._nat_ports_taken(pool_id)
        for port in range(pool["frontendPortRangeStart"], pool["frontendPortRangeEnd"] + 1):
            if port not in taken:
                return port
        raise ArmError(
            400,
            "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts",
            f"Inbound NAT pool {pool_id} has no free frontend port left for scale set {vmss.name}.",
        )

    def _instance_model(self, vmss: Record, inst: Record) -> None:
        """Write the scale set's current model into an instance."""
        profile = vmss.properties["virtualMachineProfile"]
        image_ref = profile["storageProfile"]["imageReference"]
        image, exact = platform_image(image_ref)
        os_profile = {k: v for k, v in profile["osProfile"].items() if k != "computerNamePrefix"}
        os_profile = {"computerName": inst.internal["computerName"], **os_profile}
        os_disk = self.clone(profile["storageProfile"]["osDisk"])
        os_disk["osType"] = image.os_type
        os_disk["name"] = inst.internal["osDiskName"]
        rg_id = vmss.id.split("/providers/", 1)[0]
        containers = os_disk.pop("vhdContainers", None)
        if containers:  # unmanaged: each instance's disk is a blob in one of the containers, round robin
            index = int(inst.name.rsplit("_", 1)[-1]) if inst.name.rsplit("_", 1)[-1].isdigit() else 0
            os_disk["vhd"] = {"uri": f"{containers[index % len(containers)].rstrip('/')}/{os_disk['name']}.vhd"}
        else:
            os_disk["managedDisk"]["id"] = f"{rg_id}/providers/Microsoft.Compute/disks/{os_disk['name']}"
        os_disk.setdefault("diskSizeGB", image.disk_size_gb)
        nics = inst.internal.get("nics", [])
        props = inst.properties
        props.update(
            {
                "modelDefinitionApplied": "VirtualMachineScaleSet",
                "networkProfileConfiguration": self.clone(profile["networkProfile"]),
                "vmId": props.get("vmId") or self.guid(),
                "hardwareProfile": {},
                "storageProfile": {
                    "imageReference": {**image_ref, "exactVersion": exact},
                    "osDisk": os_disk,
                    "dataDisks": [],
                },
                "osProfile": os_profile,
                "networkProfile": {"networkInterfaces": [{"id": n["id"]} for n in nics]},
            }
        )
        if profile.get("diagnosticsProfile"):
            props["diagnosticsProfile"] = self.clone(profile["diagnosticsProfile"])
        inst.body["sku"] = {"name": vmss.body["sku"]["name"], "tier": vmss.body["sku"]["tier"]}
        inst.body["tags"] = dict(vmss.body.get("tags") or {})
        inst.internal.update(
            model_version=vmss.internal.get("model_version"),
            osName=image.os_name,
            osVersion=image.os_version,
        )

    def _new_instance(self, vmss: Record) -> Record:
        instance_id = int(vmss.internal.get("next_id", 0))
        vmss.internal["next_id"] = instance_id + 1
        inst_id = f"{vmss.id}/virtualMachines/{instance_id}"
        prefix = vmss.properties["virtualMachineProfile"]["osProfile"]["computerNamePrefix"]
        inst = Record(
            inst_id,
            VMSS_VM_TYPE,
            {
                "name": f"{vmss.name}_{instance_id}",
                "id": inst_id,
                "type": "Microsoft.Compute/virtualMachines",
                "location": vmss.location,
                "tags": {},
                "instanceId": str(instance_id),
                "etag": '"1"',
                "properties": {"latestModelApplied": True, "provisioningState": "Creating"},
            },
            internal={
                "unlisted": True,
                "power": "starting",
                "computerName": f"{prefix}{base36(instance_id)}",
                "osDiskName": f"{vmss.name}_{vmss.name}_{instance_id}_OsDisk_1_{self.guid().replace('-', '')}",
                "extensions": {},
            },
        )
        inst.properties["timeCreated"] = iso_compute(self.emu.now())
        self.store.put(inst)  # placed before its addresses are picked, so the next instance sees them
        inst.internal["nics"] = self._instance_network(vmss, inst_id, None)
        self._instance_model(vmss, inst)
        self.store.touch(inst)
        return inst

    def _provision(self, vmss: Record, inst: Record) -> str | None:
        """Finish an instance's create or upgrade: it runs, its extensions play. Returns a failure message."""
        from ..extensions import VirtualMachineExtensionBackend

        players = self.emu.backend(VirtualMachineExtensionBackend)
        inst.internal["power"] = "running"
        inst.internal.setdefault("provisioned_at", self.emu.now())
        applied: dict[str, Any] = {}
        failure = None
        protected = vmss.secrets.get("protectedSettings") or {}
        for ext in (vmss.properties["virtualMachineProfile"].get("extensionProfile") or {}).get("extensions", []):
            ext_record = Record(
                f"{inst.id}/extensions/{ext['name']}",
                VMSS_EXT_TYPE,
                {"name": ext["name"], "properties": self.clone(ext["properties"])},
            )
            iv, failed = players.play(inst, ext_record, ext["properties"].get("settings"), protected.get(ext["name"]))
            applied[ext["name"]] = {
                "properties": {k: v for k, v in ext["properties"].items() if k != "settings"}
                | {"settings": ext["properties"].get("settings", {})},
                "state": "Failed" if failed else "Succeeded",
                "instanceView": iv,
            }
            if failed and failure is None:
                failure = f"extension '{ext['name']}': {failed}"
        inst.internal["extensions"] = applied
        inst.properties["provisioningState"] = "Failed" if failure else "Succeeded"
        if failure:
            inst.internal["failure"] = failure
        else:
            inst.internal.pop("failure", None)
        self.store.touch(inst)
        return failure

    def _upgrade(self, vmss: Record, inst: Record) -> str | None:
        """Bring an instance to the scale set's latest model (its addresses and ports stay)."""
        inst.internal["nics"] = self._instance_network(vmss, inst.id, inst.internal.get("nics"))
        self._instance_model(vmss, inst)
        return self._provision(vmss, inst)

    # -- scaling -----------------------------------------------------------------------------------
    def _scale(self, vmss: Record, capacity: int) -> tuple[list[Record], list[Record], list[Record]]:
        """Create or mark instances for a new capacity: (created, overprovisioned extras, to remove)."""
        current = [i for i in self.instances(vmss.id) if i.properties.get("provisioningState") != "Deleting"]
        created: list[Record] = []
        extras: list[Record] = []
        removing: list[Record] = []
        if capacity > len(current):
            count = capacity - len(current)
            extra = overprovision_extra(count) if vmss.properties.get("overprovision") else 0
            made = [self._new_instance(vmss) for _ in range(count + extra)]
            # Azure keeps the instances that finish first; which ones is chance, drawn here from the seed, the
            # scale set and its first new instance, so that a re-run after a restart (which reseeds the emulator's
            # generator) keeps the same ones as a run without it.
            draw = random.Random(f"{self.emu.settings.seed}:{vmss.key}:{made[0].body['instanceId'] if made else ''}")
            extras = sorted(draw.sample(made, extra), key=lambda r: int(r.body["instanceId"]))
            created = [m for m in made if m not in extras]
        elif capacity < len(current):
            rules = [str(r).lower() for r in (vmss.properties.get("scaleInPolicy") or {}).get("rules", [])]
            ordered = sorted(current, key=lambda r: int(r.body["instanceId"]), reverse="oldestvm" not in rules)
            removing = ordered[: len(current) - capacity]
            for inst in removing:
                inst.properties["provisioningState"] = "Deleting"
                inst.internal["power"] = "deallocating"
                self.store.touch(inst)
        return created, extras, removing

    def change(self, call: Call | None, vmss: Record, existing: Record | None, kind: str) -> Any:
        """Store a new or changed scale set, scale it, and start the operation that finishes the change.

        Used by PUT and PATCH, and by autoscale (``call`` is ``None`` then). Returns the operation.
        """
        active = [i for i in self.instances(vmss.id) if i.properties.get("provisioningState") != "Deleting"]
        self.check_nat_capacity(vmss, vmss.body["sku"]["capacity"] - len(active))
        vmss.properties["provisioningState"] = "Creating" if existing is None else "Updating"
        self.store.put(vmss)
        known = {i.id for i in self.instances(vmss.id)}
        try:
            created, extras, removing = self._scale(vmss, vmss.body["sku"]["capacity"])
        except ArmError:
            # nothing of a refused request stays (a subnet that ran out of addresses, say)
            for inst in self.instances(vmss.id):
                if inst.id not in known:
                    self.store.delete(inst.id)
            if existing is not None:
                self.store.put(existing)
            else:
                self.store.delete(vmss.id)
            raise
        self.store.touch(vmss)
        mode = vmss.properties["upgradePolicy"]["mode"]
        upgrade_all = (
            existing is not None and mode in ("Automatic", "Rolling") and self._model(existing) != self._model(vmss)
        )
        rid = vmss.id
        created_ids = [c.id for c in created]
        extra_ids = [e.id for e in extras]
        removing_ids = [r.id for r in removing]

        def complete() -> None:
            current = self.store.get(rid)
            if current is None:
                return
            for doomed in [*extra_ids, *removing_ids]:
                self.emu.remove(doomed)
            failures = []
            for inst in self.instances(rid):
                if inst.id in created_ids or (upgrade_all and not self._is_latest(inst)):
                    failure = (
                        self._upgrade(current, inst) if inst.id not in created_ids else self._provision(current, inst)
                    )
                    if failure:
                        failures.append((inst, failure))
            self._settle_state(current, failures)

        def failed(err: ArmError) -> None:
            current = self.store.get(rid)
            if current is not None:
                current.properties["provisioningState"] = "Failed"
                self.store.touch(current)

        return self.begin(call, vmss, kind, style="compute", complete=complete, on_failure=failed,
                          op_id=call.request_id if call is not None else None)  # fmt: skip

    def _settle_state(self, vmss: Record, failures: list[tuple[Record, str]]) -> None:
        if failures:
            vmss.properties["provisioningState"] = "Failed"
            self.store.touch(vmss)
            message = failures[0][1]
            names = ", ".join(i.body["name"] for i, _ in failures)
            raise ArmError(
                400,
                "VMExtensionProvisioningError",
                f"VM has reported a failure when processing {message} on instance(s) {names} of scale set "
                f"'{vmss.name}'. More information on troubleshooting is available at "
                "https://aka.ms/vmextensionwindowstroubleshoot",
            )
        vmss.properties["provisioningState"] = "Succeeded"
        self.store.touch(vmss)

    def set_capacity(self, vmss_id: str, capacity: int) -> Any:
        """Scale a scale set as its own API would (autoscale's way in); returns the operation."""
        vmss = self.store.get(vmss_id)
        if vmss is None or vmss.type != VMSS_TYPE:
            raise invalid_resource_reference(vmss_id, vmss_id)
        existing = vmss.copy()
        updated = vmss.copy()
        updated.body["sku"]["capacity"] = capacity
        return self.change(None, updated, existing, "update")
