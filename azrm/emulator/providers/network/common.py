"""What the Microsoft.Network backends share.

CIDR checks, private IP allocation, references, back-references, and the create/delete life cycle
with its etags and operation headers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ...core.errors import ArmError, invalid_resource_reference
from ...core.ids import ResourceId, key
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Headers, Response
from ..base import Provider, json_response, list_response
from . import refs

if TYPE_CHECKING:
    from ...core.wire import Call

PIP_TYPE = "Microsoft.Network/publicIPAddresses"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
LB_TYPE = "Microsoft.Network/loadBalancers"
VM_TYPE = "Microsoft.Compute/virtualMachines"

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def check_name(name: str) -> None:
    """Network RP name rules (message verbatim from Azure)."""
    if not _NAME.match(name):
        raise ArmError(
            400,
            "InvalidResourceName",
            f"Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word "
            "character, and it must end with a word character or with '_'. The name may contain word characters "
            "or '.', '-', '_'.",
        )


def child_name(raw: Any, where: str) -> str:
    """Return a child's name (a subnet's, a rule's...), checked; ``where`` says which child for the error."""
    name = raw.get("name") if isinstance(raw, dict) else None
    if not name or not isinstance(name, str):
        raise ArmError(400, "InvalidRequestFormat", f"{where} has no name.")
    check_name(name)
    return name


def parse_prefix(prefix: Any, owner_id: str) -> Network:
    """Parse a CIDR prefix, with Azure's errors for bad notation."""
    text = str(prefix)
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ArmError(
                400,
                "InvalidAddressPrefixFormat",
                f"Address prefix {text} of resource {owner_id} is not formatted correctly. "
                "It should follow CIDR notation, for example 10.0.0.0/24.",
            ) from None
        raise ArmError(
            400,
            "InvalidCIDRNotation",
            f"The address prefix {text} in resource {owner_id} has an invalid CIDR notation. For the given prefix "
            f"length, the address prefix should be {loose}.",
        ) from None


def ref_id(value: Any) -> str | None:
    """Return the ``id`` of a ``{"id": ...}`` reference (``None`` when absent)."""
    if isinstance(value, dict) and value.get("id"):
        return str(value["id"])
    return None


def subnet_prefixes(subnet: dict[str, Any], owner_id: str) -> list[Network]:
    """Return the prefixes of a subnet body (``addressPrefix`` or ``addressPrefixes``)."""
    props = subnet.get("properties") or {}
    raw = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
    return [parse_prefix(p, owner_id) for p in raw]


def usable_hosts(net: Network) -> Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Addresses Azure hands out in a subnet: not the first four (network, gateway, 2 x DNS) nor the last."""
    first = int(net.network_address) + 4
    last = int(net.broadcast_address) - 1
    cls = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
    for value in range(first, last + 1):
        yield cls(value)


def reserved(net: Network, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is one of the subnet's five reserved addresses."""
    offset = int(address) - int(net.network_address)
    return offset < 4 or address == net.broadcast_address


