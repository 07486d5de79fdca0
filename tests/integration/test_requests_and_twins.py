"""What the library costs in requests, its ``begin_*`` twins, and retries that outlast throttling."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.emulator import EmulatorSettings
from tests.conftest import LOCATION, Azure, Seed, seed_vm_config, session_on

WEBDSC = Path(__file__).parents[2] / "examples" / "webdsc.ps1"
PASSWORD = "S3cure!Passw0rd"
#: what the plain SDK sends for the seed VM (group, storage, public IP, vnet, NIC, VM, DSC publish and
#: extension): 15 for the resources (each PUT, its status read, and the networks' final GET), listKeys
#: for the publish, and the extension's PUT, status and final GET. Measured again below.
SDK_SEED_REQUESTS = 19


def requests(azure: Azure) -> int:
    return sum(azure.emu.requests_by_method.values())


def seed_with_azrm(lib: Any, rg: str, account: str) -> None:
    """The seed scenario's cmdlet chain (examples/seed_iaas_dsc.py), VM and DSC included."""
    lib.new_resource_group(rg, LOCATION)
    storage = lib.new_storage_account(rg, account, location=LOCATION)
    pip = lib.new_public_ip_address(rg, "vmvNic", location=LOCATION, allocation_method="Dynamic")
    subnet = azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")
    vnet = lib.new_virtual_network(rg, "KNVnet01", location=LOCATION, address_prefix="10.0.0.0/16", subnet=[subnet])
    nic = lib.new_network_interface(rg, "vmvNic", location=LOCATION, subnet_id=vnet.subnets[0].id,
                                    public_ip_address_id=pip.id)  # fmt: skip
    vhd = f"{storage.primary_endpoints.blob}vhds/KNVM01osDisk.vhd"
    lib.new_vm(rg, location=LOCATION, vm=seed_vm_config(nic.id, vhd_uri=vhd))
    lib.publish_vm_dsc_configuration(rg, WEBDSC, storage_account_name=account)
    lib.set_vm_dsc_extension(rg, "KNVM01", archive_blob_name="webdsc.ps1.zip", archive_storage_account_name=account,
                             configuration_name="webdsc", version="2.77")  # fmt: skip


