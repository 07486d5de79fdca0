"""The source document's first system, in azrm: a VM scale set web farm.

    python examples/seed_vmss_web_farm.py                 # against the local Azure (make demo SCENARIO=vmss)
    python examples/seed_vmss_web_farm.py --azure         # against Azure (azrm.connect()); no synthetic load

Identical Windows web servers in a scale set, configured by the DSC extension (IIS, from webdsc.ps1),
behind a load balancer (HTTP on port 80 with a probe; RDP to each instance through a NAT pool from
port 50000), a network security group that lets HTTP in from anywhere and RDP only from one source
prefix, a management VM in its own subnet, and autoscale from 2 to 10 instances on CPU.

On the local Azure the script then plays the load: it sets the scale set's CPU metric high, moves
the local Azure's clock and shows the scale-out, then drops the CPU and shows the scale-in. The
admin password comes from AZRM_ADMIN_PASSWORD, else from an earlier run, else is generated and kept
for the next run (azrm.remembered_password); it is never printed. Names that must be globally unique
(the storage account, the DNS label) are derived from the subscription, so a re-run after a failure
finds what the first run made and resumes.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from pathlib import Path
from typing import Any

import azrm

HERE = Path(__file__).resolve().parent
CPU = "Percentage CPU"
RG_NAME = "KNVmssWeb01"


def admin_password(az: Any) -> str:
    """AZRM_ADMIN_PASSWORD, else the password an earlier run of this script kept, else a new one kept for the next."""
    return azrm.remembered_password(f"{az.subscription_id}/{RG_NAME}")


def stable_name(az: Any, prefix: str, length: int = 8) -> str:
    """A globally unique name that stays the same from run to run (on one subscription): a re-run finds it."""
    return prefix + hashlib.sha256(f"{az.subscription_id}/{RG_NAME}".encode()).hexdigest()[:length]


def instances_table(az: Any, rg: str, lb_name: str, frontend_address: str) -> None:
    """Each instance: state, private address, and the frontend port that reaches its RDP."""
    lb = az.get_load_balancer(rg, lb_name)
    ports = {r.backend_ip_configuration.id.lower(): r.frontend_port for r in lb.inbound_nat_rules or []}
    nics = az.network_client.network_interfaces.list_virtual_machine_scale_set_network_interfaces(rg, "webfarm")
    address = {n.virtual_machine.id.lower(): n.ip_configurations[0] for n in nics}
    print(f"  {'instance':<12} {'computer':<12} {'state':<11} {'private IP':<12} RDP via")
    for vm in az.get_vmss_vm(rg, "webfarm"):
        ipc = address.get(vm.id.lower())
        port = ports.get(ipc.id.lower()) if ipc is not None else None
        state = vm.provisioning_state + ("" if vm.latest_model_applied else " (old model)")
        print(f"  {vm.name:<12} {vm.os_profile.computer_name:<12} {state:<11} "
              f"{ipc.private_ip_address if ipc else '-':<12} {frontend_address}:{port}")  # fmt: skip


def provision(
    az: Any, *, location: str, storage_name: str, password: str, dns_label: str, rdp_source: str = "203.0.113.0/24"
) -> Any:
    """Build the web farm on any session (Azure, the local Azure, a template session); returns the scale set."""
    rg_name = RG_NAME
    credential = azrm.Credential("knadmin", password)

    # New-AzResourceGroup; New-AzStorageAccount (for the DSC archive)
    rg = az.new_resource_group(rg_name, location)
    storage = az.new_storage_account(rg.name, storage_name, location=location)

    # New-AzNetworkSecurityRuleConfig x2; New-AzNetworkSecurityGroup
    http_in = azrm.new_network_security_rule_config(
        "allow-http", protocol="Tcp", direction="Inbound", priority=100, access="Allow",
        source_address_prefix="Internet", destination_port_range="80",
    )  # fmt: skip
    rdp_in = azrm.new_network_security_rule_config(
        "allow-rdp-admins", protocol="Tcp", direction="Inbound", priority=110, access="Allow",
        source_address_prefix=rdp_source, destination_port_range="3389",
    )  # fmt: skip
    nsg = az.new_network_security_group(rg.name, "web-nsg", location=location, security_rules=[http_in, rdp_in])

    # New-AzVirtualNetworkSubnetConfig x2 (the web subnet behind the NSG); New-AzVirtualNetwork
    web = azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24", network_security_group_id=nsg.id)
    mgmt = azrm.new_virtual_network_subnet_config("mgmt", address_prefix="10.0.1.0/24")
    vnet = az.new_virtual_network(
        rg.name, "KNVnetWeb", location=location, address_prefix="10.0.0.0/16", subnet=[web, mgmt]
    )
    web_subnet = next(s for s in vnet.subnets if s.name == "web")
    mgmt_subnet = next(s for s in vnet.subnets if s.name == "mgmt")

    # New-AzPublicIpAddress; New-AzLoadBalancer*Config; New-AzLoadBalancer
    lb_ip = az.new_public_ip_address(rg.name, "web-lb-ip", location=location, allocation_method="Static",
                                     domain_name_label=dns_label)  # fmt: skip
    frontend = azrm.new_load_balancer_frontend_ip_config("web-frontend", public_ip_address_id=lb_ip.id)
    pool = azrm.new_load_balancer_backend_address_pool_config("web-pool")
    probe = azrm.new_load_balancer_probe_config("http-probe", protocol="Http", port=80, request_path="/")
    http_rule = azrm.new_load_balancer_rule_config(
        "http", frontend_ip_configuration=frontend, backend_address_pool=pool, probe=probe,
        protocol="Tcp", frontend_port=80, backend_port=80,
    )  # fmt: skip
    rdp_pool = azrm.new_load_balancer_inbound_nat_pool_config(
        "rdp", frontend_ip_configuration=frontend, protocol="Tcp",
        frontend_port_range_start=50000, frontend_port_range_end=50119, backend_port=3389,
    )  # fmt: skip
    lb = az.new_load_balancer(
        rg.name, "web-lb", location=location, frontend_ip_configuration=frontend, backend_address_pool=pool,
        probe=probe, load_balancing_rule=http_rule, inbound_nat_pool=rdp_pool,
    )  # fmt: skip

    # New-AzVmssIpConfig; New-AzVmssConfig | Set-AzVmssOsProfile | Set-AzVmssStorageProfile
    #   | Add-AzVmssNetworkInterfaceConfiguration | Add-AzVmssExtension (DSC: IIS from webdsc.ps1)
    ip_config = azrm.new_vmss_ip_config(
        "web-ip", subnet_id=web_subnet.id,
        load_balancer_backend_address_pools_id=lb.backend_address_pools[0].id,
        load_balancer_inbound_nat_pools_id=lb.inbound_nat_pools[0].id,
    )  # fmt: skip
    vmss = (
        azrm.new_vmss_config(location=location, sku_capacity=3, sku_name="Standard_A2", upgrade_policy_mode="Manual")
        .set_os_profile(windows=True, computer_name_prefix="web", credential=credential)
        .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer",
                             image_reference_offer="WindowsServer", image_reference_sku="2016-Datacenter")
        .add_network_interface_configuration("web-nic", primary=True, ip_configuration=ip_config)
        .add_dsc_extension(azrm.DscExtension(HERE / "webdsc.ps1", storage_account_name=storage.name, version="2.77"))
    )  # fmt: skip
    # New-AzVmss (publishes webdsc.ps1.zip first, then creates the scale set with the DSC extension)
    farm = az.new_vmss(rg.name, "webfarm", virtual_machine_scale_set=vmss)

    # The management VM, in its own subnet: New-AzPublicIpAddress, New-AzNetworkInterface, New-AzVMConfig...
    mgmt_ip = az.new_public_ip_address(rg.name, "mgmt-ip", location=location)
    mgmt_nic = az.new_network_interface(rg.name, "mgmt-nic", location=location, subnet_id=mgmt_subnet.id,
                                        public_ip_address_id=mgmt_ip.id)  # fmt: skip
    mgmt_vm = (
        azrm.new_vm_config("KNMGMT01", "Standard_A2")
        .set_operating_system(windows=True, computer_name="KNMGMT01", credential=credential)
        .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2016-Datacenter")
        .add_network_interface(mgmt_nic.id)
    )
    az.new_vm(rg.name, location=location, vm=mgmt_vm)

    # New-AzAutoscaleRule x2; New-AzAutoscaleProfile; Add-AzAutoscaleSetting
    scale_out = azrm.new_autoscale_rule(
        metric_name=CPU, metric_resource_id=farm.id, operator="GreaterThan", threshold=70,
        time_window="PT5M", scale_action_direction="Increase", scale_action_value=1, scale_action_cooldown="PT5M",
    )  # fmt: skip
    scale_in = azrm.new_autoscale_rule(
        metric_name=CPU, metric_resource_id=farm.id, operator="LessThan", threshold=30,
        time_window="PT5M", scale_action_direction="Decrease", scale_action_value=1, scale_action_cooldown="PT5M",
    )  # fmt: skip
    profile = azrm.new_autoscale_profile("cpu", default_capacity=3, minimum_capacity=2, maximum_capacity=10,
                                         rule=[scale_out, scale_in])  # fmt: skip
    az.new_autoscale_setting(rg.name, "webfarm-autoscale", location=location, target_resource_id=farm.id,
                             autoscale_profile=profile)  # fmt: skip
    return farm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--azure", action="store_true", help="run against Azure (azrm.connect())")
    parser.add_argument("--location", default="westeurope", help="region (default westeurope)")
    parser.add_argument("--rdp-source", default="203.0.113.0/24", help="the only source prefix allowed to RDP")
    parser.add_argument("--storage-account", help="storage account for the DSC archive (default: generated)")
    parser.add_argument("--remove", action="store_true", help="remove the resource group at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("azrm").setLevel(logging.INFO)

    # Connect-AzAccount   (locally: a manual clock, so that the autoscale part can move time)
    az = azrm.connect(location=args.location) if args.azure else azrm.local(location=args.location, clock="manual")
    with az:
        rg_name = RG_NAME
        storage_name = args.storage_account or stable_name(az, "knweb")
        try:
            farm = provision(az, location=args.location, storage_name=storage_name, password=admin_password(az),
                             dns_label=stable_name(az, "knweb", 6), rdp_source=args.rdp_source)  # fmt: skip
        except azrm.AzrmError as err:  # what failed, what exists, and what to do: no traceback needed
            print(f"\n{type(err).__name__}: {err}", file=sys.stderr)
            return 1
        rg = az.get_resource_group(rg_name)

        print()
        print(f"{'resource':<48} {'type':<42} state")
        for resource in az.list_resources(rg.name):
            print(f"{resource.name:<48} {resource.type:<42} {resource.provisioning_state}")
        view = az.get_vmss(rg.name, "webfarm", status=True)
        dsc = ", ".join(f"{s.code.split('/')[-1]}: {s.count}" for s in view.extensions[0].statuses_summary)
        print(f"\nScale set webfarm: {farm.sku.capacity} instances of {farm.sku.name}; DSC extension {dsc}")
        lb_ip = az.get_public_ip_address(rg.name, "web-lb-ip")
        address = lb_ip.ip_address
        print(f"Web site: http://{lb_ip.dns_settings.fqdn if lb_ip.dns_settings else address}/ "
              f"(port 80, probe /); RDP only from {args.rdp_source}")  # fmt: skip
        instances_table(az, rg.name, "web-lb", address)

        if isinstance(az, azrm.LocalSession):
            # The load: CPU goes up, autoscale adds instances (one per 5-minute cooldown) ...
            print(f"\nSetting the scale set's {CPU} to 85% and letting 12 minutes pass:")
            az.set_metric(farm.id, CPU, 85)
            for _ in range(12):
                az.advance(60)
            print(f"  capacity now {az.get_vmss(rg.name, 'webfarm').sku.capacity}")
            instances_table(az, rg.name, "web-lb", address)
            # ... and when it drops, removes them again, down to the minimum.
            print(f"\nSetting {CPU} to 10% and letting 30 minutes pass:")
            az.set_metric(farm.id, CPU, 10)
            for _ in range(30):
                az.advance(60)
            print(f"  capacity now {az.get_vmss(rg.name, 'webfarm').sku.capacity}")
            print("\nAutoscale history (Get-AzAutoscaleHistory), oldest first:")
            for event in reversed(az.get_autoscale_history(resource_group_name=rg.name)):
                p = event.properties
                print(
                    f"  {event.event_timestamp:%H:%M}  {p['OldInstancesCount']} -> {p['NewInstancesCount']}: {p['Reason']}"
                )
        else:
            print("\nOn Azure, autoscale acts on the real CPU of the instances; see the scale set's Scaling blade.")
        if args.remove:
            az.remove_resource_group(rg.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
