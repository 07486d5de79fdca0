"""The bad-input corpus for the builders: every parameter, every wrong type, a ValidationError naming it.

Cases are generated: for each builder (function, method or constructor) and each of its parameters,
each value of ``BAD`` that the parameter's annotation does not admit is passed in place of a good
one. Whether a value is admitted is decided by pydantic in strict mode (not by azrm's own checker),
so the corpus does not test azrm's mechanism against itself. Every case must raise
``azrm.ValidationError`` whose ``field`` names the parameter; nothing else (``TypeError``,
``AttributeError``, pydantic's errors) may escape.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ConfigDict, TypeAdapter

import azrm
from azrm.builders import dsc as dsc_builders

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers"
SUBNET = f"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/web"
NIC_ID = f"{SUB}/Microsoft.Network/networkInterfaces/nic"
POOL = f"{SUB}/Microsoft.Network/loadBalancers/lb/backendAddressPools/web"
VMSS = f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web"
CRED = azrm.Credential("knadmin", "S3cure!Passw0rd")
FE = azrm.new_load_balancer_frontend_ip_config(
    "fe", public_ip_address_id=f"{SUB}/Microsoft.Network/publicIPAddresses/p"
)
VM = azrm.new_vm_config("KNVM01", "Standard_A2")
VMSS_CONFIG = azrm.new_vmss_config(location="westeurope", sku_capacity=2, sku_name="Standard_A2")
NIC = azrm.NIC("nic")
RULE = azrm.new_autoscale_rule(
    metric_name="Percentage CPU",
    metric_resource_id=VMSS,
    operator="GreaterThan",
    threshold=70,
    scale_action_direction="Increase",
)

#: the wrong values tried for every parameter (where its annotation does not admit them)
BAD: list[tuple[str, Any]] = [
    ("None", None),
    ("int", 42),
    ("list", ["x"]),
    ("dict", {"x": 1}),
    ("nan", math.nan),
    ("bool", True),
    ("object", object()),
]

_STRICT = ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True)

# (label, function to call, good arguments by name); the function's parameters come from its signature
TARGETS: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
    ("Credential", azrm.Credential, {"user_name": "knadmin", "password": "S3cure!Passw0rd"}),
    ("new_vm_config", azrm.new_vm_config, {"vm_name": "KNVM01", "vm_size": "Standard_A2", "tags": {"a": "b"}}),
    (
        "set_operating_system",
        VM.set_operating_system,
        {"windows": True, "computer_name": "KNVM01", "credential": CRED, "time_zone": "UTC"},
    ),
    (
        "set_source_image",
        VM.set_source_image,
        {"publisher_name": "MicrosoftWindowsServer", "offer": "WindowsServer", "skus": "2016-Datacenter"},
    ),
    ("add_network_interface", VM.add_network_interface, {"id": NIC_ID, "primary": True}),
    ("set_os_disk", VM.set_os_disk, {"name": "os", "caching": "ReadWrite", "disk_size_in_gb": 128}),
    ("add_data_disk", VM.add_data_disk, {"lun": 0, "disk_size_in_gb": 10, "name": "d0"}),
    ("set_boot_diagnostic", VM.set_boot_diagnostic, {"enable": True}),
    ("add_dsc_extension", VM.add_dsc_extension, {"extension": None}),  # no good one without a file: bad only
    (
        "new_virtual_network_subnet_config",
        azrm.new_virtual_network_subnet_config,
        {"name": "web", "address_prefix": "10.0.1.0/24"},
    ),
    ("new_network_interface_ip_config", azrm.new_network_interface_ip_config, {"name": "ip", "subnet_id": SUBNET}),
    ("NIC", azrm.NIC, {"name": "nic", "dns_servers": ["10.0.0.4"], "tags": {"a": "b"}}),
    ("NIC.add_ip_config", NIC.add_ip_config, {"name": "ip", "subnet_id": SUBNET}),
    (
        "new_network_security_rule_config",
        azrm.new_network_security_rule_config,
        {"name": "rdp", "protocol": "Tcp", "direction": "Inbound", "priority": 100, "access": "Allow"},
    ),
    (
        "new_load_balancer_frontend_ip_config",
        azrm.new_load_balancer_frontend_ip_config,
        {"name": "fe", "subnet_id": SUBNET},
    ),
    (
        "new_load_balancer_backend_address_pool_config",
        azrm.new_load_balancer_backend_address_pool_config,
        {"name": "p"},
    ),
    ("new_load_balancer_probe_config", azrm.new_load_balancer_probe_config, {"name": "pr", "port": 80}),
    (
        "new_load_balancer_rule_config",
        azrm.new_load_balancer_rule_config,
        {"name": "r", "frontend_ip_configuration": FE, "frontend_port": 80, "backend_port": 80},
    ),
    (
        "new_load_balancer_inbound_nat_pool_config",
        azrm.new_load_balancer_inbound_nat_pool_config,
        {
            "name": "n",
            "frontend_ip_configuration": FE,
            "frontend_port_range_start": 50000,
            "frontend_port_range_end": 50100,
            "backend_port": 3389,
        },
    ),
    (
        "new_vmss_config",
        azrm.new_vmss_config,
        {"location": "westeurope", "sku_capacity": 2, "sku_name": "Standard_A2", "tags": {"a": "b"}},
    ),
    ("new_vmss_ip_config", azrm.new_vmss_ip_config, {"name": "ip", "subnet_id": SUBNET}),
    (
        "VmssConfig.set_os_profile",
        VMSS_CONFIG.set_os_profile,
        {"windows": True, "computer_name_prefix": "web", "credential": CRED},
    ),
    (
        "VmssConfig.set_storage_profile",
        VMSS_CONFIG.set_storage_profile,
        {
            "image_reference_publisher": "MicrosoftWindowsServer",
            "image_reference_offer": "WindowsServer",
            "image_reference_sku": "2016-Datacenter",
        },
    ),
    (
        "VmssConfig.add_network_interface_configuration",
        VMSS_CONFIG.add_network_interface_configuration,
        {"name": "nic", "ip_configuration": azrm.new_vmss_ip_config("ip", subnet_id=SUBNET)},
    ),
    (
        "VmssConfig.add_extension",
        VMSS_CONFIG.add_extension,
        {"name": "bginfo", "publisher": "Microsoft.Compute", "type": "BGInfo", "type_handler_version": "2.1"},
    ),
    (
        "DscExtension",
        azrm.DscExtension,
        {
            "configuration_path_or_archive_blob": "webdsc.ps1.zip",
            "storage_account_name": "knstor5050",
            "version": "2.77",
            "configuration_name": "Web",
        },
    ),
    (
        "new_autoscale_rule",
        azrm.new_autoscale_rule,
        {
            "metric_name": "Percentage CPU",
            "metric_resource_id": VMSS,
            "operator": "GreaterThan",
            "threshold": 70.0,
            "scale_action_direction": "Increase",
        },
    ),
    (
        "new_autoscale_profile",
        azrm.new_autoscale_profile,
        {"name": "p", "default_capacity": 2, "minimum_capacity": 1, "maximum_capacity": 4, "rule": [RULE]},
    ),
    ("new_container_instance_object", azrm.new_container_instance_object, {"name": "web", "image": "nginx"}),
    ("new_container_instance_port_object", azrm.new_container_instance_port_object, {"port": 80}),
    ("new_container_group_port_object", azrm.new_container_group_port_object, {"port": 80}),
    (
        "new_container_instance_environment_variable_object",
        azrm.new_container_instance_environment_variable_object,
        {"name": "A", "value": "b"},
    ),
    (
        "new_container_group_image_registry_credential_object",
        azrm.new_container_group_image_registry_credential_object,
        {"server": "kn.azurecr.io", "username": "kn", "password": "S3cure!Passw0rd"},
    ),
    (
        "new_container_instance_volume_mount_object",
        azrm.new_container_instance_volume_mount_object,
        {"name": "v", "mount_path": "/data"},
    ),
    ("new_container_group_volume_object", azrm.new_container_group_volume_object, {"name": "v", "empty_dir": True}),
]


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    target = function.__init__ if isinstance(function, type) else function  # type: ignore[misc]
    return typing.get_type_hints(inspect.unwrap(target), localns=vars(dsc_builders))


def _admits(hint: Any, value: Any) -> bool:
    try:
        TypeAdapter(hint, config=_STRICT).validate_python(value)
    except Exception:  # a validation error, or an annotation pydantic cannot use: treat as admitted
        return not _checkable(hint)
    return True


def _checkable(hint: Any) -> bool:
    try:
        TypeAdapter(hint, config=_STRICT)
    except Exception:
        return False
    return True


def _cases() -> list[Any]:
    cases = []
    for label, function, good in TARGETS:
        hints = _hints(function)
        for name, parameter in inspect.signature(function).parameters.items():
            if name == "self" or parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                continue
            hint = hints.get(name, Any)
            if hint is Any:
                continue
            for value_label, value in BAD:
                if not _admits(hint, value) and not (value is None and parameter.default is None):
                    cases.append(pytest.param(function, good, name, value, id=f"{label}-{name}-{value_label}"))
    return cases


CASES = _cases()


def test_corpus_is_large() -> None:
    assert len(CASES) >= 600, len(CASES)


@pytest.mark.parametrize(("function", "good", "name", "value"), CASES)
def test_bad_argument_is_a_validation_error_naming_it(
    function: Callable[..., Any], good: dict[str, Any], name: str, value: Any
) -> None:
    arguments = {**good, name: value}
    with pytest.raises(azrm.ValidationError) as caught:
        function(**arguments)
    field = caught.value.field
    assert field == name or field.startswith((f"{name}.", f"{name}[")) or field.endswith(f".{name}"), (field, name)


@pytest.mark.parametrize(("function", "good"), [pytest.param(f, g, id=label) for label, f, g in TARGETS])
def test_good_arguments_work(function: Callable[..., Any], good: dict[str, Any]) -> None:
    if any(value is None for value in good.values()):
        return
    function(**good)


def test_pipeline_steps_check_their_arguments_when_made() -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.set_vm_os_disk(name=42)
    assert caught.value.field == "name"
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.set_vm_source_image(publisher_name=None, offer="o", skus="s")
    assert caught.value.field == "publisher_name"


def test_secret_values_stay_out_of_the_message() -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.Credential("knadmin", 12345678)  # type: ignore[arg-type]
    assert caught.value.field == "password" and "12345678" not in str(caught.value)
