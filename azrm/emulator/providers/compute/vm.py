"""Microsoft.Compute/virtualMachines.

Validation as the Compute RP does it, disks (managed, or VHD page blobs in Azurite), NICs and public
IPs that follow the VM, power states, instance views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ....rules import (
    DISALLOWED_PASSWORDS,
    computer_name_problem,
    password_problem,
    username_problem,
    vm_name_problem,
)
from ...core.clock import iso_compute
from ...core.errors import ArmError, invalid_parameter
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import json_response, list_response
from ..catalog import VM_SIZES, Image, find_image
from ..network.common import NIC_TYPE
from ..network.public_ip import PublicIpBackend
from ..storage import SA_TYPE, split_blob_url
from .common import (
    AVSET_TYPE,
    DISK_TYPE,
    POWER_DISPLAY,
    VM_TYPE,
    ComputeBase,
    agent_view,
    missing,
    status,
    supports_premium,
)

if TYPE_CHECKING:
    from ...core.engine import Call

GIB = 1024**3
_PASSTHROUGH = (
    "additionalCapabilities",
    "securityProfile",
    "diagnosticsProfile",
    "billingProfile",
    "priority",
    "evictionPolicy",
    "licenseType",
    "extensionsTimeBudget",
    "scheduledEventsProfile",
    "capacityReservation",
    "applicationProfile",
    "proximityPlacementGroup",
    "host",
    "hostGroup",
    "platformFaultDomain",
    "virtualMachineScaleSet",
)


def password_rule(os_type: str) -> str:
    """Azure's password rule text (verbatim)."""
    span = "8-123" if os_type == "Windows" else "6-72"
    return (
        f"The supplied password must be between {span} characters long and must satisfy at least 3 of password "
        "complexity requirements from the following:\r\n1) Contains an uppercase character\r\n2) Contains a "
        "lowercase character\r\n3) Contains a numeric digit\r\n4) Contains a special character\r\n5) Control "
        "characters are not allowed"
    )


def check_password(password: str, os_type: str) -> None:
    """Azure's password rules (:func:`azrm.rules.password_problem`), answered as the Compute RP does."""
    if password_problem(password, os_type) is None:
        return
    if password in DISALLOWED_PASSWORDS:
        raise invalid_parameter(
            "The supplied password is not allowed: it is a commonly used password.", target="adminPassword"
        )
    raise invalid_parameter(password_rule(os_type), target="adminPassword")


def linux_configuration(raw: Any, password: Any) -> dict[str, Any]:
    """Check a ``linuxConfiguration`` (SSH keys or a password) and fill Azure's defaults."""
    lin = dict(raw or {})
    lin.setdefault("disablePasswordAuthentication", False)
    keys = ((lin.get("ssh") or {}).get("publicKeys")) or []
    if lin["disablePasswordAuthentication"] and not keys:
        raise invalid_parameter(
            "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
            target="linuxConfiguration",
        )
    if not lin["disablePasswordAuthentication"]:
        if not password:
            raise missing("adminPassword")
        check_password(str(password), "Linux")
    lin.setdefault("provisionVMAgent", True)
    return lin


def check_username(user: str, os_type: str) -> None:
    """Azure's admin user name rules (:func:`azrm.rules.username_problem`)."""
    if username_problem(user, os_type) is not None:
        raise invalid_parameter("The Admin Username specified is not allowed.", target="adminUsername")


def platform_image(ref: dict[str, Any]) -> tuple[Image, str]:
    """Find a marketplace image and its exact version, or answer as the Compute RP does."""
    if ref.get("id"):
        raise invalid_parameter(
            "The local Azure serves marketplace images only; custom and gallery images (imageReference.id) "
            "are not emulated.",
            target="imageReference",
        )
    for field in ("publisher", "offer", "sku"):
        if not ref.get(field):
            raise missing(f"imageReference.{field}")
    version = str(ref.get("version") or "latest")
    image = find_image(ref["publisher"], ref["offer"], ref["sku"])
    if image is not None and (version.lower() == "latest" or version in image.versions):
        return image, image.versions[-1] if version.lower() == "latest" else version
    urn = f"{ref['publisher']}:{ref['offer']}:{ref['sku']}:{version}"
    raise ArmError(
        404,
        "PlatformImageNotFound",
        f"The platform image '{urn}' is not available. Verify that all fields in the storage profile are correct. "
        "For more details about storage profile information, please refer to https://aka.ms/storageprofile",
        target="imageReference",
    )


