"""The CIDR functions: ``parseCidr``, ``cidrSubnet``, ``cidrHost`` (``template-functions-cidr.md``).

IPv4 reserves the network and broadcast addresses, so ``cidrHost('192.168.1.0/24', 0)`` is
``192.168.1.1``. IPv6 has no broadcast: ``parseCidr`` gives no ``broadcast`` and its ``firstUsable`` is the
network address, yet ``cidrHost`` still starts one after it (``fdad:3236:5555:3000::1`` for index 0),
exactly as the docs' examples show.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .expressions import ExpressionError
from .functions_base import SOLE, require_int, require_str

__all__ = ["cidr_host", "cidr_subnet", "parse_cidr"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(function: str, value: Any) -> Network:
    text = require_str(function, SOLE if function == "parseCidr" else 0, value)
    if "/" not in text:
        raise _invalid(function, text)
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise _invalid(function, text) from None


def _invalid(function: str, text: str) -> ExpressionError:
    # ARM's wording for these is not on record
    return ExpressionError(
        f"The template language function '{function}' expects its first parameter to be an IP address range in "
        f"CIDR notation. The provided value '{text}' is not valid."
    )


def _address(net: Network, number: int) -> str:
    return str(ipaddress.IPv4Address(number) if net.version == 4 else ipaddress.IPv6Address(number))


def _usable(net: Network) -> tuple[int, int]:
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 6:
        return first, last
    if net.prefixlen >= 31:  # a point-to-point /31 and a single /32 keep every address (RFC 3021)
        return first, last
    return first + 1, last - 1


def parse_cidr(value: Any) -> dict[str, Any]:
    """Evaluate ``parseCidr(network)``: the network, netmask, broadcast (IPv4), usable range and prefix length."""
    net = _network("parseCidr", value)
    first, last = _usable(net)
    out: dict[str, Any] = {"network": str(net.network_address), "netmask": str(net.netmask)}
    if net.version == 4:
        out["broadcast"] = str(net.broadcast_address)
    out["firstUsable"] = _address(net, first)
    out["lastUsable"] = _address(net, last)
    out["cidr"] = net.prefixlen
    return out


def cidr_subnet(value: Any, new_prefix: Any, index: Any) -> str:
    """Evaluate ``cidrSubnet(network, newCIDR, subnetIndex)``: the ``subnetIndex``-th ``/newCIDR`` range."""
    net = _network("cidrSubnet", value)
    prefix = require_int("cidrSubnet", 1, new_prefix)
    position = require_int("cidrSubnet", 2, index)
    if not net.prefixlen <= prefix <= net.max_prefixlen:
        raise ExpressionError(
            f"The template language function 'cidrSubnet' expects its second parameter to be a CIDR from "
            f"{net.prefixlen} to {net.max_prefixlen}. The provided value is '{prefix}'."
        )
    count = 1 << (prefix - net.prefixlen)
    if not 0 <= position < count:
        raise ExpressionError(
            f"The template language function 'cidrSubnet' expects its third parameter to be a subnet index from 0 "
            f"to {count - 1} for '{net}' split into /{prefix} ranges. The provided value is '{position}'."
        )
    start = int(net.network_address) + (position << (net.max_prefixlen - prefix))
    return f"{_address(net, start)}/{prefix}"


def cidr_host(value: Any, index: Any) -> str:
    """Evaluate ``cidrHost(network, hostIndex)``: the ``hostIndex``-th usable address of ``network``."""
    net = _network("cidrHost", value)
    position = require_int("cidrHost", 1, index)
    first, last = _usable(net)
    if net.version == 6 or net.prefixlen < 31:
        first = int(net.network_address) + 1  # index 0 is the first address after the network's own
    if not 0 <= position <= last - first:
        raise ExpressionError(
            f"The template language function 'cidrHost' expects its second parameter to be a host index from 0 to "
            f"{max(last - first, 0)} for '{net}'. The provided value is '{position}'."
        )
    return _address(net, first + position)
