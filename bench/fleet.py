"""Fleets: a plan applied in parallel against its lower bound, and the other ways to run the same script.

    python bench/fleet.py                       # P1-P4 at their default sizes
    python bench/fleet.py --count 20 --p3 200   # smaller

Against the local Azure with Azure's durations scaled (``--latency 0.02``) and throttling on:

  P1  a fleet of ``--count`` VMs (public IP, NIC, Windows VM, DSC extension each; shared storage and
      network; one DSC archive), ``plan.apply(parallelism=10)``: makespan / lower bound, where the
      lower bound is the larger of the critical path (the longest chain of the measured durations of
      single steps) and the throttle bound (writes beyond ARM's write burst / its refill rate).
      Beside it: the same script run one call at a time (measured on ``--sequential`` VMs, scaled
      to the fleet), each VM's chain with the plain SDK in a pool of 10 threads (Terraform's default
      parallelism), the script's azrm chains in 10 threads, and the script written out as
      one template (``template_session``) and deployed as one ARM deployment.
  P2  status reads per long-running operation against ceil(duration / Retry-After) + 1, at
      Retry-After 1 s and 5 s.
  P3  a ``--p3``-VM plan: planning time and memory (tracemalloc peak); with ``--p3-apply`` it is
      applied too (makespan / lower bound, failed steps).
  P4  the finished P1 fleet planned and applied again: writes made (target 0) and seconds.

Machines are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib.util
import math
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import azrm

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench!Passw0rd-2026"
PARALLELISM = int(os.environ.get("AZRM_BENCH_PARALLELISM", "50"))
_spec = importlib.util.spec_from_file_location("fleet", ROOT / "examples" / "fleet.py")
assert _spec is not None and _spec.loader is not None
fleet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fleet)


def session(latency: str, **kwargs: Any) -> Any:
    return azrm.local(reporter=azrm.SilentReporter(), location="westeurope", latency=latency, throttle=True, **kwargs)


def writes(az: Any) -> int:
    c = az.emulator.requests_by_method
    return int(c["PUT"] + c["PATCH"] + c["DELETE"] + c["POST"])


def critical_path(result: Any) -> float:
    """The longest chain of measured step durations through the plan's graph."""
    seconds = {o.step.key: o.seconds for o in result.outcomes}
    deps = {o.step.key: o.step.depends_on for o in result.outcomes}
    memo: dict[str, float] = {}

    def longest(key: str) -> float:
        if key not in memo:
            memo[key] = seconds.get(key, 0.0) + max((longest(d) for d in deps.get(key, ()) if d in seconds), default=0)
        return memo[key]

    return max(longest(k) for k in seconds)


def throttle_bound(write_count: int, vm_writes: int = 0) -> float:
    """Seconds the budgets need at least: ARM's write bucket, and Compute's PutVM group (3-minute window)."""
    from azrm.emulator.core.throttle import ARM_POLICIES, COMPUTE_GROUPS

    policy = ARM_POLICIES["writes"]
    arm = max(0.0, (write_count - policy.burst) / policy.per_second)
    _, allowance, _ = COMPUTE_GROUPS["PutVM"]
    compute = max(0.0, (vm_writes - allowance) / (allowance / 180.0))
    return max(arm, compute)


def measured_apply(az: Any, plan: Any) -> tuple[Any, float, int, float, Counter[Any]]:
    """Apply a plan; return its result, makespan, writes made, lower bound and the answers by status."""
    statuses = status_counter(az)
    before = writes(az)
    start = time.monotonic()
    result = plan.apply(parallelism=PARALLELISM)
    makespan = time.monotonic() - start
    made = writes(az) - before
    bound = max(critical_path(result), throttle_bound(made, statuses["vm writes"]))
    return result, makespan, made, bound, statuses


