"""Microsoft.Compute/virtualMachineScaleSets (Uniform orchestration).

A scale set is a model (``virtualMachineProfile``) and a capacity. The local Azure keeps one record
per instance under the scale set (``.../virtualMachines/<instanceId>``, hidden from resource lists as
in Azure) with its own network interfaces: private addresses from the subnet, membership of load
balancer backend pools, and a port from each inbound NAT pool. Those take part in the network
backends' allocation, pool and NAT views through ``emu.ip_config_sources``.

What Azure does and the local Azure does too:

- Instance ids only grow; names are ``<scale set>_<id>``, computer names ``<prefix><id in base 36>``.
- ``overprovision`` (default on) creates extra instances and deletes them once the operation ends:
  the final count is the capacity and instance ids (and NAT ports) can have gaps.
- Scale-in removes the highest instance ids (``scaleInPolicy`` ``OldestVM`` removes the lowest).
- A model change (image version, extensions...) reaches existing instances at once with
  ``upgradePolicy.mode`` Automatic (and Rolling, here all at once); with Manual they report
  ``latestModelApplied: false`` until ``manualupgrade`` names them. New instances get the latest model.
- Extensions run per instance with the same handlers as VMs (the DSC handler really fetches the
  archive); an instance whose extension fails is ``Failed`` and the scale set's operation fails.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ....rules import vm_name_problem
from ...core.clock import iso_compute
from ...core.errors import ArmError, invalid_parameter, invalid_resource_reference
from ...core.ids import ResourceId, key
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import json_response, list_response
from ..catalog import VM_SIZES, find_extension
from ..network.common import LB_TYPE, NSG_TYPE
from .common import (
    POWER_DISPLAY,
    VMSS_EXT_TYPE,
    VMSS_TYPE,
    VMSS_VM_TYPE,
    ComputeBase,
    agent_view,
    missing,
    status,
)
from .vm import check_password, check_username, linux_configuration, merge_patch, platform_image

if TYPE_CHECKING:
    from ...core.engine import Call

_BASE36 = string.digits + string.ascii_uppercase
_UPGRADE_MODES = {"manual": "Manual", "automatic": "Automatic", "rolling": "Rolling"}
_ACTIONS = {
    # action -> (power while it runs, power after)
    "start": ("starting", "running"),
    "poweroff": ("stopping", "stopped"),
    "restart": ("starting", "running"),
    "deallocate": ("deallocating", "deallocated"),
    "redeploy": ("starting", "running"),
    "reimage": ("starting", "running"),
    "reimageall": ("starting", "running"),
}
MAX_CAPACITY = 1000
MAX_CAPACITY_SINGLE_PLACEMENT = 100


def base36(number: int, width: int = 6) -> str:
    """``12`` -> ``00000C``: how Azure suffixes computer names of scale set instances."""
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits.rjust(width, "0")


def overprovision_extra(count: int) -> int:
    """Extra instances Azure creates (then deletes) when overprovisioning ``count`` new ones."""
    return math.ceil(count / 2) if count else 0


class VirtualMachineScaleSetBackend(ComputeBase):
    """Scale sets, their instances and extensions, and the instances' network interfaces."""

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        emu.ip_config_sources.append(self)

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
        for action in _ACTIONS:
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

    # -- the model ---------------------------------------------------------------------------------
    def _check_name(self, name: str, os_type: str) -> None:
        problem = vm_name_problem(name, os_type)
        if problem is not None:
            raise ArmError(400, "InvalidResourceName", f"The resource name '{name}' is invalid: {problem}.")

    def _os_profile(
        self, raw: dict[str, Any], os_type: str, old: dict[str, Any] | None, secrets: dict[str, Any]
    ) -> dict[str, Any]:
        prefix = raw.get("computerNamePrefix") or (old or {}).get("computerNamePrefix")
        if not prefix:
            raise missing("osProfile.computerNamePrefix")
        limit = 9 if os_type == "Windows" else 58
        if len(prefix) > limit or not all(c.isalnum() or c == "-" for c in prefix) or prefix.isdigit():
            raise invalid_parameter(
                f"The value of parameter osProfile.computerNamePrefix is invalid: a {os_type} scale set's computer "
                f"name prefix has 1 to {limit} letters, digits or hyphens (Azure appends 6 characters) and is not "
                "entirely numeric.",
                target="computerNamePrefix",
            )
        user = raw.get("adminUsername") or (old or {}).get("adminUsername")
        if not user:
            raise missing("osProfile.adminUsername")
        check_username(str(user), os_type)
        password = raw.get("adminPassword") or secrets.get("adminPassword")
        profile: dict[str, Any] = {"computerNamePrefix": prefix, "adminUsername": user}
        if os_type == "Windows":
            if not password:
                raise missing("adminPassword")
            check_password(str(password), os_type)
            win = dict(raw.get("windowsConfiguration") or (old or {}).get("windowsConfiguration") or {})
            win.setdefault("provisionVMAgent", True)
            win.setdefault("enableAutomaticUpdates", True)
            profile["windowsConfiguration"] = win
        else:
            lin = linux_configuration(raw.get("linuxConfiguration") or (old or {}).get("linuxConfiguration"), password)
            profile["linuxConfiguration"] = lin
        if password:
            secrets["adminPassword"] = password
        profile["secrets"] = list(raw.get("secrets") or [])
        profile["allowExtensionOperations"] = bool(raw.get("allowExtensionOperations", True))
        profile["requireGuestProvisionSignal"] = True
        return profile

    def _network_profile(self, raw: dict[str, Any], vmss_id: str, location: str) -> dict[str, Any]:
        from ..network.nic import NetworkInterfaceBackend

        network = self.emu.backend(NetworkInterfaceBackend)
        configs_in = raw.get("networkInterfaceConfigurations") or []
        if not configs_in:
            raise missing("virtualMachineProfile.networkProfile.networkInterfaceConfigurations")
        primaries = [c for c in configs_in if (c.get("properties") or {}).get("primary")]
        if len(configs_in) > 1 and len(primaries) != 1:
            raise invalid_parameter(
                "Virtual Machine Scale Set network profile must have exactly one network interface configuration "
                "marked as primary.",
                target="networkInterfaceConfigurations",
            )
        configs = []
        vnet_key: str | None = None
        for index, config in enumerate(configs_in):
            name = config.get("name")
            if not name:
                raise missing(f"networkInterfaceConfigurations[{index}].name")
            p = config.get("properties") or {}
            ipcs_in = p.get("ipConfigurations") or []
            if not ipcs_in:
                raise missing(f"networkInterfaceConfigurations[{index}].ipConfigurations")
            ipcs = []
            for j, ipc in enumerate(ipcs_in):
                ipc_name = ipc.get("name")
                if not ipc_name:
                    raise missing(f"networkInterfaceConfigurations[{index}].ipConfigurations[{j}].name")
                ip = ipc.get("properties") or {}
                subnet_id = (ip.get("subnet") or {}).get("id")
                if not subnet_id:
                    raise missing(f"networkInterfaceConfigurations[{index}].ipConfigurations[{j}].subnet")
                vnet, subnet = network.require_subnet(subnet_id, vmss_id, location)
                if vnet_key is None:
                    vnet_key = vnet.key
                elif vnet_key != vnet.key:
                    raise invalid_parameter(
                        "All IP configurations of a scale set must reference subnets of the same virtual network.",
                        target="subnet",
                    )
                props: dict[str, Any] = {"subnet": {"id": subnet["id"]}}
                if len(ipcs_in) > 1:
                    props["primary"] = bool(ip.get("primary", j == 0))
                for field, collection in (
                    ("loadBalancerBackendAddressPools", "backendAddressPools"),
                    ("loadBalancerInboundNatPools", "inboundNatPools"),
                ):
                    refs = []
                    for ref in ip.get(field) or []:
                        ref_id = (ref or {}).get("id")
                        if not ref_id:
                            raise missing(f"{field}.id")
                        refs.append({"id": self._lb_child(ref_id, collection, vmss_id, location)})
                    if refs:
                        props[field] = refs
                if ip.get("publicIPAddressConfiguration"):
                    props["publicIPAddressConfiguration"] = ip["publicIPAddressConfiguration"]
                props["privateIPAddressVersion"] = str(ip.get("privateIPAddressVersion") or "IPv4")
                ipcs.append({"name": ipc_name, "properties": props})
            nsg_id = (p.get("networkSecurityGroup") or {}).get("id")
            if nsg_id:
                network.require(nsg_id, NSG_TYPE, vmss_id, location)
            out_props: dict[str, Any] = {
                "primary": bool(p.get("primary", len(configs_in) == 1)),
                "enableAcceleratedNetworking": bool(p.get("enableAcceleratedNetworking", False)),
                "dnsSettings": {"dnsServers": list((p.get("dnsSettings") or {}).get("dnsServers") or [])},
                "enableIPForwarding": bool(p.get("enableIPForwarding", False)),
                "ipConfigurations": ipcs,
            }
            if nsg_id:
                out_props["networkSecurityGroup"] = {"id": nsg_id}
            configs.append({"name": name, "properties": out_props})
        return {"networkInterfaceConfigurations": configs}

    def _lb_child(self, child_id: str, collection: str, vmss_id: str, location: str) -> str:
        """Check a reference to a load balancer's pool or NAT pool; returns it in the LB's casing."""
        try:
            rid = ResourceId.parse(child_id)
        except ValueError:
            raise invalid_resource_reference(child_id, vmss_id) from None
        lb = self.store.get(str(rid.parent)) if rid.parent else None
        if lb is None or lb.type != LB_TYPE or lb.location != location:
            raise invalid_resource_reference(child_id, vmss_id)
        for child in lb.properties.get(collection, []):
            if child["name"].lower() == rid.name.lower():
                return str(child["id"])
        raise invalid_resource_reference(child_id, vmss_id)

    def _extensions(
        self, raw: list[dict[str, Any]], old_secrets: dict[str, Any], secrets: dict[str, Any]
    ) -> list[dict[str, Any]]:
        out = []
        names: set[str] = set()
        handlers: set[tuple[str, str]] = set()
        protected: dict[str, Any] = {}
        for index, ext in enumerate(raw):
            name = ext.get("name")
            if not name:
                raise missing(f"extensionProfile.extensions[{index}].name")
            if name.lower() in names:
                raise invalid_parameter(f"Extension name '{name}' is used twice in the scale set model.", target="name")
            names.add(name.lower())
            p = ext.get("properties") or {}
            for field in ("publisher", "type", "typeHandlerVersion"):
                if not p.get(field):
                    raise missing(f"extensionProfile.extensions[{index}].properties.{field}")
            found = find_extension(str(p["publisher"]), str(p["type"]))
            version = str(p["typeHandlerVersion"])
            if found is None or ".".join(version.split(".")[:2]) not in found[2]:
                raise ArmError(
                    404,
                    "ArtifactNotFound",
                    f"Extension with publisher '{p['publisher']}', type '{p['type']}', and type handler version "
                    f"'{version}' could not be found in the extension repository.",
                )
            handler = (str(p["publisher"]).lower(), str(p["type"]).lower())
            if handler in handlers:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Multiple VMExtensions per handler not supported for OS type. VMExtension '{name}' with handler "
                    f"'{p['publisher']}.{p['type']}' already added or specified in input.",
                )
            handlers.add(handler)
            props: dict[str, Any] = {
                "autoUpgradeMinorVersion": bool(p.get("autoUpgradeMinorVersion", False)),
                "publisher": p["publisher"],
                "type": p["type"],
                "typeHandlerVersion": version,
                "settings": p.get("settings") if p.get("settings") is not None else {},
            }
            for field in ("forceUpdateTag", "provisionAfterExtensions", "suppressFailures", "enableAutomaticUpgrade"):
                if field in p:
                    props[field] = p[field]
            if p.get("protectedSettings") is not None:
                protected[name] = p["protectedSettings"]
            elif name in old_secrets:
                protected[name] = old_secrets[name]
            out.append({"name": name, "properties": props})
        secrets["protectedSettings"] = protected
        return out

    def _build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        """Validate a PUT body into the scale set's record (instances are handled by the caller)."""
        location = self.location(body, VMSS_TYPE)
        if existing is not None and existing.location != location:
            raise ArmError(
                409, "PropertyChangeNotAllowed", "Changing property 'location' is not allowed.", target="location"
            )
        old = existing.properties if existing is not None else {}
        sku_in = body.get("sku") or {}
        size_name = sku_in.get("name")
        if not size_name:
            raise missing("sku.name")
        size = VM_SIZES.get(str(size_name).lower())
        if size is None:
            raise invalid_parameter(
                f"The value {size_name} provided for the VM size is not valid. The valid sizes in the current region "
                f"are: {', '.join(s.name for s in VM_SIZES.values())}.",
                target="sku.name",
            )
        props_in = body.get("properties") or {}
        single = bool(props_in.get("singlePlacementGroup", old.get("singlePlacementGroup", True)))
        capacity = sku_in.get("capacity", existing.body["sku"]["capacity"] if existing is not None else None)
        limit = MAX_CAPACITY_SINGLE_PLACEMENT if single else MAX_CAPACITY
        if capacity is None:
            raise missing("sku.capacity")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= limit:
            raise invalid_parameter(
                f"The value {capacity!r} of parameter sku.capacity is out of range: a scale set "
                f"{'in a single placement group ' if single else ''}holds 0 to {limit} instances.",
                target="sku.capacity",
            )
        profile_in = props_in.get("virtualMachineProfile")
        if profile_in is None:
            if existing is None:
                raise missing("virtualMachineProfile")
            profile_in = old["virtualMachineProfile"]
        sp_in = profile_in.get("storageProfile") or {}
        image_ref = sp_in.get("imageReference")
        if not image_ref:
            raise missing("virtualMachineProfile.storageProfile.imageReference")
        image, _exact = platform_image(image_ref)
        if existing is not None:
            old_ref = old["virtualMachineProfile"]["storageProfile"]["imageReference"]
            if any(
                str(image_ref.get(f, "")).lower() != str(old_ref.get(f, "")).lower() for f in ("publisher", "offer")
            ):
                raise ArmError(
                    409,
                    "PropertyChangeNotAllowed",
                    "Changing property 'imageReference' is not allowed.",
                    target="imageReference",
                )
        os_type = image.os_type
        self._check_name(name, os_type)
        os_in = dict(sp_in.get("osDisk") or {})
        if str(os_in.get("createOption", "FromImage")).lower() != "fromimage":
            raise invalid_parameter(
                "A scale set's OS disk is created from its image: osDisk.createOption must be FromImage.",
                target="createOption",
            )
        storage_type = (os_in.get("managedDisk") or {}).get("storageAccountType") or "Standard_LRS"
        os_disk: dict[str, Any] = {
            "createOption": "FromImage",
            "caching": os_in.get("caching") or "None",
            "managedDisk": {"storageAccountType": storage_type},
        }
        if os_in.get("diskSizeGB"):
            os_disk["diskSizeGB"] = os_in["diskSizeGB"]
        elif not sp_in.get("osDisk"):
            os_disk["diskSizeGB"] = image.disk_size_gb
        image_out = {k: image_ref[k] for k in ("publisher", "offer", "sku") if k in image_ref}
        image_out["version"] = str(image_ref.get("version") or "latest")
        storage_profile: dict[str, Any] = {"imageReference": image_out, "osDisk": os_disk}
        if sp_in.get("dataDisks"):
            storage_profile["dataDisks"] = list(sp_in["dataDisks"])

        secrets: dict[str, Any] = self.clone(existing.secrets) if existing is not None else {}
        old_profile = old.get("virtualMachineProfile") or {}
        os_profile = self._os_profile(profile_in.get("osProfile") or {}, os_type, old_profile.get("osProfile"), secrets)
        network_profile = self._network_profile(profile_in.get("networkProfile") or {}, rid, location)
        profile: dict[str, Any] = {
            "storageProfile": storage_profile,
            "osProfile": os_profile,
            "networkProfile": network_profile,
        }
        ext_in = (profile_in.get("extensionProfile") or {}).get("extensions") or []
        extensions = self._extensions(ext_in, secrets.get("protectedSettings") or {}, secrets)
        if extensions or profile_in.get("extensionProfile") is not None:
            profile["extensionProfile"] = {"extensions": extensions}
        for field in ("diagnosticsProfile", "licenseType", "priority", "evictionPolicy", "securityProfile"):
            if profile_in.get(field) is not None:
                profile[field] = profile_in[field]

        mode_in = str((props_in.get("upgradePolicy") or old.get("upgradePolicy") or {}).get("mode") or "Manual")
        mode = _UPGRADE_MODES.get(mode_in.lower())
        if mode is None:
            raise invalid_parameter(
                f"The value '{mode_in}' of parameter upgradePolicy.mode is not allowed. Allowed values are "
                "'Automatic', 'Manual' and 'Rolling'.",
                target="upgradePolicy.mode",
            )
        props: dict[str, Any] = {
            "singlePlacementGroup": single,
            "upgradePolicy": {**(props_in.get("upgradePolicy") or {}), "mode": mode},
            "virtualMachineProfile": profile,
            "provisioningState": old.get("provisioningState", "Creating"),
            "overprovision": bool(props_in.get("overprovision", old.get("overprovision", True))),
            "doNotRunExtensionsOnOverprovisionedVMs": bool(
                props_in.get(
                    "doNotRunExtensionsOnOverprovisionedVMs", old.get("doNotRunExtensionsOnOverprovisionedVMs", False)
                )
            ),
            "uniqueId": old.get("uniqueId") or self.guid(),
            "timeCreated": old.get("timeCreated") or iso_compute(self.emu.now()),
        }
        if props_in.get("scaleInPolicy") or old.get("scaleInPolicy"):
            props["scaleInPolicy"] = props_in.get("scaleInPolicy") or old["scaleInPolicy"]
        if props_in.get("platformFaultDomainCount") is not None:
            props["platformFaultDomainCount"] = props_in["platformFaultDomainCount"]
        record_body: dict[str, Any] = {
            "name": name,
            "id": rid,
            "type": VMSS_TYPE,
            "location": location,
            "tags": self.tags(body),
            "sku": {"name": size.name, "tier": str(sku_in.get("tier") or "Standard"), "capacity": capacity},
            "properties": props,
        }
        for field in ("zones", "plan", "identity"):
            if body.get(field) is not None:
                record_body[field] = body[field]
        internal = dict(existing.internal) if existing is not None else {"next_id": 0, "model_version": 1}
        record = Record(rid, VMSS_TYPE, record_body, secrets=secrets, internal=internal)
        if existing is not None:
            self._bump_model(existing, record)
        return record

    @staticmethod
    def _model(record: Record) -> Any:
        """Return what instances take from the scale set: the profile, the size and the protected settings."""
        return (
            record.properties.get("virtualMachineProfile"),
            record.body["sku"]["name"],
            record.secrets.get("protectedSettings"),
        )

    # -- views ---------------------------------------------------------------------------------------
    def view(self, record: Record) -> dict[str, Any]:
        """Return the scale set as ARM returns it (no password, no protected settings)."""
        return self.clone(record.body)

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

    def _is_latest(self, inst: Record) -> bool:
        vmss = self.store.get(inst.id.rsplit("/virtualMachines/", 1)[0])
        return vmss is None or inst.internal.get("model_version") == vmss.internal.get("model_version")

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

    # -- instances ------------------------------------------------------------------------------------
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

    def _instance_network(self, vmss: Record, inst_id: str, old: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """Give an instance its NICs from the model: addresses from the subnets, a port from each NAT pool.

        ``old`` (the instance's NICs before a model upgrade) keeps addresses and ports that still fit.
        """
        from ..network.nic import NetworkInterfaceBackend

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
        from .extensions import VirtualMachineExtensionBackend

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

    # -- the network view of instances ----------------------------------------------------------------
    def scale_set_ip_configs(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every instance's IP configurations, in the NIC shape (see ``IpConfigSource``)."""
        for inst in self.store.of_type(VMSS_VM_TYPE):
            for nic in inst.internal.get("nics", []):
                for ipc in nic["ipConfigurations"]:
                    yield inst.id, self._ip_config_body(inst, ipc)

    def nat_pool_rules(self, pool_id: str) -> list[dict[str, Any]]:
        """Return the NAT rules a NAT pool yields, one per instance: ``<pool>.<instance id>``."""
        wanted = key(pool_id)
        pool_name = pool_id.rsplit("/", 1)[-1]
        rules = []
        for inst in self.store.of_type(VMSS_VM_TYPE):
            for nic in inst.internal.get("nics", []):
                for ipc in nic["ipConfigurations"]:
                    port = (ipc.get("natPorts") or {}).get(wanted)
                    if port is not None:
                        rules.append(
                            {
                                "name": f"{pool_name}.{inst.body['instanceId']}",
                                "frontendPort": port,
                                "target": ipc["id"],
                            }
                        )
        return sorted(rules, key=lambda r: r["frontendPort"])

    @staticmethod
    def _nat_rule_ids(ipc: dict[str, Any]) -> list[str]:
        instance = ipc["id"].split("/virtualMachines/", 1)[1].split("/", 1)[0]
        return [
            f"{pool.rsplit('/inboundNatPools/', 1)[0]}/inboundNatRules/{pool.rsplit('/', 1)[-1]}.{instance}"
            for pool in ipc.get("natPools", [])
        ]

    def _ip_config_body(self, inst: Record, ipc: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "privateIPAddress": ipc["privateIPAddress"],
            "privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": ipc["subnet"]},
            "primary": ipc["primary"],
            "privateIPAddressVersion": "IPv4",
            "provisioningState": "Succeeded",
        }
        if ipc.get("pools"):
            props["loadBalancerBackendAddressPools"] = [{"id": p} for p in ipc["pools"]]
        if ipc.get("natPools"):
            props["loadBalancerInboundNatPools"] = [{"id": p} for p in ipc["natPools"]]
            props["loadBalancerInboundNatRules"] = [{"id": r} for r in self._nat_rule_ids(ipc)]
        return {
            "name": ipc["name"],
            "id": ipc["id"],
            "etag": inst.body.get("etag"),
            "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
            "properties": props,
        }

    def _nic_body(self, inst: Record, nic: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "resourceGuid": inst.internal.setdefault("nicGuids", {}).setdefault(nic["name"], self.guid()),
            "ipConfigurations": [self._ip_config_body(inst, ipc) for ipc in nic["ipConfigurations"]],
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "primary": nic["primary"],
            "enableAcceleratedNetworking": nic["enableAcceleratedNetworking"],
            "enableIPForwarding": nic["enableIPForwarding"],
            "virtualMachine": {"id": inst.id},
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "nicType": "Standard",
        }
        if nic.get("nsg"):
            props["networkSecurityGroup"] = {"id": nic["nsg"]}
        mac = inst.internal.setdefault("macs", {}).setdefault(
            nic["name"], "00-0D-3A-" + "-".join(f"{self.emu.rng.randrange(256):02X}" for _ in range(3))
        )
        if inst.internal.get("power") == "running":
            props["macAddress"] = mac
        return {"name": nic["name"], "id": nic["id"], "location": inst.location, "properties": props}

    # -- operations ----------------------------------------------------------------------------------
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
            # Azure keeps the instances that finish first; which ones is chance (seeded here).
            extras = sorted(self.emu.rng.sample(made, extra), key=lambda r: int(r.body["instanceId"]))
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

    # -- handlers ---------------------------------------------------------------------------------------
    def put_vmss(self, call: Call) -> Response:
        rid = self._vmss_id(call)
        name = rid.rsplit("/", 1)[-1]
        existing = self.store.get(rid)
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
        self.vmss_or_404(call)
        return list_response(
            {
                "resourceType": VMSS_TYPE,
                "sku": {"name": s.name, "tier": "Standard"},
                "capacity": {"minimum": 0, "maximum": MAX_CAPACITY, "defaultCapacity": 1, "scaleType": "Automatic"},
            }
            for s in VM_SIZES.values()
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

    def _instance_ids(self, call: Call, vmss: Record, *, required: bool) -> list[Record]:
        """Instances named by a body's ``instanceIds`` (all of them when absent, unless required)."""
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

    def _action(self, action: str, *, one_instance: bool = False) -> Callable[[Call], Response]:
        during, after = _ACTIONS[action]

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
                self.store.touch(inst)

            def complete() -> None:
                for inst_id in ids:
                    inst = self.store.get(inst_id)
                    if inst is not None:
                        inst.internal["power"] = after
                        self.store.touch(inst)

            def failed(err: ArmError) -> None:
                for inst_id in ids:
                    inst = self.store.get(inst_id)
                    if inst is not None:
                        inst.internal["power"] = before[inst_id]
                        self.store.touch(inst)

            op = self.begin(
                call, vmss, action, style="compute", complete=complete, on_failure=failed, op_id=call.request_id
            )
            return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

        return handler

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

    def list_instance_extensions(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._instance_extension_views(self._instance_or_404(call, vmss)))

    def get_instance_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        inst = self._instance_or_404(call, vmss)
        wanted = call.params["vmExtensionName"].lower()
        for view in self._instance_extension_views(inst):
            if view["name"].lower() == wanted:
                if "instanceview" in call.req.query.get("$expand", "").lower():
                    view["properties"]["instanceView"] = self.clone(
                        inst.internal["extensions"][view["name"]]["instanceView"]
                    )
                return json_response(200, view)
        raise ArmError(404, "NotFound", f"The extension {call.params['vmExtensionName']} was not found on {inst.id}.")

    # -- the model's extensions as child resources -------------------------------------------------------
    def _extension_view(self, vmss: Record, ext: dict[str, Any]) -> dict[str, Any]:
        body = self.clone(ext)
        body["id"] = f"{vmss.id}/extensions/{ext['name']}"
        body["type"] = VMSS_EXT_TYPE
        body["properties"]["provisioningState"] = vmss.properties.get("provisioningState", "Succeeded")
        return body

    def _model_extensions(self, vmss: Record) -> list[dict[str, Any]]:
        return list((vmss.properties["virtualMachineProfile"].get("extensionProfile") or {}).get("extensions", []))

    def _with_extensions(self, call: Call, vmss: Record, extensions: list[dict[str, Any]]) -> Record:
        body = self.view(vmss)
        profile = body["properties"]["virtualMachineProfile"]
        profile["extensionProfile"] = {"extensions": extensions}
        return self._build(call, vmss.id, vmss.name, body, vmss)

    def put_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return self._set_extension(
            call, vmss, call.params["vmssExtensionName"], dict(call.body().get("properties") or {})
        )

    def patch_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        name = call.params["vmssExtensionName"]
        current = next((e for e in self._model_extensions(vmss) if e["name"].lower() == name.lower()), None)
        if current is None:
            raise ArmError(404, "NotFound", f"The extension {name} was not found in scale set {vmss.name}.")
        props = {**current["properties"], **(call.body().get("properties") or {})}
        return self._set_extension(call, vmss, current["name"], props)

    def _set_extension(self, call: Call, vmss: Record, name: str, props_in: dict[str, Any]) -> Response:
        """Add or replace one extension of the model (the scale set's PUT, narrowed to it)."""
        self._pending_delete(vmss)
        protected = props_in.get("protectedSettings")
        others = [e for e in self._model_extensions(vmss) if e["name"].lower() != name.lower()]
        created = len(others) == len(self._model_extensions(vmss))
        # the other extensions keep their protected settings: the view the model is rebuilt from has none
        old_protected = dict(vmss.secrets.get("protectedSettings") or {})
        record = self._with_extensions(call, vmss, [*others, {"name": name, "properties": props_in}])
        kept = {k: v for k, v in old_protected.items() if k.lower() != name.lower()}
        if protected is not None:
            kept[name] = protected
        elif name in old_protected:
            kept[name] = old_protected[name]
        record.secrets["protectedSettings"] = kept
        self._bump_model(vmss, record)
        op = self.change(call, record, vmss, "update")
        ext = next(e for e in self._model_extensions(record) if e["name"] == name)
        return json_response(201 if created else 200, self._extension_view(record, ext), self.lro_headers(call, op))

    def _bump_model(self, before: Record, after: Record) -> None:
        after.internal["model_version"] = int(before.internal.get("model_version", 1)) + (
            1 if self._model(before) != self._model(after) else 0
        )

    def get_extension(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        name = call.params["vmssExtensionName"].lower()
        for ext in self._model_extensions(vmss):
            if ext["name"].lower() == name:
                return json_response(200, self._extension_view(vmss, ext))
        raise ArmError(
            404, "NotFound", f"The extension {call.params['vmssExtensionName']} was not found in scale set {vmss.name}."
        )

    def list_extensions(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._extension_view(vmss, e) for e in self._model_extensions(vmss))

    def delete_extension(self, call: Call) -> Response:
        vmss = self.store.get(self._vmss_id(call))
        name = call.params["vmssExtensionName"].lower()
        if vmss is None or not any(e["name"].lower() == name for e in self._model_extensions(vmss)):
            return Response(204)
        self._pending_delete(vmss)
        record = self._with_extensions(
            call, vmss, [e for e in self._model_extensions(vmss) if e["name"].lower() != name]
        )
        record.secrets["protectedSettings"] = {
            k: v for k, v in (vmss.secrets.get("protectedSettings") or {}).items() if k.lower() != name
        }
        self._bump_model(vmss, record)
        op = self.change(call, record, vmss, "update")
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    # -- the instances' NICs (Network RP routes) -----------------------------------------------------------
    def _nics_of(self, inst: Record) -> Iterator[dict[str, Any]]:
        for nic in inst.internal.get("nics", []):
            yield self._nic_body(inst, nic)

    def list_all_nics(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(n for inst in self.instances(vmss.id) for n in self._nics_of(inst))

    def list_instance_nics(self, call: Call) -> Response:
        vmss = self.vmss_or_404(call)
        return list_response(self._nics_of(self._instance_or_404(call, vmss)))

    def _instance_nic(self, call: Call) -> dict[str, Any]:
        vmss = self.vmss_or_404(call)
        inst = self._instance_or_404(call, vmss)
        wanted = call.params["networkInterfaceName"].lower()
        for nic in self._nics_of(inst):
            if nic["name"].lower() == wanted:
                return nic
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.Compute/virtualMachineScaleSets/{vmss.name}/virtualMachines/"
            f"{inst.body['instanceId']}/networkInterfaces/{call.params['networkInterfaceName']}' under resource group "
            f"'{call.rg}' was not found.",
        )

    def get_instance_nic(self, call: Call) -> Response:
        return json_response(200, self._instance_nic(call))

    def list_instance_ip_configs(self, call: Call) -> Response:
        return list_response(self._instance_nic(call)["properties"]["ipConfigurations"])

    def get_instance_ip_config(self, call: Call) -> Response:
        wanted = call.params["ipConfigurationName"].lower()
        for ipc in self._instance_nic(call)["properties"]["ipConfigurations"]:
            if ipc["name"].lower() == wanted:
                return json_response(200, ipc)
        raise ArmError(404, "NotFound", f"IP configuration {call.params['ipConfigurationName']} was not found.")
