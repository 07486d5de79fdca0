"""Microsoft.Network/virtualNetworks, their subnets and peerings (inline and as child resources).

A peering names a remote network; it is ``Initiated`` until the remote network peers back, then
``Connected`` on both sides, and ``Disconnected`` when the remote network is gone. Peered address
spaces may not overlap.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from .common import NSG_TYPE, VNET_TYPE, NetworkBase, child_name, parse_prefix, ref_id, subnet_prefixes
from .limits import check_count, first_outside, first_overlap

if TYPE_CHECKING:
    from ...core.wire import Call

SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets"
PEERING_TYPE = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
ROUTE_TABLE_TYPE = "Microsoft.Network/routeTables"
_PEERING_FLAGS = {
    "allowVirtualNetworkAccess": True,
    "allowForwardedTraffic": False,
    "allowGatewayTransit": False,
    "useRemoteGateways": False,
    "doNotVerifyRemoteGateways": False,
}
_SUBNET_FIELDS = (
    "networkSecurityGroup",
    "routeTable",
    "natGateway",
    "serviceEndpoints",
    "serviceEndpointPolicies",
    "delegations",
    "privateEndpointNetworkPolicies",
    "privateLinkServiceNetworkPolicies",
    "defaultOutboundAccess",
    "sharingScope",
)


class VirtualNetworkBackend(NetworkBase):
    """Virtual networks: address spaces, subnets inside them and not overlapping, subnets in use kept."""

    resource_type = VNET_TYPE
    collection = "virtualNetworks"
    name_param = "virtualNetworkName"

    def register(self, r: Router) -> None:
        one = self.register_crud(r)
        self.register_children(r, one, "subnets")
        self.register_children(r, one, "virtualNetworkPeerings")

    # -- views -------------------------------------------------------------------------------------
    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        self.stamp_children(body, "subnets")
        for subnet in body["properties"].get("subnets", []):
            users = self.ip_config_users_of_subnet(subnet["id"])
            if users:
                subnet["properties"]["ipConfigurations"] = [{"id": u} for u in users]
        self.stamp_children(body, "virtualNetworkPeerings")
        for peering in body["properties"].get("virtualNetworkPeerings", []):
            self._peering_state(record, peering)
        return body

    def _peering_state(self, record: Record, peering: dict[str, Any]) -> None:
        props = peering["properties"]
        remote = self.store.get(ref_id(props.get("remoteVirtualNetwork")) or "/none")
        if remote is None or remote.type != VNET_TYPE:
            props["peeringState"] = "Disconnected"
            props["peeringSyncLevel"] = "RemoteNotInSync"
            return
        back = any(
            key(ref_id(p["properties"].get("remoteVirtualNetwork")) or "") == record.key
            for p in remote.properties.get("virtualNetworkPeerings", [])
        )
        props["peeringState"] = "Connected" if back else "Initiated"
        props["peeringSyncLevel"] = "FullyInSync" if back else "RemoteNotInSync"
        space = self.clone(remote.properties.get("addressSpace") or {})
        props["remoteAddressSpace"] = space
        props["remoteVirtualNetworkAddressSpace"] = self.clone(space)

    def _subnet_view(self, record: Record, name: str) -> dict[str, Any]:
        for subnet in self.view(record)["properties"]["subnets"]:
            if subnet["name"].lower() == name.lower():
                return dict(subnet)
        raise KeyError(name)

    # -- validation ----------------------------------------------------------------------------------
    def _subnet_body(self, vnet_id: str, raw: dict[str, Any], location: str) -> dict[str, Any]:
        name = child_name(raw, f"A subnet of {vnet_id}")
        subnet_id = f"{vnet_id}/subnets/{name}"
        props_in = raw.get("properties") or {}
        if not props_in.get("addressPrefix") and not props_in.get("addressPrefixes"):
            raise ArmError(
                400,
                "InvalidAddressPrefix",
                f"Subnet '{name}' of virtual network {vnet_id} has no addressPrefix.",
            )
        props: dict[str, Any] = {}
        if props_in.get("addressPrefixes"):
            props["addressPrefixes"] = list(props_in["addressPrefixes"])
        else:
            props["addressPrefix"] = props_in["addressPrefix"]
        for prefix in subnet_prefixes({"properties": props}, subnet_id):
            if prefix.version == 4 and prefix.prefixlen > 29:
                raise ArmError(
                    400,
                    "InvalidSubnetAddressPrefix",
                    f"Subnet '{name}' has prefix {prefix}; the smallest subnet Azure supports is /29.",
                )
        for field in _SUBNET_FIELDS:
            if field in props_in:
                props[field] = props_in[field]
        nsg_id = ref_id(props.get("networkSecurityGroup"))
        if nsg_id:
            self.require(nsg_id, NSG_TYPE, subnet_id, location)
        table_id = ref_id(props.get("routeTable"))
        if table_id:
            props["routeTable"] = {"id": self.require(table_id, ROUTE_TABLE_TYPE, subnet_id, location).id}
        props.setdefault("delegations", [])
        props.setdefault("privateEndpointNetworkPolicies", "Enabled")
        props.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
        return {"name": name, "id": subnet_id, "type": SUBNET_TYPE, "properties": props}

    def _validate_subnets(self, vnet_id: str, vnet_name: str, spaces: list[Any], subnets: list[dict[str, Any]]) -> None:
        seen: list[tuple[str, Any]] = []
        names: set[str] = set()
        for subnet in subnets:
            if subnet["name"].lower() in names:
                raise ArmError(
                    400,
                    "InvalidRequestFormat",
                    f"Subnet '{subnet['name']}' appears twice in virtual network {vnet_id}.",
                )
            names.add(subnet["name"].lower())
            seen.extend((subnet["name"], p) for p in subnet_prefixes(subnet, subnet["id"]))
        outside = first_outside(seen, spaces)
        if outside is not None:
            raise ArmError(
                400,
                "NetcfgSubnetRangeOutsideVnet",
                f"Subnet '{outside[0]}' is not valid because its IP address range is "
                "outside the IP address "
                f"range of virtual network '{vnet_name}'.",
            )
        clash = first_overlap(seen)
        if clash is not None:
            (other_name, _), (subnet_name, _) = clash
            raise ArmError(
                400,
                "NetcfgSubnetRangesOverlap",
                f"Subnet '{subnet_name}' is not valid because its IP address range overlaps with that "
                f"of an existing subnet '{other_name}' in virtual network '{vnet_name}'.",
            )

    def _check_removed_or_changed(self, existing: Record | None, subnets: list[dict[str, Any]]) -> None:
        if existing is None:
            return
        new = {s["name"].lower(): s for s in subnets}
        for old in existing.properties.get("subnets", []):
            users = self.ip_config_users_of_subnet(old["id"])
            if not users:
                continue
            replacement = new.get(old["name"].lower())
            if replacement is None:
                raise in_use_subnet(old["name"], users[0])
            taken = self.allocated_ips(old["id"])
            nets = subnet_prefixes(replacement, replacement["id"])
            if any(not any(ipaddress.ip_address(a) in n for n in nets) for a in taken):
                raise ArmError(
                    400,
                    "InUseSubnetCannotBeUpdated",
                    f"Subnet {old['name']} is in use by {users[0]} and its address range cannot be changed to "
                    "exclude the addresses already allocated in it.",
                )

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, VNET_TYPE, rid, existing)
        props_in = body.get("properties") or {}
        space = (props_in.get("addressSpace") or {}).get("addressPrefixes") or []
        if not space:
            raise ArmError(
                400,
                "InvalidAddressSpace",
                f"Virtual network {rid} has no address space: properties.addressSpace.addressPrefixes is required.",
            )
        check_count(props_in.get("subnets"), "SubnetsPerVirtualNetwork", rid)
        check_count(props_in.get("virtualNetworkPeerings"), "PeeringsPerVirtualNetwork", rid)
        check_count((props_in.get("dhcpOptions") or {}).get("dnsServers"), "DnsServersPerVirtualNetwork", rid)
        spaces = [parse_prefix(p, rid) for p in space]
        clash = first_overlap((str(net), net) for net in spaces)
        if clash is not None:
            (_, a), (_, b) = clash
            raise ArmError(
                400,
                "VnetAddressSpacesOverlap",
                f"Address space {a} overlaps with address space {b} in virtual network {rid}.",
            )
        subnets = [self._subnet_body(rid, raw, location) for raw in props_in.get("subnets") or []]
        self._validate_subnets(rid, name, spaces, subnets)
        self._check_removed_or_changed(existing, subnets)
        props: dict[str, Any] = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "addressSpace": {"addressPrefixes": list(space)},
            "subnets": subnets,
            "virtualNetworkPeerings": self._peerings(rid, props_in, spaces, existing),
            "enableDdosProtection": bool(props_in.get("enableDdosProtection", False)),
        }
        if props_in.get("dhcpOptions") is not None:
            props["dhcpOptions"] = {"dnsServers": list((props_in["dhcpOptions"] or {}).get("dnsServers") or [])}
        for field in ("flowTimeoutInMinutes", "encryption", "bgpCommunities", "privateEndpointVNetPolicies",
                      "enableVmProtection", "ddosProtectionPlan", "ipAllocations"):  # fmt: skip
            if field in props_in:
                props[field] = props_in[field]
        return Record(
            rid,
            VNET_TYPE,
            {
                "name": name,
                "id": rid,
                "type": VNET_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props,
            },
        )

    def _peerings(
        self, rid: str, props_in: dict[str, Any], spaces: list[Any], existing: Record | None
    ) -> list[dict[str, Any]]:
        """Return the peerings: the request's when it lists them, else those the network had."""
        if props_in.get("virtualNetworkPeerings") is None:
            return list(existing.properties.get("virtualNetworkPeerings", [])) if existing else []
        had = existing.properties.get("virtualNetworkPeerings", []) if existing else []
        old = {p["name"].lower(): p for p in had}
        out: list[dict[str, Any]] = []
        for raw in props_in["virtualNetworkPeerings"]:
            name = child_name(raw, f"A peering of {rid}")
            peering_id = f"{rid}/virtualNetworkPeerings/{name}"
            p = raw.get("properties") or {}
            remote_id = ref_id(p.get("remoteVirtualNetwork"))
            if not remote_id:
                raise ArmError(
                    400, "InvalidRequestFormat", f"Peering {peering_id} needs properties.remoteVirtualNetwork.id."
                )
            if key(remote_id) == key(rid):
                raise ArmError(400, "CannotPeerVnetToItself", f"Peering {peering_id} cannot peer {rid} with itself.")
            known = old.get(name.lower())
            was = ref_id(known["properties"].get("remoteVirtualNetwork")) if known is not None else None
            if known is not None and key(was or "") == key(remote_id) and self.store.get(remote_id) is None:
                out.append(known)  # Disconnected (its remote is gone): kept as it is, and no bar to other writes
                continue
            remote = self.require(remote_id, VNET_TYPE, peering_id, None)
            remote_spaces = [parse_prefix(x, remote.id) for x in remote.properties["addressSpace"]["addressPrefixes"]]
            for mine in spaces:
                clash = next((r for r in remote_spaces if r.version == mine.version and r.overlaps(mine)), None)
                if clash is not None:
                    raise ArmError(
                        400,
                        "VnetAddressSpacesOverlap",
                        f"Cannot create or update peering {peering_id} because address space {mine} of virtual "
                        f"network {rid} overlaps with address space {clash} of remote virtual network {remote.id}.",
                    )
            props: dict[str, Any] = {k: bool(p.get(k, default)) for k, default in _PEERING_FLAGS.items()}
            props["remoteVirtualNetwork"] = {"id": remote.id}
            props["resourceGuid"] = known["properties"]["resourceGuid"] if known else self.guid()
            out.append({"name": name, "id": peering_id, "type": PEERING_TYPE, "properties": props})
        return out

    def check_delete(self, record: Record) -> None:
        for subnet in record.properties.get("subnets", []):
            users = self.ip_config_users_of_subnet(subnet["id"])
            if users:
                raise in_use_subnet(subnet["name"], users[0])


def in_use_subnet(name: str, user: str) -> ArmError:
    """Azure's refusal to delete a subnet something is placed in (verbatim)."""
    return ArmError(
        400,
        "InUseSubnetCannotBeDeleted",
        f"Subnet {name} is in use by {user} and cannot be deleted. In order to delete the subnet, delete all the "
        "resources within the subnet. See aka.ms/deletesubnet.",
    )
