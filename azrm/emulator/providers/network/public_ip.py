"""Microsoft.Network/publicIPAddresses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.router import Router
from ...core.store import Record
from . import refs
from .common import PIP_TYPE, NetworkBase

if TYPE_CHECKING:
    from ...core.wire import Call

_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")


class PublicIpBackend(NetworkBase):
    """Public IP addresses: SKU and allocation defaults, DNS labels, addresses that follow the VM."""

    resource_type = PIP_TYPE
    collection = "publicIPAddresses"
    name_param = "publicIpAddressName"

    def register(self, r: Router) -> None:
        self.register_crud(r)

    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        user = self.public_ip_user(record.id)
        if user:
            body["properties"]["ipConfiguration"] = {"id": user}
        return body

    def new_address(self) -> str:
        """Return a public address not yet handed out (from 20.0.0.0/8, like many Azure regions)."""
        holders = refs.by_address(self.store)
        while True:
            value = self.emu.rng.randrange(1 << 24)
            address = f"20.{value >> 16}.{(value >> 8) & 255}.{max(1, value & 255)}"
            if not any(p.properties.get("ipAddress") == address for p in holders.records(address)):
                return address

    def on_provisioned(self, record: Record) -> None:
        props = record.properties
        if props.get("publicIPAllocationMethod") == "Static" and not props.get("ipAddress"):
            props["ipAddress"] = self.new_address()

    # -- handlers ----------------------------------------------------------------------------------
    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, PIP_TYPE, rid, existing)
        props_in = body.get("properties") or {}
        sku_in = body.get("sku") or {}
        sku_name = str(sku_in.get("name") or "Basic")
        if sku_name.lower() not in ("basic", "standard"):
            raise ArmError(
                400, "InvalidPublicIpSku", f"Public IP SKU '{sku_name}' is not valid; use Basic or Standard."
            )
        sku_name = sku_name.capitalize()
        tier = str(sku_in.get("tier") or "Regional")
        default_method = "Static" if sku_name == "Standard" else "Dynamic"
        method = str(props_in.get("publicIPAllocationMethod") or default_method).capitalize()
        if method not in ("Static", "Dynamic"):
            raise ArmError(
                400, "InvalidRequestFormat", f"publicIPAllocationMethod '{method}' is not Static or Dynamic."
            )
        if sku_name == "Standard" and method == "Dynamic":
            raise ArmError(
                400,
                "StandardSkuPublicIPAddressMustBeStatic",
                f"Standard sku publicIp {rid} must have AllocationMethod set to Static.",
            )
        version = str(props_in.get("publicIPAddressVersion") or "IPv4")
        idle = props_in.get("idleTimeoutInMinutes", 4)
        if not isinstance(idle, int) or not 4 <= idle <= 30:
            raise ArmError(
                400,
                "PublicIPIdleTimeoutIsOutOfRange",
                f"The idle timeout of public IP {rid} is {idle}; it must be between 4 and 30 minutes.",
            )
        props: dict[str, Any] = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "publicIPAddressVersion": version,
            "publicIPAllocationMethod": method,
            "idleTimeoutInMinutes": idle,
            "ipTags": props_in.get("ipTags") or [],
            "ddosSettings": props_in.get("ddosSettings") or {"protectionMode": "VirtualNetworkInherited"},
        }
        dns = props_in.get("dnsSettings") or {}
        label = dns.get("domainNameLabel")
        if label:
            if not _LABEL.match(label):
                raise ArmError(
                    400,
                    "InvalidDomainNameLabel",
                    f"The domain name label {label} is invalid. It must conform to the following regular expression: "
                    "^[a-z][a-z0-9-]{1,61}[a-z0-9]$.",
                )
            fqdn = f"{label}.{location}.cloudapp.azure.com"
            for other in refs.by_fqdn(self.store).records(fqdn):
                if other.key != rid.lower() and other.properties.get("dnsSettings", {}).get("fqdn") == fqdn:
                    raise ArmError(
                        400,
                        "DnsRecordInUse",
                        f"DNS record {fqdn} is already used by another public IP.",
                    )
            props["dnsSettings"] = {"domainNameLabel": label, "fqdn": fqdn}
            if dns.get("reverseFqdn"):
                props["dnsSettings"]["reverseFqdn"] = dns["reverseFqdn"]
        if existing is not None:
            address = existing.properties.get("ipAddress")
            if address and (method == "Static" or existing.properties.get("publicIPAllocationMethod") == "Dynamic"):
                props["ipAddress"] = address
        record_body: dict[str, Any] = {
            "name": name,
            "id": rid,
            "location": location,
            "tags": self.tags(body),
            "type": PIP_TYPE,
            "sku": {"name": sku_name, "tier": tier},
            "properties": props,
        }
        if body.get("zones"):
            record_body["zones"] = body["zones"]
        return Record(rid, PIP_TYPE, record_body)

    def check_delete(self, record: Record) -> None:
        user = self.public_ip_user(record.id)
        if user:
            raise ArmError(
                400,
                "PublicIPAddressCannotBeDeleted",
                f"Public IP address {record.id} can not be deleted since it is still allocated to resource {user}. "
                "In order to delete the public IP, disassociate/detach the Public IP address from the resource. "
                "To learn how to do this, see aka.ms/deletepublicip.",
            )

    # -- used by the compute backend -------------------------------------------------------------
    def bind_dynamic(self, pip_id: str) -> None:
        """Give a Dynamic public IP an address (its VM started)."""
        record = self.store.get(pip_id)
        if record is not None and not record.properties.get("ipAddress"):
            record.properties["ipAddress"] = self.new_address()
            self.store.touch(record)

    def release_dynamic(self, pip_id: str) -> None:
        """Take a Dynamic public IP's address back (its VM was deallocated or deleted)."""
        record = self.store.get(pip_id)
        dynamic = record is not None and record.properties.get("publicIPAllocationMethod") == "Dynamic"
        if dynamic and record is not None and record.properties.pop("ipAddress", None) is not None:
            self.store.touch(record)
