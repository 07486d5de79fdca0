"""azrm's sessions against the local Azure's faults: the retry budget, typed errors, re-runs, and a changed password."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError

import azrm
from azrm.emulator import EmulatorSettings, FaultPlan
from tests.conftest import LOCATION, WINDOWS_PASSWORD, Azure, Seed, seed_vm_config, session_on

#: backoff waits of milliseconds, not seconds: the budget (how many retries) is what is under test
FAST = {"retry_backoff_factor": 0.005}


@pytest.fixture
def faulty(make_azure: Callable[..., Azure]) -> Iterator[Callable[[FaultPlan], tuple[Azure, Any]]]:
    sessions: list[Any] = []

    def make(plan: FaultPlan) -> tuple[Azure, Any]:
        azure = make_azure(EmulatorSettings(faults=plan))
        session = session_on(azure)
        session.client_options.update(FAST)
        sessions.append(session)
        return azure, session

    yield make
    for session in sessions:
        session.close()


def writes(azure: Azure) -> int:
    return sum(azure.emu.requests_by_method[m] for m in ("PUT", "PATCH", "POST", "DELETE"))


def test_eight_transient_faults_in_a_row_are_absorbed(faulty: Callable[[FaultPlan], tuple[Azure, Any]]) -> None:
    # request 1 reads the regions; 2-9 are the group's PUT failing 8 times (azure-core alone gives up after 3)
    kinds = ["500", "drop"] * 4
    azure, az = faulty(FaultPlan(schedule={2 + i: kind for i, kind in enumerate(kinds)}))
    group = az.new_resource_group("rg1", LOCATION)
    assert group.properties.provisioning_state == "Succeeded"
    assert azure.emu.faults.injected == {"500": 4, "drop": 4}
    assert azure.emu.requests_by_method["PUT"] >= 5  # the drops never reached the handler


def test_a_fault_that_outlasts_the_budget_is_a_typed_error_and_a_re_run_resumes(
    faulty: Callable[[FaultPlan], tuple[Azure, Any]],
) -> None:
    azure, az = faulty(FaultPlan(schedule={2 + i: "500" for i in range(9)}))
    with pytest.raises(azrm.AzureOperationError) as caught:
        az.new_resource_group("rg1", LOCATION)
    err = caught.value
    assert isinstance(err, HttpResponseError)  # still the SDK's exception, for code that catches it
    assert (err.operation, err.arm_code, err.status_code, err.transient) == (
        "new_resource_group",
        "InternalServerError",
        500,
        True,
    )
    assert err.resource is not None and err.resource.lower().endswith("/resourcegroups/rg1")
    assert err.correlation_id and f"correlation id: {err.correlation_id}" in str(err)
    assert "re-run the script" in str(err)
    assert azure.emu.faults.injected == {"500": 9}
    assert az.new_resource_group("rg1", LOCATION).name == "rg1"  # the faults are over: the re-run converges


def test_a_connection_that_keeps_dropping_is_a_typed_error(faulty: Callable[[FaultPlan], tuple[Azure, Any]]) -> None:
    _, az = faulty(FaultPlan(schedule={2 + i: "drop" for i in range(9)}))
    with pytest.raises(azrm.AzureOperationError) as caught:
        az.new_resource_group("rg1", LOCATION)
    err = caught.value
    assert isinstance(err, AzureError) and err.transient and err.status_code is None
    assert "no answer from Azure" in str(err) and "re-run the script" in err.hint


def test_throttling_gets_its_own_budget(faulty: Callable[[FaultPlan], tuple[Azure, Any]]) -> None:
    # 3 throttles and 5 server errors on one request: azure-core would give up at the 4th failure
    kinds = ["429", "500", "503", "500", "500", "429", "500", "500"]
    azure, az = faulty(FaultPlan(schedule={2 + i: kind for i, kind in enumerate(kinds)}))
    assert az.new_resource_group("rg1", LOCATION).name == "rg1"
    assert azure.emu.faults.injected == {"429": 2, "503": 1, "500": 5}


def test_a_failed_long_running_operation_is_not_restarted_but_typed(
    faulty: Callable[[FaultPlan], tuple[Azure, Any]],
) -> None:
    azure, az = faulty(FaultPlan())
    az.new_resource_group("rg1", LOCATION)
    azure.emu.faults.plan = FaultPlan(lro_rate=1.0)
    puts = azure.emu.requests_by_method["PUT"]
    with pytest.raises(azrm.AzureOperationError) as caught:
        az.new_public_ip_address("rg1", "pip1", location=LOCATION)
    err = caught.value
    assert azure.emu.requests_by_method["PUT"] == puts + 1  # one PUT: Azure recorded a failure, nobody starts it again
    assert (err.arm_code, err.transient, err.operation) == ("InternalExecutionError", True, "new_public_ip_address")
    assert err.resource == "new_public_ip_address(resource_group_name='rg1', name='pip1', location='westeurope')"
    assert "long-running operation ended Failed" in str(err) and "re-run the script" in str(err)
    azure.emu.faults.plan = FaultPlan()
    assert az.new_public_ip_address("rg1", "pip1", location=LOCATION).provisioning_state == "Succeeded"


def test_a_changed_admin_password_is_a_property_change_error(lib: Any, seed: Seed, azure: Azure) -> None:
    lib.new_vm(seed.rg.name, vm=seed_vm_config(seed.nic.id))
    other = "An0ther!Passw0rd"
    with pytest.raises(azrm.PropertyChangeError) as caught:
        lib.new_vm(seed.rg.name, vm=seed_vm_config(seed.nic.id, password=other))
    err = caught.value
    assert isinstance(err, ResourceExistsError) and err.status_code == 409
    assert (err.arm_code, err.property_name, err.transient) == ("PropertyChangeNotAllowed", "adminPassword", False)
    assert "set_vm_access_extension" in str(err) and "adminPassword" in str(err)
    assert other not in str(err) and WINDOWS_PASSWORD not in str(err)
    assert lib.new_vm(seed.rg.name, vm=seed_vm_config(seed.nic.id)).provisioning_state == "Succeeded"  # same: fine


def test_set_vm_access_extension_on_windows(lib: Any, seed: Seed, azure: Azure) -> None:
    lib.new_vm(seed.rg.name, vm=seed_vm_config(seed.nic.id))
    new_password = "N3w!Passw0rd-2026"
    ext = lib.set_vm_access_extension(seed.rg.name, "KNVM01", credential=azrm.Credential("knadmin", new_password))
    assert (ext.name, ext.publisher, ext.properties.type) == (
        "VMAccessAgent",
        "Microsoft.Compute",
        "VMAccessAgent",
    )
    assert (ext.type_handler_version, ext.auto_upgrade_minor_version, ext.location) == ("2.4", True, LOCATION)
    assert ext.settings == {"UserName": "knadmin"} and ext.protected_settings is None
    assert ext.provisioning_state == "Succeeded"
    read = lib.compute_client.virtual_machine_extensions.get(seed.rg.name, "KNVM01", "VMAccessAgent")
    assert read.protected_settings is None and new_password not in str(read.as_dict())
    sent = azure.emu.store.get(ext.id)  # what Azure received and keeps to itself
    assert sent is not None and sent.secrets["protectedSettings"] == {"Password": new_password}
    with pytest.raises(azrm.AzureOperationError) as second:  # Azure: one extension per handler on Windows
        lib.set_vm_access_extension(
            seed.rg.name, "KNVM01", credential=azrm.Credential("knadmin", new_password), name="reset"
        )
    assert second.value.arm_code == "BadRequest" and new_password not in str(second.value)
    again = lib.set_vm_access_extension(
        seed.rg.name,
        "KNVM01",
        credential=azrm.Credential("knadmin", new_password),
        force_rerun="2",
        type_handler_version="2.0",
        disable_auto_upgrade_minor_version=True,
    )
    assert (again.name, again.force_update_tag, again.type_handler_version) == ("VMAccessAgent", "2", "2.0")
    assert again.auto_upgrade_minor_version is False


def test_set_vm_access_extension_on_linux(lib: Any, seed: Seed, azure: Azure) -> None:
    vm = (
        azrm.new_vm_config("lin01", "Standard_A2")
        .set_operating_system(
            linux=True, computer_name="lin01", credential=azrm.Credential("azureuser", "L1nux!Passw0rd")
        )
        .set_source_image(publisher_name="Canonical", offer="0001-com-ubuntu-server-jammy", skus="22_04-lts-gen2")
        .add_network_interface(seed.nic.id)
    )
    lib.new_vm(seed.rg.name, vm=vm)
    ext = lib.set_vm_access_extension(seed.rg.name, "lin01", credential=azrm.Credential("azureuser", "N3w!L1nuxPass"))
    assert (ext.name, ext.publisher, ext.type_handler_version) == (
        "VMAccessForLinux",
        "Microsoft.OSTCExtensions",
        "1.5",
    )
    assert not ext.settings and ext.protected_settings is None
    sent = azure.emu.store.get(ext.id)
    assert sent is not None and sent.secrets["protectedSettings"] == {
        "username": "azureuser",
        "password": "N3w!L1nuxPass",
    }


def test_set_vm_access_extension_checks_before_sending(lib: Any, seed: Seed, azure: Azure) -> None:
    lib.new_vm(seed.rg.name, vm=seed_vm_config(seed.nic.id))
    before = writes(azure)
    with pytest.raises(azrm.ValidationError) as weak:
        lib.set_vm_access_extension(seed.rg.name, "KNVM01", credential=azrm.Credential("knadmin", "short"))
    assert weak.value.field == "credential.password" and "short" not in str(weak.value)
    with pytest.raises(azrm.ValidationError) as wrong:
        lib.set_vm_access_extension(seed.rg.name, "KNVM01", credential=("knadmin", "S3cure!Passw0rd"))
    assert wrong.value.field == "credential"
    assert writes(azure) == before
    with pytest.raises(azrm.AzureOperationError) as missing:
        lib.set_vm_access_extension(seed.rg.name, "nope", credential=azrm.Credential("knadmin", "S3cure!Passw0rd"))
    assert missing.value.status_code == 404 and "does not exist" in missing.value.hint


def test_a_re_run_heals_a_storage_account_whose_creation_failed(
    faulty: Callable[[FaultPlan], tuple[Azure, Any]],
) -> None:
    azure, az = faulty(FaultPlan())
    az.new_resource_group("rg1", LOCATION)
    azure.emu.faults.plan = FaultPlan(lro_rate=1.0)
    name = f"knfail{azure.emu.new_guid()[:8]}"
    with pytest.raises(azrm.AzureOperationError) as caught:
        az.new_storage_account("rg1", name, location=LOCATION)
    assert caught.value.arm_code == "InternalExecutionError" and caught.value.transient
    assert az.get_storage_account("rg1", name).provisioning_state == "Failed"
    azure.emu.faults.plan = FaultPlan()
    assert az.new_storage_account("rg1", name, location=LOCATION).provisioning_state == "Succeeded"


def test_set_vm_access_extension_in_a_template_keeps_the_password_out() -> None:
    import json

    with azrm.template_session(location=LOCATION) as t:
        t.new_resource_group("rg1", LOCATION)
        subnet = azrm.new_virtual_network_subnet_config("s1", address_prefix="10.0.0.0/24")
        vnet = t.new_virtual_network("rg1", "vnet1", address_prefix="10.0.0.0/16", subnet=[subnet])
        nic = t.new_network_interface("rg1", "nic1", subnet_id=vnet.subnets[0].id)
        t.new_vm("rg1", vm=seed_vm_config(nic.id, name="vm1"))
        t.set_vm_access_extension("rg1", "vm1", credential=azrm.Credential("knadmin", "N3w!Passw0rd-X"))
        template = t.template
    text = json.dumps(template)
    assert "N3w!Passw0rd-X" not in text and WINDOWS_PASSWORD not in text
    (extension,) = [r for r in template["resources"] if r["type"].endswith("/extensions")]
    assert extension["properties"]["type"] == "VMAccessAgent"
    assert extension["properties"]["protectedSettings"]["Password"].startswith("[parameters(")
    secure = {name for name, p in template["parameters"].items() if p["type"].lower() == "securestring"}
    assert {"adminPassword", "Password"} <= secure  # the VM's password and the new one, given at deployment