class IpConfigSource(Protocol):
    """A backend whose resources hold IP configurations outside Microsoft.Network (scale sets).

    Registered in ``emu.ip_config_sources``, it takes part in address allocation, subnet in-use checks,
    load balancer pool membership and NAT pools.
    """

    def scale_set_ip_configs(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every (owner id, ipConfiguration body in the NIC shape, with its private address)."""
        ...

    def nat_pool_rules(self, pool_id: str) -> list[dict[str, Any]]:
        """Return the inbound NAT rules a NAT pool yields: ``{"name", "frontendPort", "target"}`` per instance."""
        ...


class NetworkBase(Provider):
    """Base of the Microsoft.Network backends.

    A backend names its type, URL collection and name parameter, and implements :meth:`build`
    (validate a PUT body into a record) and :meth:`check_delete`; :meth:`register_crud` then serves
    PUT, GET, PATCH (tags), DELETE and both lists the way the Network RP does.
    """

    namespace = "Microsoft.Network"
    resource_type = ""
    collection = ""
    name_param = ""
    #: provisioningState a PUT answers with while its operation runs.
    put_state = "Updating"
    #: whether the etag changes again when the operation completes (not for NICs, as in Azure).
    new_etag_on_completion = True

    # -- lookups ---------------------------------------------------------------------------------
    def find_subnet(self, subnet_id: str) -> tuple[Record, dict[str, Any]] | None:
        """Return the vnet record and subnet body for a subnet id."""
        try:
            rid = ResourceId.parse(subnet_id)
        except ValueError:
            return None
        if rid.type.lower() != "microsoft.network/virtualnetworks/subnets":
            return None
        vnet = self.store.get(str(rid.parent))
        if vnet is None:
            return None
        for subnet in vnet.properties.get("subnets", []):
            if subnet["name"].lower() == rid.name.lower():
                return vnet, subnet
        return None

    def require_subnet(self, subnet_id: str, referencing_id: str, location: str) -> tuple[Record, dict[str, Any]]:
        """Return the subnet, or Azure's ``InvalidResourceReference`` (also for another region)."""
        found = self.find_subnet(subnet_id)
        if found is None or found[0].location != location:
            raise invalid_resource_reference(subnet_id, referencing_id)
        return found

    def require(self, resource_id: str, resource_type: str, referencing_id: str, location: str | None) -> Record:
        """Return a referenced resource that must exist (in the same region when ``location`` is given)."""
        record = self.store.get(resource_id)
        if record is None or record.type.lower() != resource_type.lower():
            raise invalid_resource_reference(resource_id, referencing_id)
        if location is not None and record.location != location:
            raise invalid_resource_reference(resource_id, referencing_id)
        return record

    def nic_ip_configs(self) -> Iterator[tuple[Record, dict[str, Any]]]:
        """Every (NIC record, ipConfiguration body)."""
        for nic in self.store.of_type(NIC_TYPE):
            for ipc in nic.properties.get("ipConfigurations", []):
                yield nic, ipc

    def all_ip_configs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every (owner id, ipConfiguration body): NICs, and those of scale set instances.

        Scale set instances' NICs are not Microsoft.Network records: the backends that hold them
        register in ``emu.ip_config_sources`` (see :class:`IpConfigSource`).
        """
        for nic, ipc in self.nic_ip_configs():
            yield nic.id, ipc
        for source in self.emu.ip_config_sources:
            yield from source.scale_set_ip_configs()

    def _scale_set_ip_configs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for source in self.emu.ip_config_sources:
            yield from source.scale_set_ip_configs()

    def _in_subnet(self, wanted: str) -> tuple[list[Record], list[Record]]:
        """Return the NICs and the load balancers with a configuration in the subnet (lower-cased id)."""
        holders = refs.by_subnet(self.store).records(wanted)
        nic, lb = NIC_TYPE.lower(), LB_TYPE.lower()
        return [r for r in holders if r.type.lower() == nic], [r for r in holders if r.type.lower() == lb]

    def ip_config_users_of_subnet(self, subnet_id: str) -> list[str]:
        """Ids of IP configurations (NICs, scale set instances, load balancer frontends) placed in a subnet."""
        wanted = key(subnet_id)
        nics, lbs = self._in_subnet(wanted)
        ipcs = [ipc for nic in nics for ipc in nic.properties.get("ipConfigurations", [])]
        ipcs.extend(ipc for _, ipc in self._scale_set_ip_configs())
        users = [ipc["id"] for ipc in ipcs if key(ref_id(ipc["properties"].get("subnet")) or "") == wanted]
        for lb in lbs:
            for fe in lb.properties.get("frontendIPConfigurations", []):
                if key(ref_id(fe["properties"].get("subnet")) or "") == wanted:
                    users.append(fe["id"])
        return users

    def allocated_ips(self, subnet_id: str, exclude_owner: str | None = None) -> dict[str, str]:
        """Private addresses taken in a subnet -> id of what holds them."""
        wanted = key(subnet_id)
        nics, lbs = self._in_subnet(wanted)
        owned = [(nic.id, ipc) for nic in nics for ipc in nic.properties.get("ipConfigurations", [])]
        owned.extend(self._scale_set_ip_configs())
        taken: dict[str, str] = {}
        for owner, ipc in owned:
            props = ipc["properties"]
            in_subnet = key(ref_id(props.get("subnet")) or "") == wanted and props.get("privateIPAddress")
            if in_subnet and (exclude_owner is None or key(owner) != key(exclude_owner)):
                taken[props["privateIPAddress"]] = ipc["id"]
        for lb in lbs:
            if exclude_owner is not None and key(lb.id) == key(exclude_owner):
                continue
            for fe in lb.properties.get("frontendIPConfigurations", []):
                props = fe["properties"]
                if key(ref_id(props.get("subnet")) or "") == wanted and props.get("privateIPAddress"):
                    taken[props["privateIPAddress"]] = fe["id"]
        return taken

    def allocate_ip(
        self,
        subnet_id: str,
        subnet: dict[str, Any],
        *,
        requested: str | None,
        holder_id: str,
        owner_id: str,
        taken_now: dict[str, str],
    ) -> str:
        """Pick (dynamic) or check (static) a private address in the subnet.

        ``taken_now`` holds addresses already handed out within the same request.
        """
        nets = [n for n in subnet_prefixes(subnet, subnet_id) if n.version == 4]
        taken = {**self.allocated_ips(subnet_id, exclude_owner=owner_id), **taken_now}
        if requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError:
                raise ArmError(
                    400, "InvalidPrivateIPAddress", f"Private IP address {requested} is not a valid IP address."
                ) from None
            net = next((n for n in nets if address in n), None)
            if net is None:
                prefixes = ", ".join(str(n) for n in nets)
                raise ArmError(
                    400,
                    "PrivateIPAddressNotInSubnet",
                    f"Private static IP address {requested} does not belong to the range of subnet prefix {prefixes}.",
                )
            if reserved(net, address):
                raise ArmError(
                    400,
                    "PrivateIPAddressInReservedRange",
                    f"Private static IP address {requested} falls within reserved IP range of subnet prefix {net}.",
                )
            if str(address) in taken:
                raise ArmError(
                    400,
                    "PrivateIPAddressIsAllocated",
                    f"IP configuration {holder_id} is using the private IP address {requested} which is already "
                    f"allocated to resource {taken[str(address)]}.",
                )
            return str(address)
        for net in nets:
            for address in usable_hosts(net):
                if str(address) not in taken:
                    return str(address)
        prefixes = ", ".join(str(n) for n in nets)
        raise ArmError(
            400,
            "SubnetIsFull",
            f"Subnet {subnet['name']} with address prefix {prefixes} does not have enough capacity for 1 IP addresses.",
        )

    def public_ip_user(self, pip_id: str) -> str | None:
        """Id of the IP configuration (NIC or load balancer frontend) holding a public IP."""
        wanted = key(pip_id)
        holders = refs.by_public_ip(self.store).records(wanted)
        nic, lb = NIC_TYPE.lower(), LB_TYPE.lower()
        ipcs = [ipc for r in holders if r.type.lower() == nic for ipc in r.properties.get("ipConfigurations", [])]
        ipcs.extend(ipc for _, ipc in self._scale_set_ip_configs())
        for ipc in ipcs:
            if key(ref_id(ipc["properties"].get("publicIPAddress")) or "") == wanted:
                return str(ipc["id"])
        for record in holders:
            if record.type.lower() != lb:
                continue
            for fe in record.properties.get("frontendIPConfigurations", []):
                if key(ref_id(fe["properties"].get("publicIPAddress")) or "") == wanted:
                    return str(fe["id"])
        return None

    def claim_public_ip(self, pip_id: str, owner_id: str, holder_id: str, location: str) -> Record:
        """Check that a public IP exists in the region and is free (or already held by ``owner_id``)."""
        pip = self.require(pip_id, PIP_TYPE, owner_id, location)
        user = self.public_ip_user(pip.id)
        if user is not None and not key(user).startswith(key(owner_id) + "/"):
            raise ArmError(
                400,
                "PublicIPAddressInUse",
                f"Public IP address {pip.id} is already in use by {user} and cannot be used by {holder_id}.",
            )
        return pip

    def vms_using_nic(self, nic_id: str) -> list[Record]:
        """Virtual machines whose network profile lists the NIC."""
        wanted = key(nic_id)
        return [
            vm
            for vm in refs.by_nic(self.store).records(wanted, VM_TYPE)
            if any(
                key(n.get("id", "")) == wanted
                for n in vm.properties.get("networkProfile", {}).get("networkInterfaces", [])
            )
        ]

    # -- the resource's own routes -----------------------------------------------------------------
    def register_crud(self, r: Router) -> str:
        """Register the resource's routes; returns the one-resource URL template (for child routes)."""
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
        one = f"{base}/{self.collection}/{{{self.name_param}}}"
        r.add("PUT", one, self.put_resource)
        r.add("GET", one, self.get_resource)
        r.add("PATCH", one, self.patch_tags)
        r.add("DELETE", one, self.delete_resource)
        r.add("GET", f"{base}/{self.collection}", self.list_resources)
        r.add(
            "GET",
            f"/subscriptions/{{subscriptionId}}/providers/Microsoft.Network/{self.collection}",
            self.list_resources,
        )
        return one

    def region_of(self, body: dict[str, Any], resource_type: str, rid: str, existing: Record | None) -> str:
        """Return the body's region; a network resource cannot move (``InvalidResourceLocation``)."""
        location = self.location(body, resource_type)
        if existing is not None and existing.location != location:
            raise ArmError(
                400, "InvalidResourceLocation", f"The resource {rid} already exists in location {existing.location}."
            )
        return location

    def register_children(self, r: Router, one: str, collection: str, *, writable: bool = True) -> None:
        """Serve a child collection at its own URL: GET one and the list, and PUT/DELETE when ``writable``.

        A write goes through :meth:`put_child` / :meth:`delete_child`: the parent is rebuilt with the
        child in or out, so every rule of the parent applies.
        """

        def parent(call: Call) -> Record:
            return self.get_record(self.own_id(call), self.resource_type, call)

        def get_one(call: Call) -> Response:
            return self.child_view(parent(call), collection, call.params["childName"], call)

        def get_all(call: Call) -> Response:
            return self.child_list(parent(call), collection)

        def put_one(call: Call) -> Response:
            return self.put_child(call, parent(call), collection, call.params["childName"])

        def delete_one(call: Call) -> Response:
            return self.delete_child(call, self.store.get(self.own_id(call)), collection, call.params["childName"])

        r.add("GET", f"{one}/{collection}", get_all)
        r.add("GET", f"{one}/{collection}/{{childName}}", get_one)
        if writable:
            r.add("PUT", f"{one}/{collection}/{{childName}}", put_one)
            r.add("DELETE", f"{one}/{collection}/{{childName}}", delete_one)

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        """Validate a PUT body and return the record to store (raises ``ArmError``)."""
        raise NotImplementedError

    def check_delete(self, record: Record) -> None:
        """Raise an ``ArmError`` when the resource is in use and cannot be deleted."""

    def own_id(self, call: Call) -> str:
        """Return the id of the resource the call names."""
        return self.resource_id(call, self.collection, call.params[self.name_param])

    def own_record(self, call: Call) -> Record:
        """Return the record the call names, or raise ARM's ``ResourceNotFound``."""
        return self.get_record(self.own_id(call), self.resource_type, call)

    def put_resource(self, call: Call) -> Response:
        check_name(call.params[self.name_param])
        rid = self.own_id(call)
        existing = self.store.get(rid)
        name = rid.rsplit("/", 1)[-1]  # the casing it was created with
        return self.put(call, self.build(call, rid, name, call.body(), existing), existing)

    def get_resource(self, call: Call) -> Response:
        return self.get_response(self.own_record(call))

    def patch_tags(self, call: Call) -> Response:
        record = self.own_record(call)
        record.body["tags"] = self.tags(call.body())
        record.body["etag"] = self.etag()
        self.store.touch(record)
        return self.get_response(record)

    def list_resources(self, call: Call) -> Response:
        return list_response(self.view(r) for r in self.records_in(call, self.resource_type))

    def delete_resource(self, call: Call) -> Response:
        return self.delete(call, self.own_id(call), self.check_delete)

    # -- life cycle ------------------------------------------------------------------------------
    def view(self, record: Record) -> dict[str, Any]:
        """Return the resource as ARM returns it (subclasses add back-references)."""
        body = self.clone(record.body)
        self.stamp_children(body)
        return body

    @staticmethod
    def stamp_children(body: dict[str, Any], *collections: str) -> None:
        """Children share the parent's etag and provisioning state."""
        props = body.get("properties", {})
        for name in collections:
            for child in props.get(name, []) or []:
                child["etag"] = body.get("etag")
                child.setdefault("properties", {})["provisioningState"] = props.get("provisioningState", "Succeeded")

    def get_response(self, record: Record) -> Response:
        """GET answer: the body, with the etag also as a header (as the Network RP does)."""
        return json_response(200, self.view(record), {"ETag": record.body.get("etag", "")})

    @staticmethod
    def check_preconditions(call: Call, existing: Record | None) -> None:
        """``If-Match`` / ``If-None-Match`` against the current etag (412 on mismatch)."""
        if_match = call.req.headers.get("if-match")
        if_none = call.req.headers.get("if-none-match")
        current = existing.body.get("etag") if existing is not None else None
        failed = (if_match is not None and if_match != "*" and if_match != current) or (
            if_match == "*" and existing is None
        )
        failed = failed or (if_none == "*" and existing is not None)
        if failed:
            raise ArmError(
                412,
                "PreconditionFailed",
                "Operation failed because the resource's etag does not match the etag in the request "
                f"(If-Match: {if_match!r}, If-None-Match: {if_none!r}, current: {current!r}).",
            )

    def put(
        self,
        call: Call,
        record: Record,
        existing: Record | None,
        respond: Callable[[Record], dict[str, Any]] | None = None,
        created: bool | None = None,
    ) -> Response:
        """Store a validated record and answer as the Network RP does.

        That is 201/200 with the body and an ``Azure-AsyncOperation`` whose completion sets
        ``Succeeded`` (and a new etag).
        """
        self.check_preconditions(call, existing)
        if existing is not None:
            self.busy(existing)
        record.body["etag"] = self.etag()
        record.properties["provisioningState"] = self.put_state
        self.store.put(record)
        rid = record.id

        def complete() -> None:
            current = self.store.get(rid)
            if current is None:
                return
            current.properties["provisioningState"] = "Succeeded"
            if self.new_etag_on_completion:
                current.body["etag"] = self.etag()
            self.on_provisioned(current)
            self.store.touch(current)

        def failed(err: ArmError) -> None:
            current = self.store.get(rid)
            if current is not None:
                current.properties["provisioningState"] = "Failed"
                self.store.touch(current)

        kind = "update" if existing is not None else "create"
        op = self.begin(call, record, kind, style="network", complete=complete, on_failure=failed)
        body = (respond or self.view)(record)
        is_new = existing is None if created is None else created
        return json_response(201 if is_new else 200, body, self.lro_headers(call, op))

    def on_provisioned(self, record: Record) -> None:
        """Run when a PUT's operation completes (a hook for subclasses)."""

    def delete(self, call: Call, resource_id: str, check: Callable[[Record], None] | None = None) -> Response:
        """Delete as the Network RP does: 202 with both LRO headers, 204 when already gone."""
        record = self.store.get(resource_id)
        if record is None or record.type.lower() != self.resource_type.lower():
            return Response(204)
        pending = self.emu.ops.pending_for(record.key, kind="delete")
        if pending is not None:
            return Response(202, None, Headers(self.lro_headers(call, pending, location=True)))
        if check is not None:
            check(record)
        record.properties["provisioningState"] = "Deleting"
        self.store.touch(record)
        op = self.begin(call, record, "delete", style="network", complete=lambda: self.emu.remove(resource_id))
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def put_child(self, call: Call, parent: Record, collection: str, child_name: str) -> Response:
        """PUT of a child served at its own URL (a NAT rule, a pool, a peering, a route).

        As the Network RP does, the parent is rebuilt with the child put in (so every rule of the
        parent applies) and the answer is the child, 201 when it is new.
        """
        raw = dict(call.body())
        raw["name"] = child_name
        body = self.clone(parent.body)
        items = [dict(i) for i in body.setdefault("properties", {}).get(collection) or []]
        index = next((n for n, i in enumerate(items) if i["name"].lower() == child_name.lower()), None)
        if index is None:
            items.append(raw)
        else:
            raw["name"] = items[index]["name"]  # the casing it was created with
            items[index] = raw
        body["properties"][collection] = items
        record = self.build(call, parent.id, parent.name, body, parent)
        wanted = raw["name"].lower()

        def respond(stored: Record) -> dict[str, Any]:
            children = self.view(stored)["properties"].get(collection) or []
            return dict(next(c for c in children if c["name"].lower() == wanted))

        return self.put(call, record, parent, respond=respond, created=index is None)

    def delete_child(self, call: Call, parent: Record | None, collection: str, child_name: str) -> Response:
        """DELETE of a child served at its own URL: 202, refused while something uses it, 204 when gone."""
        items = (parent.properties.get(collection) or []) if parent is not None else []
        child = next((i for i in items if i["name"].lower() == child_name.lower()), None)
        if parent is None or child is None:
            return Response(204)
        body = self.clone(parent.body)
        body["properties"][collection] = [i for i in items if i is not child]
        self.build(call, parent.id, parent.name, body, parent)  # the parent's rules: is the child in use?
        parent_id, child_key = parent.id, key(child["id"])

        def complete() -> None:
            current = self.store.get(parent_id)
            if current is not None:
                current.properties[collection] = [
                    i for i in current.properties.get(collection) or [] if key(i["id"]) != child_key
                ]
                current.body["etag"] = self.etag()
                self.store.touch(current)

        op = self.begin(call, child["id"], "delete", style="network", location=parent.location,
                        resource_type=f"{self.resource_type}/{collection}", complete=complete)  # fmt: skip
        return Response(202, None, Headers(self.lro_headers(call, op, location=True)))

    def child_view(self, record: Record, collection: str, child_name: str, call: Call) -> Response:
        """GET of a child (a subnet, an IP configuration, a load balancer probe...)."""
        body = self.view(record)
        for child in body["properties"].get(collection, []) or []:
            if child["name"].lower() == child_name.lower():
                return json_response(200, child)
        raise ArmError(
            404,
            "NotFound",
            f"Resource {record.id}/{collection}/{child_name} not found.",
        )

    def child_list(self, record: Record, collection: str) -> Response:
        """List of one child collection."""
        body = self.view(record)
        return Response(200, {"value": body["properties"].get(collection, []) or []})
