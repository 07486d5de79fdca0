"""The cmdlet-style library against the local Azure, both ways in: every operation, and the checks
made before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

import azrm
from tests.conftest import LOCATION, WINDOWS_PASSWORD, Azure, Seed, seed_vm_config


def writes(azure: Azure) -> int:
    return sum(azure.emu.requests_by_method[m] for m in ("PUT", "PATCH", "POST", "DELETE"))


def no_request_made(azure: Azure, call: Callable[[], Any]) -> azrm.ValidationError:
    """Run ``call``, expect a ValidationError, and check it was raised before any write request."""
    before = writes(azure)
    with pytest.raises(azrm.ValidationError) as err:
        call()
    assert writes(azure) == before, "a write request was sent before the input was checked"
    assert isinstance(err.value, ValueError)
    return err.value


# -- resource groups --------------------------------------------------------------------------------
def test_resource_groups(lib: Any, azure: Azure) -> None:
    rg = lib.new_resource_group("KNRGTest01", "West Europe", tags={"env": "demo"})
    assert (rg.name, rg.location, rg.tags) == ("KNRGTest01", "westeurope", {"env": "demo"})
    assert lib.get_resource_group("knrgtest01").id == rg.id
    assert [g.name for g in lib.list_resource_groups()] == ["KNRGTest01"]
    lib.remove_resource_group("KNRGTest01")
    with pytest.raises(ResourceNotFoundError):
        lib.get_resource_group("KNRGTest01")
    lib.remove_resource_group("KNRGTest01")  # already gone: fine
    poller = lib.begin_remove_resource_group
    assert callable(poller)


def test_resource_group_validation(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("warmup", LOCATION)  # the region list is read once, here
    err = no_request_made(azure, lambda: lib.new_resource_group("bad name!", LOCATION))
    assert (err.field, err.value) == ("name", "bad name!")
    err = no_request_made(azure, lambda: lib.new_resource_group("rg", "atlantis"))
    assert err.field == "location" and "westeurope" in err.rule


# -- storage -------------------------------------------------------------------------------------------
def test_storage_accounts(lib: Any, unique: Callable[[str], str]) -> None:
    lib.new_resource_group("rg", LOCATION)
    name = unique("knstor")
    account = lib.new_storage_account("rg", name, location=LOCATION, sku_name="standard_lrs")
    assert (account.sku.name, account.kind, account.allow_blob_public_access) == ("Standard_LRS", "StorageV2", False)
    assert lib.get_storage_account("rg", name).id == account.id
    keys = lib.get_storage_account_key("rg", name)
    assert [k.key_name for k in keys] == ["key1", "key2"]
    service = lib.blob_service("rg", name)
    service.create_container("lib-check").upload_blob("a.txt", b"x")
    assert [c.name for c in service.list_containers()] == ["lib-check"]
    lib.remove_storage_account("rg", name)
    with pytest.raises(ResourceNotFoundError):
        lib.get_storage_account("rg", name)
    lib.remove_storage_account("rg", name)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "Has-Upper"}, "name"),
        ({"name": "ab"}, "name"),
        ({"sku_name": "Gold_LRS"}, "sku_name"),
        ({"kind": "Tape"}, "kind"),
    ],
)
def test_storage_account_validation(lib: Any, azure: Azure, kwargs: dict[str, str], field: str) -> None:
    lib.new_resource_group("rg", LOCATION)
    args = {"name": "validname123", **kwargs}
    name = args.pop("name")
    err = no_request_made(azure, lambda: lib.new_storage_account("rg", name, location=LOCATION, **args))
    assert err.field == field


def test_storage_name_taken_is_azures_error(lib: Any, unique: Callable[[str], str]) -> None:
    lib.new_resource_group("rg", LOCATION)
    lib.new_resource_group("rg2", LOCATION)
    name = unique("knstor")
    lib.new_storage_account("rg", name, location=LOCATION)
    with pytest.raises(ResourceExistsError) as err:
        lib.new_storage_account("rg2", name, location=LOCATION)
    assert err.value.error.code == "StorageAccountAlreadyExists"


# -- network -------------------------------------------------------------------------------------------
def test_network_operations(lib: Any) -> None:
    lib.new_resource_group("rg", LOCATION)
    pip = lib.new_public_ip_address("rg", "web", location=LOCATION, sku="Standard", domain_name_label="kn-web")
    assert (pip.public_ip_allocation_method, pip.dns_settings.fqdn) == (
        "Static",
        "kn-web.westeurope.cloudapp.azure.com",
    )
    subnets = [
        azrm.new_virtual_network_subnet_config("front", address_prefix="10.1.0.0/24"),
        azrm.new_virtual_network_subnet_config("back", address_prefix=["10.1.1.0/24"]),
    ]
    vnet = lib.new_virtual_network(
        "rg", "vnet", location=LOCATION, address_prefix="10.1.0.0/16", subnet=subnets, dns_server=["10.1.0.4"]
    )
    assert [s.name for s in vnet.subnets] == ["front", "back"]
    assert vnet.dhcp_options.dns_servers == ["10.1.0.4"]
    nic = lib.new_network_interface(
        "rg", "nic1", location=LOCATION, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
    )
    assert nic.ip_configurations[0].private_ip_address == "10.1.0.4"
    builder = (
        azrm.NIC("nic2")
        .add_ip_config("ipconfig1", subnet_id=vnet.subnets[1].id, private_ip_address="10.1.1.10")
        .add_ip_config("ipconfig2", subnet_id=vnet.subnets[1].id, primary=False)
    )
    nic2 = lib.new_network_interface("rg", builder, location=LOCATION)
    assert [(c.name, c.private_ip_address, c.primary) for c in nic2.ip_configurations] == [
        ("ipconfig1", "10.1.1.10", True),
        ("ipconfig2", "10.1.1.4", False),
    ]
    assert lib.get_network_interface("rg", "nic2").id == nic2.id
    assert lib.get_virtual_network("rg", "vnet").id == vnet.id
    assert lib.get_public_ip_address("rg", "web").ip_address
    lib.remove_network_interface("rg", "nic1")
    lib.remove_network_interface("rg", "nic2")
    lib.remove_public_ip_address("rg", "web")
    lib.remove_virtual_network("rg", "vnet")
    assert lib.list_resources("rg") == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda lib: lib.new_public_ip_address("rg", "p", location=LOCATION, allocation_method="Sticky"), "allocation_method"),
        (lambda lib: lib.new_public_ip_address("rg", "p", location=LOCATION, sku="Standard", allocation_method="Dynamic"), "allocation_method"),
        (lambda lib: lib.new_public_ip_address("rg", "p", location=LOCATION, domain_name_label="Bad_Label"), "domain_name_label"),
        (lambda lib: lib.new_public_ip_address("rg", "p", location=LOCATION, idle_timeout_in_minutes=90), "idle_timeout_in_minutes"),
        (lambda lib: lib.new_virtual_network("rg", "vn", location=LOCATION, address_prefix="10.0.0.0/33"), "address_prefix"),
        (
            lambda lib: lib.new_virtual_network(
                "rg", "vn", location=LOCATION, address_prefix="10.0.0.0/16",
                subnet=[azrm.new_virtual_network_subnet_config("s", address_prefix="10.9.0.0/24")],
            ),
            "subnet[s].address_prefix",
        ),
        (
            lambda lib: lib.new_virtual_network(
                "rg", "vn", location=LOCATION, address_prefix="10.0.0.0/16",
                subnet=[azrm.new_virtual_network_subnet_config("a", address_prefix="10.0.0.0/24"),
                        azrm.new_virtual_network_subnet_config("b", address_prefix="10.0.0.0/25")],
            ),
            "subnet[b].address_prefix",
        ),
        (
            lambda lib: lib.new_virtual_network(
                "rg", "vn", location=LOCATION, address_prefix="10.0.0.0/16",
                subnet=[azrm.new_virtual_network_subnet_config("a", address_prefix="10.0.0.0/24"),
                        azrm.new_virtual_network_subnet_config("A", address_prefix="10.0.1.0/24")],
            ),
            "subnet",
        ),
        (lambda lib: lib.new_network_interface("rg", "nic", location=LOCATION), "subnet_id"),
    ],
)  # fmt: skip
def test_network_validation(lib: Any, azure: Azure, call: Callable[[Any], Any], field: str) -> None:
    lib.new_resource_group("rg", LOCATION)
    err = no_request_made(azure, lambda: call(lib))
    assert err.field == field


# -- virtual machines -------------------------------------------------------------------------------------
def test_new_vm_with_vhd(lib: Any, seed: Seed) -> None:
    vhd = f"{seed.storage.primary_endpoints.blob}vhds/KNVM01osDisk.vhd"
    vm = lib.new_vm(seed.rg.name, location=seed.rg.location, vm=seed_vm_config(seed.nic.id, vhd))
    assert vm.provisioning_state == "Succeeded"
    assert vm.storage_profile.os_disk.vhd.uri == vhd
    assert vm.os_profile.admin_password is None
    blob = lib.blob_service(seed.rg.name, seed.storage.name).get_blob_client("vhds", "KNVM01osDisk.vhd")
    assert blob.get_blob_properties().blob_type == "PageBlob"
    status = lib.get_vm(seed.rg.name, "KNVM01", status=True)
    assert [s.code for s in status.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]
    assert [v.name for v in lib.list_vms(seed.rg.name)] == ["KNVM01"]
    assert [v.name for v in lib.list_vms()] == ["KNVM01"]


def test_vm_power_and_removal(lib: Any, seed: Seed) -> None:
    rg = seed.rg.name
    lib.new_vm(rg, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    power = lambda: lib.get_vm(rg, "KNVM01", status=True).statuses[1].code  # noqa: E731
    lib.stop_vm(rg, "KNVM01", stay_provisioned=True)
    assert power() == "PowerState/stopped"
    lib.start_vm(rg, "KNVM01")
    assert power() == "PowerState/running"
    lib.stop_vm(rg, "KNVM01")
    assert power() == "PowerState/deallocated"
    assert lib.get_public_ip_address(rg, "vmvNic").ip_address is None
    lib.start_vm(rg, "KNVM01")
    lib.restart_vm(rg, "KNVM01")
    assert power() == "PowerState/running"
    poller = lib.begin_stop_vm(rg, "KNVM01")
    poller.result()
    assert power() == "PowerState/deallocated"
    lib.remove_vm(rg, "KNVM01")
    with pytest.raises(ResourceNotFoundError):
        lib.get_vm(rg, "KNVM01")
    lib.remove_vm(rg, "KNVM01")  # already gone: fine


def test_begin_new_vm_returns_the_sdk_poller(lib: Any, seed: Seed) -> None:
    poller = lib.begin_new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    assert hasattr(poller, "result") and hasattr(poller, "status")
    assert poller.result().name == "KNVM01"
    # The NIC's create answer spared a read for KNVM01; the next VM's check reads it, attached now.
    with pytest.raises(azrm.ValidationError) as err:
        lib.begin_new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id, name="vm2"))
    assert err.value.field == "vm.network_interfaces" and "already attached" in err.value.rule


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda nic: azrm.new_vm_config("KNVM01", "Standard_A2").add_network_interface(nic), "VMConfig.image"),
        (
            lambda nic: (
                azrm.new_vm_config("KNVM01", "Standard_A2")
                .set_source_image(
                    publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2016-Datacenter"
                )
                .add_network_interface(nic)
            ),
            "VMConfig.os_profile",
        ),
        (
            lambda nic: seed_vm_config(nic).evolve(network_interfaces=()),
            "VMConfig.network_interfaces",
        ),
    ],
)
def test_new_vm_needs_its_parts(lib: Any, azure: Azure, seed: Seed, make: Callable[[str], Any], field: str) -> None:
    err = no_request_made(azure, lambda: lib.new_vm(seed.rg.name, location=LOCATION, vm=make(seed.nic.id)))
    assert err.field == field


def test_new_vm_checks_nic_region_and_attachment_before_writing(lib: Any, azure: Azure, seed: Seed) -> None:
    lib.new_resource_group("us", "eastus")
    vnet = lib.new_virtual_network(
        "us", "vnet", location="eastus", address_prefix="10.2.0.0/16",
        subnet=[azrm.new_virtual_network_subnet_config("s", address_prefix="10.2.0.0/24")],
    )  # fmt: skip
    nic_us = lib.new_network_interface("us", "nic", location="eastus", subnet_id=vnet.subnets[0].id)
    err = no_request_made(azure, lambda: lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(nic_us.id)))
    assert "eastus" in err.rule and err.field == "vm.network_interfaces"
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    err = no_request_made(
        azure, lambda: lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id, name="KNVM02"))
    )
    assert "already attached" in err.rule


def test_azure_side_errors_pass_through(lib: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    vm = seed_vm_config(seed.nic.id).set_source_image(
        publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="1999-Datacenter"
    )
    with pytest.raises(azrm.ValidationError) as refused:  # the local Azure's catalogue is known: no request
        lib.new_vm(seed.rg.name, location=LOCATION, vm=vm)
    assert refused.value.field == "vm.image"
    # on Azure the catalogue is not known without a read, and ARM's refusal comes through as it is
    monkeypatch.setattr(lib, "_catalogue_problem", lambda *args: None)
    with pytest.raises(HttpResponseError) as err:
        lib.new_vm(seed.rg.name, location=LOCATION, vm=vm)
    assert err.value.error.code == "PlatformImageNotFound"
    details = azrm.errors.arm_error_details(err.value)
    assert details["code"] == "PlatformImageNotFound" and details["correlation_id"]


def test_windows_password_rules_are_checked_by_the_builder() -> None:
    with pytest.raises(azrm.ValidationError) as err:
        seed_vm_config(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n", password="Password1"
        )
    assert err.value.field == "credential.password"
    assert err.value.value == "********"
    assert "Password1" not in str(err.value)
    assert WINDOWS_PASSWORD  # the good one passes (used by every other test)
