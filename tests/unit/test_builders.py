"""Builders: frozen, chainable, checked at once; golden output for the seed's VM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import azrm
from azrm.builders import VMConfig

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
NIC_ID = "/subscriptions/s/resourceGroups/KNRGTest01/providers/Microsoft.Network/networkInterfaces/vmvNic"
VHD = "http://127.0.0.1:10000/knstor5050/vhds/KNVM01osDisk.vhd"
CRED = azrm.Credential("knadmin", "S3cure!Passw0rd")


def seed_vm() -> VMConfig:
    return (
        azrm.new_vm_config("KNVM01", "Standard_A2")
        .set_operating_system(
            windows=True, computer_name="KNVM01", credential=CRED, provision_vm_agent=True, enable_auto_update=True
        )
        .set_source_image(
            publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2012-R2-Datacenter", version="latest"
        )
        .add_network_interface(NIC_ID)
        .set_os_disk(name="KNVM01osDisk", vhd_uri=VHD, create_option="FromImage")
    )


def test_seed_vm_matches_golden_template() -> None:
    expected = json.loads((GOLDEN / "seed_vm.arm.json").read_text())
    assert seed_vm().to_arm() == expected


def test_to_body_carries_the_password_and_to_arm_never_does() -> None:
    body = seed_vm().to_body("westeurope")
    assert body["properties"]["osProfile"]["adminPassword"] == "S3cure!Passw0rd"
    assert "S3cure!Passw0rd" not in json.dumps(seed_vm().to_arm())
    model = seed_vm().to_sdk("westeurope")
    assert model.os_profile.computer_name == "KNVM01" and model.storage_profile.os_disk.vhd.uri == VHD


def test_every_step_returns_a_new_object() -> None:
    base = azrm.new_vm_config("KNVM01", "Standard_A2")
    with_nic = base.add_network_interface(NIC_ID)
    assert base.network_interfaces == () and len(with_nic.network_interfaces) == 1
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        base.vm_size = "Standard_D2s_v5"  # type: ignore[misc]


def test_pipeline_form_equals_the_method_chain() -> None:
    piped = (
        azrm.new_vm_config("KNVM01", "Standard_A2")
        | azrm.set_vm_operating_system(windows=True, computer_name="KNVM01", credential=CRED)
        | azrm.set_vm_source_image(
            publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2012-R2-Datacenter"
        )
        | azrm.add_vm_network_interface(id=NIC_ID)
        | azrm.set_vm_os_disk(name="KNVM01osDisk", vhd_uri=VHD)
    )
    assert piped == seed_vm()
    # and the cmdlet functions called with the VM, as a ported script would
    vm = azrm.new_vm_config("KNVM01", "Standard_A2")
    vm = azrm.set_vm_operating_system(vm, windows=True, computer_name="KNVM01", credential=CRED)
    vm = azrm.set_vm_source_image(
        vm, publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2012-R2-Datacenter"
    )
    vm = azrm.add_vm_network_interface(vm, NIC_ID)
    vm = azrm.set_vm_os_disk(vm, name="KNVM01osDisk", vhd_uri=VHD)
    assert vm == seed_vm()
    step = azrm.set_vm_operating_system(windows=True, computer_name="x", credential=CRED)
    assert "credential=..." in repr(step) and "S3cure" not in repr(step)


def test_cmdlet_functions_check_their_arguments_when_called() -> None:
    assert (azrm.new_vm_config("KNVM01", "Standard_A2") | azrm.add_vm_network_interface(NIC_ID)).network_interfaces
    assert azrm.set_vm_os_disk(vm=seed_vm(), name="other").os_disk.name == "other"
    with pytest.raises(azrm.ValidationError) as err:
        azrm.set_vm_source_image({"vm": "not one"}, publisher_name="p", offer="o", skus="s")  # type: ignore[call-overload]
    assert err.value.field == "vm" and "azrm.VMConfig" in err.value.rule
    with pytest.raises(TypeError, match=r"set_vm_os_disk\(\): .*'nam'"):
        azrm.set_vm_os_disk(nam="os")  # type: ignore[call-overload]
    with pytest.raises(azrm.ValidationError):
        "not a vm" | azrm.set_vm_os_disk(name="os")


def test_os_disk_object_and_managed_disks() -> None:
    disk = azrm.OSDisk(name="os", storage_account_type="Premium_LRS", caching="ReadWrite", disk_size_in_gb=256)
    vm = seed_vm().set_os_disk(disk)
    assert vm.to_body("westeurope")["properties"]["storageProfile"]["osDisk"] == {
        "createOption": "FromImage", "name": "os", "caching": "ReadWrite", "diskSizeGB": 256,
        "managedDisk": {"storageAccountType": "Premium_LRS"},
    }  # fmt: skip
    vm = vm.add_data_disk(lun=0, disk_size_in_gb=64, caching="readonly").set_boot_diagnostic()
    props = vm.to_body("westeurope")["properties"]
    assert props["storageProfile"]["dataDisks"] == [
        {"lun": 0, "createOption": "Empty", "caching": "ReadOnly", "diskSizeGB": 64}
    ]
    assert props["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}


def test_linux_with_ssh_keys_only() -> None:
    vm = azrm.new_vm_config("web-linux-01", "Standard_B2s").set_operating_system(
        linux=True, computer_name="web-linux-01", credential=azrm.Credential("azureuser", ""),
        disable_password_authentication=True, ssh_public_keys=[("/home/azureuser/.ssh/authorized_keys", "ssh-rsa AAAA")],
    )  # fmt: skip
    profile = vm.to_body("westeurope")["properties"]["osProfile"]
    assert "adminPassword" not in profile
    assert profile["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"] == "ssh-rsa AAAA"


def err(call: Any) -> azrm.ValidationError:
    with pytest.raises(azrm.ValidationError) as info:
        call()
    return info.value


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: azrm.new_vm_config("bad/name", "Standard_A2"), "vm_name"),
        (lambda: azrm.new_vm_config("KNVM01", " "), "vm_size"),
        (lambda: azrm.new_vm_config("windows-name-too-long", "A2").set_operating_system(windows=True, computer_name="w", credential=CRED), "vm_name"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(computer_name="KNVM01", credential=CRED), "windows/linux"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, linux=True, computer_name="KNVM01", credential=CRED), "windows/linux"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, computer_name="computer-name-16c", credential=CRED), "computer_name"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, computer_name="123", credential=CRED), "computer_name"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, computer_name="KNVM01", credential=azrm.Credential("root", "S3cure!Passw0rd")), "credential.user_name"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, computer_name="KNVM01", credential=azrm.Credential("knadmin", "short")), "credential.password"),
        (lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(windows=True, computer_name="KNVM01", credential=("u", "p")), "credential"),  # type: ignore[arg-type]
        (lambda: azrm.new_vm_config("lin", "A2").set_operating_system(linux=True, computer_name="lin", credential=azrm.Credential("azureuser", ""), disable_password_authentication=True), "ssh_public_keys"),
        (lambda: seed_vm().add_network_interface(NIC_ID), "id"),
        (lambda: seed_vm().add_network_interface("nic-name-not-id"), "id"),
        (lambda: seed_vm().set_os_disk(name="os", vhd_uri="https://x/vhds/os.img"), "vhd_uri"),
        (lambda: seed_vm().set_os_disk(name="os", vhd_uri=VHD, storage_account_type="Premium_LRS"), "vhd_uri"),
        (lambda: seed_vm().set_os_disk(name="os", caching="Sometimes"), "caching"),
        (lambda: seed_vm().set_os_disk(name="os", create_option="Attach"), "create_option"),
        (lambda: seed_vm().add_data_disk(lun=64, disk_size_in_gb=1), "lun"),
        (lambda: seed_vm().add_data_disk(lun=0), "disk_size_in_gb"),
        (lambda: seed_vm().add_data_disk(lun=0, disk_size_in_gb=1).add_data_disk(lun=0, disk_size_in_gb=1), "lun"),
        (lambda: seed_vm().add_data_disk(lun=1, disk_size_in_gb=1, storage_account_type="Gold"), "storage_account_type"),
        (lambda: azrm.OSDisk(name="os", storage_account_type="Gold"), "storage_account_type"),
        (lambda: azrm.DataDisk(lun=0, disk_size_in_gb=8, vhd_uri=VHD, storage_account_type="Premium_LRS"), "vhd_uri"),
        (lambda: azrm.new_virtual_network_subnet_config("s", address_prefix="10.0.0.1/24"), "address_prefix"),
        (lambda: azrm.new_virtual_network_subnet_config("s", address_prefix="not-a-prefix"), "address_prefix"),
        (lambda: azrm.new_virtual_network_subnet_config("s", address_prefix=[]), "address_prefix"),
        (lambda: azrm.NIC("n").add_ip_config("a", subnet_id=NIC_ID).add_ip_config("a", subnet_id=NIC_ID, primary=False), "ip_config"),
        (lambda: azrm.NIC("n").add_ip_config("a", subnet_id=NIC_ID).add_ip_config("b", subnet_id=NIC_ID), "primary"),
        (lambda: azrm.NIC("n").add_ip_config("a", subnet_id=NIC_ID, private_ip_address="10.0.0.300"), "private_ip_address"),
        (lambda: azrm.DscExtension("webdsc.ps1.zip", storage_account_name="knstor5050", version="2"), "version"),
        (lambda: azrm.DscExtension("no/such/file.ps1", storage_account_name="knstor5050", version="2.77"), "source"),
        (lambda: seed_vm().add_dsc_extension("webdsc.ps1.zip"), "extension"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_validation_names_field_value_and_rule(call: Any, field: str) -> None:
    error = err(call)
    assert error.field.endswith(field), (error.field, field)
    assert error.rule and str(error).startswith(f"{error.field}: ")


def test_secret_values_are_masked_in_errors() -> None:
    error = err(lambda: azrm.new_vm_config("KNVM01", "A2").set_operating_system(
        windows=True, computer_name="KNVM01", credential=azrm.Credential("knadmin", "onlylowercase")))  # fmt: skip
    assert error.value == "********" and "onlylowercase" not in str(error)


def test_reprs_hide_the_password() -> None:
    assert "S3cure" not in repr(seed_vm())
    assert "S3cure" not in repr(CRED) and "S3cure" not in str(CRED)


def test_check_complete_names_the_missing_part() -> None:
    assert err(lambda: azrm.new_vm_config("KNVM01", "A2").check_complete()).field == "VMConfig.image"
    two_nics = seed_vm().add_network_interface(NIC_ID + "2")
    assert "primary" in err(two_nics.check_complete).rule
    two_nics.evolve(
        network_interfaces=(two_nics.network_interfaces[0].evolve(primary=True), two_nics.network_interfaces[1])
    ).check_complete()


def test_dsc_extension_defaults(tmp_path: Path) -> None:
    script = tmp_path / "webdsc.ps1"
    script.write_text("Configuration webdsc { }")
    local = azrm.DscExtension(script, storage_account_name="knstor5050", version="2.77")
    assert (local.is_local, local.archive_blob_name, local.resolved_configuration_name) == (
        True,
        "webdsc.ps1.zip",
        "webdsc",
    )
    published = azrm.DscExtension(
        "webdsc.ps1.zip", storage_account_name="knstor5050", version="2.7", configuration_name="Other"
    )
    assert (published.is_local, published.resolved_configuration_name) == (False, "Other")


names = st.from_regex(r"[a-z][a-z0-9]{0,13}", fullmatch=True)


@settings(max_examples=50)
@given(
    name=names,
    size=st.sampled_from(["Standard_A2", "Standard_D2s_v5"]),
    luns=st.lists(st.integers(0, 63), unique=True, max_size=5),
)
def test_builders_never_mutate(name: str, size: str, luns: list[int]) -> None:
    base = azrm.new_vm_config(name, size)
    snapshot = base.model_dump()
    current = base
    for lun in luns:
        nxt = current.add_data_disk(lun=lun, disk_size_in_gb=8)
        assert len(nxt.data_disks) == len(current.data_disks) + 1
        current = nxt
    assert base.model_dump() == snapshot
    assert [d.lun for d in current.data_disks] == luns
