"""What does azrm cost on top of the SDK? Import time, and the seed scenario against the local Azure.

    python bench/library.py                # everything
    python bench/library.py --runs 10      # more scenario runs, steadier figures

Figures:
  import       ``import azrm`` against a bare interpreter and against importing the SDK packages it
               wraps (azrm imports them lazily, on first use of a session's client)
  scenario     the seed's resources (group, storage, public IP, vnet, NIC, Windows VM) made with azrm
               and with the plain SDK, same emulator, same bodies: seconds per run, requests per run,
               and the ratio azrm / SDK. Then azrm's whole seed scenario (with DSC publish + extension).
               In-process (no sockets) isolates azrm's own overhead; HTTPS is what `azrm.local()` serves.
               Requests per VM: the whole seed VM (with DSC) through azrm beside the SDK's minimum.
  scale sets   a scale set behind a load balancer: create and scale-out time per instance (the
               emulator allocates addresses and NAT ports per instance), and an hour of autoscale.

Machines are noisy: read the ratios rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench!Passw0rd-2026"
SDK_PACKAGES = "azure.identity, azure.mgmt.compute, azure.mgmt.network, azure.mgmt.storage, azure.mgmt.resource"


def import_seconds(statement: str, runs: int) -> float:
    """Median wall time of a fresh interpreter running ``statement``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_imports(runs: int) -> None:
    bare = import_seconds("pass", runs)
    azrm = import_seconds("import azrm", runs) - bare
    builders = import_seconds("import azrm; azrm.new_vm_config('a', 'b')", runs) - bare
    sdk = import_seconds(f"import {SDK_PACKAGES}", runs) - bare
    print(f"import (median of {runs} fresh interpreters, interpreter start-up {bare * 1000:.0f} ms subtracted)")
    print(f"  import azrm                       {azrm * 1000:7.1f} ms")
    print(f"  + first builder (pydantic)        {builders * 1000:7.1f} ms")
    print(f"  the SDK packages azrm wraps       {sdk * 1000:7.1f} ms")
    print(f"  import azrm / SDK packages        {azrm / sdk:7.3f}")


# -- the seed's resources, two ways -------------------------------------------------------------------
def with_azrm(az: Any, rg: str) -> None:
    import azrm

    az.new_resource_group(rg, "westeurope")
    storage = az.new_storage_account(rg, "st" + rg.lower().replace("-", ""), location="westeurope")
    pip = az.new_public_ip_address(rg, "vmvNic", location="westeurope", allocation_method="Dynamic")
    subnet = azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")
    vnet = az.new_virtual_network(rg, "KNVnet01", location="westeurope", address_prefix="10.0.0.0/16", subnet=[subnet])
    nic = az.new_network_interface(
        rg, "vmvNic", location="westeurope", subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
    )
    vm = (
        azrm.new_vm_config("KNVM01", "Standard_A2")
        .set_operating_system(windows=True, computer_name="KNVM01", credential=azrm.Credential("knadmin", PASSWORD))
        .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2012-R2-Datacenter")
        .add_network_interface(nic.id)
        .set_os_disk(name="KNVM01osDisk", vhd_uri=f"{storage.primary_endpoints.blob}vhds/KNVM01osDisk.vhd")
    )
    az.new_vm(rg, location="westeurope", vm=vm)


def with_sdk(az: Any, rg: str) -> Any:
    """The same resources with the SDK clients alone (the bodies azrm would send); returns the account."""
    loc = "westeurope"
    az.resource_client.resource_groups.create_or_update(rg, {"location": loc})
    account = az.storage_client.storage_accounts.begin_create(
        rg, "st" + rg.lower().replace("-", ""), {"location": loc, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    network = az.network_client
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
    ip_config = {"subnet": {"id": vnet.subnets[0].id}, "publicIPAddress": {"id": pip.id}}
    nic = network.network_interfaces.begin_create_or_update(
        rg,
        "vmvNic",
        {"location": loc, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}]}},
    ).result()
    vhd = f"{account.primary_endpoints.blob}vhds/KNVM01osDisk.vhd"
    body = {
        "location": loc,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_A2"},
            "storageProfile": {
                "imageReference": {
                    "publisher": "MicrosoftWindowsServer",
                    "offer": "WindowsServer",
                    "sku": "2012-R2-Datacenter",
                    "version": "latest",
                },
                "osDisk": {"name": "KNVM01osDisk", "createOption": "FromImage", "vhd": {"uri": vhd}},
            },
            "osProfile": {"computerName": "KNVM01", "adminUsername": "knadmin", "adminPassword": PASSWORD},
            "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
        },
    }
    az.compute_client.virtual_machines.begin_create_or_update(rg, "KNVM01", body).result()
    return account


