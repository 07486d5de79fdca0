"""The seed's IaaS scenario with nothing but the official Azure SDK, against the local Azure.

This script does not import azrm: it proves the local Azure is an Azure the unmodified SDK talks to.

    python examples/sdk_only_scenario.py            # starts `python -m azrm.emulator` itself
    python examples/sdk_only_scenario.py '<json>'   # uses a running one (its JSON line)

It creates a resource group, a storage account (and uploads a blob with a key from listKeys), a
public IP, a virtual network with a subnet, a NIC, a Windows VM whose OS disk is a VHD in that
account, reads the VM's instance view, adds and deletes an extension, lists the group's resources,
and deletes the group so that nothing remains.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys

from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.storage.blob import BlobServiceClient


def sign_in(info: dict[str, object]) -> ClientSecretCredential:
    """Sign in as the service principal the JSON line names, at the local Entra ID (the ARM URL is its authority).

    On Azure the same credential takes no ``authority``: it defaults to login.microsoftonline.com. Instance
    discovery is switched off because the local authority is not one Microsoft knows.
    """
    options: dict[str, object] = {"authority": info["arm_endpoint"], "disable_instance_discovery": True}
    if info.get("ca_bundle"):
        options["connection_verify"] = info["ca_bundle"]
    return ClientSecretCredential(str(info["tenant_id"]), str(info["client_id"]), str(info["client_secret"]), **options)


def step(text: str) -> None:
    print(f"-> {text}", flush=True)


def admin_password() -> str:
    if os.environ.get("AZRM_ADMIN_PASSWORD"):
        return os.environ["AZRM_ADMIN_PASSWORD"]
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16)) + "!a1A"


def run(info: dict[str, object]) -> None:
    options = {"base_url": info["arm_endpoint"]}
    if info.get("ca_bundle"):
        options["connection_verify"] = info["ca_bundle"]
    sub = str(info["subscription_id"])
    cred = sign_in(info)
    resources = ResourceManagementClient(cred, sub, **options)
    storage = StorageManagementClient(cred, sub, **options)
    network = NetworkManagementClient(cred, sub, **options)
    compute = ComputeManagementClient(cred, sub, **options)
    rg, loc = "KNRGTest01", "westeurope"
    account = "knstor" + secrets.token_hex(4)

    step(f"resource group {rg}")
    resources.resource_groups.create_or_update(rg, {"location": loc})
    step(f"storage account {account}")
    sa = storage.storage_accounts.begin_create(
        rg, account, {"location": loc, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = storage.storage_accounts.list_keys(rg, account).keys_property[0].value
    blob_service = BlobServiceClient(sa.primary_endpoints.blob, credential=key)
    blob_service.create_container("scripts").upload_blob("hello.txt", b"hello from the SDK")
    step(f"blob uploaded to {sa.primary_endpoints.blob}scripts/hello.txt")

    step("public IP, virtual network with a subnet, NIC")
    pip = network.public_ip_addresses.begin_create_or_update(
        rg, "vmvNic", {"location": loc, "properties": {"publicIPAllocationMethod": "Dynamic"}}
    ).result()
    vnet = network.virtual_networks.begin_create_or_update(
        rg,
        "KNVnet01",
        {
            "location": loc,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "Subnet1", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
    ).result()
    nic = network.network_interfaces.begin_create_or_update(
        rg,
        "vmvNic",
        {
            "location": loc,
            "properties": {
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {"subnet": {"id": vnet.subnets[0].id}, "publicIPAddress": {"id": pip.id}},
                    }
                ]
            },
        },
    ).result()
    step(f"NIC private IP {nic.ip_configurations[0].private_ip_address}")

    step("Windows VM KNVM01 with its OS disk as a VHD in the storage account")
    vhd = f"{sa.primary_endpoints.blob}vhds/KNVM01osDisk.vhd"
    vm = compute.virtual_machines.begin_create_or_update(
        rg,
        "KNVM01",
        {
            "location": loc,
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_A2"},
                "osProfile": {
                    "computerName": "KNVM01",
                    "adminUsername": "knadmin",
                    "adminPassword": admin_password(),
                    "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": True},
                },
                "storageProfile": {
                    "imageReference": {
                        "publisher": "MicrosoftWindowsServer",
                        "offer": "WindowsServer",
                        "sku": "2012-R2-Datacenter",
                        "version": "latest",
                    },
                    "osDisk": {"name": "KNVM01osDisk", "vhd": {"uri": vhd}, "createOption": "FromImage"},
                },
                "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
            },
        },
    ).result()
    assert vm.provisioning_state == "Succeeded", vm.provisioning_state
    page_blob = blob_service.get_blob_client("vhds", "KNVM01osDisk.vhd").get_blob_properties()
    step(f"VHD is a {page_blob.blob_type} of {page_blob.size} bytes")
    view = compute.virtual_machines.instance_view(rg, "KNVM01")
    step("instance view: " + ", ".join(s.display_status for s in view.statuses))

    step("extension BGInfo: add, then delete")
    compute.virtual_machine_extensions.begin_create_or_update(
        rg,
        "KNVM01",
        "BGInfo",
        {
            "location": loc,
            "properties": {"publisher": "Microsoft.Compute", "type": "BGInfo", "typeHandlerVersion": "2.1"},
        },
    ).result()
    compute.virtual_machine_extensions.begin_delete(rg, "KNVM01", "BGInfo").result()

    listed = [f"{r.type}/{r.name}" for r in resources.resources.list_by_resource_group(rg)]
    step("resources in the group: " + ", ".join(listed))
    resources.resource_groups.begin_delete(rg).result()
    assert not resources.resource_groups.check_existence(rg)
    remaining = [r.id for r in resources.resources.list()]
    assert not remaining, remaining
    step("group deleted; nothing remains")


def main() -> int:
    if len(sys.argv) > 1:
        run(json.loads(sys.argv[1]))
        return 0
    proc = subprocess.Popen([sys.executable, "-m", "azrm.emulator", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            print("the local Azure did not start", file=sys.stderr)
            return 1
        run(json.loads(line))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
