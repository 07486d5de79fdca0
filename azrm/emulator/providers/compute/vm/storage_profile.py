"""Check a VM's ``storageProfile`` as the Compute RP does, and plan its disks.

- The OS disk is created from a marketplace image or attaches an existing managed disk or VHD (then
  ``osType`` is needed); after creation, the image and the OS disk cannot change.
- Data disks are empty (created) or attached, on LUNs 0 to 63 without duplicates, up to the size's
  limit; a VM's disks are all managed or all VHDs.
- A VHD must be in a storage account of the VM's region; a new one must not exist yet, an attached one
  must. A managed disk attached elsewhere is refused.
- Managed disks default to Premium_LRS on sizes that support it, else Standard_LRS; names default to
  ``<vm>_disk<n>_<guid>`` (VHD disks take the blob's name).

The disks themselves are made when the operation completes (``disk_steps.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ....core.errors import ArmError, invalid_parameter
from ....core.ids import key
from ....core.store import Record
from ...catalog import Image, VmSize
from ...storage import SA_TYPE, split_blob_url
from ..common import DISK_TYPE, missing, supports_premium
from .disk_steps import Step, VmDiskSteps
from .validation import check_vm_name, platform_image


@dataclass
class StorageProfile:
    """A checked ``storageProfile`` and what the rest of the VM's body needs from it."""

    body: dict[str, Any]
    os_type: str
    #: the marketplace image of a VM created from one
    image: Image | None
    #: the OS disk is created from an image (so the VM needs an OS profile)
    from_image: bool
    #: what to do with the disks when the operation completes
    steps: list[Step]

    @property
    def unmanaged(self) -> bool:
        """Tell whether the VM's disks are VHDs in storage accounts."""
        return "vhd" in self.body["osDisk"]


class VmStorageProfile(VmDiskSteps):
    """The OS disk and the data disks of a VM's body."""

    def _storage_profile(
        self,
        props_in: dict[str, Any],
        old: dict[str, Any],
        existing: Record | None,
        *,
        rid: str,
        name: str,
        location: str,
        size: VmSize,
    ) -> StorageProfile:
        """Check ``storageProfile``: the OS disk and image, then the data disks."""
        sp_in = props_in.get("storageProfile")
        if not sp_in:
            raise missing("storageProfile")
        steps: list[Step] = []
        os_disk, image_out, os_type, image, create_option = self._os_disk(
            sp_in, old, existing, rid=rid, name=name, location=location, size=size, steps=steps
        )
        unmanaged = "vhd" in os_disk
        data_disks = self._data_disks(
            sp_in, old, existing, rid=rid, name=name, location=location, size=size, unmanaged=unmanaged, steps=steps
        )
        storage_profile: dict[str, Any] = {"osDisk": os_disk, "dataDisks": data_disks}
        if image_out is not None:
            storage_profile = {"imageReference": image_out, **storage_profile}
        if sp_in.get("diskControllerType"):
            storage_profile["diskControllerType"] = sp_in["diskControllerType"]
        return StorageProfile(storage_profile, os_type, image, create_option == "fromimage", steps)

    def _os_disk(
        self,
        sp_in: dict[str, Any],
        old: dict[str, Any],
        existing: Record | None,
        *,
        rid: str,
        name: str,
        location: str,
        size: VmSize,
        steps: list[Step],
    ) -> tuple[dict[str, Any], Any, str, Image | None, str]:
        """Check the OS disk and the image; return the disk, the image reference, OS type, image and create option."""
        os_in = dict(sp_in.get("osDisk") or {})
        image_ref: Any = sp_in.get("imageReference")
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
            check_vm_name(name, os_type)
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
                    steps.append(self._page_blob_step(account, container, blob, size_gb))
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
                    steps.append(self._attach_disk_step(attached_os_disk.id))
                else:
                    os_disk["name"] = os_disk["name"] or f"{name}_disk1_{self.guid().replace('-', '')}"
                    os_disk["managedDisk"] = {"storageAccountType": storage_type}
                    size_gb = int(os_in.get("diskSizeGB") or (image.disk_size_gb if image else 127))
                    steps.append(self._managed_disk_step(os_disk, size_gb, location, os_type, image, exact, lun=None))
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
        return os_disk, image_out, os_type, image, create_option

    def _data_disks(
        self,
        sp_in: dict[str, Any],
        old: dict[str, Any],
        existing: Record | None,
        *,
        rid: str,
        name: str,
        location: str,
        size: VmSize,
        unmanaged: bool,
        steps: list[Step],
    ) -> list[dict[str, Any]]:
        """Check the data disks: kept ones by LUN, new empty or attached ones; detach those left out."""
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
                    steps.append(self._page_blob_step(account, container, blob, size_gb))
                else:
                    storage_type = (raw.get("managedDisk") or {}).get("storageAccountType") or (
                        "Premium_LRS" if supports_premium(size.name) else "Standard_LRS"
                    )
                    disk["name"] = disk["name"] or f"{name}_disk{lun + 2}_{self.guid().replace('-', '')}"
                    disk["managedDisk"] = {"storageAccountType": storage_type}
                    disk["deleteOption"] = raw.get("deleteOption") or "Detach"
                    steps.append(self._managed_disk_step(disk, size_gb, location, None, None, None, lun=lun))
            elif disk_option == "attach":
                disk_id = (raw.get("managedDisk") or {}).get("id")
                if disk_id:
                    target = self._disk_for_attach(disk_id, rid)
                    disk["name"] = target.name
                    disk["diskSizeGB"] = target.properties.get("diskSizeGB")
                    disk["managedDisk"] = {"storageAccountType": target.body["sku"]["name"], "id": target.id}
                    disk["deleteOption"] = raw.get("deleteOption") or "Detach"
                    steps.append(self._attach_disk_step(target.id))
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
                steps.append(self._detach_disk_step(old_disk["managedDisk"]["id"]))
        return data_disks

    def _vhd(self, uri: str, location: str, *, must_exist: bool, field: str) -> tuple[str, str, str]:
        """Check a VHD's blob URI: its account in the VM's region, the blob there or not; return its parts."""
        parts = split_blob_url(uri)
        if parts is None:
            raise invalid_parameter(f"The URI {uri} does not look to be correct blob URI.", target=field)
        account, container, blob = parts
        from ...storage import StorageProvider

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
        """Return a managed disk to attach, refusing one attached to another VM."""
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


def blob_name_stem(uri: str) -> str:
    """``.../vhds/KNVM01osDisk.vhd`` -> ``KNVM01osDisk``."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".vhd") else name
