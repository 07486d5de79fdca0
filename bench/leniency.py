"""What does accepting what Azure accepts cost? Binding bodies, and a deployment of the corpus.

    python bench/leniency.py

1. The binding layer (azrm/emulator/core/shapes.py) on a VM body and a 50-rule NSG body: microseconds
   a body, and an NSG PUT through the engine with and without it (the ratio is what to read).
2. The api-version shape translation of a 2015 storage account GET (microseconds).
3. The corpus gate, when ../shared/corpus is beside the checkout: every non-container entry deployed
   in-process through the Deployments REST API; seconds in all and a median per entry.
Machines are noisy: read the ratios.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from azrm.emulator import Emulator  # noqa: E402
from azrm.emulator.core import shapes  # noqa: E402
from azrm.emulator.core.wire import Headers, Request  # noqa: E402


def per_call(call: Any, n: int) -> float:
    call()
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


def vm_body() -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
            "osProfile": {"computername": "vm1", "adminUsername": "u", "adminPassword": "x",
                          "windowsConfiguration": {"provisionVMAgent": "true", "enableAutomaticUpdates": True}},
            "storageProfile": {"imageReference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                                                  "sku": "2019-Datacenter", "version": "latest"},
                               "osDisk": {"createOption": "fromImage", "diskSizeGB": "128"},
                               "dataDisks": [{"lun": str(i), "createOption": "Empty", "diskSizeGB": 64}
                                             for i in range(4)]},
            "networkProfile": {"networkInterfaces": [{"id": "/subscriptions/x/resourceGroups/g/providers/"
                                                            "Microsoft.Network/networkInterfaces/n"}]},
        },
    }  # fmt: skip


def nsg_body(rules: int) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {"securityRules": [
            {"name": f"r{i}", "properties": {"priority": str(100 + i), "protocol": "tcp", "access": "Allow",
                                             "direction": "Inbound", "sourceAddressPrefix": "*", "sourcePortRange": "*",
                                             "destinationAddressPrefix": "*", "destinationPortRange": str(1000 + i)}}
            for i in range(rules)]},
    }  # fmt: skip


def engine_put(emu: Emulator, path: str, body: dict[str, Any]) -> Any:
    data = json.dumps(body).encode()
    headers = Headers({"Authorization": "Bearer x", "Content-Type": "application/json"})
    return emu.handle(Request("PUT", f"https://azrm.local{path}", headers, data))


def main() -> None:
    vm_us = per_call(lambda: shapes.bind(vm_body(), "Microsoft.Compute/virtualMachines"), 2000) * 1e6
    nsg_us = per_call(lambda: shapes.bind(nsg_body(50), "Microsoft.Network/networkSecurityGroups"), 500) * 1e6
    print(f"binding a VM body: {vm_us:.0f} us; a 50-rule NSG body: {nsg_us:.0f} us")

    emu = Emulator()
    sub = emu.subscription_id
    engine_put(emu, f"/subscriptions/{sub}/resourcegroups/g?api-version=2021-04-01", {"location": "westeurope"})
    path = (f"/subscriptions/{sub}/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n"
            "?api-version=2020-05-01")  # fmt: skip
    bound = per_call(lambda: engine_put(emu, path, nsg_body(50)), 100)
    original = shapes.bind
    shapes.bind = lambda body, resource_type, **kw: body  # type: ignore[assignment]
    try:
        raw = nsg_body(50)
        for rule in raw["properties"]["securityRules"]:  # what binding would have produced
            rule["properties"].update(priority=int(rule["properties"]["priority"]), protocol="Tcp")
        unbound = per_call(lambda: engine_put(emu, path, raw), 100)
    finally:
        shapes.bind = original
    print(f"NSG PUT (50 rules) through the engine: {bound * 1e3:.2f} ms bound, {unbound * 1e3:.2f} ms without "
          f"binding: {bound / unbound:.2f}x")  # fmt: skip

    from azrm.emulator.providers.storage import versions

    account = {"id": "x", "name": "x", "sku": {"name": "Standard_LRS", "tier": "Standard"}, "kind": "Storage",
               "properties": {"provisioningState": "Succeeded", "primaryEndpoints": {"blob": "b", "dfs": "d"},
                              "encryption": {}, "networkAcls": {}}}  # fmt: skip
    shape_us = per_call(lambda: emu.versions.outbound("Microsoft.Storage/storageAccounts", "2015-06-15",
                                                      json.loads(json.dumps(account))), 5000) * 1e6  # fmt: skip
    print(f"a 2015 storage account answer shaped: {shape_us:.1f} us ({versions.SKU_ERA} and later: untouched)")
    corpus()


def corpus() -> None:
    from tests.corpus.corpus import available, entries

    if not available():
        print("corpus: skipped (../shared/corpus is not beside this checkout)")
        return
    from azrm.emulator.core.engine import EmulatorSettings

    times: list[float] = []
    ok = 0
    chosen = [e for e in entries() if e.category != "containers" and e.artifacts in ("none", "default")]
    for entry in chosen:
        emu = Emulator(EmulatorSettings())  # no Azurite: storage accounts live in ARM only
        sub = emu.subscription_id
        group = f"/subscriptions/{sub}/resourcegroups/corpus"
        engine_put(emu, f"{group}?api-version=2021-04-01", {"location": "westeurope"})
        body = {"properties": {"mode": "Incremental", "template": entry.template(),
                               "parameters": {k: {"value": v} for k, v in entry.parameters().items()}}}  # fmt: skip
        start = time.perf_counter()
        path = f"{group}/providers/Microsoft.Resources/deployments/d?api-version=2021-04-01"
        resp = engine_put(emu, path, body)
        state = ""
        for _ in range(1000):
            if resp.status >= 400:
                state = "refused"
                break
            got = emu.handle(Request("GET", f"https://azrm.local{path}", Headers({"Authorization": "Bearer x"}), b""))
            state = (got.body or {}).get("properties", {}).get("provisioningState", "")
            if state in ("Succeeded", "Failed", "Canceled", "refused"):
                break
        times.append(time.perf_counter() - start)
        ok += state == ("refused" if entry.expect == "unsupported" else "Succeeded")
        emu.close()
    print(
        f"corpus, {len(chosen)} inline entries in-process without Azurite: {sum(times):.2f} s in all, "
        f"median {statistics.median(times) * 1e3:.0f} ms an entry, {ok} ended as expected"
    )


if __name__ == "__main__":
    main()
