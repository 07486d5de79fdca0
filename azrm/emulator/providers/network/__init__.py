"""Microsoft.Network: public IPs, virtual networks (subnets, peerings), NICs, NSGs, load balancers, route tables."""

from __future__ import annotations

from .lb import LoadBalancerBackend
from .nic import NetworkInterfaceBackend
from .nsg import NetworkSecurityGroupBackend
from .public_ip import PublicIpBackend
from .route_table import RouteTableBackend
from .vnet import VirtualNetworkBackend

__all__ = [
    "LoadBalancerBackend",
    "NetworkInterfaceBackend",
    "NetworkSecurityGroupBackend",
    "PublicIpBackend",
    "RouteTableBackend",
    "VirtualNetworkBackend",
]
