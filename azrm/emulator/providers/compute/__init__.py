"""Microsoft.Compute: virtual machines, extensions, disks, availability sets, the image catalogue."""

from __future__ import annotations

from .common import ExtensionContext, ExtensionFailure, ExtensionHandler, ExtensionOutcome
from .disks import AvailabilitySetBackend, ComputeCatalogBackend, DiskBackend
from .extensions import VirtualMachineExtensionBackend
from .vm import VirtualMachineBackend

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
]
