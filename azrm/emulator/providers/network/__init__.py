"""Microsoft.Network: public IPs, virtual networks and subnets, NICs, NSGs, load balancers."""

from __future__ import annotations

from .lb import LoadBalancerBackend
from .nic import NetworkInterfaceBackend
from .nsg import NetworkSecurityGroupBackend
from .public_ip import PublicIpBackend
from .vnet import VirtualNetworkBackend

__all__ = [
    "LoadBalancerBackend",
    "NetworkInterfaceBackend",
    "NetworkSecurityGroupBackend",
    "PublicIpBackend",
    "VirtualNetworkBackend",
]
