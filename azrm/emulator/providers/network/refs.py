"""Back-references the Network backends look up, indexed by what is referred to.

A public IP's view names the IP configuration holding it, a NIC's names its VM, allocating a private
address needs the addresses taken in the subnet: each of these would otherwise scan every NIC, load
balancer or VM. The indexes (see :class:`~azrm.emulator.core.store.RefIndex`) give the candidate
records; the callers check the reference itself, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...core.ids import key
from ...core.store import Record, RefIndex, Store

__all__ = ["by_address", "by_fqdn", "by_nic", "by_public_ip", "by_subnet"]

NIC_TYPE = "Microsoft.Network/networkInterfaces"
LB_TYPE = "Microsoft.Network/loadBalancers"
PIP_TYPE = "Microsoft.Network/publicIPAddresses"
VM_TYPE = "Microsoft.Compute/virtualMachines"


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return key(value["id"])
    return None


def _ip_configs(record: Record) -> Iterator[dict[str, Any]]:
    """Yield a NIC's IP configurations' or a load balancer's frontends' properties."""
    collection = "ipConfigurations" if record.type.lower() == NIC_TYPE.lower() else "frontendIPConfigurations"
    for item in record.properties.get(collection) or []:
        if isinstance(item, dict) and isinstance(item.get("properties"), dict):
            yield item["properties"]


def _public_ips(record: Record) -> Iterator[str]:
    for props in _ip_configs(record):
        ref = _ref(props.get("publicIPAddress"))
        if ref:
            yield ref


def _subnets(record: Record) -> Iterator[str]:
    for props in _ip_configs(record):
        ref = _ref(props.get("subnet"))
        if ref:
            yield ref


def _nics(record: Record) -> Iterator[str]:
    for nic in (record.properties.get("networkProfile") or {}).get("networkInterfaces") or []:
        if isinstance(nic, dict) and isinstance(nic.get("id"), str):
            yield key(nic["id"])


def _address(record: Record) -> Iterator[str]:
    address = record.properties.get("ipAddress")
    if isinstance(address, str) and address:
        yield address


def _fqdn(record: Record) -> Iterator[str]:
    fqdn = (record.properties.get("dnsSettings") or {}).get("fqdn")
    if isinstance(fqdn, str) and fqdn:
        yield fqdn


def by_public_ip(store: Store) -> RefIndex:
    """NICs and load balancers by the (lower-cased) public IP ids their configurations hold."""
    return store.ref_index("network.public-ip", (NIC_TYPE, LB_TYPE), _public_ips)


def by_subnet(store: Store) -> RefIndex:
    """NICs and load balancers by the (lower-cased) subnet ids their configurations are placed in."""
    return store.ref_index("network.subnet", (NIC_TYPE, LB_TYPE), _subnets)


def by_nic(store: Store) -> RefIndex:
    """Virtual machines by the (lower-cased) NIC ids their network profiles list."""
    return store.ref_index("network.nic", (VM_TYPE,), _nics)


def by_address(store: Store) -> RefIndex:
    """Public IPs by the address they hold."""
    return store.ref_index("network.address", (PIP_TYPE,), _address)


def by_fqdn(store: Store) -> RefIndex:
    """Public IPs by their DNS name."""
    return store.ref_index("network.fqdn", (PIP_TYPE,), _fqdn)
