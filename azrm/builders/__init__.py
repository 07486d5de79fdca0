"""Builders: frozen configuration objects that mirror the ``New-Az*Config`` / ``Set-AzVM*`` cmdlets."""

from __future__ import annotations

from ._base import Builder, Step
from .compute import (
    BootDiagnostics,
    DataDisk,
    ImageReference,
    NetworkInterfaceReference,
    OSDisk,
    OSProfile,
    VMConfig,
    add_vm_data_disk,
    add_vm_dsc_extension,
    add_vm_network_interface,
    new_vm_config,
    set_vm_boot_diagnostic,
    set_vm_operating_system,
    set_vm_os_disk,
    set_vm_source_image,
)
from .dsc import DscExtension
from .network import NIC, IpConfig, SubnetConfig, new_network_interface_ip_config, new_virtual_network_subnet_config

__all__ = [
    "NIC",
    "BootDiagnostics",
    "Builder",
    "DataDisk",
    "DscExtension",
    "ImageReference",
    "IpConfig",
    "NetworkInterfaceReference",
    "OSDisk",
    "OSProfile",
    "Step",
    "SubnetConfig",
    "VMConfig",
    "add_vm_data_disk",
    "add_vm_dsc_extension",
    "add_vm_network_interface",
    "new_network_interface_ip_config",
    "new_virtual_network_subnet_config",
    "new_vm_config",
    "set_vm_boot_diagnostic",
    "set_vm_operating_system",
    "set_vm_os_disk",
    "set_vm_source_image",
]
