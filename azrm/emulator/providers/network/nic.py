"""Microsoft.Network/networkInterfaces: IP configurations with addresses from their subnet."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError, invalid_resource_reference
from ...core.ids import ResourceId, key
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Response
from .common import LB_TYPE, NIC_TYPE, NSG_TYPE, NetworkBase, check_name, ref_id

if TYPE_CHECKING:
    from ...core.wire import Call

IPCONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"
_IPC_PASSTHROUGH = ("applicationSecurityGroups", "gatewayLoadBalancer", "virtualNetworkTaps")


class NetworkInterfaceBackend(NetworkBase):
    """NICs: subnet and public IP references checked, private addresses allocated, VM attachment shown."""

    resource_type = NIC_TYPE
    collection = "networkInterfaces"
    name_param = "networkInterfaceName"
    put_state = "Succeeded"  # Azure answers a NIC PUT with Succeeded at once (it still sends Azure-AsyncOperation)
    new_etag_on_completion = False

    def register(self, r: Router) -> None:
        one = self.register_crud(r)
        r.add("GET", one + "/ipConfigurations", self.list_ip_configs)
        r.add("GET", one + "/ipConfigurations/{ipConfigurationName}", self.get_ip_config)

    # -- views ----------------------------------------------------------------------------------------
    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        self.stamp_children(body, "ipConfigurations")
        vms = self.vms_using_nic(record.id)
        props = body["properties"]
        if vms:
            vm = vms[0]
            props["virtualMachine"] = {"id": vm.id}
            nics = vm.properties.get("networkProfile", {}).get("networkInterfaces", [])
            entry: dict[str, Any] = next((n for n in nics if key(n.get("id", "")) == record.key), {})
            primary = (entry.get("properties") or {}).get("primary")
            props["primary"] = bool(primary) if primary is not None else len(nics) == 1
            if record.internal.get("macAddress"):
                props["macAddress"] = record.internal["macAddress"]
        return body

    def on_provisioned(self, record: Record) -> None:
        """Give public IPs attached to a running VM's NIC their (dynamic) addresses now."""
        from .public_ip import PublicIpBackend

        if any(vm.internal.get("power") == "running" for vm in self.vms_using_nic(record.id)):
            pips = self.emu.backend(PublicIpBackend)
            for ipc in record.properties.get("ipConfigurations", []):
                pip_id = ref_id(ipc["properties"].get("publicIPAddress"))
                if pip_id:
                    pips.bind_dynamic(pip_id)

    # -- validation -----------------------------------------------------------------------------------
    def _dns_suffix(self) -> str:
        letters = string.ascii_lowercase + string.digits
        return "".join(self.emu.rng.choice(letters) for _ in range(26)) + ".ax.internal.cloudapp.net"

    def _lb_child(self, child_id: str, collection: str, referencing: str, location: str) -> None:
        try:
            rid = ResourceId.parse(child_id)
        except ValueError:
            raise invalid_resource_reference(child_id, referencing) from None
        parent = self.store.get(str(rid.parent)) if rid.parent else None
        if parent is None or parent.type != LB_TYPE or parent.location != location:
            raise invalid_resource_reference(child_id, referencing)
        if not any(c["name"].lower() == rid.name.lower() for c in parent.properties.get(collection, [])):
            raise invalid_resource_reference(child_id, referencing)

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, NIC_TYPE, rid, existing)
        props_in = body.get("properties") or {}
        ipcs_in = props_in.get("ipConfigurations") or []
        if not ipcs_in:
            raise ArmError(
                400,
                "NicMustHaveAtLeastOneIpConfiguration",
                f"Network interface {rid} must have at least one IP configuration.",
            )
        flagged = [i for i, ipc in enumerate(ipcs_in) if (ipc.get("properties") or {}).get("primary")]
        if len(flagged) > 1:
            raise ArmError(
                400,
                "MultiplePrimaryIpConfigurationsOnNic",
                f"Network interface {rid} has more than one IP configuration marked primary.",
            )
        primary_index = flagged[0] if flagged else 0  # none marked: Azure makes the first one primary
        primary_subnet = ref_id((ipcs_in[primary_index].get("properties") or {}).get("subnet"))
        if not primary_subnet:
            raise ArmError(
                400,
                "InvalidRequestFormat",
                f"The primary IP configuration of network interface {rid} must reference a subnet.",
            )
        old_ipcs = {i["name"].lower(): i for i in (existing.properties.get("ipConfigurations", []) if existing else [])}
        vnet_of_nic: str | None = None
        taken_now: dict[str, str] = {}
        ipcs: list[dict[str, Any]] = []
        for index, raw in enumerate(ipcs_in):
            ipc_name = raw.get("name") or f"ipconfig{index + 1}"
            check_name(ipc_name)
            ipc_id = f"{rid}/ipConfigurations/{ipc_name}"
            p = raw.get("properties") or {}
            subnet_id = ref_id(p.get("subnet")) or primary_subnet
            vnet, subnet = self.require_subnet(subnet_id, rid, location)
            if vnet_of_nic is None:
                vnet_of_nic = vnet.key
            elif vnet_of_nic != vnet.key:
                raise ArmError(
                    400,
                    "IpConfigurationsOfNicInDifferentVnets",
                    f"IP configurations of network interface {rid} reference subnets of different virtual networks.",
                )
            requested = p.get("privateIPAddress")
            method = str(p.get("privateIPAllocationMethod") or ("Static" if requested else "Dynamic")).capitalize()
            if method == "Dynamic":
                old = old_ipcs.get(ipc_name.lower())
                same_subnet = old is not None and key(ref_id(old["properties"].get("subnet")) or "") == key(
                    subnet["id"]
                )
                requested = old["properties"].get("privateIPAddress") if (old and same_subnet) else None
            address = self.allocate_ip(
                subnet["id"], subnet, requested=requested, holder_id=ipc_id, owner_id=rid, taken_now=taken_now
            )
            taken_now[address] = ipc_id
            props: dict[str, Any] = {
                "privateIPAddress": address,
                "privateIPAllocationMethod": method,
                "subnet": {"id": subnet["id"]},
                "primary": index == primary_index,
                "privateIPAddressVersion": str(p.get("privateIPAddressVersion") or "IPv4"),
            }
            pip_id = ref_id(p.get("publicIPAddress"))
            if pip_id:
                pip = self.claim_public_ip(pip_id, rid, ipc_id, location)
                props["publicIPAddress"] = {"id": pip.id}
            for collection, field in (
                ("backendAddressPools", "loadBalancerBackendAddressPools"),
                ("inboundNatRules", "loadBalancerInboundNatRules"),
            ):
                refs = [ref_id(x) for x in p.get(field) or []]
                for ref in refs:
                    if ref is None:
                        raise ArmError(400, "InvalidRequestFormat", f"{field} of {ipc_id} holds an entry without id.")
                    self._lb_child(ref, collection, rid, location)
                if refs:
                    props[field] = [{"id": ref} for ref in refs]
            for field in _IPC_PASSTHROUGH:
                if field in p:
                    props[field] = p[field]
            ipcs.append({"name": ipc_name, "id": ipc_id, "type": IPCONFIG_TYPE, "properties": props})

        nsg_id = ref_id(props_in.get("networkSecurityGroup"))
        if nsg_id:
            self.require(nsg_id, NSG_TYPE, rid, location)
        dns_in = props_in.get("dnsSettings") or {}
        old_dns = existing.properties.get("dnsSettings", {}) if existing else {}
        props_out: dict[str, Any] = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "ipConfigurations": ipcs,
            "dnsSettings": {
                "dnsServers": list(dns_in.get("dnsServers") or []),
                "appliedDnsServers": [],
                "internalDomainNameSuffix": old_dns.get("internalDomainNameSuffix") or self._dns_suffix(),
            },
            "enableAcceleratedNetworking": bool(props_in.get("enableAcceleratedNetworking", False)),
            "vnetEncryptionSupported": False,
            "enableIPForwarding": bool(props_in.get("enableIPForwarding", False)),
            "disableTcpStateTracking": bool(props_in.get("disableTcpStateTracking", False)),
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "nicType": str(props_in.get("nicType") or "Standard"),
            "auxiliaryMode": str(props_in.get("auxiliaryMode") or "None"),
            "auxiliarySku": str(props_in.get("auxiliarySku") or "None"),
        }
        if dns_in.get("internalDnsNameLabel"):
            props_out["dnsSettings"]["internalDnsNameLabel"] = dns_in["internalDnsNameLabel"]
        if nsg_id:
            props_out["networkSecurityGroup"] = {"id": nsg_id}
        record = Record(
            rid,
            NIC_TYPE,
            {
                "name": name,
                "id": rid,
                "type": NIC_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props_out,
            },
            internal=dict(existing.internal) if existing else {},
        )
        return record

    # -- handlers ----------------------------------------------------------------------------------
    def list_ip_configs(self, call: Call) -> Response:
        return self.child_list(self.get_record(self.own_id(call), NIC_TYPE, call), "ipConfigurations")

    def get_ip_config(self, call: Call) -> Response:
        nic = self.get_record(self.own_id(call), NIC_TYPE, call)
        return self.child_view(nic, "ipConfigurations", call.params["ipConfigurationName"], call)

    def check_delete(self, record: Record) -> None:
        vms = self.vms_using_nic(record.id)
        if vms:
            raise ArmError(
                400,
                "NicInUse",
                f"Network Interface {record.id} is used by existing resource {vms[0].id}. In order to delete the "
                "network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.",
            )