def p1(count: int, sequential: int, latency: str) -> Any:
    print(f"P1  {count} VMs, latency {latency}, throttling on")
    with session(latency) as az:
        plan = azrm.plan_session(az, journal=Path(tempfile.mkdtemp()) / "p1.jsonl")
        with plan:
            fleet.provision_fleet(plan, count, location="westeurope", storage_name="knbenchfleet", password=PASSWORD)
        result, makespan, made, bound, statuses = measured_apply(az, plan)
        failed = result.counts().get("failed", 0)
        print(f"    plan.apply(parallelism={PARALLELISM}) {makespan:7.1f} s   lower bound {bound:6.1f} s   "
              f"ratio {makespan / bound:5.2f}   writes {made} ({made / count:.1f}/VM)   failed {failed}")  # fmt: skip
        print(f"    the local Azure answered {statuses[429]} requests with 429 (retried after Retry-After, "
              f"none surfaced)")  # fmt: skip
        # P4 on the finished fleet
        again = azrm.plan_session(az, journal=plan.journal_path)
        with again:
            fleet.provision_fleet(again, count, location="westeurope", storage_name="knbenchfleet", password=PASSWORD)
        counts_before = Counter(az.emulator.requests_by_method)
        start = time.monotonic()
        rerun = again.apply(parallelism=10)
        spent = time.monotonic() - start
        delta = Counter(az.emulator.requests_by_method) - counts_before
        resource_writes = delta["PUT"] + delta["PATCH"] + delta["DELETE"]
        print(f"P4  re-run of the finished fleet: {resource_writes} resource writes (PUT/PATCH/DELETE), "
              f"{delta['POST']} POST (listKeys for the archive check), {spent:.1f} s; "
              f"{rerun.counts().get('unchanged', 0)} steps unchanged")  # fmt: skip
    if sequential:
        with session(latency) as az:
            start = time.monotonic()
            fleet.provision_fleet(az, sequential, location="westeurope", storage_name="knbenchseq", password=PASSWORD)
            per_vm = (time.monotonic() - start) / sequential
        print(f"    one call at a time          {per_vm * count:7.1f} s   (measured {per_vm:.1f} s per VM on "
              f"{sequential} VMs, scaled)   ratio {per_vm * count / bound:5.1f}")  # fmt: skip
    with session(latency) as az:
        spent, throttled, other = plain_sdk_chains(az, count)
        print(f"    plain SDK, 10 threads       {spent:7.1f} s   ratio {spent / bound:5.2f}   VMs failed by a 429 "
              f"{throttled}, otherwise {other} (azure-core's default retry)")  # fmt: skip
    with session(latency) as az:
        threaded = threaded_chains(az, count)
        print(f"    VM chains in 10 threads     {threaded[0]:7.1f} s   ratio {threaded[0] / bound:5.2f}   "
              f"429s surfaced {threaded[1]}")  # fmt: skip
    with session(latency) as az:
        start = time.monotonic()
        with azrm.template_session(location="westeurope") as t:
            fleet.provision_fleet(t, count, location="westeurope", storage_name="knbenchtpl", password=PASSWORD)
            folder = Path(tempfile.mkdtemp())
            template = t.save(folder)
        before = sum(az.emulator.requests_by_method.values())
        deployed_at = time.monotonic()
        az.new_resource_group(fleet.RG_NAME, "westeurope")
        az.new_resource_group_deployment(fleet.RG_NAME, name="fleet", template_file=template, adminPassword=PASSWORD)
        spent = time.monotonic() - deployed_at
        requests = sum(az.emulator.requests_by_method.values()) - before
        print(f"    one ARM deployment          {spent:7.1f} s   ratio {spent / bound:5.2f}   requests {requests} "
              f"(writing the template took {deployed_at - start:.1f} s)")  # fmt: skip
    return bound


def shared_parts(az: Any, storage_name: str) -> tuple[Any, Any, Any, str]:
    """Make what the fleet's VMs share, one call at a time: group, storage, network, the DSC archive."""
    rg = az.new_resource_group(fleet.RG_NAME, "westeurope")
    storage = az.new_storage_account(rg.name, storage_name, location="westeurope")
    subnet = azrm.new_virtual_network_subnet_config("web", address_prefix="10.1.0.0/20")
    vnet = az.new_virtual_network(rg.name, "fleet-vnet", location="westeurope", address_prefix="10.1.0.0/16",
                                  subnet=[subnet])  # fmt: skip
    url = az.publish_vm_dsc_configuration(rg.name, ROOT / "examples" / "webdsc.ps1", storage_account_name=storage.name)
    return rg, storage, vnet, url


