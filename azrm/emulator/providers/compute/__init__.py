"""Microsoft.Compute: virtual machines, scale sets, extensions, disks, availability sets, the image catalogue."""

from __future__ import annotations

from .common import ExtensionContext, ExtensionFailure, ExtensionHandler, ExtensionOutcome
from .disks import AvailabilitySetBackend, ComputeCatalogBackend, DiskBackend
from .extensions import VirtualMachineExtensionBackend
from .vm import VirtualMachineBackend
from .vmss import VirtualMachineScaleSetBackend

__all__ = [
    "AvailabilitySetBackend",
    "ComputeCatalogBackend",
    "DiskBackend",
    "ExtensionContext",
    "ExtensionFailure",
    "ExtensionHandler",
    "ExtensionOutcome",
    "VirtualMachineBackend",
    "VirtualMachineExtensionBackend",
    "VirtualMachineScaleSetBackend",
]