def seed_with_sdk(azure: Azure, rg: str, account: str) -> None:
    """The same with the SDK clients alone, sending no request it can do without."""
    from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

    from azrm.dsc.archive import build_archive

    azure.resources.resource_groups.create_or_update(rg, {"location": LOCATION})
    sa = azure.storage.storage_accounts.begin_create(
        rg, account, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    net = azure.network
    pip = net.public_ip_addresses.begin_create_or_update(
        rg, "vmvNic", {"location": LOCATION, "properties": {"publicIPAllocationMethod": "Dynamic"}}
    ).result()
    vnet = net.virtual_networks.begin_create_or_update(rg, "KNVnet01", {"location": LOCATION, "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "Subnet1", "properties": {"addressPrefix": "10.0.0.0/24"}}],
    }}).result()  # fmt: skip
    ip_config = {"subnet": {"id": vnet.subnets[0].id}, "publicIPAddress": {"id": pip.id}}
    nic = net.network_interfaces.begin_create_or_update(rg, "vmvNic", {"location": LOCATION, "properties": {
        "ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}]}}).result()  # fmt: skip
    body = seed_vm_config(nic.id, vhd_uri=f"{sa.primary_endpoints.blob}vhds/KNVM01osDisk.vhd").to_body(LOCATION)
    azure.compute.virtual_machines.begin_create_or_update(rg, "KNVM01", body).result()
    listed = azure.storage.storage_accounts.list_keys(rg, account)
    key = (getattr(listed, "keys_property", None) or listed["keys"])[0].value
    archive = build_archive(WEBDSC)
    container = BlobServiceClient(sa.primary_endpoints.blob, credential=key).get_container_client(
        "windows-powershell-dsc"
    )
    container.create_container()
    container.upload_blob(archive.name, archive.data, overwrite=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    sas = generate_blob_sas(account, "windows-powershell-dsc", archive.name, account_key=key,
                            permission=BlobSasPermissions(read=True), expiry=now + datetime.timedelta(hours=1))  # fmt: skip
    url = f"{sa.primary_endpoints.blob}windows-powershell-dsc/{archive.name}"
    azure.compute.virtual_machine_extensions.begin_create_or_update(rg, "KNVM01", "Microsoft.Powershell.DSC", {
        "location": LOCATION,
        "properties": {
            "publisher": "Microsoft.Powershell", "type": "DSC", "typeHandlerVersion": "2.77",
            "settings": {"wmfVersion": "latest",
                         "configuration": {"url": url, "script": "webdsc.ps1", "function": "webdsc"}},
            "protectedSettings": {"configurationUrlSasToken": f"?{sas}"},
        },
    }).result()  # fmt: skip


def test_the_seed_vm_costs_no_more_requests_than_the_sdk(lib: Any, azure: Azure, unique: Callable[[str], str]) -> None:
    lib.new_resource_group("warmup", LOCATION)  # the session reads the subscription's regions once, here
    before = requests(azure)
    seed_with_sdk(azure, "sdk", unique("sdk"))
    sdk = requests(azure) - before
    before = requests(azure)
    seed_with_azrm(lib, "lib", unique("lib"))
    made = requests(azure) - before
    assert lib.get_vm_dsc_extension_status("lib", "KNVM01").statuses[0].code == "ProvisioningState/succeeded"
    assert sdk == SDK_SEED_REQUESTS
    assert made <= sdk, f"azrm sent {made} requests for the seed VM, the SDK {sdk}"


def test_keys_are_read_once_and_again_after_a_regenerate(lib: Any, azure: Azure, seed: Seed) -> None:
    account = seed.storage.name
    posts = azure.emu.requests_by_method

    def publish(**kwargs: Any) -> str:
        return str(lib.publish_vm_dsc_configuration(seed.rg.name, WEBDSC, storage_account_name=account, **kwargs))

    before = posts["POST"], posts["GET"]
    publish()
    publish()
    # one listKeys; the endpoint came with the account's create
    assert (posts["POST"], posts["GET"]) == (before[0] + 1, before[1])
    old = lib.get_storage_account_key(seed.rg.name, account)[0].value
    new = lib.new_storage_account_key(seed.rg.name, account, key_name="key1")[0].value
    assert new != old
    assert lib.blob_service(seed.rg.name, account).credential.account_key == new
    publish(force=True)
    # Regenerated behind the session's back: the refused upload reads the keys again and succeeds.
    azure.storage.storage_accounts.regenerate_key(seed.rg.name, account, {"keyName": "key1"})
    before_posts = posts["POST"]
    assert publish(force=True).endswith("/webdsc.ps1.zip")
    assert posts["POST"] == before_posts + 1


# -- begin_ twins ----------------------------------------------------------------------------------------------
def test_begin_new_vm_with_dsc_publishes_first_then_chains_the_extension(lib: Any, seed: Seed) -> None:
    dsc = azrm.DscExtension(WEBDSC, storage_account_name=seed.storage.name, version="2.77")
    poller = lib.begin_new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    blob = lib.blob_service(seed.rg.name, seed.storage.name).get_blob_client("windows-powershell-dsc", "webdsc.ps1.zip")
    assert blob.exists()  # published before begin_new_vm returned
    vm = poller.result()
    assert poller.done() and poller.status() == "Succeeded"
    assert vm.name == "KNVM01" and [r.name for r in vm.resources] == ["Microsoft.Powershell.DSC"]
    status = lib.get_vm_dsc_extension_status(seed.rg.name, "KNVM01")
    assert status.statuses[0].message == "DSC configuration was applied successfully."


def test_begin_new_vm_chain_failure_is_a_step_error(lib: Any, seed: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    dsc = azrm.DscExtension(WEBDSC, storage_account_name=seed.storage.name, version="2.77", configuration_name="no")
    with pytest.raises(azrm.ValidationError):  # a configuration the script lacks: refused before any write
        lib.begin_new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    # an extension Azure fails (azrm's checks bypassed to make one) fails the chain with a step error
    monkeypatch.setattr(lib, "_check_configurations", lambda *args: None)
    monkeypatch.setattr(lib, "_check_published", lambda *args: None)
    poller = lib.begin_new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id).add_dsc_extension(dsc))
    with pytest.raises(azrm.StepError) as err:
        poller.result()
    assert err.value.completed == (
        f"Publishing DSC configuration webdsc.ps1 to {seed.storage.name}",
        "Creating virtual machine KNVM01",
    )
    assert poller.status() == "Failed"


def test_begin_set_vm_dsc_extension_and_begin_deployment_return_sdk_pollers(lib: Any, seed: Seed) -> None:
    from azure.core.polling import LROPoller

    lib.new_vm(seed.rg.name, location=LOCATION, vm=seed_vm_config(seed.nic.id))
    lib.publish_vm_dsc_configuration(seed.rg.name, WEBDSC, storage_account_name=seed.storage.name)
    poller = lib.begin_set_vm_dsc_extension(seed.rg.name, "KNVM01", archive_blob_name="webdsc.ps1.zip",
                                            archive_storage_account_name=seed.storage.name,
                                            configuration_name="webdsc", version="2.77")  # fmt: skip
    assert isinstance(poller, LROPoller) and poller.continuation_token()
    assert poller.result().provisioning_state == "Succeeded"
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"ipName": {"type": "string"}},
        "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01",
                       "name": "[parameters('ipName')]", "location": LOCATION,
                       "properties": {"publicIPAllocationMethod": "Dynamic"}}],
    }  # fmt: skip
    poller = lib.begin_new_resource_group_deployment(seed.rg.name, name="ip", template_object=template, ipName="ip2")
    assert isinstance(poller, LROPoller)
    assert poller.result().properties.provisioning_state == "Succeeded"
    assert lib.get_public_ip_address(seed.rg.name, "ip2").name == "ip2"


