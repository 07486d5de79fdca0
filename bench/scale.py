"""Does the local Azure stay flat as its state grows? Printed figures, no asserts.

    python bench/scale.py

Measured on ``Emulator.handle()`` (the engine and backends, no SDK), instant latency:
  create      mean cost of one public IP PUT (and the NIC PUT that attaches it) when the emulator
              already holds 500 and 8,000 resources (half public IPs, half NICs using them, in one
              /16 subnet, then 250 per /24 subnet) and as many finished operations
  list        one GET of the resource group's 2,000 public IPs (each attached to a NIC)
  settle      one request's settling step with 10,000 finished operations in the emulator
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's azrm, not an installed one

from azrm.emulator import Emulator
from azrm.emulator.core.wire import Headers, Request

NET = "2023-09-01"
HEADERS = Headers({"Authorization": "Bearer x", "Content-Type": "application/json"})


class Fleet:
    """An emulator with one group and one /16 subnet, filled with public IP + NIC pairs."""

    def __init__(self, per_subnet: int = 65_000) -> None:
        self.emu = Emulator()
        self.sub = self.emu.subscription_id
        self.rg = f"/subscriptions/{self.sub}/resourceGroups/rg"
        self.send("PUT", f"{self.rg}?api-version=2022-09-01", {"location": "westeurope"})
        vnet = {
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/16"}}]
                if per_subnet > 250
                else [{"name": f"s{i}", "properties": {"addressPrefix": f"10.0.{i}.0/24"}} for i in range(256)],
            },
        }
        self.send("PUT", self.net("virtualNetworks", "vnet"), vnet)
        self.vnet = f"{self.rg}/providers/Microsoft.Network/virtualNetworks/vnet"
        self.per_subnet = per_subnet
        self.pairs = 0

    def net(self, collection: str, name: str = "") -> str:
        tail = f"/{name}" if name else ""
        return f"{self.rg}/providers/Microsoft.Network/{collection}{tail}?api-version={NET}"

    def send(self, method: str, path: str, body: object = None) -> int:
        data = json.dumps(body).encode() if body is not None else b""
        resp = self.emu.handle(Request(method, "https://h" + path, HEADERS, data))
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path} -> {resp.status} {resp.body}")
        return resp.status

    def add_pair(self) -> None:
        """One Static public IP and one NIC using it (two writes, two operations)."""
        i = self.pairs
        self.pairs += 1
        pip = {"location": "westeurope", "properties": {"publicIPAllocationMethod": "Static"}}
        self.send("PUT", self.net("publicIPAddresses", f"pip{i}"), pip)
        pip_id = f"{self.rg}/providers/Microsoft.Network/publicIPAddresses/pip{i}"
        subnet = (
            f"{self.vnet}/subnets/default" if self.per_subnet > 250 else f"{self.vnet}/subnets/s{i // self.per_subnet}"
        )
        ipc = {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}, "publicIPAddress": {"id": pip_id}}}
        self.send(
            "PUT",
            self.net("networkInterfaces", f"nic{i}"),
            {"location": "westeurope", "properties": {"ipConfigurations": [ipc]}},
        )

    def grow_to(self, resources: int) -> None:
        while len(self.emu.store) < resources:
            self.add_pair()


def create_cost(resources: int, samples: int = 100, per_subnet: int = 65_000) -> float:
    """Milliseconds per resource created (public IP + NIC pairs) once the state holds ``resources``."""
    fleet = Fleet(per_subnet)
    fleet.grow_to(resources)
    start = time.perf_counter()
    for _ in range(samples):
        fleet.add_pair()
    return (time.perf_counter() - start) / (2 * samples) * 1000


def list_cost(count: int = 2000) -> float:
    """Seconds for one GET listing ``count`` public IPs (each attached to a NIC)."""
    fleet = Fleet()
    for _ in range(count):
        fleet.add_pair()
    start = time.perf_counter()
    fleet.send("GET", fleet.net("publicIPAddresses"))
    return time.perf_counter() - start


def settle_cost(finished: int = 10_000, samples: int = 200) -> float:
    """Milliseconds for one settling step when ``finished`` operations have ended."""
    emu = Emulator()
    sub = emu.subscription_id
    now = emu.now()
    for i in range(finished):
        emu.ops.start(
            op_id=f"op{i}",
            style="network",
            namespace="Microsoft.Network",
            kind="put",
            resource_id=f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p{i}",
            subscription=sub,
            location="westeurope",
            api_version=NET,
            now=now,
            duration=0,
        )
    emu.settle()
    start = time.perf_counter()
    for _ in range(samples):
        emu.settle()
    return (time.perf_counter() - start) / samples * 1000


def main() -> None:
    import azrm

    print(f"azrm from {Path(azrm.__file__).parent}")
    small = create_cost(500)
    large = create_cost(8000)
    print(f"create at    500 resources  {small:8.3f} ms per resource")
    print(f"create at  8,000 resources  {large:8.3f} ms per resource   ({large / small:.1f}x)")
    small = create_cost(500, per_subnet=250)
    large = create_cost(8000, per_subnet=250)
    print("  the same with 250 NICs per /24 subnet (a private address is picked among the subnet's):")
    print(f"create at    500 resources  {small:8.3f} ms per resource")
    print(f"create at  8,000 resources  {large:8.3f} ms per resource   ({large / small:.1f}x)")
    print(f"list of 2,000 public IPs    {list_cost() * 1000:8.1f} ms")
    print(f"settle, 10,000 finished ops {settle_cost():8.3f} ms")


if __name__ == "__main__":
    main()
