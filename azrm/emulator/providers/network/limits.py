"""Azure's networking limits, and overlap checks that stay linear-logarithmic in the number of prefixes.

The limits are the documented ones ("Networking limits - Azure Resource Manager"): 3,000 subnets,
20 DNS servers and 500 peerings per virtual network, 1,000 rules per network security group, 400
routes per route table. They are checked on the raw body, before any prefix is parsed, so a body of
65,536 subnets is refused at once instead of holding the local Azure's lock while it is compared.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from ...core.errors import ArmError

__all__ = ["LIMITS", "check_count", "first_outside", "first_overlap"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: usage name (as ``Get-AzNetworkUsage`` shows it) -> limit
LIMITS = {
    "SubnetsPerVirtualNetwork": 3000,
    "DnsServersPerVirtualNetwork": 20,
    "PeeringsPerVirtualNetwork": 500,
    "SecurityRulesPerNetworkSecurityGroup": 1000,
    "RoutesPerRouteTable": 400,
}


def check_count(items: Any, usage: str, owner_id: str) -> None:
    """Refuse a list longer than the limit ``usage`` names (400 ``QuotaExceeded``)."""
    limit = LIMITS[usage]
    if isinstance(items, list) and len(items) > limit:
        raise ArmError(
            400,
            "QuotaExceeded",
            f"Resource {owner_id} has {len(items)} items where Azure allows {limit} ({usage}). "
            "See https://aka.ms/azure-subscription-service-limits (Networking limits).",
        )


def _span(net: Network) -> tuple[int, int, int]:
    return net.version, int(net.network_address), int(net.broadcast_address)


def first_overlap(labelled: Iterable[tuple[str, Network]]) -> tuple[tuple[str, Network], tuple[str, Network]] | None:
    """Return two prefixes that overlap (the earlier one first), or ``None``: sorted once, then one sweep."""
    ordered = sorted(((*_span(net), i, label, net) for i, (label, net) in enumerate(labelled)), key=lambda x: x[:3])
    widest: tuple[int, int, int, int, str, Network] | None = None  # the prefix reaching furthest so far
    for item in ordered:
        version, start, end, i, _label, _net = item
        if widest is not None and widest[0] == version and start <= widest[2]:
            a, b = (widest, item) if widest[3] < i else (item, widest)
            return (a[4], a[5]), (b[4], b[5])
        if widest is None or widest[0] != version or end > widest[2]:
            widest = item
    return None


def first_outside(prefixes: Iterable[tuple[str, Network]], spaces: Sequence[Network]) -> tuple[str, Network] | None:
    """Return the first prefix not inside any of ``spaces`` (which do not overlap), or ``None``."""
    ordered = sorted(_span(s) for s in spaces)
    starts = [(version, start) for version, start, _ in ordered]
    for label, net in prefixes:
        version, start, end = _span(net)
        i = bisect.bisect_right(starts, (version, start)) - 1
        if i < 0 or ordered[i][0] != version or ordered[i][2] < end:
            return label, net
    return None
