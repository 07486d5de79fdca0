"""Create, attach and detach a VM's disks when its create or update completes, as Azure does.

A managed disk created with the VM is a ``Microsoft.Compute/disks`` resource ``managedBy`` the VM (its
creation data naming the image version); a new VHD disk is a page blob in Azurite (when it runs); an
attached disk is marked ``Attached`` to the VM, and one the VM no longer lists ``Unattached``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ....core.clock import iso_compute
from ....core.errors import ArmError
from ....core.store import Record
from ...catalog import Image
from ..common import DISK_TYPE, ComputeBase

GIB = 1024**3
#: what to do to the VM's record when its operation completes
Step = Callable[[Record], None]


class VmDiskSteps(ComputeBase):
    """Completion steps for a VM's disks."""

    def _page_blob_step(self, account: str, container: str, blob: str, size_gb: int) -> Step:
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
    ) -> Step:
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

    def _vhd_blobs(self, vm: Record, *, made: bool) -> list[tuple[str, str, str]]:
        """Return the VHD blobs of a VM's disks: those its creation makes (``made``) or all of them."""
        from ...storage import split_blob_url

        found = []
        sp = vm.properties.get("storageProfile") or {}
        for disk in [sp.get("osDisk") or {}, *(sp.get("dataDisks") or [])]:
            uri = (disk.get("vhd") or {}).get("uri")
            parts = split_blob_url(uri) if uri else None
            if parts is not None and (not made or str(disk.get("createOption", "")).lower() in ("fromimage", "empty")):
                found.append(parts)
        return found

    def _missing_vhds(self, vm: Record) -> list[str]:
        """Return the VHD blobs of a VM that do not exist (``account/container/blob``)."""
        from azure.core.exceptions import AzureError

        missing = []
        for account, container, blob in self._vhd_blobs(vm, made=False):
            try:
                exists = self.emu.blob is not None and self.emu.blob.blob_exists(account, container, blob)
            except (AzureError, RuntimeError):  # the account is gone from Azurite too
                exists = False
            if not exists:
                missing.append(f"{account}/{container}/{blob}")
        return missing

    def _discard_unfinished_vhds(self, vm: Record) -> None:
        """Delete the VHD page blobs a VM's interrupted creation was making (a retry makes them again)."""
        if self.emu.blob is None:
            return
        for parts in self._vhd_blobs(vm, made=True):
            self.emu.blob.delete_blob(*parts)

    def _attach_disk_step(self, disk_id: str) -> Step:
        def step(vm: Record) -> None:
            disk = self.store.get(disk_id)
            if disk is not None:
                disk.body["managedBy"] = vm.id
                disk.properties["diskState"] = "Attached"
                self.store.touch(disk)

        return step

    def _detach_disk_step(self, disk_id: str) -> Step:
        def step(vm: Record) -> None:
            detach_disk(self.store, disk_id)

        return step


def detach_disk(store: Any, disk_id: str) -> None:
    """Mark a managed disk unattached."""
    disk = store.get(disk_id)
    if disk is not None:
        disk.body.pop("managedBy", None)
        disk.properties["diskState"] = "Unattached"
        store.touch(disk)