def merge_patch(base: Any, patch: Any) -> Any:
    """JSON merge used by PATCH: objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge_patch(base.get(k), v) if k in base else v
        return out
    return patch


class VirtualMachineBackend(ComputeBase):
    """Virtual machines."""

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        one = base + "/virtualMachines/{vmName}"
        vm = {"resource_param": "vmName"}
        r.add("PUT", one, self.put_vm, compute_policy="PutVM", **vm)
        r.add("PATCH", one, self.patch_vm, compute_policy="PutVM", **vm)
        r.add("GET", one, self.get_vm, compute_policy="GetVM", **vm)
        r.add("DELETE", one, self.delete_vm, compute_policy="DeleteVM", **vm)
        r.add("GET", one + "/instanceView", self.get_instance_view, compute_policy="GetVM", **vm)
        r.add("GET", one + "/vmSizes", self.available_sizes, compute_policy="GetVM", **vm)
        r.add("POST", one + "/generalize", self.generalize, compute_policy="PutVM", **vm)
        for action in ("start", "powerOff", "restart", "deallocate", "redeploy", "reapply"):
            r.add("POST", f"{one}/{action}", self._action(action), compute_policy="PutVM", **vm)
        r.add("GET", base + "/virtualMachines", self.list_vms, compute_policy="ListVMs")
        r.add(
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines",
            self.list_vms,
            compute_policy="ListVMs",
        )

    # -- views -----------------------------------------------------------------------------------------
    def view(self, record: Record, expand: str = "") -> dict[str, Any]:
        """Return the VM as ARM returns it; ``expand`` may hold ``instanceView`` and ``userData``."""
        from .extensions import VirtualMachineExtensionBackend

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
        """``instanceView`` of a VM: agent, disks, extensions and the provisioning and power statuses."""
        from .extensions import VirtualMachineExtensionBackend

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

    # -- validation -------------------------------------------------------------------------------
    def _check_name(self, name: str, os_type: str) -> None:
        problem = vm_name_problem(name, os_type)
        if problem is not None:
            raise ArmError(400, "InvalidResourceName", f"The resource name '{name}' is invalid: {problem}.")

    def _vhd(self, uri: str, location: str, *, must_exist: bool, field: str) -> tuple[str, str, str]:
        parts = split_blob_url(uri)
        if parts is None:
            raise invalid_parameter(f"The URI {uri} does not look to be correct blob URI.", target=field)
        account, container, blob = parts
        from ..storage import StorageProvider

        record = self.emu.backend(StorageProvider).by_name(account)
        if record is None or record.location != location or record.type != SA_TYPE:
            raise ArmError(
                404,
                "StorageAccountNotFound",
                f"Storage account '{account}' not found. Ensure storage account is not deleted and belongs to the "
                "same Azure location as the VM.",
            )
        if self.emu.blob is not None:
            exists = self.emu.blob.blob_exists(account, container, blob)
            if exists and not must_exist:
                raise ArmError(
                    409,
                    "VHDBlobAlreadyExists",
                    f"Blob {uri} already exists. Please provide a different blob URI as target for disk '{field}'.",
                )
            if must_exist and not exists:
                raise invalid_parameter(
                    f"Blob {uri} does not exist; a disk attached from a VHD needs one.", target=field
                )
        return account, container, blob

    def _disk_for_attach(self, disk_id: str, vm_id: str) -> Record:
        disk = self.store.get(disk_id)
        if disk is None or disk.type != DISK_TYPE:
            raise ArmError(404, "NotFound", f"Resource {disk_id} not found.")
        owner = disk.body.get("managedBy")
        if owner and key(owner) != key(vm_id):
            raise ArmError(
                409,
                "OperationNotAllowed",
                f"Disk {disk.name} is already attached to VM {owner}.",
            )
        return disk

    def _build(
        self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None
    ) -> tuple[Record, list[Callable[[Record], None]]]:
        """Validate a PUT body; returns the new record and what to do when provisioning completes."""
        location = self.location(body, VM_TYPE)
        if existing is not None and existing.location != location:
            raise ArmError(
                409, "PropertyChangeNotAllowed", "Changing property 'location' is not allowed.", target="location"
            )
        props_in = body.get("properties") or {}
        old = existing.properties if existing is not None else {}
        on_complete: list[Callable[[Record], None]] = []

        size_name = (props_in.get("hardwareProfile") or {}).get("vmSize")
        if not size_name:
            raise missing("hardwareProfile.vmSize")
        size = VM_SIZES.get(str(size_name).lower())
        if size is None:
            raise invalid_parameter(
                f"The value {size_name} provided for the VM size is not valid. The valid sizes in the current region "
                f"are: {', '.join(s.name for s in VM_SIZES.values())}.",
                target="vmSize",
            )

        sp_in = props_in.get("storageProfile")
        if not sp_in:
            raise missing("storageProfile")
        os_in = dict(sp_in.get("osDisk") or {})
        image_ref = sp_in.get("imageReference")
        create_option = str(os_in.get("createOption") or ("FromImage" if image_ref else "")).lower()
        image: Image | None = None
        exact = None
        attached_os_disk: Record | None = None
        if existing is not None:
            # The OS disk and image cannot change after creation.
            old_sp = old["storageProfile"]
            if (
                image_ref
                and old_sp.get("imageReference")
                and any(
                    str(image_ref.get(f, "")).lower() != str(old_sp["imageReference"].get(f, "")).lower()
                    for f in ("publisher", "offer", "sku")
                )
            ):
                raise ArmError(
                    409,
                    "PropertyChangeNotAllowed",
                    "Changing property 'imageReference' is not allowed.",
                    target="imageReference",
                )
            if os_in.get("name") and os_in["name"] != old_sp["osDisk"].get("name"):
                raise ArmError(
                    409,
                    "PropertyChangeNotAllowed",
                    "Changing property 'osDisk.name' is not allowed.",
                    target="osDisk.name",
                )
            os_type = old_sp["osDisk"]["osType"]
            os_disk = self.clone(old_sp["osDisk"])
            if os_in.get("caching"):
                os_disk["caching"] = os_in["caching"]
            image_out = self.clone(old_sp.get("imageReference"))
        else:
            if create_option == "fromimage":
                if not image_ref:
                    raise missing("imageReference")
                image, exact = platform_image(image_ref)
                os_type = image.os_type
            elif create_option == "attach":
                disk_id = (os_in.get("managedDisk") or {}).get("id")
                if disk_id:
                    attached_os_disk = self._disk_for_attach(disk_id, rid)
                    os_type = str(os_in.get("osType") or attached_os_disk.properties.get("osType") or "")
                elif (os_in.get("vhd") or {}).get("uri"):
                    self._vhd(os_in["vhd"]["uri"], location, must_exist=True, field="osDisk.vhd.uri")
                    os_type = str(os_in.get("osType") or "")
                else:
                    raise missing("osDisk.managedDisk.id")
                if os_type not in ("Windows", "Linux"):
                    raise missing("osDisk.osType")
            elif not create_option:
                raise missing("osDisk.createOption")
            else:
                raise invalid_parameter(
                    f"The value '{os_in.get('createOption')}' of parameter 'osDisk.createOption' is not allowed. "
                    "Allowed values are 'FromImage' and 'Attach'.",
                    target="createOption",
                )
            self._check_name(name, os_type)
            os_disk = {
                "osType": os_type,
                "name": os_in.get("name"),
                "createOption": os_in.get("createOption") or "FromImage",
                "caching": os_in.get("caching") or "ReadWrite",
            }
            if os_in.get("diskSizeGB") is not None:
                os_disk["diskSizeGB"] = os_in["diskSizeGB"]
            vhd_uri = (os_in.get("vhd") or {}).get("uri")
            if vhd_uri:
                if create_option == "fromimage":
                    account, container, blob = self._vhd(vhd_uri, location, must_exist=False, field="osDisk.vhd.uri")
                    size_gb = int(os_in.get("diskSizeGB") or (image.disk_size_gb if image else 127))
                    os_disk["diskSizeGB"] = size_gb
                    on_complete.append(self._page_blob_step(account, container, blob, size_gb))
                os_disk["vhd"] = {"uri": vhd_uri}
                if not os_disk["name"]:
                    os_disk["name"] = blob_name_stem(vhd_uri)
            else:
                storage_type = (os_in.get("managedDisk") or {}).get("storageAccountType") or (
                    "Premium_LRS" if supports_premium(size.name) else "Standard_LRS"
                )
                if attached_os_disk is not None:
                    os_disk["name"] = attached_os_disk.name
                    os_disk["managedDisk"] = {
                        "storageAccountType": attached_os_disk.body["sku"]["name"],
                        "id": attached_os_disk.id,
                    }
                    on_complete.append(self._attach_disk_step(attached_os_disk.id))
                else:
                    os_disk["name"] = os_disk["name"] or f"{name}_disk1_{self.guid().replace('-', '')}"
                    os_disk["managedDisk"] = {"storageAccountType": storage_type}
                    size_gb = int(os_in.get("diskSizeGB") or (image.disk_size_gb if image else 127))
                    on_complete.append(
                        self._managed_disk_step(os_disk, size_gb, location, os_type, image, exact, lun=None)
                    )
                os_disk["deleteOption"] = os_in.get("deleteOption") or "Detach"
            image_out = None
            if image is not None:
                image_out = {
                    "publisher": image_ref["publisher"],
                    "offer": image_ref["offer"],
                    "sku": image_ref["sku"],
                    "version": image_ref.get("version") or "latest",
                    "exactVersion": exact,
                }
        unmanaged = "vhd" in os_disk

        # -- data disks ---------------------------------------------------------------------------
        data_in = sp_in.get("dataDisks") or []
        if len(data_in) > size.max_data_disks:
            raise ArmError(
                409,
                "OperationNotAllowed",
                "The maximum number of data disks allowed to be attached to a VM of this size is "
                f"{size.max_data_disks}.",
                target="dataDisks",
            )
        old_disks = {d["lun"]: d for d in (old.get("storageProfile", {}).get("dataDisks", []) if existing else [])}
        data_disks = []
        luns: set[int] = set()
        for index, raw in enumerate(data_in):
            lun = raw.get("lun")
            if not isinstance(lun, int) or not 0 <= lun <= 63:
                raise invalid_parameter(
                    f"The value '{lun}' of parameter 'dataDisks[{index}].lun' is not valid; use 0 to 63.", target="lun"
                )
            if lun in luns:
                raise invalid_parameter(
                    f"Data disks of the virtual machine have duplicate LUN {lun}.", target="dataDisks"
                )
            luns.add(lun)
            if lun in old_disks:
                kept = self.clone(old_disks[lun])
                if raw.get("caching"):
                    kept["caching"] = raw["caching"]
                data_disks.append(kept)
                continue
            disk_option = str(raw.get("createOption") or "").lower()
            disk: dict[str, Any] = {
                "lun": lun,
                "name": raw.get("name"),
                "createOption": raw.get("createOption") or "Empty",
                "caching": raw.get("caching") or "None",
            }
            vhd_uri = (raw.get("vhd") or {}).get("uri")
            if vhd_uri and not unmanaged:
                raise invalid_parameter(
                    "Addition of a VHD-based disk to a VM with managed disks is not supported.", target="dataDisks"
                )
            if not vhd_uri and unmanaged:
                raise invalid_parameter(
                    "Addition of a managed disk to a VM with blob based disks is not supported.", target="dataDisks"
                )
            if disk_option == "empty":
                size_gb = raw.get("diskSizeGB")
                if not isinstance(size_gb, int) or not 1 <= size_gb <= 32767:
                    raise missing(f"dataDisks[{index}].diskSizeGB")
                disk["diskSizeGB"] = size_gb
                if vhd_uri:
                    account, container, blob = self._vhd(
                        vhd_uri, location, must_exist=False, field=f"dataDisks[{index}].vhd.uri"
                    )
                    disk["vhd"] = {"uri": vhd_uri}
                    disk["name"] = disk["name"] or blob_name_stem(vhd_uri)
                    on_complete.append(self._page_blob_step(account, container, blob, size_gb))
                else:
                    storage_type = (raw.get("managedDisk") or {}).get("storageAccountType") or (
                        "Premium_LRS" if supports_premium(size.name) else "Standard_LRS"
                    )
                    disk["name"] = disk["name"] or f"{name}_disk{lun + 2}_{self.guid().replace('-', '')}"
                    disk["managedDisk"] = {"storageAccountType": storage_type}
                    disk["deleteOption"] = raw.get("deleteOption") or "Detach"
                    on_complete.append(self._managed_disk_step(disk, size_gb, location, None, None, None, lun=lun))
            elif disk_option == "attach":
                disk_id = (raw.get("managedDisk") or {}).get("id")
                if disk_id:
                    target = self._disk_for_attach(disk_id, rid)
                    disk["name"] = target.name
                    disk["diskSizeGB"] = target.properties.get("diskSizeGB")
                    disk["managedDisk"] = {"storageAccountType": target.body["sku"]["name"], "id": target.id}
                    disk["deleteOption"] = raw.get("deleteOption") or "Detach"
                    on_complete.append(self._attach_disk_step(target.id))
                elif vhd_uri:
                    self._vhd(vhd_uri, location, must_exist=True, field=f"dataDisks[{index}].vhd.uri")
                    disk["vhd"] = {"uri": vhd_uri}
                    disk["name"] = disk["name"] or blob_name_stem(vhd_uri)
                else:
                    raise missing(f"dataDisks[{index}].managedDisk.id")
            else:
                raise invalid_parameter(
                    f"The value '{raw.get('createOption')}' of parameter "
                    f"'dataDisks[{index}].createOption' is not allowed. "
                    "Allowed values are 'Empty' and 'Attach'.",
                    target="createOption",
                )
            data_disks.append(disk)
        for lun, old_disk in old_disks.items():
            if lun not in luns and (old_disk.get("managedDisk") or {}).get("id"):
                on_complete.append(self._detach_disk_step(old_disk["managedDisk"]["id"]))

        storage_profile: dict[str, Any] = {"osDisk": os_disk, "dataDisks": data_disks}
        if image_out is not None:
            storage_profile = {"imageReference": image_out, **storage_profile}
        if sp_in.get("diskControllerType"):
            storage_profile["diskControllerType"] = sp_in["diskControllerType"]

        # -- OS profile ------------------------------------------------------------------------------
        secrets: dict[str, Any] = dict(existing.secrets) if existing is not None else {}
        os_profile = self._os_profile(
            props_in.get("osProfile"),
            old.get("osProfile"),
            os_type,
            existing is not None,
            needs_profile=create_option == "fromimage",
            secrets=secrets,
        )

        # -- network -----------------------------------------------------------------------------------
        network_profile = self._network_profile(props_in.get("networkProfile"), rid, location, existing)

        # -- availability set ---------------------------------------------------------------------------
        avset_id = (props_in.get("availabilitySet") or {}).get("id")
        old_avset = (old.get("availabilitySet") or {}).get("id") if existing else None
        if existing is not None and key(avset_id or "") != key(old_avset or ""):
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                "Changing property 'availabilitySet' is not allowed.",
                target="availabilitySet",
            )
        if avset_id and existing is None:
            avset = self.store.get(avset_id)
            if avset is None or avset.type != AVSET_TYPE or avset.location != location:
                raise ArmError(404, "NotFound", f"Availability set {avset_id} not found in location {location}.")
            if avset.body.get("sku", {}).get("name") == "Classic" and not unmanaged:
                raise invalid_parameter(
                    "Addition of a VM with managed disks to non-managed Availability Set or addition of a VM with blob "
                    "based disks to managed Availability Set is not supported. Please create an Availability Set with "
                    "'use managed disks' property set to true in order to create a VM with managed disks in it.",
                    target="availabilitySet",
                )

        props: dict[str, Any] = {
            "vmId": old.get("vmId") or self.guid(),
            "hardwareProfile": {**(props_in.get("hardwareProfile") or {}), "vmSize": size.name},
            "storageProfile": storage_profile,
        }
        if os_profile is not None:
            props["osProfile"] = os_profile
        props["networkProfile"] = network_profile
        if avset_id:
            props["availabilitySet"] = {"id": avset_id}
        for field in _PASSTHROUGH:
            if field in props_in:
                props[field] = props_in[field]
        props["timeCreated"] = old.get("timeCreated") or iso_compute(self.emu.now())
        internal = dict(existing.internal) if existing is not None else {}
        if "userData" in props_in:
            internal["userData"] = props_in["userData"]
        if image is not None:
            internal.update(osName=image.os_name, osVersion=image.os_version, hyperVGeneration=image.hyper_v_generation)
        elif existing is None:
            internal.update(osName="Windows" if os_type == "Windows" else "linux", osVersion="", hyperVGeneration="V1")
        etag = int(str(existing.body.get("etag", '"0"')).strip('"') or 0) + 1 if existing is not None else 1
        record_body: dict[str, Any] = {
            "name": name,
            "id": rid,
            "type": VM_TYPE,
            "location": location,
            "tags": self.tags(body),
            "etag": f'"{etag}"',
            "properties": props,
        }
        for field in ("plan", "zones", "extendedLocation"):
            if body.get(field) is not None:
                record_body[field] = body[field]
        if body.get("identity"):
            identity = dict(body["identity"])
            if "SystemAssigned" in str(identity.get("type", "")):
                identity.setdefault(
                    "principalId", (existing.body.get("identity") or {}).get("principalId") if existing else None
                )
                identity["principalId"] = identity["principalId"] or self.guid()
                identity["tenantId"] = self.emu.tenant_id
            record_body["identity"] = identity
        return Record(rid, VM_TYPE, record_body, secrets=secrets, internal=internal), on_complete

    def _os_profile(
        self, raw: Any, old: Any, os_type: str, updating: bool, *, needs_profile: bool, secrets: dict[str, Any]
    ) -> dict[str, Any] | None:
        if updating:
            # A PUT that repeats the profile (a redeployed template, a re-run script) is fine; a change is not.
            current = {**(old or {}), "adminPassword": secrets.get("adminPassword")}
            for field in ("adminPassword", "computerName", "adminUsername"):
                if raw and raw.get(field) and raw[field] != current.get(field):
                    raise ArmError(
                        409,
                        "PropertyChangeNotAllowed",
                        f"Changing property '{field}' is not allowed.",
                        target=field,
                    )
            return self.clone(old) if old else None
        if not raw:
            if needs_profile:
                raise missing("osProfile")
            return None
        computer = raw.get("computerName")
        if not computer:
            raise missing("osProfile.computerName")
        if computer_name_problem(computer, os_type) is not None and os_type == "Windows":
            raise invalid_parameter(
                "Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the "
                "following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , < > / ?.",
                target="computerName",
            )
        if computer_name_problem(computer, os_type) is not None:
            raise invalid_parameter(
                "Linux host name cannot exceed 64 characters in length or contain the following characters: "
                "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" , < > / ?.",
                target="computerName",
            )
        user = raw.get("adminUsername")
        if not user:
            raise missing("osProfile.adminUsername")
        check_username(str(user), os_type)
        password = raw.get("adminPassword")
        profile: dict[str, Any] = {"computerName": computer, "adminUsername": user}
        if os_type == "Windows":
            if raw.get("linuxConfiguration"):
                raise invalid_parameter(
                    "A Windows image cannot take a linuxConfiguration.", target="linuxConfiguration"
                )
            if not password:
                raise missing("adminPassword")
            check_password(str(password), os_type)
            win = dict(raw.get("windowsConfiguration") or {})
            win.setdefault("provisionVMAgent", True)
            win.setdefault("enableAutomaticUpdates", True)
            patch = dict(win.get("patchSettings") or {})
            patch.setdefault("patchMode", "AutomaticByOS")
            patch.setdefault("assessmentMode", "ImageDefault")
            win["patchSettings"] = patch
            profile["windowsConfiguration"] = win
        else:
            if raw.get("windowsConfiguration"):
                raise invalid_parameter(
                    "A Linux image cannot take a windowsConfiguration.", target="windowsConfiguration"
                )
            lin = linux_configuration(raw.get("linuxConfiguration"), password)
            patch = dict(lin.get("patchSettings") or {})
            patch.setdefault("patchMode", "ImageDefault")
            patch.setdefault("assessmentMode", "ImageDefault")
            lin["patchSettings"] = patch
            profile["linuxConfiguration"] = lin
        if password:
            secrets["adminPassword"] = password
        if raw.get("customData"):
            secrets["customData"] = raw["customData"]
        profile["secrets"] = list(raw.get("secrets") or [])
        profile["allowExtensionOperations"] = bool(raw.get("allowExtensionOperations", True))
        profile["requireGuestProvisionSignal"] = True
        return profile

    def _network_profile(self, raw: Any, rid: str, location: str, existing: Record | None) -> dict[str, Any]:
        nics_in = (raw or {}).get("networkInterfaces") or []
        if (raw or {}).get("networkInterfaceConfigurations"):
            raise invalid_parameter(
                "networkInterfaceConfigurations (NICs created with the VM) are not emulated; create the NIC first "
                "and reference it in networkInterfaces.",
                target="networkInterfaceConfigurations",
            )
        if not nics_in:
            raise missing("networkProfile")
        primaries = [n for n in nics_in if (n.get("properties") or {}).get("primary")]
        if len(nics_in) > 1 and len(primaries) != 1:
            raise invalid_parameter(
                f"Virtual machine {rid.rsplit('/', 1)[-1]} must have one network interface marked as primary.",
                target="networkInterfaces",
            )
        old_ids = {
            key(n["id"]) for n in (existing.properties["networkProfile"]["networkInterfaces"] if existing else [])
        }
        new_ids = set()
        out = []
        for entry in nics_in:
            nic_id = entry.get("id")
            if not nic_id:
                raise missing("networkProfile.networkInterfaces.id")
            nic = self.store.get(nic_id)
            if nic is None or nic.type != NIC_TYPE:
                raise ArmError(404, "NotFound", f"Resource {nic_id} not found.")
            if nic.location != location:
                raise invalid_parameter(
                    f"The network interface {nic.id} is in location '{nic.location}', different from the virtual "
                    f"machine's location '{location}'. Resources must be in the same region.",
                    target="networkInterfaces",
                )
            for vm in self.store.of_type(VM_TYPE):
                if vm.key == key(rid):
                    continue
                if any(key(n["id"]) == nic.key for n in vm.properties["networkProfile"]["networkInterfaces"]):
                    raise ArmError(
                        409,
                        "NicInUse",
                        f"Network interface {nic.id} is already used by virtual machine {vm.id}; a NIC can be "
                        "attached to one virtual machine only.",
                    )
            new_ids.add(nic.key)
            item: dict[str, Any] = {"id": nic.id}
            p = entry.get("properties") or {}
            if p:
                item["properties"] = {k: v for k, v in p.items() if k in ("primary", "deleteOption")}
            out.append(item)
        if existing is not None and new_ids != old_ids and existing.internal.get("power") not in ("deallocated",):
            raise ArmError(
                409,
                "OperationNotAllowed",
                "Network interfaces of a virtual machine can only be added or removed while it is "
                "stopped (deallocated).",
            )
        return {"networkInterfaces": out}

    # -- completion steps ------------------------------------------------------------------------
    def _page_blob_step(self, account: str, container: str, blob: str, size_gb: int) -> Callable[[Record], None]:
        def step(vm: Record) -> None:
            if self.emu.blob is None:
                return
            from azure.core.exceptions import ResourceExistsError

            try:
                self.emu.blob.create_page_blob(account, container, blob, size_gb * GIB)
            except ResourceExistsError:
                raise ArmError(
                    409,
                    "VHDBlobAlreadyExists",
                    f"Blob {container}/{blob} in storage account {account} already exists.",
                ) from None

        return step

    def _managed_disk_step(
        self,
        disk: dict[str, Any],
        size_gb: int,
        location: str,
        os_type: str | None,
        image: Image | None,
        exact: str | None,
        *,
        lun: int | None,
    ) -> Callable[[Record], None]:
        def step(vm: Record) -> None:
            rg = vm.resource_group
            disk_id = f"/subscriptions/{vm.rid.subscription}/resourceGroups/{rg}/providers/{DISK_TYPE}/{disk['name']}"
            creation: dict[str, Any] = {"createOption": "FromImage" if image else "Empty"}
            if image is not None:
                creation["imageReference"] = {
                    "id": f"/Subscriptions/{vm.rid.subscription}/Providers/Microsoft.Compute/Locations/{location}/"
                    f"Publishers/{image.publisher}/ArtifactTypes/VMImage/Offers/{image.offer}/Skus/{image.sku}/Versions/{exact}"
                }
            props: dict[str, Any] = {
                "creationData": creation,
                "diskSizeGB": size_gb,
                "diskSizeBytes": size_gb * GIB,
                "uniqueId": self.guid(),
                "timeCreated": iso_compute(self.emu.now()),
                "provisioningState": "Succeeded",
                "diskState": "Attached",
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                "networkAccessPolicy": "AllowAll",
                "publicNetworkAccess": "Enabled",
            }
            if os_type:
                props["osType"] = os_type
                props["hyperVGeneration"] = image.hyper_v_generation if image else "V1"
            storage_type = disk["managedDisk"]["storageAccountType"]
            self.store.put(
                Record(
                    disk_id,
                    DISK_TYPE,
                    {
                        "name": disk["name"],
                        "id": disk_id,
                        "type": DISK_TYPE,
                        "location": location,
                        "managedBy": vm.id,
                        "sku": {"name": storage_type, "tier": storage_type.split("_")[0]},
                        "properties": props,
                    },
                )
            )
            target = (
                vm.properties["storageProfile"]["osDisk"]
                if lun is None
                else next(d for d in vm.properties["storageProfile"]["dataDisks"] if d["lun"] == lun)
            )
            target["managedDisk"]["id"] = disk_id
            target["diskSizeGB"] = size_gb

        return step

    def _attach_disk_step(self, disk_id: str) -> Callable[[Record], None]:
        def step(vm: Record) -> None:
            disk = self.store.get(disk_id)
            if disk is not None:
                disk.body["managedBy"] = vm.id
                disk.properties["diskState"] = "Attached"
                self.store.touch(disk)

        return step

    def _detach_disk_step(self, disk_id: str) -> Callable[[Record], None]:
        def step(vm: Record) -> None:
            detach_disk(self.store, disk_id)

        return step

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

    # -- handlers -------------------------------------------------------------------------------------
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

    def _store_and_begin(
        self, call: Call, record: Record, existing: Record | None, steps: list[Callable[[Record], None]]
    ) -> Response:
        if existing is not None:
            self._pending_delete(existing)
            record.internal.setdefault("power", existing.internal.get("power", "running"))
        else:
            record.internal["power"] = "starting"
            avset_id = (record.properties.get("availabilitySet") or {}).get("id")
            if avset_id:
                avset = self.store.get(avset_id)
                index = sum(
                    1
                    for vm in self.store.of_type(VM_TYPE)
                    if key((vm.properties.get("availabilitySet") or {}).get("id", "")) == key(avset_id)
                )
                if avset is not None:
                    record.internal["faultDomain"] = index % avset.properties["platformFaultDomainCount"]
                    record.internal["updateDomain"] = index % avset.properties["platformUpdateDomainCount"]
        record.properties["provisioningState"] = "Creating" if existing is None else "Updating"
        self.store.put(record)
        rid = record.id

        def complete() -> None:
            vm = self.store.get(rid)
            if vm is None:
                return
            for step in steps:
                step(vm)
            vm.properties["provisioningState"] = "Succeeded"
            vm.internal.pop("failure", None)
            vm.internal.setdefault("provisioned_at", self.emu.now())
            if vm.internal.get("power") in ("starting", "running"):
                self.bring_up(vm)
            self.store.touch(vm)

        def failed(err: ArmError) -> None:
            vm = self.store.get(rid)
            if vm is not None:
                vm.properties["provisioningState"] = "Failed"
                vm.internal["failure"] = err.message
                self.store.touch(vm)

        kind = "create" if existing is None else "update"
        op = self.begin(
            call, record, kind, style="compute", complete=complete, on_failure=failed, op_id=call.request_id
        )
        return json_response(201 if existing is None else 200, self.view(record), self.lro_headers(call, op))

    def put_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        name = rid.rsplit("/", 1)[-1]  # the casing it was created with
        existing = self.store.get(rid)
        record, steps = self._build(call, rid, name, call.body(), existing)
        return self._store_and_begin(call, record, existing, steps)

    def patch_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        existing = self.vm_or_404(rid, call.rg)
        merged = merge_patch(self.view(existing), call.body())
        merged.pop("resources", None)
        record, steps = self._build(call, rid, existing.name, merged, existing)
        return self._store_and_begin(call, record, existing, steps)

    def get_vm(self, call: Call) -> Response:
        record = self.vm_or_404(self._vm_id(call), call.rg)
        return json_response(200, self.view(record, call.req.query.get("$expand", "")))

    def get_instance_view(self, call: Call) -> Response:
        return json_response(200, self.instance_view(self.vm_or_404(self._vm_id(call), call.rg)))

    def list_vms(self, call: Call) -> Response:
        expand = call.req.query.get("$expand", "")
        return list_response(self.view(r, expand) for r in self.records_in(call, VM_TYPE))

    def available_sizes(self, call: Call) -> Response:
        self.vm_or_404(self._vm_id(call), call.rg)
        return list_response(s.to_arm() for s in VM_SIZES.values())

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
                self.store.touch(record)
            rid = record.id

            def complete() -> None:
                vm = self.store.get(rid)
                if vm is None or after is None:
                    return
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

    def delete_vm(self, call: Call) -> Response:
        rid = self._vm_id(call)
        record = self.store.get(rid)
        if record is None:
            return Response(204)
        pending = self.emu.ops.pending_for(record.key, kind="delete")
        if pending is not None:
            return Response(202, None, Headers(self.lro_headers(call, pending, location=True)))
        record.properties["provisioningState"] = "Deleting"
        record.internal["power"] = "deallocating"
        self.store.touch(record)

        def complete() -> None:
            vm = self.store.get(rid)
            if vm is None:
                return
            self.release(vm)
            for nic in self._nics(vm):
                nic.internal.pop("macAddress", None)
                self.store.touch(nic)
            sp = vm.properties["storageProfile"]
            for disk in [sp["osDisk"], *sp.get("dataDisks", [])]:
                disk_id = (disk.get("managedDisk") or {}).get("id")
                if disk_id:
                    if str(disk.get("deleteOption", "Detach")).lower() == "delete":
                        self.emu.remove(disk_id)
                    else:
                        detach_disk(self.store, disk_id)
            doomed_nics = [
                n["id"]
                for n in vm.properties["networkProfile"]["networkInterfaces"]
                if str((n.get("properties") or {}).get("deleteOption", "Detach")).lower() == "delete"
            ]
            self.emu.remove(rid)
            for nic_id in doomed_nics:
                self.emu.remove(nic_id)

        op = self.begin(call, record, "delete", style="compute", complete=complete, op_id=call.request_id)
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))


def detach_disk(store: Any, disk_id: str) -> None:
    """Mark a managed disk unattached."""
    disk = store.get(disk_id)
    if disk is not None:
        disk.body.pop("managedBy", None)
        disk.properties["diskState"] = "Unattached"
        store.touch(disk)


def blob_name_stem(uri: str) -> str:
    """``.../vhds/KNVM01osDisk.vhd`` -> ``KNVM01osDisk``."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".vhd") else name
