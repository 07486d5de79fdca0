"""Microsoft.Network/networkSecurityGroups and their security rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from .common import NIC_TYPE, NSG_TYPE, VNET_TYPE, NetworkBase, child_name, ref_id
from .limits import check_count

if TYPE_CHECKING:
    from ...core.wire import Call

RULE_TYPE = "Microsoft.Network/networkSecurityGroups/securityRules"
DEFAULT_RULE_TYPE = "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"
PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah", "*": "*"}

#: Azure's six default rules (name, description, protocol, source, destination, access, priority, direction).
_DEFAULT_RULES = (
    (
        "AllowVnetInBound",
        "Allow inbound traffic from all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Inbound",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        "Allow inbound traffic from azure load balancer",
        "AzureLoadBalancer",
        "*",
        "Allow",
        65001,
        "Inbound",
    ),
    ("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    (
        "AllowVnetOutBound",
        "Allow outbound traffic from all VMs to all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Outbound",
    ),
    (
        "AllowInternetOutBound",
        "Allow outbound traffic from all VMs to Internet",
        "*",
        "Internet",
        "Allow",
        65001,
        "Outbound",
    ),
    ("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
)


def _check_port_range(value: Any) -> None:
    text = str(value).strip()
    if text == "*":
        return
    parts = text.split("-")
    ok = len(parts) in (1, 2) and all(p.isdigit() and 0 <= int(p) <= 65535 for p in parts)
    if ok and len(parts) == 2:
        ok = int(parts[0]) <= int(parts[1])
    if not ok:
        raise ArmError(
            400,
            "SecurityRuleInvalidPortRange",
            f"Security rule has invalid Port range. Value provided: {text}. Value should be an integer OR integer "
            "range with '-' delimiter. Valid range 0-65535.",
        )


def validate_rule(nsg_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check a security rule as the Network RP does and return its body."""
    name = child_name(raw, f"A security rule of {nsg_id}")
    props_in = raw.get("properties") or {}
    priority = props_in.get("priority")
    if not isinstance(priority, int) or not 100 <= priority <= 4096:
        raise ArmError(
            400,
            "SecurityRuleInvalidPriority",
            f"Security rule has invalid Priority. Value provided: {priority}. Allowed range 100-4096.",
        )
    protocol = PROTOCOLS.get(str(props_in.get("protocol", "")).lower())
    if protocol is None:
        raise ArmError(
            400,
            "SecurityRuleInvalidProtocol",
            f"Security rule has invalid Protocol. Value provided: {props_in.get('protocol')}. "
            "Allowed values are Tcp, Udp, Icmp, Esp, Ah and *.",
        )
    access = str(props_in.get("access", "")).capitalize()
    if access not in ("Allow", "Deny"):
        raise ArmError(
            400,
            "SecurityRuleInvalidAccess",
            f"Security rule has invalid Access. Value provided: {props_in.get('access')}. Allowed "
            "values are Allow and Deny.",
        )
    direction = str(props_in.get("direction", "")).capitalize()
    if direction not in ("Inbound", "Outbound"):
        raise ArmError(
            400,
            "SecurityRuleInvalidDirection",
            f"Security rule has invalid Direction. Value provided: {props_in.get('direction')}. "
            "Allowed values are Inbound and Outbound.",
        )
    props: dict[str, Any] = {"protocol": protocol, "access": access, "priority": priority, "direction": direction}
    for side in ("source", "destination"):
        single, many = f"{side}PortRange", f"{side}PortRanges"
        if props_in.get(many):
            for value in props_in[many]:
                _check_port_range(value)
            props[many] = list(props_in[many])
        else:
            value = props_in.get(single, "*")
            _check_port_range(value)
            props[single] = str(value)
        single, many = f"{side}AddressPrefix", f"{side}AddressPrefixes"
        if props_in.get(many):
            props[many] = list(props_in[many])
        elif props_in.get(single) is not None:
            props[single] = str(props_in[single])
        elif not props_in.get(f"{side}ApplicationSecurityGroups"):
            raise ArmError(
                400,
                "SecurityRuleParameterContainsUnsupportedValue",
                f"Security rule parameter {single} for rule with Id {nsg_id}/securityRules/{name} cannot be empty.",
            )
        if props_in.get(f"{side}ApplicationSecurityGroups"):
            props[f"{side}ApplicationSecurityGroups"] = props_in[f"{side}ApplicationSecurityGroups"]
    if props_in.get("description") is not None:
        props["description"] = str(props_in["description"])
    return {"name": name, "id": f"{nsg_id}/securityRules/{name}", "type": RULE_TYPE, "properties": props}


