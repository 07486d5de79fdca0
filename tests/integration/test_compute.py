"""Microsoft.Compute through the real SDK: VMs (VHD and managed disks), power, extensions, disks,
availability sets, the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from azrm.emulator.providers.compute import (
    ExtensionContext,
    ExtensionFailure,
    ExtensionOutcome,
    VirtualMachineExtensionBackend,
)
from tests.conftest import LOCATION, Azure, Stack, make_group, make_nic, make_vnet, windows_vm_body


def error_of(call: Callable[[], Any]) -> tuple[int, str, str | None]:
    with pytest.raises(HttpResponseError) as err:
        call()
    return err.value.status_code, err.value.error.code, err.value.error.target


def create_vm(azure: Azure, body: dict[str, Any], name: str = "vm1", rg: str = "rg1") -> Any:
    return azure.compute.virtual_machines.begin_create_or_update(rg, name, body).result()


def storage_account(azure: Azure, name: str, rg: str = "rg1") -> Any:
    return azure.storage.storage_accounts.begin_create(
        rg, name, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()


def test_windows_vm_with_vhd_os_disk(azure: Azure, stack: Stack, unique: Callable[[str], str]) -> None:
    account = storage_account(azure, unique("vhds"))
    vhd = f"{account.primary_endpoints.blob}vhds/KNVM01osDisk.vhd"
    statuses: list[tuple[int, str]] = []

    def record(response: Any) -> None:
        http = response.http_response
        if http.request.method == "PUT":
            http.read()
            statuses.append((http.status_code, http.json()["properties"]["provisioningState"]))

    vm = azure.compute.virtual_machines.begin_create_or_update(
        "rg1", "KNVM01", windows_vm_body(stack.nic.id, name="KNVM01", vhd_uri=vhd), raw_response_hook=record
    ).result()
    assert statuses == [(201, "Creating")]
    assert vm.provisioning_state == "Succeeded"
    assert vm.vm_id and vm.time_created
    os_disk = vm.storage_profile.os_disk
    assert (os_disk.os_type, os_disk.disk_size_gb, os_disk.caching) == ("Windows", 127, "ReadWrite")
    assert os_disk.vhd.uri == vhd
    assert vm.storage_profile.image_reference.exact_version == "14393.7070.240608"
    assert vm.storage_profile.data_disks == []
    profile = vm.os_profile
    assert profile.admin_password is None  # never echoed
    assert profile.secrets == [] and profile.allow_extension_operations is True
    assert profile.windows_configuration.provision_vm_agent is True
    assert profile.windows_configuration.patch_settings.patch_mode == "AutomaticByOS"
    # The VHD is a real page blob in the account.
    key = azure.storage.storage_accounts.list_keys("rg1", account.name).keys_property[0].value
    blob = BlobServiceClient(account.primary_endpoints.blob, credential=key).get_blob_client("vhds", "KNVM01osDisk.vhd")
    props = blob.get_blob_properties()
    assert (props.blob_type, props.size) == ("PageBlob", 127 * 1024**3)
    # The same VHD cannot back a second VM.
    nic2 = make_nic(azure, stack.subnet_id, name="nic2")
    assert error_of(lambda: create_vm(azure, windows_vm_body(nic2.id, name="vm2", vhd_uri=vhd), "vm2"))[:2] == (
        409,
        "VHDBlobAlreadyExists",
    )


def test_managed_disks(azure: Azure, stack: Stack) -> None:
    body = windows_vm_body(stack.nic.id, size="Standard_DS2_v2")
    body["properties"]["storageProfile"]["dataDisks"] = [{"lun": 0, "createOption": "Empty", "diskSizeGB": 64}]
    vm = create_vm(azure, body)
    os_disk = vm.storage_profile.os_disk
    assert os_disk.managed_disk.storage_account_type == "Premium_LRS"
    assert os_disk.delete_option == "Detach"
    disk = azure.compute.disks.get("rg1", os_disk.name)
    assert disk.id == os_disk.managed_disk.id
    assert (disk.disk_state, disk.managed_by, disk.os_type) == ("Attached", vm.id, "Windows")
    data = vm.storage_profile.data_disks[0]
    assert data.disk_size_gb == 64 and data.caching == "None"
    assert azure.compute.disks.get("rg1", data.name).disk_size_gb == 64
    # Deleting the VM leaves its disks, detached.
    azure.compute.virtual_machines.begin_delete("rg1", "vm1").result()
    left = {d.name: d.disk_state for d in azure.compute.disks.list_by_resource_group("rg1")}
    assert left == {os_disk.name: "Unattached", data.name: "Unattached"}


def test_standard_size_gets_standard_storage(azure: Azure, stack: Stack) -> None:
    vm = create_vm(azure, windows_vm_body(stack.nic.id, size="Standard_A2"))
    assert vm.storage_profile.os_disk.managed_disk.storage_account_type == "Standard_LRS"


def test_linux_vm_with_ssh_key(azure: Azure, stack: Stack) -> None:
    body = windows_vm_body(stack.nic.id)
    body["properties"]["storageProfile"]["imageReference"] = {
        "publisher": "Canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts",
        "version": "latest",
    }
    body["properties"]["osProfile"] = {
        "computerName": "web-linux-01",
        "adminUsername": "azureuser",
        "linuxConfiguration": {
            "disablePasswordAuthentication": True,
            "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "ssh-rsa AAAA..."}]},
        },
    }
    vm = create_vm(azure, body, name="linux-vm-with-a-long-name")
    assert vm.storage_profile.os_disk.os_type == "Linux"
    assert vm.os_profile.linux_configuration.patch_settings.patch_mode == "ImageDefault"
    iv = azure.compute.virtual_machines.instance_view("rg1", "linux-vm-with-a-long-name")
    assert iv.os_name == "ubuntu"
    body["properties"]["osProfile"]["linuxConfiguration"] = {"disablePasswordAuthentication": True}
    nic2 = make_nic(azure, stack.subnet_id, name="nic2")
    body["properties"]["networkProfile"]["networkInterfaces"] = [{"id": nic2.id}]
    assert error_of(lambda: create_vm(azure, body, name="nokeys")) == (400, "InvalidParameter", "linuxConfiguration")


def _mutate(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node = body
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    if value is None:
        node.pop(keys[-1])
    else:
        node[keys[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("properties.hardwareProfile.vmSize", "Standard_Z99", (400, "InvalidParameter", "vmSize")),
        (
            "properties.storageProfile.imageReference.sku",
            "2003-Datacenter",
            (404, "PlatformImageNotFound", "imageReference"),
        ),
        ("properties.osProfile.adminPassword", "short1!", (400, "InvalidParameter", "adminPassword")),
        ("properties.osProfile.adminPassword", "alllowercaseletters", (400, "InvalidParameter", "adminPassword")),
        ("properties.osProfile.adminPassword", "P@ssw0rd", (400, "InvalidParameter", "adminPassword")),
        ("properties.osProfile.adminUsername", "administrator", (400, "InvalidParameter", "adminUsername")),
        ("properties.osProfile.adminUsername", "a" * 21, (400, "InvalidParameter", "adminUsername")),
        ("properties.osProfile.computerName", "computername-too-long", (400, "InvalidParameter", "computerName")),
        ("properties.osProfile.computerName", "12345", (400, "InvalidParameter", "computerName")),
        ("properties.osProfile", None, (400, "InvalidParameter", "osProfile")),
        ("properties.networkProfile.networkInterfaces", [], (400, "InvalidParameter", "networkProfile")),
        ("properties.hardwareProfile", None, (400, "InvalidParameter", "hardwareProfile.vmSize")),
    ],
)
def test_vm_validation(azure: Azure, stack: Stack, path: str, value: Any, expected: tuple[int, str, str]) -> None:
    body = _mutate(windows_vm_body(stack.nic.id), path, value)
    assert error_of(lambda: create_vm(azure, body)) == expected
    assert azure.emu.store.get(azure.rid("rg1", "Microsoft.Compute/virtualMachines", "vm1")) is None


def test_vm_name_rules(azure: Azure, stack: Stack) -> None:
    status, code, _ = error_of(lambda: create_vm(azure, windows_vm_body(stack.nic.id), name="windows-name-too-long"))
    assert (status, code) == (400, "InvalidResourceName")


def test_vm_references(azure: Azure, stack: Stack, unique: Callable[[str], str]) -> None:
    ghost_nic = azure.rid("rg1", "Microsoft.Network/networkInterfaces", "ghost")
    assert error_of(lambda: create_vm(azure, windows_vm_body(ghost_nic)))[:2] == (404, "NotFound")
    make_group(azure, "us")
    vnet_us = make_vnet(azure, "us", location="eastus")
    nic_us = make_nic(azure, vnet_us.subnets[0].id, "us", location="eastus")
    assert error_of(lambda: create_vm(azure, windows_vm_body(nic_us.id)))[:2] == (400, "InvalidParameter")
    create_vm(azure, windows_vm_body(stack.nic.id))
    assert error_of(lambda: create_vm(azure, windows_vm_body(stack.nic.id, name="vm2"), "vm2"))[:2] == (409, "NicInUse")
    missing_account = "http://127.0.0.1:1/nosuchaccount/vhds/x.vhd"
    nic2 = make_nic(azure, stack.subnet_id, name="nic2")
    assert error_of(lambda: create_vm(azure, windows_vm_body(nic2.id, name="vm3", vhd_uri=missing_account), "vm3"))[
        :2
    ] == (
        404,
        "StorageAccountNotFound",
    )


def test_data_disk_rules(azure: Azure, stack: Stack) -> None:
    body = windows_vm_body(stack.nic.id, size="Standard_A1")  # A1 takes two data disks
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": i, "createOption": "Empty", "diskSizeGB": 8} for i in range(3)
    ]
    assert error_of(lambda: create_vm(azure, body)) == (409, "OperationNotAllowed", "dataDisks")
    body["properties"]["storageProfile"]["dataDisks"] = [{"lun": 0, "createOption": "Empty", "diskSizeGB": 8}] * 2
    assert error_of(lambda: create_vm(azure, body)) == (400, "InvalidParameter", "dataDisks")


def test_instance_view_power_and_public_ip(azure: Azure, stack: Stack) -> None:
    vms = azure.compute.virtual_machines
    create_vm(azure, windows_vm_body(stack.nic.id))
    vm = vms.get("rg1", "vm1", expand="instanceView")
    iv = vm.instance_view
    assert [s.code for s in iv.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]
    assert iv.computer_name == "vm1"
    assert iv.os_name == "Windows Server 2016 Datacenter"
    assert iv.vm_agent.statuses[0].display_status == "Ready"
    assert [d.name for d in iv.disks] == [vm.storage_profile.os_disk.name]
    assert vms.get("rg1", "vm1").instance_view is None  # only with $expand
    pip = azure.network.public_ip_addresses.get("rg1", "pip1")
    assert pip.ip_address  # a Dynamic IP is allocated once its VM runs
    nic = azure.network.network_interfaces.get("rg1", "nic1")
    assert nic.virtual_machine.id == vm.id and nic.mac_address and nic.primary is True

    vms.begin_power_off("rg1", "vm1").result()
    assert vms.instance_view("rg1", "vm1").statuses[1].code == "PowerState/stopped"
    assert azure.network.public_ip_addresses.get("rg1", "pip1").ip_address == pip.ip_address  # kept while stopped
    vms.begin_deallocate("rg1", "vm1").result()
    assert vms.instance_view("rg1", "vm1").statuses[1].display_status == "VM deallocated"
    assert azure.network.public_ip_addresses.get("rg1", "pip1").ip_address is None  # released
    assert error_of(lambda: vms.begin_restart("rg1", "vm1").result())[:2] == (409, "OperationNotAllowed")
    vms.begin_start("rg1", "vm1").result()
    assert vms.instance_view("rg1", "vm1").statuses[1].code == "PowerState/running"
    assert azure.network.public_ip_addresses.get("rg1", "pip1").ip_address
    vms.begin_restart("rg1", "vm1").result()
    assert [v.name for v in vms.list("rg1")] == ["vm1"]
    assert [v.name for v in vms.list_all()] == ["vm1"]
    assert "Standard_A2" in {s.name for s in vms.list_available_sizes("rg1", "vm1")}


def test_vm_update(azure: Azure, stack: Stack) -> None:
    vms = azure.compute.virtual_machines
    vm = create_vm(azure, windows_vm_body(stack.nic.id))
    vm.tags = {"env": "test"}
    vm.storage_profile.data_disks = [{"lun": 1, "createOption": "Empty", "diskSizeGB": 16}]
    updated = vms.begin_create_or_update("rg1", "vm1", vm).result()
    assert updated.tags == {"env": "test"}
    assert updated.vm_id == vm.vm_id
    assert azure.compute.disks.get("rg1", updated.storage_profile.data_disks[0].name).disk_size_gb == 16
    assert updated.etag != vm.etag
    patched = vms.begin_update("rg1", "vm1", {"tags": {"env": "prod"}}).result()
    assert patched.tags == {"env": "prod"}
    body = windows_vm_body(stack.nic.id)
    again = vms.begin_create_or_update("rg1", "vm1", body).result()  # the same profile again: a no-op
    assert again.vm_id == vm.vm_id and again.os_profile.admin_password is None
    for field, value in [("adminPassword", "An0ther!Passw0rd"), ("adminUsername", "other"), ("computerName", "vm2")]:
        changed = windows_vm_body(stack.nic.id)
        changed["properties"]["osProfile"][field] = value
        assert error_of(lambda b=changed: vms.begin_create_or_update("rg1", "vm1", b).result()) == (
            409,
            "PropertyChangeNotAllowed",
            field,
        )


def test_delete_vm_frees_nic_and_can_delete_it(azure: Azure, stack: Stack) -> None:
    body = windows_vm_body(stack.nic.id)
    body["properties"]["networkProfile"]["networkInterfaces"][0]["properties"] = {"deleteOption": "Delete"}
    body["properties"]["storageProfile"]["osDisk"]["deleteOption"] = "Delete"
    create_vm(azure, body)
    with pytest.raises(HttpResponseError) as err:
        azure.network.network_interfaces.begin_delete("rg1", "nic1").result()
    assert err.value.error.code == "NicInUse"
    azure.compute.virtual_machines.begin_delete("rg1", "vm1").result()
    with pytest.raises(ResourceNotFoundError):
        azure.compute.virtual_machines.get("rg1", "vm1")
    with pytest.raises(ResourceNotFoundError):
        azure.network.network_interfaces.get("rg1", "nic1")
    assert list(azure.compute.disks.list_by_resource_group("rg1")) == []
    assert azure.network.public_ip_addresses.get("rg1", "pip1").ip_address is None


# -- extensions -----------------------------------------------------------------------------------------
def ext_body(
    publisher: str = "Microsoft.Compute", type_: str = "BGInfo", version: str = "2.1", **props: Any
) -> dict[str, Any]:
    return {
        "location": LOCATION,
        "properties": {"publisher": publisher, "type": type_, "typeHandlerVersion": version, **props},
    }


def test_extension_life_cycle(azure: Azure, stack: Stack) -> None:
    create_vm(azure, windows_vm_body(stack.nic.id))
    exts = azure.compute.virtual_machine_extensions
    created = exts.begin_create_or_update(
        "rg1", "vm1", "info", ext_body(settings={"a": 1}, protectedSettings={"password": "canary-secret"})
    ).result()
    assert created.provisioning_state == "Succeeded"
    assert created.settings == {"a": 1}
    assert created.protected_settings is None  # never returned
    got = exts.get("rg1", "vm1", "info", expand="instanceView")
    assert got.instance_view.type == "Microsoft.Compute.BGInfo"
    assert got.instance_view.type_handler_version == "2.1.0.0"
    assert got.instance_view.statuses[0].code == "ProvisioningState/succeeded"
    assert [e.name for e in exts.list("rg1", "vm1").value] == ["info"]
    vm = azure.compute.virtual_machines.get("rg1", "vm1", expand="instanceView")
    assert [r.name for r in vm.resources] == ["info"]
    assert vm.instance_view.extensions[0].name == "info"
    assert vm.instance_view.vm_agent.extension_handlers[0].type == "Microsoft.Compute.BGInfo"
    exts.begin_delete("rg1", "vm1", "info").result()
    assert exts.list("rg1", "vm1").value == []


def test_extension_errors(azure: Azure, stack: Stack) -> None:
    exts = azure.compute.virtual_machine_extensions
    assert error_of(lambda: exts.begin_create_or_update("rg1", "ghost", "x", ext_body()).result())[:2] == (
        404,
        "ParentResourceNotFound",
    )
    create_vm(azure, windows_vm_body(stack.nic.id))
    assert error_of(lambda: exts.begin_create_or_update("rg1", "vm1", "x", ext_body(version="9.9")).result())[:2] == (
        404,
        "ArtifactNotFound",
    )
    exts.begin_create_or_update("rg1", "vm1", "first", ext_body()).result()
    assert error_of(lambda: exts.begin_create_or_update("rg1", "vm1", "second", ext_body()).result())[:2] == (
        400,
        "BadRequest",
    )
    azure.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    assert error_of(
        lambda: exts.begin_create_or_update(
            "rg1", "vm1", "third", ext_body("Microsoft.Compute", "CustomScriptExtension", "1.10")
        ).result()
    )[:2] == (
        409,
        "OperationNotAllowed",
    )


def test_failing_extension_handler(azure: Azure, stack: Stack) -> None:
    seen: list[ExtensionContext] = []

    def handler(ctx: ExtensionContext) -> ExtensionOutcome:
        seen.append(ctx)
        if ctx.settings.get("fail"):
            raise ExtensionFailure(
                "the script exited with code 1",
                substatuses=[
                    {
                        "code": "ComponentStatus/StdErr/succeeded",
                        "level": "Info",
                        "displayStatus": "Provisioning succeeded",
                        "message": "boom",
                    }
                ],
            )
        return ExtensionOutcome(message="all good")

    azure.emu.backend(VirtualMachineExtensionBackend).register_handler(
        "Microsoft.Compute", "CustomScriptExtension", handler
    )
    create_vm(azure, windows_vm_body(stack.nic.id))
    exts = azure.compute.virtual_machine_extensions
    body = ext_body(
        "Microsoft.Compute",
        "CustomScriptExtension",
        "1.10",
        settings={"fail": True},
        protectedSettings={"token": "t0k"},
    )
    with pytest.raises(HttpResponseError) as err:
        exts.begin_create_or_update("rg1", "vm1", "script", body).result()
    assert err.value.error.code == "VMExtensionProvisioningError"
    assert "the script exited with code 1" in err.value.error.message
    assert seen[0].protected_settings == {"token": "t0k"}  # the handler sees what the VM would
    got = exts.get("rg1", "vm1", "script", expand="instanceView")
    assert got.provisioning_state == "Failed"
    assert got.instance_view.statuses[0].level == "Error"
    assert got.instance_view.substatuses[0].message == "boom"
    assert azure.compute.virtual_machines.get("rg1", "vm1").provisioning_state == "Failed"
    # Fixing the extension brings the VM back to Succeeded.
    body["properties"]["settings"] = {"fail": False}
    fixed = exts.begin_create_or_update("rg1", "vm1", "script", body).result()
    assert fixed.provisioning_state == "Succeeded"
    assert azure.compute.virtual_machines.get("rg1", "vm1").provisioning_state == "Succeeded"


# -- disks and availability sets -------------------------------------------------------------------------
def test_disks(azure: Azure, stack: Stack) -> None:
    disks = azure.compute.disks
    disk = disks.begin_create_or_update(
        "rg1",
        "data1",
        {
            "location": LOCATION,
            "sku": {"name": "Premium_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 32},
        },
    ).result()
    assert (disk.disk_state, disk.disk_size_gb, disk.sku.name) == ("Unattached", 32, "Premium_LRS")
    body = windows_vm_body(stack.nic.id)
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": 0, "createOption": "Attach", "managedDisk": {"id": disk.id}}
    ]
    vm = create_vm(azure, body)
    assert vm.storage_profile.data_disks[0].managed_disk.id == disk.id
    assert disks.get("rg1", "data1").managed_by == vm.id
    assert error_of(lambda: disks.begin_delete("rg1", "data1").result())[:2] == (409, "OperationNotAllowed")
    assert error_of(
        lambda: disks.begin_create_or_update(
            "rg1", "data1", {"location": LOCATION, "properties": {"diskSizeGB": 16}}
        ).result()
    )[:2] == (409, "OperationNotAllowed")
    grown = disks.begin_update("rg1", "data1", {"properties": {"diskSizeGB": 64}}).result()
    assert grown.disk_size_gb == 64


def test_availability_set(azure: Azure, stack: Stack) -> None:
    sets = azure.compute.availability_sets
    avset = sets.create_or_update(
        "rg1",
        "web-as",
        {"location": LOCATION, "sku": {"name": "Aligned"}, "properties": {"platformFaultDomainCount": 2}},
    )
    assert (avset.platform_fault_domain_count, avset.platform_update_domain_count) == (2, 5)
    nic2 = make_nic(azure, stack.subnet_id, name="nic2")
    for name, nic in (("vm1", stack.nic), ("vm2", nic2)):
        create_vm(azure, windows_vm_body(nic.id, name=name, availabilitySet={"id": avset.id}), name)
    got = sets.get("rg1", "web-as")
    assert sorted(v.id.rsplit("/", 1)[-1] for v in got.virtual_machines) == ["vm1", "vm2"]
    domains = [azure.compute.virtual_machines.instance_view("rg1", n).platform_fault_domain for n in ("vm1", "vm2")]
    assert domains == [0, 1]
    with pytest.raises(HttpResponseError) as err:
        sets.delete("rg1", "web-as")
    assert err.value.error.code == "OperationNotAllowed"
    classic = sets.create_or_update("rg1", "old-as", {"location": LOCATION})
    nic3 = make_nic(azure, stack.subnet_id, name="nic3")
    assert error_of(
        lambda: create_vm(azure, windows_vm_body(nic3.id, name="vm3", availabilitySet={"id": classic.id}), "vm3")
    ) == (
        400,
        "InvalidParameter",
        "availabilitySet",
    )
    with pytest.raises(HttpResponseError) as err:
        sets.create_or_update("rg1", "bad", {"location": LOCATION, "properties": {"platformFaultDomainCount": 4}})
    assert err.value.error.target == "platformFaultDomainCount"


# -- catalogue ----------------------------------------------------------------------------------------------
def test_image_catalogue(azure: Azure) -> None:
    images = azure.compute.virtual_machine_images
    publishers = {p.name for p in images.list_publishers(LOCATION)}
    assert {"MicrosoftWindowsServer", "Canonical", "Microsoft.Powershell"} <= publishers
    assert [o.name for o in images.list_offers(LOCATION, "MicrosoftWindowsServer")] == ["WindowsServer"]
    skus = {s.name for s in images.list_skus(LOCATION, "MicrosoftWindowsServer", "WindowsServer")}
    assert {"2012-R2-Datacenter", "2016-Datacenter", "2019-Datacenter", "2022-datacenter"} <= skus
    versions = [v.name for v in images.list(LOCATION, "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter")]
    assert versions[0] == "4.0.20151120" and versions[-2:] == ["9600.21620.231004", "9600.22080.240607"]
    newest = images.list(
        LOCATION, "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", top=1, orderby="name desc"
    )
    assert [v.name for v in newest] == ["9600.22080.240607"]
    image = images.get(LOCATION, "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", "9600.22080.240607")
    assert image.os_disk_image.operating_system == "Windows"
    with pytest.raises(ResourceNotFoundError):
        images.get(LOCATION, "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter", "1.0.0")
    sizes = {s.name: s for s in azure.compute.virtual_machine_sizes.list(LOCATION)}
    assert sizes["Standard_A2"].number_of_cores == 2 and sizes["Standard_A2"].max_data_disk_count == 4
    ext_types = {
        t.name for t in azure.compute.virtual_machine_extension_images.list_types(LOCATION, "Microsoft.Powershell")
    }
    assert ext_types == {"DSC"}
    dsc_versions = [
        v.name
        for v in azure.compute.virtual_machine_extension_images.list_versions(LOCATION, "Microsoft.Powershell", "DSC")
    ]
    assert "2.83.0.0" in dsc_versions
