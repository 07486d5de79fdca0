"""Microsoft.Network/routeTables and their routes (inline, and as child resources).

A route sends an address prefix to a next hop: ``VirtualNetworkGateway``, ``VnetLocal``,
``Internet``, ``VirtualAppliance`` (which needs ``nextHopIpAddress``) or ``None``. Subnets take a
table by reference (``properties.routeTable.id``), which must exist in the same region; the table
lists them back, and cannot be deleted while they do.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from .common import VNET_TYPE, NetworkBase, child_name, parse_prefix, ref_id
from .limits import check_count

if TYPE_CHECKING:
    from ...core.wire import Call

ROUTE_TABLE_TYPE = "Microsoft.Network/routeTables"
ROUTE_TYPE = "Microsoft.Network/routeTables/routes"
_NEXT_HOPS = {
    "virtualnetworkgateway": "VirtualNetworkGateway",
    "vnetlocal": "VnetLocal",
    "internet": "Internet",
    "virtualappliance": "VirtualAppliance",
    "none": "None",
}
#: a service tag a route may name instead of a prefix (Azure's list grows; its form does not)
_SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")


def validate_route(table_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check one route and return it as the Network RP stores it."""
    name = child_name(raw, f"A route of {table_id}")
    route_id = f"{table_id}/routes/{name}"
    p = raw.get("properties") or {}
    prefix = p.get("addressPrefix")
    if not prefix:
        raise ArmError(400, "InvalidRouteAddressPrefix", f"Route {route_id} has no addressPrefix.")
    if not _SERVICE_TAG.match(str(prefix)):  # a service tag (AzureCloud, Storage.WestEurope...) or a prefix
        parse_prefix(prefix, route_id)
    hop_raw = str(p.get("nextHopType") or "")
    hop = _NEXT_HOPS.get(hop_raw.lower())
    if hop is None:
        raise ArmError(
            400,
            "InvalidRouteNextHopType",
            f"Route {route_id} has next hop type '{hop_raw}'; use one of {', '.join(_NEXT_HOPS.values())}.",
        )
    props: dict[str, Any] = {"addressPrefix": prefix, "nextHopType": hop, "hasBgpOverride": False}
    address = p.get("nextHopIpAddress")
    if hop == "VirtualAppliance":
        try:
            ipaddress.ip_address(str(address))
        except ValueError:
            raise ArmError(
                400,
                "InvalidNextHopIpAddress",
                f"Route {route_id} sends traffic to a virtual appliance and needs a valid nextHopIpAddress, not "
                f"{address!r}.",
            ) from None
        props["nextHopIpAddress"] = str(address)
    elif address:
        raise ArmError(
            400,
            "NextHopIpAddressNotAllowed",
            f"Route {route_id} has next hop type {hop}, which takes no nextHopIpAddress.",
        )
    return {"name": name, "id": route_id, "type": ROUTE_TYPE, "properties": props}


class RouteTableBackend(NetworkBase):
    """Route tables: routes checked, subnets listed back, in-use tables kept."""

    resource_type = ROUTE_TABLE_TYPE
    collection = "routeTables"
    name_param = "routeTableName"

    def register(self, r: Router) -> None:
        self.register_children(r, self.register_crud(r), "routes")

    def subnets_using(self, table_id: str) -> list[str]:
        """Ids of the subnets that take this table."""
        wanted = key(table_id)
        return [
            s["id"]
            for vnet in self.store.of_type(VNET_TYPE)
            for s in vnet.properties.get("subnets", [])
            if key(ref_id(s["properties"].get("routeTable")) or "") == wanted
        ]

    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        self.stamp_children(body, "routes")
        subnets = self.subnets_using(record.id)
        if subnets:
            body["properties"]["subnets"] = [{"id": s} for s in subnets]
        return body

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, ROUTE_TABLE_TYPE, rid, existing)
        props_in = body.get("properties") or {}
        check_count(props_in.get("routes"), "RoutesPerRouteTable", rid)
        routes = [validate_route(rid, raw) for raw in props_in.get("routes") or []]
        names = [r["name"].lower() for r in routes]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise ArmError(400, "InvalidRequestFormat", f"Route table {rid} has two routes named {duplicate}.")
        props = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "disableBgpRoutePropagation": bool(props_in.get("disableBgpRoutePropagation", False)),
            "routes": routes,
        }
        return Record(
            rid,
            ROUTE_TABLE_TYPE,
            {"name": name, "id": rid, "type": ROUTE_TABLE_TYPE, "location": location, "tags": self.tags(body),
             "properties": props},
        )  # fmt: skip

    def check_delete(self, record: Record) -> None:
        subnets = self.subnets_using(record.id)
        if subnets:
            raise ArmError(
                400,
                "InUseRouteTableCannotBeDeleted",
                f"Route table {record.id} is in use and cannot be deleted. It is associated with the subnets "
                f"{', '.join(subnets)}.",
            )