def threaded_chains(az: Any, count: int) -> tuple[float, int]:
    """The script's per-VM chains in a pool of 10 threads (what a user may try without plans)."""
    from azure.core.exceptions import HttpResponseError

    rg, storage, vnet, _ = shared_parts(az, "knbenchthr")
    credential = azrm.Credential("knadmin", PASSWORD)
    failures = 0

    def chain(i: int) -> None:
        name = f"web{i:03d}"
        pip = az.new_public_ip_address(rg.name, f"{name}-ip", location="westeurope")
        nic = az.new_network_interface(rg.name, f"{name}-nic", location="westeurope", subnet_id=vnet.subnets[0].id,
                                       public_ip_address_id=pip.id)  # fmt: skip
        vm = (
            azrm.new_vm_config(name, "Standard_A2")
            .set_operating_system(windows=True, computer_name=name, credential=credential)
            .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2016-Datacenter")
            .add_network_interface(nic.id)
        )
        az.new_vm(rg.name, location="westeurope", vm=vm)
        az.set_vm_dsc_extension(rg.name, name, archive_blob_name="webdsc.ps1.zip",
                                archive_storage_account_name=storage.name, configuration_name="webdsc",
                                version="2.77", location="westeurope")  # fmt: skip

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        for future in [pool.submit(chain, i) for i in range(count)]:
            try:
                future.result()
            except HttpResponseError as exc:
                failures += exc.status_code == 429
    return time.monotonic() - start, failures


def plain_sdk_chains(az: Any, count: int) -> tuple[float, int, int]:
    """Each VM's chain with the plain SDK (azure-core's default retry) in a pool of 10 threads, as
    Terraform's default parallelism; returns seconds, chains failed by a 429 and chains failed otherwise."""
    import datetime

    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient

    rg, storage, vnet, url = shared_parts(az, "knbenchsdk")
    key = az.get_storage_account_key(rg.name, storage.name)[0].value
    sas = az._sas(key, storage.name, "windows-powershell-dsc", "webdsc.ps1.zip", datetime.timedelta(hours=2))
    options = {"base_url": az.arm_endpoint, "credential_scopes": az.credential_scopes,
               "connection_verify": az.client_options.get("connection_verify", True)}  # fmt: skip
    network = NetworkManagementClient(az.credential, az.subscription_id, **options)
    compute = ComputeManagementClient(az.credential, az.subscription_id, **options)
    loc = "westeurope"

    def chain(i: int) -> None:  # the bodies in the REST shape, as bench/library.py's SDK scenario sends them
        name = f"web{i:03d}"
        pip = network.public_ip_addresses.begin_create_or_update(rg.name, f"{name}-ip", {"location": loc}).result()
        ip_config = {"subnet": {"id": vnet.subnets[0].id}, "publicIPAddress": {"id": pip.id}}
        nic = network.network_interfaces.begin_create_or_update(rg.name, f"{name}-nic", {
            "location": loc, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": ip_config}]},
        }).result()  # fmt: skip
        image = {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2016-Datacenter",
                 "version": "latest"}  # fmt: skip
        compute.virtual_machines.begin_create_or_update(rg.name, name, {"location": loc, "properties": {
            "hardwareProfile": {"vmSize": "Standard_A2"},
            "storageProfile": {"imageReference": image, "osDisk": {"createOption": "FromImage"}},
            "osProfile": {"computerName": name, "adminUsername": "knadmin", "adminPassword": PASSWORD},
            "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
        }}).result()  # fmt: skip
        settings = {"wmfVersion": "latest",
                    "configuration": {"url": url, "script": "webdsc.ps1", "function": "webdsc"}}  # fmt: skip
        compute.virtual_machine_extensions.begin_create_or_update(rg.name, name, "Microsoft.Powershell.DSC", {
            "location": loc, "properties": {"publisher": "Microsoft.Powershell", "type": "DSC",
                                            "typeHandlerVersion": "2.77", "settings": settings,
                                            "protectedSettings": {"configurationUrlSasToken": sas}},
        }).result()  # fmt: skip

    throttled = other = 0
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        for future in [pool.submit(chain, i) for i in range(count)]:
            try:
                future.result()
            except HttpResponseError as exc:
                throttled += exc.status_code == 429
                other += exc.status_code != 429
    return time.monotonic() - start, throttled, other


