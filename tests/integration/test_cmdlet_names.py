"""A converted script's keywords reach Azure: the cmdlets' names and aliases, sync and async, and the object forms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import azrm
import azrm.aio
from tests.conftest import LOCATION, WINDOWS_PASSWORD, Azure, session_on


def test_storage_account_with_the_cmdlets_aliases(lib: Any, unique: Callable[[str], str]) -> None:
    rg = lib.new_resource_group(resource_group_name="rgnames", location=LOCATION, tag={"env": "test"})
    assert rg.name == "rgnames" and rg.tags == {"env": "test"}
    name = unique("names")
    account = lib.new_storage_account(
        "rgnames", storage_account_name=name, location=LOCATION, type="Standard_GRS", min_tls_version="TLS1_1",
        enable_https_traffic_only=False, tag={"env": "test"},
    )  # fmt: skip
    assert account.name == name and account.sku.name == "Standard_GRS"
    assert account.minimum_tls_version == "TLS1_1" and account.enable_https_traffic_only is False
    assert account.tags == {"env": "test"}
    with pytest.raises(TypeError, match="sku_name"):
        lib.new_storage_account("rgnames", name, sku_name="Standard_LRS", account_type="Standard_GRS")


def test_network_interface_from_objects_as_the_cmdlets_resource_sets(lib: Any) -> None:
    lib.new_resource_group("rgnic", LOCATION)
    rule = azrm.new_network_security_rule_config(
        "rdp", protocol="Tcp", direction="Inbound", priority=100, access="Allow", destination_port_range="3389"
    )
    nsg = lib.new_network_security_group("rgnic", "nsg", location=LOCATION, security_rules=[rule])
    subnet = azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24", network_security_group=nsg)
    vnet = lib.new_virtual_network("rgnic", "vnet", location=LOCATION, address_prefix="10.0.0.0/16", subnet=[subnet])
    assert vnet.subnets[0].network_security_group.id.lower() == nsg.id.lower()
    pip = lib.new_public_ip_address("rgnic", "pip", location=LOCATION, allocation_method="Static")
    pip2 = lib.new_public_ip_address("rgnic", "pip2", location=LOCATION, allocation_method="Static")
    nic = lib.new_network_interface(
        "rgnic", nic="nic1", location=LOCATION, subnet=vnet.subnets[0], public_ip_address=pip,
        network_security_group=nsg,
    )  # fmt: skip
    same_by_id = lib.new_network_interface(
        "rgnic", name="nic2", location=LOCATION, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip2.id,
        network_security_group_id=nsg.id,
    )  # fmt: skip
    for made in (nic, same_by_id):
        config = made.ip_configurations[0]
        assert config.subnet.id.lower() == vnet.subnets[0].id.lower()
        assert made.network_security_group.id.lower() == nsg.id.lower()
    assert nic.ip_configurations[0].public_ip_address.id.lower() == pip.id.lower()
    before = lib.network_client.network_interfaces.list("rgnic")
    with pytest.raises(azrm.ValidationError) as caught:
        lib.new_network_interface("rgnic", "nic3", subnet=vnet.subnets[0], subnet_id=vnet.subnets[0].id)
    assert caught.value.field == "subnet_id/subnet"
    assert len(list(lib.network_client.network_interfaces.list("rgnic"))) == len(list(before))


def test_the_async_session_takes_the_same_aliases(azure: Azure, unique: Callable[[str], str]) -> None:
    sync = session_on(azure)
    first, second = unique("aio"), unique("aio")

    async def main() -> Any:
        async with azrm.aio.LocalSession(sync) as az:
            await az.new_resource_group(resource_group_name="rgaio", location=LOCATION)
            poller = await az.begin_new_storage_account(
                "rgaio", account_name=first, location=LOCATION, type="Premium_LRS"
            )
            made = await poller.result()
            waited = await az.new_storage_account(
                "rgaio", storage_account_name=second, location=LOCATION, min_tls_version="TLS1_1", tag={"a": "b"}
            )
            return made, waited

    made, waited = asyncio.run(main())
    assert made.name == first and made.sku.name == "Premium_LRS"
    assert waited.name == second and waited.tags == {"a": "b"} and waited.minimum_tls_version == "TLS1_1"


def test_scale_set_with_the_cmdlets_names_and_azrms_first_ones(lib: Any) -> None:
    lib.new_resource_group("rgfarm", LOCATION)
    vnet = lib.new_virtual_network("rgfarm", "vnet", location=LOCATION, address_prefix="10.0.0.0/16",
                                   subnet=[azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24")])  # fmt: skip
    config = (
        azrm.new_vmss_config(location=LOCATION, sku_capacity=2, sku_name="Standard_A2", overprovision=False)
        | azrm.set_vmss_os_profile(windows=True, computer_name_prefix="web", admin_username="knadmin",
                                   admin_password=WINDOWS_PASSWORD, windows_configuration_enable_automatic_update=False)
        | azrm.set_vmss_storage_profile(image_reference_publisher="MicrosoftWindowsServer",
                                        image_reference_offer="WindowsServer", image_reference_sku="2016-Datacenter")
        | azrm.add_vmss_network_interface_configuration(
            "nic", ip_configuration=azrm.new_vmss_ip_config("ip", subnet_id=vnet.subnets[0]))
    )  # fmt: skip
    farm = lib.new_vmss(resource_group_name="rgfarm", vm_scale_set_name="web", virtual_machine_scale_set=config)
    profile = farm.virtual_machine_profile.os_profile
    assert profile.admin_username == "knadmin" and profile.windows_configuration.enable_automatic_updates is False
    assert lib.get_vmss("rgfarm", name="web").id == farm.id
    lib.update_vmss("rgfarm", name="web", sku_capacity=1)
    assert int(lib.get_vmss("rgfarm", vm_scale_set_name="web").sku.capacity) == 1
    again = lib.new_vmss("rgfarm", name="web", vmss=config)  # azrm's first names: the same call
    assert int(again.sku.capacity) == 2
    assert len(lib.get_vmss_vm("rgfarm", name="web")) == 2
    lib.remove_vmss("rgfarm", name="web")