def with_sdk_and_dsc(az: Any, rg: str, script: Path) -> None:
    """The SDK's minimum for the whole seed VM: the resources, then listKeys, the upload and the extension."""
    import datetime

    from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

    from azrm.dsc.archive import build_archive

    account = with_sdk(az, rg)
    listed = az.storage_client.storage_accounts.list_keys(rg, account.name)
    key = (getattr(listed, "keys_property", None) or listed["keys"])[0].value
    archive = build_archive(script)
    blob = account.primary_endpoints.blob
    container = BlobServiceClient(blob, credential=key).get_container_client("windows-powershell-dsc")
    container.create_container()
    container.upload_blob(archive.name, archive.data, overwrite=True)
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    sas = generate_blob_sas(account.name, "windows-powershell-dsc", archive.name, account_key=key,
                            permission=BlobSasPermissions(read=True), expiry=expiry)  # fmt: skip
    settings = {
        "wmfVersion": "latest",
        "configuration": {"url": f"{blob}windows-powershell-dsc/{archive.name}", "script": "webdsc.ps1",
                          "function": "webdsc"},
    }  # fmt: skip
    properties = {"publisher": "Microsoft.Powershell", "type": "DSC", "typeHandlerVersion": "2.77",
                  "settings": settings, "protectedSettings": {"configurationUrlSasToken": f"?{sas}"}}  # fmt: skip
    az.compute_client.virtual_machine_extensions.begin_create_or_update(
        rg, "KNVM01", "Microsoft.Powershell.DSC", {"location": "westeurope", "properties": properties}
    ).result()


def with_azrm_and_dsc(az: Any, rg: str, script: Path) -> None:
    with_azrm(az, rg)
    account = "st" + rg.lower().replace("-", "")
    az.publish_vm_dsc_configuration(rg, script, storage_account_name=account)
    az.set_vm_dsc_extension(
        rg,
        "KNVM01",
        archive_blob_name="webdsc.ps1.zip",
        archive_storage_account_name=account,
        configuration_name="webdsc",
        version="2.77",
    )


def measure(az: Any, scenario: Callable[[Any, str], None], runs: int, tag: str) -> tuple[float, float]:
    """Median seconds per run and ARM requests per run (groups removed between runs, not timed)."""
    emulator = az.emulator
    times, requests = [], []
    for i in range(runs + 1):  # the first run warms up clients and caches
        rg = f"{tag}{i}x"
        before = sum(emulator.requests_by_method.values())
        start = time.perf_counter()
        scenario(az, rg)
        elapsed = time.perf_counter() - start
        made = sum(emulator.requests_by_method.values()) - before
        az.remove_resource_group(rg)
        if i:
            times.append(elapsed)
            requests.append(made)
    return statistics.median(times), statistics.median(requests)


def bench_scenario(runs: int) -> None:
    import azrm

    script = ROOT / "examples" / "webdsc.ps1"
    for label, in_process in (("in-process", True), ("https", False)):
        with azrm.local(in_process=in_process, reporter=azrm.SilentReporter()) as az:
            sdk_s, sdk_n = measure(az, with_sdk, runs, "sdk")
            lib_s, lib_n = measure(az, with_azrm, runs, "lib")
            sdk_dsc_s, sdk_dsc_n = measure(az, lambda a, rg: with_sdk_and_dsc(a, rg, script), runs, "sdkdsc")
            dsc_s, dsc_n = measure(az, lambda a, rg: with_azrm_and_dsc(a, rg, script), runs, "dsc")
        print(f"scenario, {label} (median of {runs} runs)")
        print(f"  plain SDK, 6 resources            {sdk_s * 1000:7.1f} ms  {sdk_n:4.0f} ARM requests")
        print(f"  azrm, the same 6 resources        {lib_s * 1000:7.1f} ms  {lib_n:4.0f} ARM requests")
        print(f"  azrm / SDK                        {lib_s / sdk_s:7.2f}")
        print(f"  plain SDK, + DSC publish and ext. {sdk_dsc_s * 1000:7.1f} ms  {sdk_dsc_n:4.0f} ARM requests")
        print(f"  azrm, + DSC publish and extension {dsc_s * 1000:7.1f} ms  {dsc_n:4.0f} ARM requests")
        print(f"  requests per VM, azrm / SDK       {dsc_n:4.0f} / {sdk_dsc_n:.0f}")


