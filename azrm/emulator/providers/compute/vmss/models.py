"""Build a scale set's model from a PUT or PATCH body, as the Compute RP validates it.

- ``sku``: a known VM size, and a capacity of 0 to 100 instances in a single placement group (1,000
  without one).
- ``storageProfile``: a marketplace image whose publisher and offer cannot change, and an OS disk
  created from it.
- ``osProfile``: a computer name prefix (Azure appends 6 characters) and the admin user and password
  rules of VMs.
- ``networkProfile``: one primary NIC configuration, subnets of one virtual network, and load balancer
  backend pools and NAT pools of the scale set's region.
- ``extensionProfile``: known extension versions, one extension per handler.
- ``upgradePolicy.mode``: Automatic, Manual or Rolling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ....core.clock import iso_compute
from ....core.errors import ArmError, invalid_parameter, invalid_resource_reference
from ....core.ids import ResourceId
from ....core.store import Record
from ...catalog import Image, VmSize, find_image, find_size, resolve_extension
from ...managedidentity.assign import resolve_identity
from ...network.common import LB_TYPE, NSG_TYPE
from ..common import VMSS_TYPE, missing, size_not_offered
from ..vm.validation import (
    check_password,
    check_plan,
    check_username,
    check_vm_name,
    linux_configuration,
    platform_image,
)
from .common import ScaleSetBase

if TYPE_CHECKING:
    from ....core.wire import Call

_UPGRADE_MODES = {"manual": "Manual", "automatic": "Automatic", "rolling": "Rolling"}
MAX_CAPACITY = 1000
MAX_CAPACITY_SINGLE_PLACEMENT = 100


class ScaleSetModel(ScaleSetBase):
    """Validate a scale set's body into its record."""

    def _os_profile(
        self, raw: dict[str, Any], os_type: str, old: dict[str, Any] | None, secrets: dict[str, Any]
    ) -> dict[str, Any]:
        """Check ``osProfile``: the computer name prefix, then the admin user and password as for VMs."""
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
        """Check ``networkProfile``: one primary NIC configuration, subnets of one VNet, pools of the region."""
        from ...network.nic import NetworkInterfaceBackend

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
        """Check a reference to a load balancer's pool or NAT pool; return it in the LB's casing."""
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
        """Check ``extensionProfile.extensions``; protected settings go to ``secrets`` (kept when not given)."""
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
            resolve_extension(str(p["publisher"]), str(p["type"]), str(p["typeHandlerVersion"]),
                              bool(p.get("autoUpgradeMinorVersion", False)))  # fmt: skip
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
                "typeHandlerVersion": str(p["typeHandlerVersion"]),
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
        props_in = body.get("properties") or {}
        size, capacity, single = self._sku(sku_in, props_in, old, existing, location)
        secrets: dict[str, Any] = self.clone(existing.secrets) if existing is not None else {}
        profile = self._vm_profile(props_in, rid, name, location, old, existing, secrets)
        ref = profile["storageProfile"]["imageReference"]
        check_plan(find_image(ref["publisher"], ref["offer"], ref["sku"]), body.get("plan"), rid)
        mode = self._upgrade_mode(props_in, old)
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
        for field in ("zones", "plan"):
            if body.get(field) is not None:
                record_body[field] = body[field]
        identity = resolve_identity(
            self.emu, body.get("identity"), existing.body.get("identity") if existing else None, rid
        )
        if identity is not None:
            record_body["identity"] = identity
        internal = dict(existing.internal) if existing is not None else {"next_id": 0, "model_version": 1}
        record = Record(rid, VMSS_TYPE, record_body, secrets=secrets, internal=internal)
        if existing is not None:
            self._bump_model(existing, record)
        return record

    def _sku(
        self,
        sku_in: dict[str, Any],
        props_in: dict[str, Any],
        old: dict[str, Any],
        existing: Record | None,
        location: str,
    ) -> tuple[VmSize, int, bool]:
        """Check the size and the capacity; return them and whether the set is a single placement group."""
        size_name = sku_in.get("name")
        if not size_name:
            raise missing("sku.name")
        size = find_size(str(size_name), location)
        if size is None:
            raise size_not_offered(size_name, location, "sku.name")
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
        return size, capacity, single

    def _vm_profile(
        self,
        props_in: dict[str, Any],
        rid: str,
        name: str,
        location: str,
        old: dict[str, Any],
        existing: Record | None,
        secrets: dict[str, Any],
    ) -> dict[str, Any]:
        """Validate ``virtualMachineProfile`` (a body without one keeps the scale set's)."""
        profile_in = props_in.get("virtualMachineProfile")
        if profile_in is None:
            if existing is None:
                raise missing("virtualMachineProfile")
            profile_in = old["virtualMachineProfile"]
        sp_in = profile_in.get("storageProfile") or {}
        image = self._image(sp_in, old, existing)
        os_type = image.os_type
        check_vm_name(name, os_type)
        storage_profile = self._storage_profile(sp_in, image)

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
        return profile

    def _image(self, sp_in: dict[str, Any], old: dict[str, Any], existing: Record | None) -> Image:
        """Find the marketplace image; its publisher and offer cannot change after creation."""
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
        return image

    def _storage_profile(self, sp_in: dict[str, Any], image: Image) -> dict[str, Any]:
        """Build the storage profile: the image reference and an OS disk created from it."""
        image_ref = sp_in["imageReference"]
        os_in = dict(sp_in.get("osDisk") or {})
        if str(os_in.get("createOption", "FromImage")).lower() != "fromimage":
            raise invalid_parameter(
                "A scale set's OS disk is created from its image: osDisk.createOption must be FromImage.",
                target="createOption",
            )
        storage_type = (os_in.get("managedDisk") or {}).get("storageAccountType") or "Standard_LRS"
        os_disk: dict[str, Any] = {"createOption": "FromImage", "caching": os_in.get("caching") or "None"}
        if os_in.get("vhdContainers"):
            # unmanaged disks (the only kind before 2016-04-30-preview): blobs in these containers
            if not os_in.get("name"):
                raise missing("virtualMachineProfile.storageProfile.osDisk.name")
            containers = os_in["vhdContainers"]
            if not isinstance(containers, list) or not all(isinstance(c, str) and c for c in containers):
                raise invalid_parameter("osDisk.vhdContainers must be a list of blob container URLs.",
                                        target="vhdContainers")  # fmt: skip
            os_disk.update(name=os_in["name"], vhdContainers=list(containers))
        else:
            os_disk["managedDisk"] = {"storageAccountType": storage_type}
            if os_in.get("name"):
                os_disk["name"] = os_in["name"]
        if os_in.get("diskSizeGB"):
            os_disk["diskSizeGB"] = os_in["diskSizeGB"]
        elif not sp_in.get("osDisk"):
            os_disk["diskSizeGB"] = image.disk_size_gb
        image_out = {k: image_ref[k] for k in ("publisher", "offer", "sku") if k in image_ref}
        image_out["version"] = str(image_ref.get("version") or "latest")
        storage_profile: dict[str, Any] = {"imageReference": image_out, "osDisk": os_disk}
        if sp_in.get("dataDisks"):
            storage_profile["dataDisks"] = list(sp_in["dataDisks"])
        return storage_profile

    @staticmethod
    def _upgrade_mode(props_in: dict[str, Any], old: dict[str, Any]) -> str:
        """Return ``upgradePolicy.mode`` in Azure's casing (Manual when absent)."""
        mode_in = str((props_in.get("upgradePolicy") or old.get("upgradePolicy") or {}).get("mode") or "Manual")
        mode = _UPGRADE_MODES.get(mode_in.lower())
        if mode is None:
            raise invalid_parameter(
                f"The value '{mode_in}' of parameter upgradePolicy.mode is not allowed. Allowed values are "
                "'Automatic', 'Manual' and 'Rolling'.",
                target="upgradePolicy.mode",
            )
        return mode
