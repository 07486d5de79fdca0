"""DSC end to end: publish (archive contents, modules from PSModulePath, idempotence), the extension
with its protected SAS, the emulator's DSC handler, and the failure paths."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

import azrm
from tests.conftest import LOCATION, Azure, Seed, seed_vm_config

WEB_DSC = """# Installs IIS
Configuration webdsc
{
    param ([string[]] $NodeName = 'localhost', [string] $SiteName, [PSCredential] $AppPoolCredential)
    Import-DscResource -ModuleName PSDesiredStateConfiguration
    Import-DscResource -ModuleName xWebAdministration -ModuleVersion 1.2.0
    Node $NodeName
    {
        WindowsFeature IIS { Ensure = 'Present'; Name = 'Web-Server' }
        xWebsite Site { Ensure = 'Present'; Name = $SiteName; PhysicalPath = 'C:\\inetpub\\site' }
    }
}
"""


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PSModulePath with xWebAdministration 1.0.0 and 1.2.0 (versioned layout)."""
    root = tmp_path / "Modules"
    for version in ("1.0.0", "1.2.0"):
        base = root / "xWebAdministration" / version
        (base / "DSCResources" / "MSFT_xWebsite").mkdir(parents=True)
        (base / "xWebAdministration.psd1").write_text(f"@{{ ModuleVersion = '{version}' }}\n")
        (base / "DSCResources" / "MSFT_xWebsite" / "MSFT_xWebsite.psm1").write_text(f"# xWebsite {version}\n")
    monkeypatch.setenv("PSModulePath", f"{tmp_path / 'elsewhere'}:{root}")
    return root


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "webdsc.ps1"
    path.write_text(WEB_DSC)
    return path


def blob_client(lib: Any, seed: Seed, blob: str, container: str = "windows-powershell-dsc") -> Any:
    return lib.blob_service(seed.rg.name, seed.storage.name).get_blob_client(container, blob)


def test_publish_builds_and_uploads_the_archive(
    lib: Any, seed: Seed, script: Path, modules: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("extra content")
    url = lib.publish_vm_dsc_configuration(
        seed.rg.name, script, storage_account_name=seed.storage.name, additional_path=[extra]
    )
    assert url == f"{seed.storage.primary_endpoints.blob}windows-powershell-dsc/webdsc.ps1.zip"
    blob = blob_client(lib, seed, "webdsc.ps1.zip")
    with zipfile.ZipFile(io.BytesIO(blob.download_blob().readall())) as zf:
        names = sorted(zf.namelist())
        assert names == [
            "dscmetadata.json",
            "extra.txt",
            "webdsc.ps1",
            "xWebAdministration/DSCResources/MSFT_xWebsite/MSFT_xWebsite.psm1",
            "xWebAdministration/xWebAdministration.psd1",
        ]
        assert b"ModuleVersion = '1.2.0'" in zf.read("xWebAdministration/xWebAdministration.psd1")  # the pinned one
        assert json.loads(zf.read("dscmetadata.json")) == {
            "AdditionalContent": ["extra.txt"],
            "Modules": ["xWebAdministration"],
        }
    container = lib.blob_service(seed.rg.name, seed.storage.name).get_container_client("windows-powershell-dsc")
    assert container.get_container_properties().public_access is None  # private


def test_republish_is_idempotent_and_force_replaces(lib: Any, seed: Seed, script: Path, modules: Path) -> None:
    def publish(**kw: Any) -> str:
        return lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name, **kw)

    url = publish()
    first = blob_client(lib, seed, "webdsc.ps1.zip").get_blob_properties()
    assert publish() == url
    assert blob_client(lib, seed, "webdsc.ps1.zip").get_blob_properties().etag == first.etag  # nothing uploaded
    script.write_text(WEB_DSC.replace("Web-Server", "Web-Server-Changed"))
    with pytest.raises(ResourceExistsError) as err:
        publish()
    assert url in str(err.value) and "force=True" in str(err.value)
    assert publish(force=True) == url
    assert blob_client(lib, seed, "webdsc.ps1.zip").get_blob_properties().etag != first.etag