# -- retries under throttling -----------------------------------------------------------------------------------
@pytest.fixture
def throttled(make_azure: Callable[..., Azure]) -> Iterator[tuple[Azure, Any]]:
    azure = make_azure(EmulatorSettings(throttle=True), blob=False)
    session = session_on(azure)
    yield azure, session
    session.close()


def test_a_thread_pool_outlasts_throttling(throttled: tuple[Azure, Any]) -> None:
    """8 threads, 240 groups: the 200-write burst runs dry, the 429s are retried, none surfaces."""
    azure, lib = throttled
    lib.new_resource_group("g0", LOCATION)  # clients and the region list, before the threads
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda i: lib.new_resource_group(f"g{i}", LOCATION).name, range(1, 240)))
    assert len(made) == 239
    assert azure.emu.requests_by_method["PUT"] > 240  # some were refused, and retried


def test_the_retry_policy_is_configurable(azure: Azure) -> None:
    from azure.core.pipeline.policies import RetryPolicy

    options = azure.client_kwargs()
    endpoint = options.pop("base_url")

    def session(**extra: Any) -> Any:
        from azrm.session import LocalSession

        return LocalSession(credential=azure.credential(), subscription_id=azure.sub, arm_endpoint=endpoint,
                            credential_scopes=["https://management.azure.com/.default"],
                            client_options={**options, **extra}, location=LOCATION)  # fmt: skip

    policy = session().resource_client._config.retry_policy
    assert type(policy).__name__ == "ThrottleRetryPolicy"
    budget = (policy.throttled_retries, policy.total_retries, policy.status_retries)
    assert (*budget, policy.connect_retries, policy.read_retries, policy.backoff_max) == (12, 20, 8, 8, 8, 30)
    tuned = session(retry_throttled=3, retry_total=5, retry_jitter=0, retry_status=2).resource_client._config
    tuned = tuned.retry_policy
    assert (tuned.throttled_retries, tuned.total_retries, tuned.jitter, tuned.status_retries) == (3, 5, 0, 2)
    mine = RetryPolicy(retry_total=1)
    assert session(retry_policy=mine).resource_client._config.retry_policy is mine