def status_counter(az: Any) -> Counter[Any]:
    """Count the local Azure's answers by status code, and VM writes (Compute's PutVM group), from now on."""
    counts: Counter[Any] = Counter()

    def record(req: Any, resp: Any) -> None:
        counts[resp.status] += 1
        vm_write = req.method in ("PUT", "PATCH") and "/microsoft.compute/virtualmachines/" in req.path.lower()
        counts["vm writes"] += vm_write

    az.emulator.recorder = record
    return counts


def status_read_counter(reads: Counter[str]) -> Any:
    """Return an emulator recorder counting status reads per operation id."""

    def record(req: Any, resp: Any) -> None:
        if req.method == "GET" and "/operations/" in req.path.lower():
            reads.update([req.path.rsplit("/", 1)[-1]])

    return record


def p2(latency: str) -> None:
    for retry_after in (1.0, 5.0):
        settings = {"retry_after": retry_after}
        with azrm.local(reporter=azrm.SilentReporter(), location="westeurope", latency=latency, **settings) as az:
            emu = az.emulator
            reads: Counter[str] = Counter()
            emu.recorder = status_read_counter(reads)
            rg = az.new_resource_group("p2", "westeurope")
            seq = emu.ops.last_seq
            az.new_storage_account(rg.name, "knbenchp2", location="westeurope")
            az.new_public_ip_address(rg.name, "p2-ip", location="westeurope")
            ops = emu.ops.since(seq)
            worst = 0.0
            for op in ops:
                allowed = math.ceil(max(0.0, (op.ended or op.due) - op.started) / retry_after) + 1
                worst = max(worst, reads[op.id] / allowed)
            print(f"P2  Retry-After {retry_after:.0f} s: {len(ops)} operations, status reads / allowed at most "
                  f"{worst:.2f} (target <= 1)")  # fmt: skip


def p3(count: int, apply: bool, latency: str) -> None:
    def planned(az: Any) -> Any:
        plan = azrm.plan_session(az, journal=Path(tempfile.mkdtemp()) / "p3.jsonl")
        with plan:
            fleet.provision_fleet(plan, count, location="westeurope", storage_name="knbenchp3", password=PASSWORD)
        plan.steps()
        return plan

    with session(latency) as az:
        start = time.monotonic()
        plan = planned(az)
        planning = time.monotonic() - start
        steps = plan.steps()
        tracemalloc.start()  # a second plan for memory: tracing slows planning several-fold
        planned(az)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_vm = planning / count * 1000
        print(f"P3  a {count}-VM plan: {len(steps)} steps planned in {planning:.1f} s ({per_vm:.0f} ms per VM), "
              f"memory peak {peak / 2**20:.0f} MiB")  # fmt: skip
        if not apply:
            return
        result, makespan, made, bound, statuses = measured_apply(az, plan)
        print(f"    applied: {makespan:.1f} s, lower bound {bound:.1f} s, ratio {makespan / bound:.2f}, "
              f"writes {made}, failed {result.counts().get('failed', 0)}, 429s answered {statuses[429]}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=3, help="VMs measured one call at a time (0: skip)")
    parser.add_argument("--latency", default="0.02")
    parser.add_argument("--p3", type=int, default=500)
    parser.add_argument("--p3-apply", action="store_true", help="also apply the P3 plan (minutes: throttle-bound)")
    parser.add_argument("--parts", default="1,2,3", help="which of P1 (with P4), P2, P3 to run (default: all)")
    args = parser.parse_args()
    os.chdir(ROOT / "examples")
    parts = set(args.parts.split(","))
    if "1" in parts:
        p1(args.count, args.sequential, args.latency)
    if "2" in parts:
        p2(args.latency)
    if "3" in parts:
        p3(args.p3, args.p3_apply, args.latency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