def check_conflicts(rules: list[dict[str, Any]]) -> None:
    """Two rules may not share priority and direction (message verbatim from Azure)."""
    seen: dict[tuple[int, str], str] = {}
    for rule in rules:
        slot = (rule["properties"]["priority"], rule["properties"]["direction"])
        if slot in seen:
            raise ArmError(
                400,
                "SecurityRuleConflict",
                f"Security rule {rule['name']} conflicts with rule {seen[slot]}. Rules cannot have the same Priority "
                "and Direction. To learn more, see aka.ms/nsgrules.",
            )
        seen[slot] = rule["name"]


class NetworkSecurityGroupBackend(NetworkBase):
    """Network security groups: rules checked, default rules added, associations reported."""

    resource_type = NSG_TYPE
    collection = "networkSecurityGroups"
    name_param = "networkSecurityGroupName"

    def register(self, r: Router) -> None:
        one = self.register_crud(r)
        self.register_children(r, one, "securityRules")
        self.register_children(r, one, "defaultSecurityRules", writable=False)

    # -- views ----------------------------------------------------------------------------------------
    def associations(self, nsg_id: str) -> tuple[list[str], list[str]]:
        """(subnet ids, NIC ids) associated with the NSG."""
        wanted = key(nsg_id)
        subnets = [
            s["id"]
            for vnet in self.store.of_type(VNET_TYPE)
            for s in vnet.properties.get("subnets", [])
            if key(ref_id(s["properties"].get("networkSecurityGroup")) or "") == wanted
        ]
        nics = [
            nic.id
            for nic in self.store.of_type(NIC_TYPE)
            if key(ref_id(nic.properties.get("networkSecurityGroup")) or "") == wanted
        ]
        return subnets, nics

    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        self.stamp_children(body, "securityRules", "defaultSecurityRules")
        subnets, nics = self.associations(record.id)
        if subnets:
            body["properties"]["subnets"] = [{"id": s} for s in subnets]
        if nics:
            body["properties"]["networkInterfaces"] = [{"id": n} for n in nics]
        return body

    # -- handlers ----------------------------------------------------------------------------------
    def _default_rules(self, nsg_id: str) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "id": f"{nsg_id}/defaultSecurityRules/{name}",
                "type": DEFAULT_RULE_TYPE,
                "properties": {
                    "description": description,
                    "protocol": "*",
                    "sourcePortRange": "*",
                    "destinationPortRange": "*",
                    "sourceAddressPrefix": source,
                    "sourceAddressPrefixes": [],
                    "destinationAddressPrefix": destination,
                    "destinationAddressPrefixes": [],
                    "sourcePortRanges": [],
                    "destinationPortRanges": [],
                    "access": access,
                    "priority": priority,
                    "direction": direction,
                },
            }
            for name, description, source, destination, access, priority, direction in _DEFAULT_RULES
        ]

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, NSG_TYPE, rid, existing)
        props_in = body.get("properties") or {}
        check_count(props_in.get("securityRules"), "SecurityRulesPerNetworkSecurityGroup", rid)
        rules = [validate_rule(rid, raw) for raw in props_in.get("securityRules") or []]
        check_conflicts(rules)
        props = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "securityRules": rules,
            "defaultSecurityRules": self._default_rules(rid),
        }
        props["flushConnection"] = bool(props_in.get("flushConnection", False))
        return Record(
            rid,
            NSG_TYPE,
            {
                "name": name,
                "id": rid,
                "type": NSG_TYPE,
                "location": location,
                "tags": self.tags(body),
                "properties": props,
            },
        )

    def check_delete(self, record: Record) -> None:
        subnets, nics = self.associations(record.id)
        if subnets or nics:
            raise ArmError(
                400,
                "InUseNetworkSecurityGroupCannotBeDeleted",
                f"Network security group {record.id} cannot be deleted because it is in use by the following "
                f"resources: {', '.join(subnets + nics)}. In order to delete the Network security group, remove "
                "the association with the resource(s). To learn how to do this, see https://aka.ms/deletensg.",
            )
