"""Microsoft.Network/loadBalancers: frontends, pools, probes, rules and NAT, checked and cross-linked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError, invalid_resource_reference
from ...core.ids import key
from ...core.router import Router
from ...core.store import Record
from .common import LB_TYPE, NetworkBase, child_name, ref_id

if TYPE_CHECKING:
    from ...core.wire import Call

COLLECTIONS = {
    "frontendIPConfigurations": "frontendIPConfigurations",
    "backendAddressPools": "backendAddressPools",
    "probes": "probes",
    "loadBalancingRules": "loadBalancingRules",
    "inboundNatRules": "inboundNatRules",
    "inboundNatPools": "inboundNatPools",
    "outboundRules": "outboundRules",
}
_RULE_PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "all": "All"}
_PROBE_PROTOCOLS = {"tcp": "Tcp", "http": "Http", "https": "Https"}


def _int(value: Any, field: str, owner: str, low: int, high: int, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ArmError(
            400,
            "InvalidRequestFormat" if value is None else "LoadBalancerPropertyOutOfRange",
            f"{field} of {owner} is {value!r}; it must be an integer from {low} to {high}.",
        )
    return value


def _protocol(p: dict[str, Any], owner: str, code: str) -> str:
    protocol = _RULE_PROTOCOLS.get(str(p.get("protocol", "")).lower())
    if protocol is None:
        raise ArmError(400, code, f"{owner} has protocol {p.get('protocol')!r}; use Tcp, Udp or All.")
    return protocol


def _connection_options(p: dict[str, Any], owner: str) -> dict[str, Any]:
    """Options rules, NAT rules and NAT pools share, with Azure's defaults."""
    return {
        "enableFloatingIP": bool(p.get("enableFloatingIP", False)),
        "idleTimeoutInMinutes": _int(p.get("idleTimeoutInMinutes"), "idleTimeoutInMinutes", owner, 4, 30, 4),
        "enableTcpReset": bool(p.get("enableTcpReset", False)),
    }


