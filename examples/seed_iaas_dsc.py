"""The seed's PowerShell example, step by step, in azrm.

    python examples/seed_iaas_dsc.py                      # against the local Azure
    python examples/seed_iaas_dsc.py --latency realistic  # with Azure's real waits (scaled)
    python examples/seed_iaas_dsc.py --azure              # against Azure (azrm.connect())
    python examples/seed_iaas_dsc.py --faults rate=0.3,lro=0.1 --state seed.db   # may fail, typed...
    python examples/seed_iaas_dsc.py --state seed.db      # ...and the re-run resumes where it stopped
    python examples/seed_iaas_dsc.py --password-from-key-vault   # the admin password kept in a key vault

Each PowerShell line of the original is quoted above the azrm line that replaces it. The VM's admin
password comes from AZRM_ADMIN_PASSWORD, else from an earlier run, else is generated and kept for the
next run (azrm.remembered_password: ~/.config/azrm/passwords.json, 0600); it is never printed. So a
run that failed (a transient fault of Azure's that outlasted the retries) is simply run again: it
resumes where it stopped. With --password-from-key-vault the script makes a key vault in the group
(its creator gets an access policy), stores a generated password there as the secret
vm-admin-password (once: a re-run finds it) and takes the VM's admin password from that secret.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import secrets
import string
import sys
from pathlib import Path
from typing import Any

import azrm

HERE = Path(__file__).resolve().parent
RG_NAME = "KNRGTest01"
VM_NAME = "KNVM01"
log = logging.getLogger("seed")


def admin_password(az: Any) -> str:
    """AZRM_ADMIN_PASSWORD, else the password an earlier run of this script kept, else a new one kept for the next."""
    return azrm.remembered_password(f"{az.subscription_id}/{RG_NAME}")


VAULT_SECRET = "vm-admin-password"


def key_vault_name(az: Any) -> str:
    """The demo's key vault: a name unique to the subscription and group, the same on every run."""
    return stable_name(az, "knkv")


