"""A fleet: the seed's VM, N times, planned, shown and applied in parallel (issue 11).

    python examples/fleet.py --count 20                     # plan, show, apply on the local Azure
    python examples/fleet.py --count 20 --latency 0.02      # with Azure-like durations, scaled
    python examples/fleet.py --count 20 --azure             # against Azure (azrm.connect())

The script is a plain step-by-step azrm script (``provision_fleet``): a shared storage account and
network, then per VM a public IP, a NIC, a Windows VM and the DSC extension from one published
archive. Run directly it would make them one call at a time; ``azrm.plan_session(az)`` runs the same script to
record it, ``plan.show()`` says what it will change, and ``plan.apply()`` makes it with independent
steps at once. Run it twice: the second plan shows no change and the apply writes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import string
import sys
from pathlib import Path
from typing import Any

import azrm

HERE = Path(__file__).resolve().parent
RG_NAME = "KNFleet01"


def provision_fleet(az: Any, count: int, *, location: str, storage_name: str, password: str) -> None:
    """The fleet, step by step, on any session (Azure, the local Azure, a plan, a template session)."""
    rg = az.new_resource_group(RG_NAME, location)
    storage = az.new_storage_account(rg.name, storage_name, location=location)
    subnet = azrm.new_virtual_network_subnet_config("web", address_prefix="10.1.0.0/20")
    vnet = az.new_virtual_network(
        rg.name, "fleet-vnet", location=location, address_prefix="10.1.0.0/16", subnet=[subnet]
    )
    az.publish_vm_dsc_configuration(rg.name, HERE / "webdsc.ps1", storage_account_name=storage.name)
    credential = azrm.Credential("knadmin", password)
    for i in range(count):
        name = f"web{i:03d}"
        pip = az.new_public_ip_address(rg.name, f"{name}-ip", location=location)
        nic = az.new_network_interface(
            rg.name, f"{name}-nic", location=location, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
        )
        vm = (
            azrm.new_vm_config(name, "Standard_A2")
            .set_operating_system(windows=True, computer_name=name, credential=credential)
            .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2016-Datacenter")
            .add_network_interface(nic.id)
        )
        az.new_vm(rg.name, location=location, vm=vm)
        az.set_vm_dsc_extension(
            rg.name, name, archive_blob_name="webdsc.ps1.zip", archive_storage_account_name=storage.name,
            configuration_name="webdsc", version="2.77", location=location,
        )  # fmt: skip


def admin_password() -> str:
    """AZRM_ADMIN_PASSWORD, or a generated password Azure accepts (never printed)."""
    given = os.environ.get("AZRM_ADMIN_PASSWORD")
    if given:
        return given
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20)) + "!a1A"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10, help="how many VMs (default 10)")
    parser.add_argument("--azure", action="store_true", help="run against Azure (azrm.connect())")
    parser.add_argument("--location", default="westeurope")
    parser.add_argument("--latency", default="instant", help="local Azure latency: instant, realistic, or a factor")
    parser.add_argument("--parallelism", type=int, default=10)
    parser.add_argument("--journal", help="the plan's journal (default: beside this script)")
    parser.add_argument("--remove", action="store_true", help="roll back what the plan created at the end")
    args = parser.parse_args()
    if args.azure:
        az = azrm.connect(location=args.location)
    else:
        az = azrm.local(location=args.location, latency=args.latency, throttle=True)
    with az:
        # a name stable for the subscription, so that running the script again changes nothing
        storage = "knfleet" + hashlib.sha256(az.subscription_id.encode()).hexdigest()[:8]
        plan = azrm.plan_session(az, journal=args.journal)
        with plan:
            provision_fleet(plan, args.count, location=args.location, storage_name=storage, password=admin_password())
        report = plan.show()
        print(report)
        result = plan.apply(parallelism=args.parallelism)
        print(result)
        if args.remove:
            plan.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