class LoadBalancerBackend(NetworkBase):
    """Load balancers. Frontend port clashes, dangling references and bad probes are refused."""

    resource_type = LB_TYPE
    collection = "loadBalancers"
    name_param = "loadBalancerName"

    def register(self, r: Router) -> None:
        one = self.register_crud(r)
        for collection in COLLECTIONS:
            # NAT rules and backend pools are also written at their own URL; the others only read
            self.register_children(
                r, one, collection, writable=collection in ("inboundNatRules", "backendAddressPools")
            )

    # -- back-references -------------------------------------------------------------------------
    def pool_members(self, pool_id: str) -> list[str]:
        """IP configurations in a backend pool: NICs' and scale set instances'."""
        wanted = key(pool_id)
        return [
            ipc["id"]
            for _, ipc in self.all_ip_configs()
            if any(key(ref_id(p) or "") == wanted for p in ipc["properties"].get("loadBalancerBackendAddressPools", []))
        ]

    def nat_pool_users(self, pool_id: str) -> list[str]:
        """IP configurations (scale set instances) that take a port from an inbound NAT pool."""
        wanted = key(pool_id)
        return [
            ipc["id"]
            for _, ipc in self.all_ip_configs()
            if any(key(ref_id(p) or "") == wanted for p in ipc["properties"].get("loadBalancerInboundNatPools", []))
        ]

    def nat_rule_target(self, rule_id: str) -> str | None:
        """Return the IP configuration an inbound NAT rule forwards to."""
        wanted = key(rule_id)
        for _, ipc in self.nic_ip_configs():
            if any(key(ref_id(p) or "") == wanted for p in ipc["properties"].get("loadBalancerInboundNatRules", [])):
                return str(ipc["id"])
        return None

    def pool_rules(self, lb: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the per-instance NAT rules the LB's inbound NAT pools yield (Azure lists them as NAT rules)."""
        out = []
        for pool in lb["properties"].get("inboundNatPools", []):
            p = pool["properties"]
            for source in self.emu.ip_config_sources:
                for rule in source.nat_pool_rules(pool["id"]):
                    out.append(
                        {
                            "name": rule["name"],
                            "id": f"{lb['id']}/inboundNatRules/{rule['name']}",
                            "etag": lb.get("etag"),
                            "type": f"{LB_TYPE}/inboundNatRules",
                            "properties": {
                                "provisioningState": lb["properties"].get("provisioningState", "Succeeded"),
                                "frontendIPConfiguration": p["frontendIPConfiguration"],
                                "frontendPort": rule["frontendPort"],
                                "backendPort": p["backendPort"],
                                "protocol": p["protocol"],
                                "enableFloatingIP": p.get("enableFloatingIP", False),
                                "idleTimeoutInMinutes": p.get("idleTimeoutInMinutes", 4),
                                "enableTcpReset": p.get("enableTcpReset", False),
                                "backendIPConfiguration": {"id": rule["target"]},
                            },
                        }
                    )
        return out

    def view(self, record: Record) -> dict[str, Any]:
        body = self.clone(record.body)
        self.stamp_children(body, *COLLECTIONS)
        props = body["properties"]
        props["inboundNatRules"] = [*props.get("inboundNatRules", []), *self.pool_rules(body)]

        def users(collection: str, field: str, target_id: str) -> list[dict[str, str]]:
            return [
                {"id": item["id"]}
                for item in props.get(collection, [])
                if key(ref_id(item["properties"].get(field)) or "") == key(target_id)
            ]

        for fe in props.get("frontendIPConfigurations", []):
            for collection in ("loadBalancingRules", "inboundNatRules", "inboundNatPools", "outboundRules"):
                refs = users(collection, "frontendIPConfiguration", fe["id"])
                if refs:
                    fe["properties"][collection] = refs
        for pool in props.get("backendAddressPools", []):
            refs = users("loadBalancingRules", "backendAddressPool", pool["id"])
            if refs:
                pool["properties"]["loadBalancingRules"] = refs
            members = self.pool_members(pool["id"])
            if members:
                pool["properties"]["backendIPConfigurations"] = [{"id": m} for m in members]
        for probe in props.get("probes", []):
            refs = users("loadBalancingRules", "probe", probe["id"])
            if refs:
                probe["properties"]["loadBalancingRules"] = refs
        for rule in props.get("inboundNatRules", []):
            target = self.nat_rule_target(rule["id"])
            if target:
                rule["properties"]["backendIPConfiguration"] = {"id": target}
        return body

    @staticmethod
    def _is_pool_rule(raw: dict[str, Any], nat_pools: list[dict[str, Any]] | None) -> bool:
        """Whether a NAT rule in a PUT body is one a NAT pool yielded (``<pool>.<instance id>``).

        A GET-modify-PUT of the load balancer sends them back; Azure keeps managing them itself.
        """
        name = str(raw.get("name") or "")
        pool_name, _, instance = name.rpartition(".")
        return instance.isdigit() and any(str(p.get("name", "")).lower() == pool_name.lower() for p in nat_pools or [])

    # -- validation ---------------------------------------------------------------------------------
    def _children(
        self, rid: str, raw: list[dict[str, Any]] | None, collection: str
    ) -> list[tuple[str, str, dict[str, Any]]]:
        out = []
        names: set[str] = set()
        for item in raw or []:
            name = child_name(item, f"An entry of {collection} in {rid}")
            if name.lower() in names:
                raise ArmError(400, "InvalidRequestFormat", f"{collection} of {rid} has two entries named {name}.")
            names.add(name.lower())
            out.append((name, f"{rid}/{collection}/{name}", item.get("properties") or {}))
        return out

    def build(self, call: Call, rid: str, name: str, body: dict[str, Any], existing: Record | None) -> Record:
        location = self.region_of(body, LB_TYPE, rid, existing)
        sku_in = body.get("sku") or {}
        sku_name = str(sku_in.get("name") or "Basic").capitalize()
        if sku_name not in ("Basic", "Standard", "Gateway"):
            raise ArmError(
                400, "InvalidLoadBalancerSku", f"Load balancer SKU '{sku_name}' is not Basic, Standard or Gateway."
            )
        props_in = body.get("properties") or {}

        def child_type(collection: str) -> str:
            return f"{LB_TYPE}/{collection}"

        frontends: list[dict[str, Any]] = []
        taken_now: dict[str, str] = {}
        old_fes = {
            f["name"].lower(): f for f in (existing.properties.get("frontendIPConfigurations", []) if existing else [])
        }
        for fe_name, fe_id, p in self._children(
            rid, props_in.get("frontendIPConfigurations"), "frontendIPConfigurations"
        ):
            props: dict[str, Any] = {"privateIPAllocationMethod": str(p.get("privateIPAllocationMethod") or "Dynamic")}
            pip_id = ref_id(p.get("publicIPAddress"))
            subnet_id = ref_id(p.get("subnet"))
            if pip_id:
                pip = self.claim_public_ip(pip_id, rid, fe_id, location)
                if pip.body.get("sku", {}).get("name", "Basic") != sku_name and sku_name != "Gateway":
                    raise ArmError(
                        400,
                        "LoadBalancerReferencesPublicIPAddressWithDifferentSku",
                        f"Load balancer {rid} ({sku_name} SKU) cannot use public IP {pip.id} of another SKU.",
                    )
                props["publicIPAddress"] = {"id": pip.id}
            elif subnet_id:
                _, subnet = self.require_subnet(subnet_id, rid, location)
                requested = p.get("privateIPAddress") if props["privateIPAllocationMethod"] == "Static" else None
                old = old_fes.get(fe_name.lower())
                if (
                    requested is None
                    and old is not None
                    and key(ref_id(old["properties"].get("subnet")) or "") == key(subnet["id"])
                ):
                    requested = old["properties"].get("privateIPAddress")
                address = self.allocate_ip(
                    subnet["id"], subnet, requested=requested, holder_id=fe_id, owner_id=rid, taken_now=taken_now
                )
                taken_now[address] = fe_id
                props.update(
                    {"subnet": {"id": subnet["id"]}, "privateIPAddress": address, "privateIPAddressVersion": "IPv4"}
                )
            else:
                raise ArmError(
                    400,
                    "LoadBalancerFrontendIPConfigurationHasNoAddress",
                    f"Frontend IP configuration {fe_id} must reference a public IP address or a subnet.",
                )
            frontends.append(
                {"name": fe_name, "id": fe_id, "type": child_type("frontendIPConfigurations"), "properties": props}
            )
        fe_ids = {key(f["id"]): f["id"] for f in frontends}

        pools: list[dict[str, Any]] = [
            {
                "name": n,
                "id": i,
                "type": child_type("backendAddressPools"),
                "properties": {k: v for k, v in p.items() if k in ("loadBalancerBackendAddresses", "location")},
            }
            for n, i, p in self._children(rid, props_in.get("backendAddressPools"), "backendAddressPools")
        ]
        pool_ids = {key(p["id"]): p["id"] for p in pools}

        probes: list[dict[str, Any]] = []
        for probe_name, probe_id, p in self._children(rid, props_in.get("probes"), "probes"):
            protocol = _PROBE_PROTOCOLS.get(str(p.get("protocol", "")).lower())
            if protocol is None:
                raise ArmError(
                    400,
                    "InvalidProbeProtocol",
                    f"Probe {probe_id} has protocol {p.get('protocol')!r}; use Tcp, Http or Https.",
                )
            props = {
                "protocol": protocol,
                "port": _int(p.get("port"), "port", probe_id, 1, 65535),
                "intervalInSeconds": _int(p.get("intervalInSeconds"), "intervalInSeconds", probe_id, 5, 2147483646, 15),
                "numberOfProbes": _int(p.get("numberOfProbes"), "numberOfProbes", probe_id, 1, 2147483646, 2),
                "probeThreshold": _int(p.get("probeThreshold"), "probeThreshold", probe_id, 1, 2147483646, 1),
            }
            if protocol in ("Http", "Https"):
                if not p.get("requestPath"):
                    raise ArmError(
                        400, "ProbeRequestPathRequired", f"Probe {probe_id} uses {protocol} and needs a requestPath."
                    )
                props["requestPath"] = p["requestPath"]
            elif p.get("requestPath"):
                raise ArmError(
                    400, "ProbeRequestPathNotAllowed", f"Probe {probe_id} uses Tcp and cannot have a requestPath."
                )
            probes.append({"name": probe_name, "id": probe_id, "type": child_type("probes"), "properties": props})
        probe_ids = {key(p["id"]): p["id"] for p in probes}

        def local_ref(value: Any, wanted: dict[str, str], owner: str, field: str, required: bool) -> str | None:
            ref = ref_id(value)
            if ref is None:
                if required:
                    raise ArmError(400, "InvalidRequestFormat", f"{field} of {owner} is required.")
                return None
            if key(ref) not in wanted:
                raise invalid_resource_reference(ref, owner)
            return wanted[key(ref)]  # matched in any casing, stored in the child's own

        ports: dict[tuple[str, str, int], str] = {}

        def claim(fe: str, protocol: str, low: int, high: int, owner: str) -> None:
            protocols = ("Tcp", "Udp") if protocol == "All" else (protocol,)
            for proto in protocols:
                for port in range(low, high + 1):
                    holder = ports.get((key(fe), proto, port))
                    if holder is not None and holder != owner:
                        raise ArmError(
                            400,
                            "LoadBalancerFrontendPortInUse",
                            f"{owner} and {holder} use the same frontend IP configuration {fe}, protocol {proto} and "
                            f"frontend port {port}.",
                        )
                    ports[(key(fe), proto, port)] = owner

        rules: list[dict[str, Any]] = []
        for rule_name, rule_id, p in self._children(rid, props_in.get("loadBalancingRules"), "loadBalancingRules"):
            protocol = _protocol(p, rule_id, "InvalidLoadBalancingRuleProtocol")
            fe = local_ref(p.get("frontendIPConfiguration"), fe_ids, rule_id, "frontendIPConfiguration", True)
            pool = local_ref(p.get("backendAddressPool"), pool_ids, rule_id, "backendAddressPool", False)
            probe = local_ref(p.get("probe"), probe_ids, rule_id, "probe", False)
            frontend_port = _int(p.get("frontendPort"), "frontendPort", rule_id, 0, 65534)
            assert fe is not None
            claim(fe, protocol, frontend_port, frontend_port, rule_id)
            props = {
                "frontendIPConfiguration": {"id": fe},
                "frontendPort": frontend_port,
                "backendPort": _int(p.get("backendPort"), "backendPort", rule_id, 0, 65535, frontend_port),
                "protocol": protocol,
                **_connection_options(p, rule_id),
                "loadDistribution": str(p.get("loadDistribution") or "Default"),
                "disableOutboundSnat": bool(p.get("disableOutboundSnat", False)),
            }
            if pool:
                props["backendAddressPool"] = {"id": pool}
            if probe:
                props["probe"] = {"id": probe}
            rules.append(
                {"name": rule_name, "id": rule_id, "type": child_type("loadBalancingRules"), "properties": props}
            )

        nat_rules: list[dict[str, Any]] = []
        own_rules = [
            r
            for r in props_in.get("inboundNatRules") or []
            if not self._is_pool_rule(r, props_in.get("inboundNatPools"))
        ]
        for nat_name, nat_id, p in self._children(rid, own_rules, "inboundNatRules"):
            protocol = _protocol(p, nat_id, "InvalidInboundNatRuleProtocol")
            fe = local_ref(p.get("frontendIPConfiguration"), fe_ids, nat_id, "frontendIPConfiguration", True)
            assert fe is not None
            frontend_port = _int(p.get("frontendPort"), "frontendPort", nat_id, 1, 65534)
            claim(fe, protocol, frontend_port, frontend_port, nat_id)
            props = {
                "frontendIPConfiguration": {"id": fe},
                "frontendPort": frontend_port,
                "backendPort": _int(p.get("backendPort"), "backendPort", nat_id, 1, 65535),
                "protocol": protocol,
                **_connection_options(p, nat_id),
            }
            nat_rules.append(
                {"name": nat_name, "id": nat_id, "type": child_type("inboundNatRules"), "properties": props}
            )

        nat_pools: list[dict[str, Any]] = []
        for pool_name, pool_id, p in self._children(rid, props_in.get("inboundNatPools"), "inboundNatPools"):
            protocol = _protocol(p, pool_id, "InvalidInboundNatPoolProtocol")
            fe = local_ref(p.get("frontendIPConfiguration"), fe_ids, pool_id, "frontendIPConfiguration", True)
            assert fe is not None
            start = _int(p.get("frontendPortRangeStart"), "frontendPortRangeStart", pool_id, 1, 65534)
            end = _int(p.get("frontendPortRangeEnd"), "frontendPortRangeEnd", pool_id, 1, 65535)
            if end < start:
                raise ArmError(
                    400,
                    "InvalidFrontendPortRange",
                    f"Inbound NAT pool {pool_id} has frontendPortRangeEnd {end} below frontendPortRangeStart {start}.",
                )
            claim(fe, protocol, start, end, pool_id)
            props = {
                "frontendIPConfiguration": {"id": fe},
                "frontendPortRangeStart": start,
                "frontendPortRangeEnd": end,
                "backendPort": _int(p.get("backendPort"), "backendPort", pool_id, 1, 65535),
                "protocol": protocol,
                **_connection_options(p, pool_id),
            }
            nat_pools.append(
                {"name": pool_name, "id": pool_id, "type": child_type("inboundNatPools"), "properties": props}
            )

        outbound: list[dict[str, Any]] = []
        for out_name, out_id, p in self._children(rid, props_in.get("outboundRules"), "outboundRules"):
            refs = [
                local_ref(f, fe_ids, out_id, "frontendIPConfigurations", True)
                for f in p.get("frontendIPConfigurations") or []
            ]
            pool = local_ref(p.get("backendAddressPool"), pool_ids, out_id, "backendAddressPool", True)
            outbound.append(
                {
                    "name": out_name,
                    "id": out_id,
                    "type": child_type("outboundRules"),
                    "properties": {
                        "frontendIPConfigurations": [{"id": r} for r in refs],
                        "backendAddressPool": {"id": pool},
                        "protocol": _RULE_PROTOCOLS.get(str(p.get("protocol", "All")).lower(), "All"),
                        "allocatedOutboundPorts": p.get("allocatedOutboundPorts", 0),
                        "idleTimeoutInMinutes": p.get("idleTimeoutInMinutes", 4),
                        "enableTcpReset": bool(p.get("enableTcpReset", False)),
                    },
                }
            )

        self._check_pools_kept(
            existing, set(pool_ids), {key(r["id"]) for r in nat_rules}, {key(p["id"]) for p in nat_pools}
        )
        props_out = {
            "resourceGuid": existing.properties["resourceGuid"] if existing else self.guid(),
            "frontendIPConfigurations": frontends,
            "backendAddressPools": pools,
            "loadBalancingRules": rules,
            "probes": probes,
            "inboundNatRules": nat_rules,
            "inboundNatPools": nat_pools,
            "outboundRules": outbound,
        }
        return Record(
            rid,
            LB_TYPE,
            {
                "name": name,
                "id": rid,
                "type": LB_TYPE,
                "location": location,
                "tags": self.tags(body),
                "sku": {"name": sku_name, "tier": str(sku_in.get("tier") or "Regional")},
                "properties": props_out,
            },
        )

    def _check_pools_kept(
        self, existing: Record | None, pool_ids: set[str], nat_ids: set[str], nat_pool_ids: set[str]
    ) -> None:
        """Refuse to remove a pool, NAT rule or NAT pool that IP configurations still use."""
        if existing is None:
            return
        for nat_pool in existing.properties.get("inboundNatPools", []):
            users = self.nat_pool_users(nat_pool["id"])
            if users and key(nat_pool["id"]) not in nat_pool_ids:
                raise ArmError(
                    400,
                    "InUseInboundNatPoolCannotBeDeleted",
                    f"Inbound NAT pool {nat_pool['id']} is in use by {users[0]} and cannot be deleted.",
                )
        for pool in existing.properties.get("backendAddressPools", []):
            members = self.pool_members(pool["id"])
            if members and key(pool["id"]) not in pool_ids:
                raise ArmError(
                    400,
                    "InUseBackendAddressPoolCannotBeDeleted",
                    f"Backend address pool {pool['id']} is in use by {members[0]} and cannot be deleted.",
                )
        for rule in existing.properties.get("inboundNatRules", []):
            target = self.nat_rule_target(rule["id"])
            if target and key(rule["id"]) not in nat_ids:
                raise ArmError(
                    400,
                    "InUseInboundNatRuleCannotBeDeleted",
                    f"Inbound NAT rule {rule['id']} is in use by {target} and cannot be deleted.",
                )

    # -- handlers ----------------------------------------------------------------------------------
    def check_delete(self, record: Record) -> None:
        pools = [*record.properties.get("backendAddressPools", []), *record.properties.get("inboundNatPools", [])]
        for pool in pools:
            members = self.pool_members(pool["id"]) or self.nat_pool_users(pool["id"])
            if members:
                raise ArmError(
                    400,
                    "InUseLoadBalancerCannotBeDeleted",
                    f"Load balancer {record.id} cannot be deleted: its pool {pool['name']} is in use by {members[0]}.",
                )
