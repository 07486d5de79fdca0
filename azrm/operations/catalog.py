"""What Azure offers in a region: VM sizes, marketplace images, VM extension images.

``Get-AzVMSize``, ``Get-AzVMImagePublisher``, ``Get-AzVMImageOffer``, ``Get-AzVMImageSku``,
``Get-AzVMImage``, ``Get-AzVMExtensionImageType``, ``Get-AzVMExtensionImage``. On the local Azure
they read the same catalogues its VMs are checked against (``azrm/emulator/data/``).
"""

from __future__ import annotations

from typing import Any

from .._session_base import SessionBase
from ..builders._base import check

__all__ = ["CatalogOperations"]


class CatalogOperations(SessionBase):
    """Sizes, images and extension images per region (azure-mgmt-compute)."""

    def get_vm_size(
        self, location: str | None = None, *, resource_group_name: str | None = None, vm_name: str | None = None
    ) -> list[Any]:
        """List the VM sizes a region offers, or those a VM can be resized to (``Get-AzVMSize``).

        :param location: the region (``-Location``); default the session's.
        :keyword resource_group_name: with ``vm_name``: the sizes available to that VM.
        :keyword vm_name: the VM (``-VMName``).
        """
        check((resource_group_name is None) == (vm_name is None), "vm_name", vm_name,
              "give both resource_group_name and vm_name, or neither (then the region's sizes are listed)")  # fmt: skip
        if vm_name is not None and resource_group_name is not None:
            check(location is None, "location", location, "give a location or a VM, not both (parameter sets)")
            return list(self.compute_client.virtual_machines.list_available_sizes(resource_group_name, vm_name))
        return list(self.compute_client.virtual_machine_sizes.list(self._location(location)))

    def get_vm_image_publisher(self, location: str | None = None) -> list[Any]:
        """List the marketplace image publishers of a region (``Get-AzVMImagePublisher``)."""
        return list(self.compute_client.virtual_machine_images.list_publishers(self._location(location)))

    def get_vm_image_offer(self, publisher_name: str, *, location: str | None = None) -> list[Any]:
        """List a publisher's image offers (``Get-AzVMImageOffer``)."""
        return list(self.compute_client.virtual_machine_images.list_offers(self._location(location), publisher_name))

    def get_vm_image_sku(self, publisher_name: str, offer: str, *, location: str | None = None) -> list[Any]:
        """List an offer's SKUs (``Get-AzVMImageSku``)."""
        return list(
            self.compute_client.virtual_machine_images.list_skus(self._location(location), publisher_name, offer)
        )

    def get_vm_image(
        self, publisher_name: str, offer: str, skus: str, version: str | None = None, *, location: str | None = None
    ) -> Any:
        """List an image SKU's versions, or get one (``Get-AzVMImage``; ``version="latest"`` is the newest).

        :raises azure.core.exceptions.ResourceNotFoundError: the image or version does not exist.
        """
        images = self.compute_client.virtual_machine_images
        region = self._location(location)
        if version is None:
            return list(images.list(region, publisher_name, offer, skus))
        if version.lower() == "latest":
            newest = list(images.list(region, publisher_name, offer, skus, top=1, orderby="name desc"))
            check(bool(newest), "skus", skus, f"the image {publisher_name}:{offer}:{skus} has no versions here")
            version = newest[0].name
        return images.get(region, publisher_name, offer, skus, version)

    def get_vm_extension_image_type(self, publisher_name: str, *, location: str | None = None) -> list[Any]:
        """List a publisher's extension types (``Get-AzVMExtensionImageType``)."""
        return list(
            self.compute_client.virtual_machine_extension_images.list_types(self._location(location), publisher_name)
        )

    def get_vm_extension_image(
        self, publisher_name: str, type: str, version: str | None = None, *, location: str | None = None
    ) -> Any:
        """List an extension's published versions, or get one (``Get-AzVMExtensionImage``).

        :param type: the extension type (``-Type``), such as ``DSC`` for publisher ``Microsoft.Powershell``.
        :raises azure.core.exceptions.ResourceNotFoundError: the extension or version does not exist.
        """
        extensions = self.compute_client.virtual_machine_extension_images
        region = self._location(location)
        if version is None:
            return list(extensions.list_versions(region, publisher_name, type))
        return extensions.get(region, publisher_name, type, version)
