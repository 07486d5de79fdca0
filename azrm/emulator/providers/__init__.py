"""Per-namespace backends of the local Azure (moto's shape: each holds its state and routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Provider

if TYPE_CHECKING:
    from ..core.engine import Emulator

__all__ = ["Provider", "install"]


def install(emu: Emulator) -> list[Provider]:
    """Create every provider backend and register its routes on ``emu.router``."""
    from .authorization import AuthorizationBackend
    from .compute import (
        AvailabilitySetBackend,
        ComputeCatalogBackend,
        DiskBackend,
        VirtualMachineBackend,
        VirtualMachineExtensionBackend,
        VirtualMachineScaleSetBackend,
    )
    from .containerinstance import ContainerGroupBackend
    from .containerregistry import ContainerRegistryBackend
    from .deployments import DeploymentsBackend
    from .insights import AutoscaleBackend
    from .keyvault import KeyVaultBackend
    from .managedidentity import UserAssignedIdentityBackend
    from .network import (
        LoadBalancerBackend,
        NetworkInterfaceBackend,
        NetworkSecurityGroupBackend,
        PublicIpBackend,
        RouteTableBackend,
        VirtualNetworkBackend,
    )
    from .resources import ResourcesProvider
    from .storage import BlobServicesBackend, StorageProvider

    providers: list[Provider] = [
        ResourcesProvider(emu),
        StorageProvider(emu),
        BlobServicesBackend(emu),
        PublicIpBackend(emu),
        VirtualNetworkBackend(emu),
        NetworkSecurityGroupBackend(emu),
        RouteTableBackend(emu),
        NetworkInterfaceBackend(emu),
        LoadBalancerBackend(emu),
        VirtualMachineBackend(emu),
        VirtualMachineExtensionBackend(emu),
        VirtualMachineScaleSetBackend(emu),
        DiskBackend(emu),
        AvailabilitySetBackend(emu),
        ComputeCatalogBackend(emu),
        AutoscaleBackend(emu),
        ContainerRegistryBackend(emu),
        ContainerGroupBackend(emu),
        UserAssignedIdentityBackend(emu),
        KeyVaultBackend(emu),
        DeploymentsBackend(emu),
        AuthorizationBackend(emu),
    ]
    for provider in providers:
        provider.register(emu.router)
    # how older api-versions shape bodies: one module per provider
    from .compute import versions as compute_versions
    from .network import versions as network_versions
    from .storage import versions as storage_versions

    for module in (storage_versions, network_versions, compute_versions):
        emu.versions.register(*module.SHAPES)
    from .compute.dsc import dsc_handler
    from .compute.scripts import SCRIPT_EXTENSIONS, script_handler

    extensions = next(p for p in providers if isinstance(p, VirtualMachineExtensionBackend))
    extensions.register_handler("Microsoft.Powershell", "DSC", dsc_handler)
    for publisher, type_ in SCRIPT_EXTENSIONS:
        extensions.register_handler(publisher, type_, script_handler)
    return providers
