"""What do ARM templates cost? The engine, a deployment against the same script run step by step, what-if.

    python bench/templates.py              # everything
    python bench/templates.py --runs 10    # more runs, steadier figures

Figures:
  engine       a template with a copy loop of N public IPs: checking, planning (copy loops and
               dependencies) and rendering every resource, per resource; uniqueString per call.
  deployment   the seed scenario (group, storage, public IP, vnet, NIC, VM, DSC extension) made by its
               script step by step, and by its template (written by azrm.template_session) deployed with
               new_resource_group_deployment: seconds, client requests, and the ratio template / script.
               In-process (no sockets), instant latency: this is the local Azure's and azrm's own cost.
  template     running the script in a template session (no Azure) against running it for real.
  what-if      what-if of the seed's template against the deployed group.

Machines are noisy: read the ratios rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench!Passw0rd-2026"


def median_seconds(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_loop_template(count: int) -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "count": {"type": "int", "defaultValue": count},
            "prefix": {"type": "string", "defaultValue": "ip"},
        },
        "variables": {"suffix": "[uniqueString(resourceGroup().id)]"},
        "resources": [
            {
                "type": "Microsoft.Network/publicIPAddresses",
                "apiVersion": "2024-03-01",
                "name": "[concat(parameters('prefix'), '-', copyIndex(), '-', variables('suffix'))]",
                "location": "[resourceGroup().location]",
                "copy": {"name": "ips", "count": "[parameters('count')]"},
                "tags": {"index": "[string(copyIndex())]", "even": "[string(equals(mod(copyIndex(), 2), 0))]"},
                "properties": {"publicIPAllocationMethod": "[if(equals(mod(copyIndex(), 2), 0), 'Static', 'Dynamic')]"},
            },
            {
                "type": "Microsoft.Network/networkSecurityGroups",
                "apiVersion": "2024-03-01",
                "name": "nsg",
                "location": "[resourceGroup().location]",
                "dependsOn": ["ips"],
                "properties": {},
            },
        ],
    }


def bench_engine(runs: int) -> None:
    from azrm.templates.base import NO_RUNTIME, Context
    from azrm.templates.engine import Template
    from azrm.templates.functions import unique_string

    sub = "00000000-0000-0000-0000-000000000001"
    context = Context(subscription_id=sub, resource_group="rg", location="westeurope", deployment_name="bench")
    print("engine (median of runs)")
    for count in (100, 799):
        raw = copy_loop_template(count)

        def work(raw: dict[str, Any] = raw) -> None:
            template = Template(raw, {}, context)
            template.order()
            for resource in template.plan():
                template.render(resource, NO_RUNTIME)

        seconds = median_seconds(work, runs)
        print(f"  check + plan + render {count + 1:4d} resources {seconds * 1000:8.1f} ms  "
              f"({seconds * 1e6 / (count + 1):.0f} us a resource)")  # fmt: skip
    calls = 20000
    seconds = median_seconds(lambda: [unique_string("sub", f"rg{i}") for i in range(calls)], runs)
    print(f"  uniqueString                          {seconds * 1e6 / calls:8.2f} us a call")


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_deployment(runs: int) -> None:
    import azrm
    from azrm.progress import SilentReporter

    seed = example("seed_iaas_dsc")
    imperative: list[float] = []
    deployed: list[float] = []
    recorded: list[float] = []
    what_if: list[float] = []
    requests = {"script": 0, "template": 0}
    with azrm.local(in_process=True, reporter=SilentReporter()) as az, tempfile.TemporaryDirectory() as folder:
        emulator = az.emulator
        for run in range(runs):
            storage = f"knbench{run:04d}x{int(time.time()) % 10000:04d}"
            before = emulator.requests_served
            start = time.perf_counter()
            seed.provision(az, location="westeurope", storage_name=storage, password=PASSWORD)
            imperative.append(time.perf_counter() - start)
            requests["script"] = emulator.requests_served - before
            az.remove_resource_group(seed.RG_NAME)

            start = time.perf_counter()
            with azrm.template_session(location="westeurope") as t:
                seed.provision(t, location="westeurope", storage_name=storage, password=PASSWORD)
                path = t.save(Path(folder) / f"seed{run}")
            recorded.append(time.perf_counter() - start)

            az.new_resource_group(seed.RG_NAME, "westeurope")
            before = emulator.requests_served
            start = time.perf_counter()
            az.new_resource_group_deployment(seed.RG_NAME, template_file=path, adminPassword=PASSWORD)
            deployed.append(time.perf_counter() - start)
            requests["template"] = emulator.requests_served - before + 1  # + the group, which the script made

            start = time.perf_counter()
            az.get_resource_group_deployment_what_if_result(seed.RG_NAME, template_file=path, adminPassword=PASSWORD)
            what_if.append(time.perf_counter() - start)
            az.remove_resource_group(seed.RG_NAME)
    script, template = statistics.median(imperative), statistics.median(deployed)
    session = statistics.median(recorded)
    print(f"deployment: the seed scenario (in-process, instant latency, median of {runs})")
    print(f"  script, step by step              {script * 1000:8.1f} ms  {requests['script']:4d} requests")
    print(f"  its template, deployed            {template * 1000:8.1f} ms  {requests['template']:4d} requests "
          "(staging the DSC artifact included)")  # fmt: skip
    print(f"  template / script                 {template / script:8.2f}")
    print("template session: the script, recorded as a template")
    print(f"  run in a template session + save  {session * 1000:8.1f} ms  (session / script {session / script:.2f})")
    print("what-if")
    print(f"  the seed's template, deployed     {statistics.median(what_if) * 1000:8.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_engine(args.runs)
    print()
    bench_deployment(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