def test_missing_module_stops_before_upload(
    lib: Any, azure: Azure, seed: Seed, script: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSModulePath", "")
    with pytest.raises(azrm.ValidationError) as err:
        lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    assert "xWebAdministration 1.2.0" in err.value.rule and err.value.field == "configuration_path"
    assert not lib.blob_service(seed.rg.name, seed.storage.name).get_container_client("windows-powershell-dsc").exists()
    url = lib.publish_vm_dsc_configuration(
        seed.rg.name, script, storage_account_name=seed.storage.name, skip_dependency_detection=True
    )
    assert url.endswith("webdsc.ps1.zip")


def test_output_archive_path_writes_locally(lib: Any, seed: Seed, script: Path, modules: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    path = lib.publish_vm_dsc_configuration(
        seed.rg.name, script, storage_account_name=seed.storage.name, output_archive_path=out
    )
    assert path == str(out / "webdsc.ps1.zip")
    assert "webdsc.ps1" in zipfile.ZipFile(path).namelist()
    assert not lib.blob_service(seed.rg.name, seed.storage.name).get_container_client("windows-powershell-dsc").exists()


def attach(lib: Any, seed: Seed, **kwargs: Any) -> Any:
    options = {"archive_blob_name": "webdsc.ps1.zip", "archive_storage_account_name": seed.storage.name,
               "configuration_name": "webdsc", "version": "2.77", **kwargs}  # fmt: skip
    return lib.set_vm_dsc_extension(seed.rg.name, "KNVM01", **options)


def test_extension_applies_the_published_configuration(
    lib: Any, azure: Azure, seed: Seed, script: Path, modules: Path
) -> None:
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    url = lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    pool = azrm.Credential("apppool", "Ap9!Pool-Secret")
    ext = attach(lib, seed, configuration_argument={"SiteName": "KN", "AppPoolCredential": pool})
    assert (ext.publisher, ext.type_handler_version, ext.provisioning_state) == (
        "Microsoft.Powershell",
        "2.77",
        "Succeeded",
    )
    assert ext.settings["configuration"] == {"url": url, "script": "webdsc.ps1", "function": "webdsc"}
    assert ext.settings["configurationArguments"] == {"SiteName": "KN"}
    assert ext.protected_settings is None  # never returned
    # What the VM received: the SAS only in the protected settings, read-only and short-lived.
    record = azure.emu.store.get(ext.id)
    protected = record.secrets["protectedSettings"]
    sas = parse_qs(protected["configurationUrlSasToken"].lstrip("?"))
    assert sas["sp"] == ["r"] and "sig" in sas
    assert "sig=" not in json.dumps(record.body)
    assert protected["configurationArguments"] == {
        "AppPoolCredential": {"userName": "apppool", "password": "Ap9!Pool-Secret"}
    }
    status = lib.get_vm_dsc_extension_status(seed.rg.name, "KNVM01")
    assert status.statuses[0].code == "ProvisioningState/succeeded"
    codes = [s.code for s in status.substatuses]
    assert codes == ["ComponentStatus/DscConfigurationLog/succeeded", "ComponentStatus/DscExtensionLog/succeeded"]
    assert "[xWebsite]Site: in desired state" in status.substatuses[0].message
    assert lib.get_vm_dsc_extension(seed.rg.name, "KNVM01").instance_view.type == "Microsoft.Powershell.DSC"
    lib.remove_vm_dsc_extension(seed.rg.name, "KNVM01")
    assert azure.emu.store.get(ext.id) is None


def test_attach_before_publish_names_the_missing_blob(lib: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    with pytest.raises(azrm.ValidationError) as refused:  # azrm looks first: nothing is attached
        attach(lib, seed)
    assert refused.value.field == "archive_blob_name"
    assert lib.get_vm(seed.rg.name, "KNVM01").provisioning_state == "Succeeded"
    # what Azure does with an extension whose archive is missing (a client that does not look first)
    monkeypatch.setattr(lib, "_check_published", lambda *args: None)
    with pytest.raises(HttpResponseError) as err:
        attach(lib, seed)
    assert err.value.error.code == "VMExtensionProvisioningError"
    assert "windows-powershell-dsc/webdsc.ps1.zip" in err.value.error.message
    assert "(404) Not Found" in err.value.error.message
    assert "sig=" not in err.value.error.message  # the SAS stays secret
    assert lib.get_vm(seed.rg.name, "KNVM01").provisioning_state == "Failed"


def test_configuration_not_in_script_fails(
    lib: Any, seed: Seed, script: Path, modules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    with pytest.raises(azrm.ValidationError) as refused:  # azrm knows what it published: nothing is attached
        attach(lib, seed, configuration_name="nosuchconfig")
    assert refused.value.field == "configuration_name" and "webdsc" in refused.value.rule
    # what Azure does with it (a client that does not look first)
    monkeypatch.setattr(lib, "_check_published", lambda *args: None)
    with pytest.raises(HttpResponseError) as err:
        attach(lib, seed, configuration_name="nosuchconfig")
    assert "The configuration 'nosuchconfig' is not defined in 'webdsc.ps1'" in err.value.error.message
    status = lib.get_vm_dsc_extension_status(seed.rg.name, "KNVM01")
    assert status.statuses[0].level == "Error"
    with pytest.raises(HttpResponseError) as err:
        attach(lib, seed, configuration_argument={"NoSuchParameter": 1})
    assert "NoSuchParameter" in err.value.error.message
    # fixing the cause and attaching again updates the failed extension in place
    assert attach(lib, seed).provisioning_state == "Succeeded"
    assert lib.get_vm(seed.rg.name, "KNVM01").provisioning_state == "Succeeded"


def test_archive_without_its_module_fails(lib: Any, seed: Seed, script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSModulePath", "")
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    lib.publish_vm_dsc_configuration(
        seed.rg.name, script, storage_account_name=seed.storage.name, skip_dependency_detection=True
    )
    with pytest.raises(HttpResponseError) as err:
        attach(lib, seed)
    assert "xWebAdministration" in err.value.error.message


def test_configuration_data(lib: Any, azure: Azure, seed: Seed, script: Path, modules: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.psd1"
    data.write_text("@{ AllNodes = @(@{ NodeName = 'localhost' }) }")
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    ext = attach(lib, seed, configuration_data=data)
    assert ext.settings["configurationData"]["url"].endswith(".psd1")
    assert azure.emu.store.get(ext.id).secrets["protectedSettings"]["configurationDataUrlSasToken"].startswith("?")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"version": "2"}, "version"),
        ({"wmf_version": "6.0"}, "wmf_version"),
        ({"archive_blob_name": "webdsc.ps1"}, "archive_blob_name"),
        ({"archive_storage_account_name": "Bad_Name"}, "storage_account_name"),
        ({"configuration_name": "web dsc"}, "configuration_name"),
    ],
)
def test_extension_settings_are_checked(lib: Any, seed: Seed, kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(azrm.ValidationError) as err:
        attach(lib, seed, **kwargs)
    assert err.value.field == field


# -- the whole chain from new_vm ---------------------------------------------------------------------------
def test_new_vm_publishes_and_attaches(lib: Any, seed: Seed, script: Path, modules: Path) -> None:
    dsc = azrm.DscExtension(script, storage_account_name=seed.storage.name, version="2.77",
                            configuration_argument={"SiteName": "KN"})  # fmt: skip
    vm = lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    assert [r.name for r in vm.resources] == ["Microsoft.Powershell.DSC"]
    status = lib.get_vm_dsc_extension_status(seed.rg.name, "KNVM01")
    assert status.statuses[0].message == "DSC configuration was applied successfully."
    assert blob_client(lib, seed, "webdsc.ps1.zip").exists()


def test_new_vm_chain_failure_says_what_exists(
    lib: Any, seed: Seed, script: Path, modules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsc = azrm.DscExtension(script, storage_account_name=seed.storage.name, version="2.77", configuration_name="wrong")
    with pytest.raises(azrm.ValidationError) as refused:  # a configuration the script lacks: nothing is made
        lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    assert refused.value.field == "configuration_name"
    assert lib.list_vms(seed.rg.name) == []
    # an extension Azure fails (the checks bypassed to make one): the error says what exists
    monkeypatch.setattr(lib, "_check_published", lambda *args: None)
    monkeypatch.setattr(lib, "_check_configurations", lambda *args: None)
    with pytest.raises(azrm.StepError) as err:
        lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    error = err.value
    assert error.step.startswith("Attaching DSC extension Microsoft.Powershell.DSC (wrong)")
    assert error.completed == (
        "Creating virtual machine KNVM01",
        f"Publishing DSC configuration webdsc.ps1 to {seed.storage.name}",
    )
    assert any("virtualMachines/KNVM01 (Failed)" in e for e in error.existing)
    assert any("extensions/Microsoft.Powershell.DSC (Failed)" in e for e in error.existing)
    assert error.arm_code == "VMExtensionProvisioningError" and error.correlation_id
    assert isinstance(error.__cause__, HttpResponseError)


def test_new_vm_checks_dsc_modules_before_creating_anything(lib: Any, azure: Azure, seed: Seed, script: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("PSModulePath", "")
    dsc = azrm.DscExtension(script, storage_account_name=seed.storage.name, version="2.77")
    with pytest.raises(azrm.ValidationError):
        lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    assert lib.list_vms(seed.rg.name) == []


# -- the documented extension schema ------------------------------------------------------------------------
SCHEMA = json.loads((Path(__file__).parents[1] / "conformance" / "reference" / "dsc-extension-schema.json").read_text())


def test_extension_body_follows_the_documented_schema(
    lib: Any, azure: Azure, seed: Seed, script: Path, modules: Path, tmp_path: Path
) -> None:
    """What azrm sends uses only the keys of the documented schema, in the places the schema puts them."""
    documented = next(v for k, v in SCHEMA.items() if k.startswith("extension_resource_template_shape"))
    data = tmp_path / "data.psd1"
    data.write_text("@{ AllNodes = @() }")
    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    ext = attach(lib, seed, configuration_data=data, data_collection="Disable",
                 configuration_argument={"SiteName": "KN", "AppPoolCredential": azrm.Credential("a", "Ap9!Pool-Secret")})  # fmt: skip
    record = azure.emu.store.get(ext.id)
    props = record.body["properties"]
    assert ext.name == documented["name"]
    assert (props["publisher"], props["type"]) == (
        documented["properties"]["publisher"],
        documented["properties"]["type"],
    )
    assert set(props["settings"]) <= set(documented["properties"]["settings"])
    assert set(props["settings"]["configuration"]) == set(documented["properties"]["settings"]["configuration"])
    assert props["settings"]["privacy"] == {"dataCollection": "disable"}
    protected = record.secrets["protectedSettings"]
    assert set(protected) == set(documented["properties"]["protectedSettings"])
    credential = protected["configurationArguments"]["AppPoolCredential"]
    assert set(credential) == {"userName", "password"}


def test_emulator_accepts_the_shape_set_azvmdscextension_writes(
    lib: Any, seed: Seed, script: Path, modules: Path
) -> None:
    """The PowerShell cmdlet writes the older ``ModulesUrl``/``SasToken``/``ConfigurationFunction`` settings;
    a VM must apply those too (same handler, same statuses)."""
    from azure.mgmt.compute.models import VirtualMachineExtension

    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    url = lib.publish_vm_dsc_configuration(seed.rg.name, script, storage_account_name=seed.storage.name)
    sas = lib._sas(  # the same read-only SAS set_vm_dsc_extension makes
        lib.get_storage_account_key(seed.rg.name, seed.storage.name)[0].value,
        seed.storage.name,
        "windows-powershell-dsc",
        "webdsc.ps1.zip",
        datetime.timedelta(hours=1),
    )
    body = {
        "location": LOCATION,
        "properties": {
            "publisher": "Microsoft.Powershell", "type": "DSC", "typeHandlerVersion": "2.77",
            "settings": {
                "ModulesUrl": url, "SasToken": sas, "ConfigurationFunction": "webdsc.ps1\\webdsc",
                "Properties": [{"Name": "SiteName", "TypeName": "System.String", "Value": "KN"}],
            },
            "protectedSettings": {"Items": {}},
        },
    }  # fmt: skip
    poller = lib.compute_client.virtual_machine_extensions.begin_create_or_update(
        seed.rg.name, "KNVM01", "Microsoft.Powershell.DSC", VirtualMachineExtension(body)
    )
    assert poller.result().provisioning_state == "Succeeded"
    status = lib.get_vm_dsc_extension_status(seed.rg.name, "KNVM01")
    assert status.statuses[0].code == "ProvisioningState/succeeded"
    assert "[xWebsite]Site: in desired state" in status.substatuses[0].message
