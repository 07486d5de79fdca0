"""azrm: imperative Azure provisioning in the style of the AzureRM / Az PowerShell cmdlets.

::

    import azrm

    with azrm.local() as az:                   # the local Azure; azrm.connect() for Azure
        rg = az.new_resource_group("KNRGTest01", "westeurope")
        ...

``import azrm`` stays light: names are imported when first used, and the Azure SDK packages only
when a session needs a client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first access)
_EXPORTS = {
    "AzrmError": "errors",
    "DeploymentError": "errors",
    "DeploymentFailure": "errors",
    "WhatIfReport": "templates.report",
    "StepError": "errors",
    "ValidationError": "errors",
    "Credential": "credential",
    "get_credential": "credential",
    "CLOUDS": "session",
    "Cloud": "session",
    "LocalSession": "session",
    "Session": "session",
    "connect": "session",
    "local": "session",
    "PlanSession": "plan",
    "PlanReport": "plan",
    "plan_session": "plan",
    "PlanApplyError": "plan_apply",
    "Docker": "docker",
    "DockerError": "docker",
    "ContainerCommandError": "operations.containerinstance",
    "TemplateSession": "template_mode",
    "template_session": "template_mode",
    "LoggingReporter": "progress",
    "NotebookReporter": "progress",
    "Reporter": "progress",
    "SilentReporter": "progress",
    "TerminalReporter": "progress",
    "NIC": "builders",
    "ContainerConfig": "builders",
    "ContainerGroupConfig": "builders",
    "ContainerGroupPort": "builders",
    "ContainerGroupVolume": "builders",
    "ContainerPort": "builders",
    "ContainerProbe": "builders",
    "EnvironmentVariable": "builders",
    "ImageRegistryCredential": "builders",
    "VolumeMount": "builders",
    "new_container_instance_object": "builders",
    "new_container_instance_port_object": "builders",
    "new_container_group_port_object": "builders",
    "new_container_instance_environment_variable_object": "builders",
    "new_container_group_image_registry_credential_object": "builders",
    "new_container_instance_volume_mount_object": "builders",
    "new_container_group_volume_object": "builders",
    "DataDisk": "builders",
    "DscExtension": "builders",
    "IpConfig": "builders",
    "OSDisk": "builders",
    "SubnetConfig": "builders",
    "VMConfig": "builders",
    "add_vm_data_disk": "builders",
    "add_vm_dsc_extension": "builders",
    "add_vm_network_interface": "builders",
    "new_network_interface_ip_config": "builders",
    "new_virtual_network_subnet_config": "builders",
    "new_vm_config": "builders",
    "set_vm_boot_diagnostic": "builders",
    "set_vm_operating_system": "builders",
    "set_vm_os_disk": "builders",
    "set_vm_source_image": "builders",
    "VmssConfig": "builders",
    "VmssIpConfig": "builders",
    "add_vmss_dsc_extension": "builders",
    "add_vmss_extension": "builders",
    "add_vmss_network_interface_configuration": "builders",
    "new_vmss_config": "builders",
    "new_vmss_ip_config": "builders",
    "set_vmss_os_profile": "builders",
    "set_vmss_storage_profile": "builders",
    "BackendAddressPoolConfig": "builders",
    "FrontendIpConfig": "builders",
    "InboundNatPoolConfig": "builders",
    "LoadBalancingRuleConfig": "builders",
    "ProbeConfig": "builders",
    "new_load_balancer_backend_address_pool_config": "builders",
    "new_load_balancer_frontend_ip_config": "builders",
    "new_load_balancer_inbound_nat_pool_config": "builders",
    "new_load_balancer_probe_config": "builders",
    "new_load_balancer_rule_config": "builders",
    "SecurityRuleConfig": "builders",
    "new_network_security_rule_config": "builders",
    "AutoscaleProfile": "builders",
    "AutoscaleRule": "builders",
    "new_autoscale_profile": "builders",
    "new_autoscale_rule": "builders",
}

__all__ = [
    "CLOUDS",
    "NIC",
    "AutoscaleProfile",
    "AutoscaleRule",
    "AzrmError",
    "BackendAddressPoolConfig",
    "Cloud",
    "ContainerCommandError",
    "ContainerConfig",
    "ContainerGroupConfig",
    "ContainerGroupPort",
    "ContainerGroupVolume",
    "ContainerPort",
    "ContainerProbe",
    "Credential",
    "DataDisk",
    "DeploymentError",
    "DeploymentFailure",
    "Docker",
    "DockerError",
    "DscExtension",
    "EnvironmentVariable",
    "FrontendIpConfig",
    "ImageRegistryCredential",
    "InboundNatPoolConfig",
    "IpConfig",
    "LoadBalancingRuleConfig",
    "LocalSession",
    "LoggingReporter",
    "NotebookReporter",
    "OSDisk",
    "PlanApplyError",
    "PlanReport",
    "PlanSession",
    "ProbeConfig",
    "Reporter",
    "SecurityRuleConfig",
    "Session",
    "SilentReporter",
    "StepError",
    "SubnetConfig",
    "TemplateSession",
    "TerminalReporter",
    "VMConfig",
    "ValidationError",
    "VmssConfig",
    "VmssIpConfig",
    "VolumeMount",
    "WhatIfReport",
    "__version__",
    "add_vm_data_disk",
    "add_vm_dsc_extension",
    "add_vm_network_interface",
    "add_vmss_dsc_extension",
    "add_vmss_extension",
    "add_vmss_network_interface_configuration",
    "connect",
    "get_credential",
    "local",
    "new_autoscale_profile",
    "new_autoscale_rule",
    "new_container_group_image_registry_credential_object",
    "new_container_group_port_object",
    "new_container_group_volume_object",
    "new_container_instance_environment_variable_object",
    "new_container_instance_object",
    "new_container_instance_port_object",
    "new_container_instance_volume_mount_object",
    "new_load_balancer_backend_address_pool_config",
    "new_load_balancer_frontend_ip_config",
    "new_load_balancer_inbound_nat_pool_config",
    "new_load_balancer_probe_config",
    "new_load_balancer_rule_config",
    "new_network_interface_ip_config",
    "new_network_security_rule_config",
    "new_virtual_network_subnet_config",
    "new_vm_config",
    "new_vmss_config",
    "new_vmss_ip_config",
    "plan_session",
    "set_vm_boot_diagnostic",
    "set_vm_operating_system",
    "set_vm_os_disk",
    "set_vm_source_image",
    "set_vmss_os_profile",
    "set_vmss_storage_profile",
    "template_session",
]

if TYPE_CHECKING:
    from . import aio as aio  # a submodule, reached lazily: not in __all__
    from .builders import (
        NIC,
        AutoscaleProfile,
        AutoscaleRule,
        BackendAddressPoolConfig,
        ContainerConfig,
        ContainerGroupConfig,
        ContainerGroupPort,
        ContainerGroupVolume,
        ContainerPort,
        ContainerProbe,
        DataDisk,
        DscExtension,
        EnvironmentVariable,
        FrontendIpConfig,
        ImageRegistryCredential,
        InboundNatPoolConfig,
        IpConfig,
        LoadBalancingRuleConfig,
        OSDisk,
        ProbeConfig,
        SecurityRuleConfig,
        SubnetConfig,
        VMConfig,
        VmssConfig,
        VmssIpConfig,
        VolumeMount,
        add_vm_data_disk,
        add_vm_dsc_extension,
        add_vm_network_interface,
        add_vmss_dsc_extension,
        add_vmss_extension,
        add_vmss_network_interface_configuration,
        new_autoscale_profile,
        new_autoscale_rule,
        new_container_group_image_registry_credential_object,
        new_container_group_port_object,
        new_container_group_volume_object,
        new_container_instance_environment_variable_object,
        new_container_instance_object,
        new_container_instance_port_object,
        new_container_instance_volume_mount_object,
        new_load_balancer_backend_address_pool_config,
        new_load_balancer_frontend_ip_config,
        new_load_balancer_inbound_nat_pool_config,
        new_load_balancer_probe_config,
        new_load_balancer_rule_config,
        new_network_interface_ip_config,
        new_network_security_rule_config,
        new_virtual_network_subnet_config,
        new_vm_config,
        new_vmss_config,
        new_vmss_ip_config,
        set_vm_boot_diagnostic,
        set_vm_operating_system,
        set_vm_os_disk,
        set_vm_source_image,
        set_vmss_os_profile,
        set_vmss_storage_profile,
    )
    from .credential import Credential, get_credential
    from .docker import Docker, DockerError
    from .errors import AzrmError, DeploymentError, DeploymentFailure, StepError, ValidationError
    from .operations.containerinstance import ContainerCommandError
    from .plan import PlanReport, PlanSession, plan_session
    from .plan_apply import PlanApplyError
    from .progress import LoggingReporter, NotebookReporter, Reporter, SilentReporter, TerminalReporter
    from .session import CLOUDS, Cloud, LocalSession, Session, connect, local
    from .template_mode import TemplateSession, template_session
    from .templates.report import WhatIfReport


def __getattr__(name: str) -> Any:
    if name == "aio":  # the async session's package, imported on first use like the names above
        return importlib.import_module(".aio", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'azrm' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
