"""The catalogues real templates lean on: VM sizes per region, marketplace images, extension versions.

The data files say where each value comes from; these tests check the rules applied to them.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azrm.emulator.core.errors import ArmError
from azrm.emulator.providers.catalog import LOCATIONS, VmSize, find_image, find_size, resolve_extension, sizes_in
from azrm.errors import ValidationError
from tests.conftest import LOCATION, Azure, Stack, make_group, make_nic, make_vnet, windows_vm_body


@pytest.mark.parametrize(
    "size",
    ["Standard_A1", "Standard_D2", "Standard_DS2", "Standard_D1_v2", "Standard_D16s_v3", "Standard_B1ms", "Basic_A0"],
)
def test_older_and_newer_sizes_that_templates_name_exist(size: str) -> None:
    assert find_size(size, "westeurope") is not None


def test_sizes_are_offered_per_region() -> None:
    everywhere = {s.name for s in sizes_in("westeurope")}
    assert "Standard_D2s_v3" in everywhere
    size, missing = regional()
    assert find_size(size.name, missing) is None
    assert find_size(size.name, next(iter(size.regions or ()))) is not None


def regional() -> tuple[VmSize, str]:
    """A size and a region that does not offer it."""
    for size in sizes_in(None):
        if size.regions is not None:
            missing = sorted(set(LOCATIONS) - size.regions)
            if missing:
                return size, missing[0]
    raise AssertionError("every size is offered everywhere")


def test_a_size_the_region_does_not_offer_is_refused_naming_the_region_s_sizes(azure: Azure) -> None:
    size, region = regional()
    make_group(azure, location=region)
    vnet = make_vnet(azure, location=region)
    nic = make_nic(azure, vnet.subnets[0].id, location=region)
    with pytest.raises(HttpResponseError) as caught:
        azure.compute.virtual_machines.begin_create_or_update(
            "rg1", "vm1", windows_vm_body(nic.id, size=size.name, location=region)
        ).result()
    assert caught.value.error.code == "InvalidParameter"
    assert "Standard_D2s_v3" in caught.value.error.message
    assert f" {size.name}," not in caught.value.error.message
    listed = {s.name for s in azure.compute.virtual_machine_sizes.list(region)}
    assert size.name not in listed and len(listed) > 50


@pytest.mark.parametrize(
    ("publisher", "offer", "sku"),
    [
        ("MicrosoftWindowsServer", "WindowsServer", "2008-R2-SP1"),
        ("MicrosoftWindowsServer", "WindowsServer", "2019-Datacenter-smalldisk"),
        ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition"),
        ("Canonical", "UbuntuServer", "16.04-LTS"),
        ("Canonical", "UbuntuServer", "14.04.5-LTS"),
        ("Canonical", "0001-com-ubuntu-server-focal", "20_04-lts-gen2"),
        ("Canonical", "ubuntu-24_04-lts", "server"),
        ("OpenLogic", "CentOS", "7.5"),
        ("OpenLogic", "CentOS", "8.0"),
        ("RedHat", "RHEL", "7.4"),
        ("MicrosoftSQLServer", "sql2019-ws2019", "Standard"),
        ("MicrosoftWindowsDesktop", "Windows-10", "win10-22h2-pro"),
    ],
)
def test_images_templates_name_exist(publisher: str, offer: str, sku: str) -> None:
    image = find_image(publisher, offer, sku)
    assert image is not None and image.versions


@pytest.mark.parametrize(
    ("publisher", "type_", "version", "auto", "runs"),
    [
        ("Microsoft.Powershell", "DSC", "2.9", False, "2.9.1.0"),
        ("Microsoft.Powershell", "DSC", "2.9", True, "2.83.5"),
        ("Microsoft.Powershell", "DSC", "2.83.2.0", False, "2.83.2.0"),
        ("microsoft.azure.security", "iaasantimalware", "1.1", True, None),
        ("Microsoft.OSTCExtensions", "VMAccessForLinux", "1.4", True, None),
        ("Microsoft.Compute", "CustomScriptExtension", "1.9", True, None),
        ("Microsoft.Azure.Extensions", "CustomScript", "2.0", True, None),
        ("Microsoft.Azure.Diagnostics", "IaaSDiagnostics", "1.5", True, None),
    ],
)
def test_type_handler_versions_resolve_as_azure_resolves_them(
    publisher: str, type_: str, version: str, auto: bool, runs: str | None
) -> None:
    handler, resolved = resolve_extension(publisher, type_, version, auto)
    assert resolved in handler.versions
    if runs is not None:
        assert resolved == runs
    if auto:
        assert resolved.split(".")[0] == version.split(".")[0]


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        (("Microsoft.Powershell", "DSC", "9.1", False), 404, "ArtifactNotFound"),
        (("Microsoft.Powershell", "DSC", "2.99", True), 404, "ArtifactNotFound"),
        (("Microsoft.Powershell", "DSC", "2.9.9", False), 400, "InvalidParameter"),
        (("Contoso", "Nothing", "1.0", True), 404, "ArtifactNotFound"),
    ],
)
def test_unknown_handlers_and_versions_get_azures_errors(args: Any, status: int, code: str) -> None:
    with pytest.raises(ArmError) as caught:
        resolve_extension(*args)
    assert (caught.value.status, caught.value.code) == (status, code)
    if code == "ArtifactNotFound" and args[0] != "Contoso":
        assert "2.83" in caught.value.message  # names what exists


def test_the_instance_view_shows_the_version_that_runs(azure: Azure, stack: Stack) -> None:
    azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", windows_vm_body(stack.nic.id)).result()
    body = {"location": LOCATION, "properties": {"publisher": "Microsoft.Powershell", "type": "DSC",
                                                 "typeHandlerVersion": "2.9", "autoUpgradeMinorVersion": True}}  # fmt: skip
    azure.compute.virtual_machine_extensions.begin_create_or_update("rg1", "vm1", "dsc", body).result()
    ext = azure.compute.virtual_machine_extensions.get("rg1", "vm1", "dsc", expand="instanceView")
    assert ext.type_handler_version == "2.9"  # as given
    assert ext.instance_view.type_handler_version == "2.83.5.0"  # the newest minor of the major


def test_an_image_with_a_purchase_plan_needs_the_plan(azure: Azure, stack: Stack) -> None:
    from azrm.emulator.providers.catalog import images

    image = next(i for i in images() if i.plan)
    body = windows_vm_body(stack.nic.id)
    body["properties"]["storageProfile"]["imageReference"] = {"publisher": image.publisher, "offer": image.offer,
                                                             "sku": image.sku, "version": "latest"}  # fmt: skip
    body["properties"]["osProfile"]["linuxConfiguration"] = {}
    with pytest.raises(HttpResponseError) as caught:
        azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result()
    assert caught.value.error.code == "VMMarketplaceInvalidInput"
    body["plan"] = dict(image.plan or {})
    vm = azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", body).result()
    assert vm.plan.name == image.plan["name"]


def test_the_library_reads_the_same_catalogues(lib: Any, stack: Stack) -> None:
    """Get-AzVMSize, Get-AzVMImage*, Get-AzVMExtensionImage* through the session."""
    sizes = {s.name for s in lib.get_vm_size("westeurope")}
    assert {"Standard_A2", "Standard_D16s_v3", "Standard_DS2"} <= sizes
    publishers = {p.name for p in lib.get_vm_image_publisher("westeurope")}
    assert {"MicrosoftWindowsServer", "Canonical", "OpenLogic", "Microsoft.Powershell"} <= publishers
    assert "UbuntuServer" in {o.name for o in lib.get_vm_image_offer("Canonical", location="westeurope")}
    assert "16.04-LTS" in {s.name for s in lib.get_vm_image_sku("Canonical", "UbuntuServer", location="westeurope")}
    versions = [v.name for v in lib.get_vm_image("Canonical", "UbuntuServer", "16.04-LTS", location="westeurope")]
    latest = lib.get_vm_image("Canonical", "UbuntuServer", "16.04-LTS", "latest", location="westeurope")
    assert latest.name == versions[-1]
    assert "DSC" in {t.name for t in lib.get_vm_extension_image_type("Microsoft.Powershell", location="westeurope")}
    dsc = [v.name for v in lib.get_vm_extension_image("Microsoft.Powershell", "DSC", location="westeurope")]
    assert "2.77.0.0" in dsc and "2.83.5" in dsc
    one = lib.get_vm_extension_image("Microsoft.Powershell", "DSC", "2.77.0.0", location="westeurope")
    assert one.name == "2.77.0.0" and one.operating_system == "Windows"
    with pytest.raises(ResourceNotFoundError):
        lib.get_vm_extension_image("Microsoft.Powershell", "DSC", "9.9.9.9", location="westeurope")
    with pytest.raises(ValidationError):
        lib.get_vm_size(resource_group_name="rg1")  # parameter sets: both or neither