def bench_scale_sets() -> None:
    """A scale set behind a load balancer: create and scale times per instance, and autoscale's cost."""
    import azrm

    with azrm.local(in_process=True, blob=False, clock="manual", reporter=azrm.SilentReporter()) as az:
        az.new_resource_group("bench", "westeurope")
        vnet = az.new_virtual_network(
            "bench", "v", address_prefix="10.0.0.0/16",
            subnet=[azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/20")],
        )  # fmt: skip
        pip = az.new_public_ip_address("bench", "ip", allocation_method="Static")
        fe = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=pip)
        pool = azrm.new_load_balancer_backend_address_pool_config("web")
        nat = azrm.new_load_balancer_inbound_nat_pool_config(
            "rdp", frontend_ip_configuration=fe, frontend_port_range_start=50000, frontend_port_range_end=50999,
            backend_port=3389,
        )  # fmt: skip
        lb = az.new_load_balancer("bench", "lb", frontend_ip_configuration=fe, backend_address_pool=pool,
                                  inbound_nat_pool=nat)  # fmt: skip
        ip = azrm.new_vmss_ip_config(
            "ip",
            subnet_id=vnet.subnets[0],
            load_balancer_backend_address_pools_id=lb.backend_address_pools[0],
            load_balancer_inbound_nat_pools_id=lb.inbound_nat_pools[0],
        )
        config = (
            azrm.new_vmss_config(location="westeurope", sku_capacity=10, sku_name="Standard_A2", overprovision=False)
            .set_os_profile(linux=True, computer_name_prefix="web", credential=azrm.Credential("azureuser", PASSWORD))
            .set_storage_profile(image_reference_publisher="Canonical",
                                 image_reference_offer="0001-com-ubuntu-server-jammy",
                                 image_reference_sku="22_04-lts-gen2")
            .add_network_interface_configuration("nic", ip_configuration=ip)
        )  # fmt: skip
        az.list_vmss("bench")  # the compute client's import and set-up are not the scale set's cost
        start = time.perf_counter()
        farm = az.new_vmss("bench", "web", virtual_machine_scale_set=config)
        created = time.perf_counter() - start
        start = time.perf_counter()
        az.update_vmss("bench", "web", sku_capacity=50)
        scaled = time.perf_counter() - start
        rule = azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=farm, operator="GreaterThan",
                                       threshold=90, scale_action_direction="Increase")  # fmt: skip
        profile = azrm.new_autoscale_profile(
            "p", default_capacity=50, minimum_capacity=1, maximum_capacity=100, rule=rule
        )
        az.new_autoscale_setting("bench", "auto", target_resource_id=farm, autoscale_profile=profile)
        az.set_metric(farm, "Percentage CPU", 50)
        start = time.perf_counter()
        az.advance(3600)
        hour = time.perf_counter() - start
    print("scale sets (in-process, instant latency)")
    print(f"  create with 10 instances          {created * 1000:7.1f} ms  ({created * 100:.1f} ms an instance)")
    print(f"  scale 10 -> 50 instances          {scaled * 1000:7.1f} ms  ({scaled * 1000 / 40:.1f} ms an instance)")
    print(f"  an hour of autoscale (60 evals)   {hour * 1000:7.1f} ms  ({hour * 1000 / 60:.2f} ms an evaluation)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="scenario runs per figure (default 5)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh interpreters per import figure")
    args = parser.parse_args()
    bench_imports(args.import_runs)
    bench_scenario(args.runs)
    bench_scale_sets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
