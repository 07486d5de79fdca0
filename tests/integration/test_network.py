"""Microsoft.Network through the real SDK: defaults, allocation, references, conflicts, ARM codes."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import LOCATION, Azure, make_group, make_nic, make_vnet


def error_code(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as err:
        call()
    return err.value.status_code, err.value.error.code


# -- public IPs ------------------------------------------------------------------------------------
def test_public_ip_defaults(azure: Azure) -> None:
    make_group(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    assert pip.sku.name == "Basic"
    assert pip.sku.tier == "Regional"
    assert pip.public_ip_allocation_method == "Dynamic"
    assert pip.public_ip_address_version == "IPv4"
    assert pip.idle_timeout_in_minutes == 4
    assert pip.ip_address is None  # Dynamic: only once attached to a running VM
    assert pip.etag.startswith('W/"')
    assert pip.resource_guid


def test_public_ip_static_standard_and_dns(azure: Azure) -> None:
    make_group(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update(
        "rg1",
        "web",
        {
            "location": LOCATION,
            "sku": {"name": "Standard"},
            "properties": {"dnsSettings": {"domainNameLabel": "kn-web01"}},
        },
    ).result()
    assert pip.public_ip_allocation_method == "Static"
    assert pip.ip_address  # Static: allocated when the operation completes
    assert pip.dns_settings.fqdn == "kn-web01.westeurope.cloudapp.azure.com"


def test_public_ip_validation(azure: Azure) -> None:
    make_group(azure)
    pips = azure.network.public_ip_addresses

    def create(body: dict[str, Any], name: str = "p") -> Any:
        return pips.begin_create_or_update("rg1", name, {"location": LOCATION, **body}).result()

    assert error_code(lambda: create({"properties": {"dnsSettings": {"domainNameLabel": "Bad_Label"}}})) == (
        400,
        "InvalidDomainNameLabel",
    )
    assert error_code(
        lambda: create({"sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}})
    ) == (400, "StandardSkuPublicIPAddressMustBeStatic")
    assert error_code(lambda: create({"properties": {"idleTimeoutInMinutes": 60}})) == (
        400,
        "PublicIPIdleTimeoutIsOutOfRange",
    )
    create({"properties": {"dnsSettings": {"domainNameLabel": "taken"}}}, "one")
    assert error_code(lambda: create({"properties": {"dnsSettings": {"domainNameLabel": "taken"}}}, "two")) == (
        400,
        "DnsRecordInUse",
    )
    assert error_code(lambda: pips.begin_create_or_update("rg1", "-bad-", {"location": LOCATION}).result()) == (
        400,
        "InvalidResourceName",
    )
    assert error_code(lambda: pips.begin_create_or_update("rg1", "p2", {"location": "mars"}).result()) == (
        400,
        "LocationNotAvailableForResourceType",
    )


def test_public_ip_in_use_cannot_be_deleted(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    make_nic(azure, vnet.subnets[0].id, pip_id=pip.id)
    got = azure.network.public_ip_addresses.get("rg1", "pip")
    assert got.ip_configuration.id.endswith("/networkInterfaces/nic1/ipConfigurations/ipconfig1")
    assert error_code(lambda: azure.network.public_ip_addresses.begin_delete("rg1", "pip").result()) == (
        400,
        "PublicIPAddressCannotBeDeleted",
    )
    # A second NIC cannot take the same public IP.
    assert error_code(lambda: make_nic(azure, vnet.subnets[0].id, name="nic2", pip_id=pip.id)) == (
        400,
        "PublicIPAddressInUse",
    )


def test_delete_is_idempotent(azure: Azure) -> None:
    make_group(azure)
    azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    azure.network.public_ip_addresses.begin_delete("rg1", "pip").result()
    with pytest.raises(ResourceNotFoundError) as err:
        azure.network.public_ip_addresses.get("rg1", "pip")
    assert err.value.error.code == "ResourceNotFound"
    azure.network.public_ip_addresses.begin_delete("rg1", "pip").result()  # already gone: 204, no error


def test_etag_changes_and_if_match(azure: Azure) -> None:
    make_group(azure)
    seen: list[str] = []

    def record(response: Any) -> None:
        if response.http_response.status_code in (200, 201) and response.http_response.headers.get(
            "Azure-AsyncOperation"
        ):
            response.http_response.read()
            seen.append(response.http_response.json()["etag"])

    body = {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}
    final = azure.network.virtual_networks.begin_create_or_update("rg1", "v", body, raw_response_hook=record).result()
    assert seen and seen[0] != final.etag  # the etag moves between the PUT answer and the final GET
    stale = seen[0]
    assert error_code(
        lambda: azure.network.virtual_networks.begin_create_or_update(
            "rg1", "v", body, headers={"If-Match": stale}
        ).result()
    ) == (412, "PreconditionFailed")
    azure.network.virtual_networks.begin_create_or_update("rg1", "v", body, headers={"If-Match": final.etag}).result()


# -- virtual networks and subnets -------------------------------------------------------------------
def test_vnet_with_inline_subnets(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure, subnets={"Subnet1": "10.0.0.0/24", "Subnet2": "10.0.1.0/24"})
    assert vnet.provisioning_state == "Succeeded"
    assert [s.name for s in vnet.subnets] == ["Subnet1", "Subnet2"]
    subnet = vnet.subnets[0]
    assert subnet.id == f"{vnet.id}/subnets/Subnet1"
    assert subnet.etag == vnet.etag
    assert subnet.private_endpoint_network_policies == "Enabled"
    assert vnet.enable_ddos_protection is False
    assert vnet.virtual_network_peerings == []


@pytest.mark.parametrize(
    ("subnets", "code"),
    [
        ({"a": "10.1.0.0/24"}, "NetcfgSubnetRangeOutsideVnet"),
        ({"a": "10.0.0.0/24", "b": "10.0.0.128/25"}, "NetcfgSubnetRangesOverlap"),
        ({"a": "10.0.0.1/24"}, "InvalidCIDRNotation"),
        ({"a": "10.0.0/24"}, "InvalidAddressPrefixFormat"),
        ({"a": "10.0.0.0/30"}, "InvalidSubnetAddressPrefix"),
    ],
)
def test_subnet_validation(azure: Azure, subnets: dict[str, str], code: str) -> None:
    make_group(azure)
    assert error_code(lambda: make_vnet(azure, subnets=subnets)) == (400, code)
    assert azure.emu.store.get(azure.rid("rg1", "Microsoft.Network/virtualNetworks", "vnet1")) is None


def test_subnet_child_resource(azure: Azure) -> None:
    make_group(azure)
    make_vnet(azure, subnets={})
    subnets = azure.network.subnets
    created = subnets.begin_create_or_update(
        "rg1", "vnet1", "web", {"properties": {"addressPrefix": "10.0.1.0/24"}}
    ).result()
    assert created.address_prefix == "10.0.1.0/24"
    assert created.provisioning_state == "Succeeded"
    assert [s.name for s in subnets.list("rg1", "vnet1")] == ["web"]
    assert azure.network.virtual_networks.get("rg1", "vnet1").subnets[0].name == "web"
    assert error_code(
        lambda: subnets.begin_create_or_update(
            "rg1", "vnet1", "app", {"properties": {"addressPrefix": "10.0.1.128/25"}}
        ).result()
    ) == (400, "NetcfgSubnetRangesOverlap")
    subnets.begin_delete("rg1", "vnet1", "web").result()
    assert list(subnets.list("rg1", "vnet1")) == []
    with pytest.raises(ResourceNotFoundError):
        subnets.get("rg1", "missing-vnet", "web")


def test_subnet_in_use(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure, subnets={"a": "10.0.0.0/24", "b": "10.0.1.0/24"})
    make_nic(azure, vnet.subnets[0].id)
    subnet = azure.network.subnets.get("rg1", "vnet1", "a")
    assert [c.id for c in subnet.ip_configurations] == [
        azure.rid("rg1", "Microsoft.Network/networkInterfaces", "nic1") + "/ipConfigurations/ipconfig1"
    ]
    assert error_code(lambda: azure.network.subnets.begin_delete("rg1", "vnet1", "a").result()) == (
        400,
        "InUseSubnetCannotBeDeleted",
    )
    # Dropping it from a vnet PUT is refused the same way; dropping the unused one works.
    assert error_code(lambda: make_vnet(azure, subnets={"b": "10.0.1.0/24"})) == (400, "InUseSubnetCannotBeDeleted")
    make_vnet(azure, subnets={"a": "10.0.0.0/24"})
    assert error_code(lambda: azure.network.virtual_networks.begin_delete("rg1", "vnet1").result()) == (
        400,
        "InUseSubnetCannotBeDeleted",
    )


# -- network interfaces -------------------------------------------------------------------------------
def test_nic_allocation_skips_reserved_addresses(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    first = make_nic(azure, vnet.subnets[0].id, name="n1")
    second = make_nic(azure, vnet.subnets[0].id, name="n2")
    ipc = first.ip_configurations[0]
    assert ipc.private_ip_address == "10.0.0.4"
    assert second.ip_configurations[0].private_ip_address == "10.0.0.5"
    assert ipc.private_ip_allocation_method == "Dynamic"
    assert ipc.primary is True
    assert ipc.private_ip_address_version == "IPv4"
    assert first.enable_accelerated_networking is False
    assert first.enable_ip_forwarding is False
    assert first.dns_settings.internal_domain_name_suffix.endswith(".internal.cloudapp.net")
    assert first.mac_address is None  # only once a VM is attached
    # A freed address is handed out again.
    azure.network.network_interfaces.begin_delete("rg1", "n1").result()
    assert make_nic(azure, vnet.subnets[0].id, name="n3").ip_configurations[0].private_ip_address == "10.0.0.4"


def test_nic_static_addresses(azure: Azure) -> None:
    make_group(azure)
    subnet_id = make_vnet(azure).subnets[0].id
    nic = make_nic(azure, subnet_id, name="s1", private_ip="10.0.0.10")
    assert nic.ip_configurations[0].private_ip_address == "10.0.0.10"
    assert nic.ip_configurations[0].private_ip_allocation_method == "Static"
    assert error_code(lambda: make_nic(azure, subnet_id, name="s2", private_ip="10.0.0.10")) == (
        400,
        "PrivateIPAddressIsAllocated",
    )
    assert error_code(lambda: make_nic(azure, subnet_id, name="s3", private_ip="10.0.0.2")) == (
        400,
        "PrivateIPAddressInReservedRange",
    )
    assert error_code(lambda: make_nic(azure, subnet_id, name="s4", private_ip="10.0.5.9")) == (
        400,
        "PrivateIPAddressNotInSubnet",
    )
    # The dynamic allocator skips the static one.
    assert make_nic(azure, subnet_id, name="d1").ip_configurations[0].private_ip_address == "10.0.0.4"


def test_small_subnet_fills_up(azure: Azure) -> None:
    make_group(azure)
    subnet_id = make_vnet(azure, subnets={"tiny": "10.0.0.0/29"}).subnets[0].id
    made = [make_nic(azure, subnet_id, name=f"n{i}").ip_configurations[0].private_ip_address for i in range(3)]
    assert made == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]
    assert error_code(lambda: make_nic(azure, subnet_id, name="full")) == (400, "SubnetIsFull")


def test_nic_references_must_exist_in_region(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    missing_subnet = vnet.id + "/subnets/nope"
    assert error_code(lambda: make_nic(azure, missing_subnet)) == (400, "InvalidResourceReference")
    assert error_code(lambda: make_nic(azure, vnet.subnets[0].id, location="eastus")) == (
        400,
        "InvalidResourceReference",
    )
    ghost_pip = azure.rid("rg1", "Microsoft.Network/publicIPAddresses", "ghost")
    assert error_code(lambda: make_nic(azure, vnet.subnets[0].id, pip_id=ghost_pip)) == (
        400,
        "InvalidResourceReference",
    )


def test_nic_multiple_ip_configurations(azure: Azure) -> None:
    make_group(azure)
    subnet_id = make_vnet(azure).subnets[0].id
    body = {
        "location": LOCATION,
        "properties": {
            "ipConfigurations": [
                {"name": "a", "properties": {"subnet": {"id": subnet_id}, "primary": True}},
                {"name": "b", "properties": {}},
            ]
        },
    }
    nic = azure.network.network_interfaces.begin_create_or_update("rg1", "multi", body).result()
    configs = {c.name: c for c in nic.ip_configurations}
    assert configs["a"].primary and not configs["b"].primary
    assert configs["b"].subnet.id == subnet_id  # a secondary configuration inherits the primary's subnet
    assert {configs["a"].private_ip_address, configs["b"].private_ip_address} == {"10.0.0.4", "10.0.0.5"}
    body["properties"]["ipConfigurations"][1]["properties"]["primary"] = True
    assert error_code(
        lambda: azure.network.network_interfaces.begin_create_or_update("rg1", "multi2", body).result()
    ) == (400, "MultiplePrimaryIpConfigurationsOnNic")
    assert [c.name for c in azure.network.network_interface_ip_configurations.list("rg1", "multi")] == ["a", "b"]


def test_nic_update_keeps_dynamic_address(azure: Azure) -> None:
    make_group(azure)
    subnet_id = make_vnet(azure).subnets[0].id
    make_nic(azure, subnet_id, name="other")
    nic = make_nic(azure, subnet_id)
    again = make_nic(azure, subnet_id)
    assert again.ip_configurations[0].private_ip_address == nic.ip_configurations[0].private_ip_address == "10.0.0.5"
    assert again.resource_guid == nic.resource_guid


# -- network security groups --------------------------------------------------------------------------
def rule(name: str, priority: int, port: str = "80", direction: str = "Inbound", **extra: Any) -> dict[str, Any]:
    props = {
        "priority": priority,
        "protocol": "Tcp",
        "access": "Allow",
        "direction": direction,
        "sourceAddressPrefix": "*",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": port,
        **extra,
    }
    return {"name": name, "properties": props}


def test_nsg_rules_and_defaults(azure: Azure) -> None:
    make_group(azure)
    nsg = azure.network.network_security_groups.begin_create_or_update(
        "rg1",
        "web-nsg",
        {"location": LOCATION, "properties": {"securityRules": [rule("http", 100), rule("rdp", 110, "3389")]}},
    ).result()
    assert [r.name for r in nsg.security_rules] == ["http", "rdp"]
    defaults = sorted((r.priority, r.direction, r.name) for r in nsg.default_security_rules)
    assert len(defaults) == 6
    assert (65500, "Inbound", "DenyAllInBound") in defaults
    assert (65001, "Outbound", "AllowInternetOutBound") in defaults
    # Rules as child resources.
    rules = azure.network.security_rules
    added = rules.begin_create_or_update("rg1", "web-nsg", "https", rule("https", 120, "443")).result()
    assert added.destination_port_range == "443"
    assert sorted(r.name for r in rules.list("rg1", "web-nsg")) == ["http", "https", "rdp"]
    rules.begin_delete("rg1", "web-nsg", "rdp").result()
    assert sorted(r.name for r in rules.list("rg1", "web-nsg")) == ["http", "https"]
    assert azure.network.default_security_rules.get("rg1", "web-nsg", "DenyAllInBound").priority == 65500


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ([rule("a", 100), rule("b", 100)], "SecurityRuleConflict"),
        ([rule("a", 50)], "SecurityRuleInvalidPriority"),
        ([rule("a", 5000)], "SecurityRuleInvalidPriority"),
        ([rule("a", 100, "70000")], "SecurityRuleInvalidPortRange"),
        ([rule("a", 100, "90-80")], "SecurityRuleInvalidPortRange"),
        ([rule("a", 100, protocol="Gre")], "SecurityRuleInvalidProtocol"),
    ],
)
def test_nsg_rule_validation(azure: Azure, rules: list[dict[str, Any]], code: str) -> None:
    make_group(azure)
    assert error_code(
        lambda: azure.network.network_security_groups.begin_create_or_update(
            "rg1", "nsg", {"location": LOCATION, "properties": {"securityRules": rules}}
        ).result()
    ) == (400, code)


def test_same_priority_other_direction_is_fine(azure: Azure) -> None:
    make_group(azure)
    nsg = azure.network.network_security_groups.begin_create_or_update(
        "rg1",
        "nsg",
        {
            "location": LOCATION,
            "properties": {"securityRules": [rule("in", 100), rule("out", 100, direction="Outbound")]},
        },
    ).result()
    assert len(nsg.security_rules) == 2


def test_nsg_associations_and_in_use(azure: Azure) -> None:
    make_group(azure)
    nsg = azure.network.network_security_groups.begin_create_or_update("rg1", "nsg", {"location": LOCATION}).result()
    body = {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [
                {"name": "s", "properties": {"addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": nsg.id}}}
            ],
        },
    }
    vnet = azure.network.virtual_networks.begin_create_or_update("rg1", "v", body).result()
    assert vnet.subnets[0].network_security_group.id == nsg.id
    got = azure.network.network_security_groups.get("rg1", "nsg")
    assert [s.id for s in got.subnets] == [vnet.subnets[0].id]
    assert error_code(lambda: azure.network.network_security_groups.begin_delete("rg1", "nsg").result()) == (
        400,
        "InUseNetworkSecurityGroupCannotBeDeleted",
    )
    ghost = azure.rid("rg1", "Microsoft.Network/networkSecurityGroups", "ghost")
    body["properties"]["subnets"][0]["properties"]["networkSecurityGroup"]["id"] = ghost
    assert error_code(lambda: azure.network.virtual_networks.begin_create_or_update("rg1", "v2", body).result()) == (
        400,
        "InvalidResourceReference",
    )


# -- load balancers -------------------------------------------------------------------------------------
def lb_body(azure: Azure, pip_id: str, **overrides: Any) -> dict[str, Any]:
    lb = azure.rid("rg1", "Microsoft.Network/loadBalancers", "lb")
    props: dict[str, Any] = {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip_id}}}],
        "backendAddressPools": [{"name": "be"}],
        "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/"}}],
        "loadBalancingRules": [
            {
                "name": "web",
                "properties": {
                    "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                    "backendAddressPool": {"id": f"{lb}/backendAddressPools/be"},
                    "probe": {"id": f"{lb}/probes/http"},
                    "protocol": "Tcp",
                    "frontendPort": 80,
                },
            }
        ],
        "inboundNatPools": [
            {
                "name": "rdp",
                "properties": {
                    "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                    "protocol": "Tcp",
                    "frontendPortRangeStart": 50000,
                    "frontendPortRangeEnd": 50099,
                    "backendPort": 3389,
                },
            }
        ],
    }
    props.update(overrides)
    return {"location": LOCATION, "properties": props}


def test_load_balancer(azure: Azure) -> None:
    make_group(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "lbpip", {"location": LOCATION}).result()
    lb = azure.network.load_balancers.begin_create_or_update("rg1", "lb", lb_body(azure, pip.id)).result()
    assert lb.sku.name == "Basic"
    rule_ = lb.load_balancing_rules[0]
    assert rule_.backend_port == 80 and rule_.idle_timeout_in_minutes == 4 and rule_.enable_floating_ip is False
    assert rule_.load_distribution == "Default"
    fe = lb.frontend_ip_configurations[0]
    assert [r.id for r in fe.load_balancing_rules] == [rule_.id]
    assert [p.id for p in fe.inbound_nat_pools] == [lb.inbound_nat_pools[0].id]
    assert lb.probes[0].load_balancing_rules[0].id == rule_.id
    assert lb.probes[0].interval_in_seconds == 15 and lb.probes[0].number_of_probes == 2
    assert azure.network.public_ip_addresses.get("rg1", "lbpip").ip_configuration.id == fe.id
    assert azure.network.load_balancer_probes.get("rg1", "lb", "http").port == 80
    # A NIC joins the backend pool; the pool lists it.
    subnet_id = make_vnet(azure).subnets[0].id
    nic_body = {
        "location": LOCATION,
        "properties": {
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "properties": {
                        "subnet": {"id": subnet_id},
                        "loadBalancerBackendAddressPools": [{"id": lb.backend_address_pools[0].id}],
                    },
                }
            ]
        },
    }
    nic = azure.network.network_interfaces.begin_create_or_update("rg1", "web1", nic_body).result()
    pool = azure.network.load_balancer_backend_address_pools.get("rg1", "lb", "be")
    assert [c.id for c in pool.backend_ip_configurations] == [nic.ip_configurations[0].id]
    assert error_code(lambda: azure.network.load_balancers.begin_delete("rg1", "lb").result()) == (
        400,
        "InUseLoadBalancerCannotBeDeleted",
    )


def test_load_balancer_validation(azure: Azure) -> None:
    make_group(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "lbpip", {"location": LOCATION}).result()
    lbs = azure.network.load_balancers
    base = lb_body(azure, pip.id)
    lb = azure.rid("rg1", "Microsoft.Network/loadBalancers", "lb")

    def create(**overrides: Any) -> Any:
        return lbs.begin_create_or_update("rg1", "lb", lb_body(azure, pip.id, **overrides)).result()

    clash = [
        dict(base["properties"]["loadBalancingRules"][0]),
        {"name": "again", "properties": dict(base["properties"]["loadBalancingRules"][0]["properties"])},
    ]
    assert error_code(lambda: create(loadBalancingRules=clash)) == (400, "LoadBalancerFrontendPortInUse")
    nat_clash = [
        {
            "name": "n",
            "properties": {
                "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                "protocol": "Tcp",
                "frontendPort": 50010,
                "backendPort": 3389,
            },
        }
    ]
    assert error_code(lambda: create(inboundNatRules=nat_clash)) == (400, "LoadBalancerFrontendPortInUse")
    assert error_code(lambda: create(probes=[{"name": "http", "properties": {"protocol": "Http", "port": 80}}])) == (
        400,
        "ProbeRequestPathRequired",
    )
    dangling = [dict(base["properties"]["loadBalancingRules"][0])]
    dangling[0] = {"name": "web", "properties": {**dangling[0]["properties"], "probe": {"id": f"{lb}/probes/nope"}}}
    assert error_code(lambda: create(loadBalancingRules=dangling)) == (400, "InvalidResourceReference")
    bad_range = [
        {
            "name": "rdp",
            "properties": {
                "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                "protocol": "Tcp",
                "frontendPortRangeStart": 50100,
                "frontendPortRangeEnd": 50000,
                "backendPort": 3389,
            },
        }
    ]
    assert error_code(lambda: create(inboundNatPools=bad_range)) == (400, "InvalidFrontendPortRange")
    standard_pip = azure.network.public_ip_addresses.begin_create_or_update(
        "rg1", "std", {"location": LOCATION, "sku": {"name": "Standard"}}
    ).result()
    assert error_code(lambda: lbs.begin_create_or_update("rg1", "lb", lb_body(azure, standard_pip.id)).result()) == (
        400,
        "LoadBalancerReferencesPublicIPAddressWithDifferentSku",
    )