def generate_password() -> str:
    """A new admin password Azure accepts for Windows (24 characters of all four kinds)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20)) + secrets.choice("!#%+-") + "a1A"


def password_from_key_vault(az: Any, *, location: str) -> str:
    """Keep the VM's admin password in a key vault of the group and return it from there (never printed).

    The vault is made (or found) with an access policy for the signed-in principal; the secret is set
    once with a generated password, and a re-run reads the same secret.
    """
    vault_name = key_vault_name(az)
    # New-AzResourceGroup -Name $RGname -Location $Location; New-AzKeyVault -VaultName $vault -ResourceGroupName $RGname
    az.new_resource_group(RG_NAME, location)
    az.new_key_vault(RG_NAME, vault_name, location)
    try:
        # Get-AzKeyVaultSecret -VaultName $vault -Name vm-admin-password
        secret = az.get_key_vault_secret(vault_name, VAULT_SECRET)
    except azrm.AzureOperationError as err:
        if err.arm_code != "SecretNotFound":
            raise
        # Set-AzKeyVaultSecret -VaultName $vault -Name vm-admin-password -SecretValue $password
        secret = az.set_key_vault_secret(vault_name, VAULT_SECRET, generate_password(), content_type="password")
    print(f"VM admin password: from key vault {vault_name}, secret {secret.name} (version {secret.version})")
    # (Get-AzKeyVaultSecret -VaultName $vault -Name vm-admin-password -AsPlainText)
    return secret.get_secret_value()


def stable_name(az: Any, prefix: str) -> str:
    """A globally unique name that stays the same from run to run (on one subscription): a re-run finds it."""
    return prefix + hashlib.sha256(f"{az.subscription_id}/{RG_NAME}".encode()).hexdigest()[:8]


def provision(az: Any, *, location: str, storage_name: str, password: str) -> None:
    """The seed's steps, on any session: Azure, the local Azure, or a template session (azrm.template_session).

    Each PowerShell line of the original is quoted above the azrm line that replaces it.
    """
    # $RGname = "KNRGTest01"; $Location = "west europe"
    rg_name = RG_NAME
    # $vnicName = "vmvNic"; $Subnet1Name = "Subnet1"; $vNetName = "KNVnet01"
    vnic_name, subnet_name, vnet_name = "vmvNic", "Subnet1", "KNVnet01"
    # $VMName = "KNVM01"; $ComputerName = $VMName; $VMSize = "Standard_A2"; $OSDiskName = $VMName + "osDisk"
    vm_name, vm_size = VM_NAME, "Standard_A2"
    os_disk_name = vm_name + "osDisk"

    # $RG = New-AzureRmResourceGroup -Name $RGname -Location $location
    rg = az.new_resource_group(rg_name, location)
    # $StorageAccount = New-AzureRmStorageAccount -ResourceGroupName $RGname -Name knstor5050 -Type $StorageType ...
    storage = az.new_storage_account(rg.name, storage_name, location=rg.location, sku_name="Standard_LRS")
    # $PIP = New-AzureRmPublicIpAddress -Name $vnicName -ResourceGroupName $RGname -Location $Location -AllocationMethod Dynamic
    pip = az.new_public_ip_address(rg.name, vnic_name, location=rg.location, allocation_method="Dynamic")
    # $SubnetConfig = New-AzureRmVirtualNetworkSubnetConfig -Name $Subnet1Name -AddressPrefix $vNetSubnetAddressPrefix
    subnet = azrm.new_virtual_network_subnet_config(subnet_name, address_prefix="10.0.0.0/24")
    # $vNET = New-AzureRmVirtualNetwork -Name $vNetName ... -AddressPrefix $vNetAddressPrefix -Subnet $SubnetConfig
    vnet = az.new_virtual_network(
        rg.name, vnet_name, location=rg.location, address_prefix="10.0.0.0/16", subnet=[subnet]
    )
    # $Interface = New-AzureRmNetworkInterface -Name $vnicName ... -SubnetId $vnet.Subnets[0].Id -PublicIpAddressId $pip.Id
    nic = az.new_network_interface(
        rg.name, vnic_name, location=rg.location, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
    )

    # $Credential = Get-Credential
    credential = azrm.Credential("knadmin", password)
    # $OSDiskUri = $StorageAccount.PrimaryEndpoints.Blob.ToString() + "vhds/" + $OSDiskName + ".vhd"
    os_disk_uri = f"{storage.primary_endpoints.blob}vhds/{os_disk_name}.vhd"
    # New-AzureRmVMConfig | Set-AzureRmVMOperatingSystem | Set-AzureRmVMSourceImage | Add-AzureRmVMNetworkInterface
    #   | Set-AzureRmVMOSDisk  (each returns a new configuration: keep the result)
    vm = (
        azrm.new_vm_config(vm_name, vm_size)
        .set_operating_system(
            windows=True,
            computer_name=vm_name,
            credential=credential,
            provision_vm_agent=True,
            enable_auto_update=True,
        )
        .set_source_image(
            publisher_name="MicrosoftWindowsServer",
            offer="WindowsServer",
            skus="2012-R2-Datacenter",
            version="latest",
        )
        .add_network_interface(nic.id)
        .set_os_disk(name=os_disk_name, vhd_uri=os_disk_uri, create_option="FromImage")
    )
    # New-AzureRmVM -ResourceGroupName $RGname -Location $Location -VM $VirtualMachine
    az.new_vm(rg.name, location=rg.location, vm=vm)

    # Publish-AzureRmVMDscConfiguration -ResourceGroupName $RGname -ConfigurationPath .\webdsc.ps1 -StorageAccountName knstor5050
    url = az.publish_vm_dsc_configuration(rg.name, HERE / "webdsc.ps1", storage_account_name=storage.name)
    log.info("DSC archive published at %s", url)
    # Set-AzureRmVMDscExtension -ResourceGroupName $RGname -VMName $virtualmachine.Name -ArchiveBlobName webdsc.ps1.zip
    #   -ArchiveStorageAccountName knstor5050 -ConfigurationName webdsc -Version 2.7 -Location $location
    az.set_vm_dsc_extension(
        rg.name,
        vm_name,
        archive_blob_name="webdsc.ps1.zip",
        archive_storage_account_name=storage.name,
        configuration_name="webdsc",
        version="2.7",
        location=rg.location,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--azure", action="store_true", help="run against Azure (azrm.connect()) instead of the local Azure"
    )
    parser.add_argument(
        "--latency", default="instant", help="local Azure provisioning time: instant, realistic or a factor (0.05)"
    )
    parser.add_argument("--location", default="westeurope", help="region (default westeurope)")
    parser.add_argument("--storage-account", help="storage account name (default knstor5050; derived on Azure)")
    parser.add_argument(
        "--faults", help="local Azure: inject faults, e.g. rate=0.3,lro=0.1,seed=7 (docs/local-azure.md)"
    )
    parser.add_argument("--state", help="local Azure: keep its state in this file, so that a re-run finds it")
    parser.add_argument("--remove", action="store_true", help="remove the resource group at the end")
    parser.add_argument(
        "--password-from-key-vault",
        action="store_true",
        help="keep the VM's admin password in a key vault of the group and take it from there",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log everything at DEBUG, HTTP bodies included (secrets stay masked)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("azrm").setLevel(logging.DEBUG if args.debug else logging.INFO)
    options = {"logging_enable": True} if args.debug else {}

    # Add-AzureRmAccount -Credential (get-credential)
    if args.azure:
        az = azrm.connect(location=args.location, **options)
    else:
        az = azrm.local(latency=args.latency, location=args.location, faults=args.faults, state=args.state, **options)
    with az:
        print(f"Session: {az!r}")
        # $StorageName = "Knstor5050"; $StorageType = "Standard_LRS"
        storage_name = args.storage_account or (stable_name(az, "knstor") if args.azure else "knstor5050")
        try:
            if args.password_from_key_vault:
                password = password_from_key_vault(az, location=args.location)
            else:
                password = admin_password(az)
            provision(az, location=args.location, storage_name=storage_name, password=password)
        except azrm.AzrmError as err:  # what failed, what exists, and what to do: no traceback needed
            print(f"\n{type(err).__name__}: {err}", file=sys.stderr)
            return 1
        rg_name, vm_name, vnic_name = RG_NAME, VM_NAME, "vmvNic"

        status = az.get_vm(rg_name, vm_name, status=True)
        dsc = az.get_vm_dsc_extension_status(rg_name, vm_name)
        public_ip = az.get_public_ip_address(rg_name, vnic_name).ip_address
        print()
        print(f"{'resource':<26} {'type':<46} state")
        for resource in az.list_resources(rg_name):
            print(f"{resource.name:<26} {resource.type:<46} {resource.provisioning_state}")
        print()
        print(f"VM {vm_name}: {', '.join(s.display_status for s in status.statuses)}; public IP {public_ip}")
        print(f"DSC: {dsc.statuses[0].message}")
        for sub in dsc.substatuses or []:
            for line in (sub.message or "").splitlines():
                print(f"     {line}")
        if args.remove:
            az.remove_resource_group(rg_name)
            if args.password_from_key_vault:  # the deleted vault would hold its name: purge it
                az.remove_key_vault(None, key_vault_name(az), in_removed_state=True, location=args.location)
    return 0


if __name__ == "__main__":
    sys.exit(main())
