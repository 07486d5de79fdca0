"""Network child resources served at their own URL, as templates declare them, and route tables."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import LOCATION, Azure, make_group, make_nic, make_vnet

API = "2020-05-01"


def rid(azure: Azure, path: str) -> str:
    return f"/subscriptions/{azure.sub}/resourceGroups/rg1/providers/Microsoft.Network/{path}"


def put(azure: Azure, path: str, body: dict[str, Any], version: str = API) -> Any:
    return azure.raw("PUT", f"{rid(azure, path)}?api-version={version}", body)


def test_peerings_connect_when_both_sides_exist(azure: Azure) -> None:
    make_group(azure)
    a = make_vnet(azure, name="hub", prefix="10.0.0.0/16", subnets={"s": "10.0.0.0/24"})
    b = make_vnet(azure, name="spoke", prefix="10.1.0.0/16", subnets={"s": "10.1.0.0/24"})
    first = put(azure, "virtualNetworks/hub/virtualNetworkPeerings/to-spoke",
                {"properties": {"remoteVirtualNetwork": {"id": b.id}, "allowForwardedTraffic": "true"}})  # fmt: skip
    assert first.status_code == 201
    assert first.json()["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
    peering = azure.network.virtual_network_peerings.get("rg1", "hub", "to-spoke")
    assert (peering.peering_state, peering.allow_forwarded_traffic) == ("Initiated", True)
    assert peering.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    put(
        azure,
        "virtualNetworks/spoke/virtualNetworkPeerings/to-hub",
        {"properties": {"remoteVirtualNetwork": {"id": a.id}}},
    )
    assert azure.network.virtual_network_peerings.get("rg1", "hub", "to-spoke").peering_state == "Connected"
    assert azure.network.virtual_networks.get("rg1", "spoke").virtual_network_peerings[0].peering_state == "Connected"
    # a vnet PUT that does not list its peerings keeps them
    make_vnet(azure, name="hub", prefix="10.0.0.0/16", subnets={"s": "10.0.0.0/24"})
    assert [p.name for p in azure.network.virtual_network_peerings.list("rg1", "hub")] == ["to-spoke"]
    azure.network.virtual_network_peerings.begin_delete("rg1", "spoke", "to-hub").result()
    assert azure.network.virtual_network_peerings.get("rg1", "hub", "to-spoke").peering_state == "Initiated"
    azure.network.virtual_networks.begin_delete("rg1", "spoke").result()
    assert azure.network.virtual_network_peerings.get("rg1", "hub", "to-spoke").peering_state == "Disconnected"
    # a disconnected peering bars no later write of its network
    assert (
        put(azure, "virtualNetworks/hub/subnets/s2", {"properties": {"addressPrefix": "10.0.1.0/24"}}).status_code
        == 201
    )
    hub = azure.raw("GET", f"{rid(azure, 'virtualNetworks/hub')}?api-version={API}").json()
    assert put(azure, "virtualNetworks/hub", hub).status_code == 200
    azure.network.virtual_network_peerings.begin_delete("rg1", "hub", "to-spoke").result()
    assert list(azure.network.virtual_network_peerings.list("rg1", "hub")) == []


def test_peerings_refuse_overlaps_and_missing_remotes(azure: Azure) -> None:
    make_group(azure)
    make_vnet(azure, name="a", prefix="10.0.0.0/16", subnets={})
    b = make_vnet(azure, name="b", prefix="10.0.128.0/17", subnets={})
    overlap = put(
        azure, "virtualNetworks/a/virtualNetworkPeerings/p", {"properties": {"remoteVirtualNetwork": {"id": b.id}}}
    )
    assert (overlap.status_code, overlap.json()["error"]["code"]) == (400, "VnetAddressSpacesOverlap")
    missing = put(azure, "virtualNetworks/a/virtualNetworkPeerings/p",
                  {"properties": {"remoteVirtualNetwork": {"id": rid(azure, "virtualNetworks/nope")}}})  # fmt: skip
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "InvalidResourceReference")


def test_route_tables_with_routes_at_their_own_url_and_subnets_using_them(azure: Azure) -> None:
    make_group(azure)
    table = {"location": LOCATION, "properties": {"routes": [
        {"name": "to-fw", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
                                         "nextHopIpAddress": "10.0.1.4"}}]}}  # fmt: skip
    assert put(azure, "routeTables/udr", table).status_code == 201
    created = put(
        azure,
        "routeTables/udr/routes/local",
        {"properties": {"addressPrefix": "10.2.0.0/16", "nextHopType": "vnetlocal"}},
    )
    assert created.status_code == 201 and created.json()["properties"]["nextHopType"] == "VnetLocal"
    routes = azure.network.routes.list("rg1", "udr")
    assert sorted(r.name for r in routes) == ["local", "to-fw"]
    udr = azure.network.route_tables.get("rg1", "udr")
    make_vnet(azure)
    subnet = {"properties": {"addressPrefix": "10.0.1.0/24", "routeTable": {"id": udr.id}}}
    assert put(azure, "virtualNetworks/vnet1/subnets/dmz", subnet).status_code == 201
    assert [s.id.rsplit("/", 1)[-1] for s in azure.network.route_tables.get("rg1", "udr").subnets] == ["dmz"]
    with pytest.raises(HttpResponseError) as caught:
        azure.network.route_tables.begin_delete("rg1", "udr").result()
    assert caught.value.error.code == "InUseRouteTableCannotBeDeleted"
    azure.network.routes.begin_delete("rg1", "udr", "local").result()
    assert [r.name for r in azure.network.routes.list("rg1", "udr")] == ["to-fw"]


@pytest.mark.parametrize(
    ("route", "code"),
    [
        ({"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance"}, "InvalidNextHopIpAddress"),
        ({"addressPrefix": "0.0.0.0/0", "nextHopType": "Teleport"}, "InvalidRouteNextHopType"),
        ({"addressPrefix": "10.0.0.1/8", "nextHopType": "Internet"}, "InvalidCIDRNotation"),
        (
            {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet", "nextHopIpAddress": "1.2.3.4"},
            "NextHopIpAddressNotAllowed",
        ),
    ],
)
def test_routes_follow_azures_rules(azure: Azure, route: dict[str, Any], code: str) -> None:
    make_group(azure)
    response = put(
        azure, "routeTables/udr", {"location": LOCATION, "properties": {"routes": [{"name": "r", "properties": route}]}}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)


def test_a_subnet_may_not_name_a_missing_route_table(azure: Azure) -> None:
    make_group(azure)
    make_vnet(azure)
    response = put(azure, "virtualNetworks/vnet1/subnets/s2",
                   {"properties": {"addressPrefix": "10.0.1.0/24", "routeTable": {"id": rid(azure, "routeTables/none")}}})  # fmt: skip
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidResourceReference")


def test_load_balancer_nat_rules_and_pools_at_their_own_url(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    lb_body = {"location": LOCATION, "properties": {"frontendIPConfigurations": [
        {"name": "fe", "properties": {"publicIPAddress": {"id": pip.id}}}]}}  # fmt: skip
    assert put(azure, "loadBalancers/lb", lb_body).status_code == 201
    fe = rid(azure, "loadBalancers/lb/frontendIPConfigurations/fe")
    nat = put(azure, "loadBalancers/lb/inboundNatRules/rdp",
              {"properties": {"frontendIPConfiguration": {"id": fe}, "protocol": "Tcp", "frontendPort": "50001",
                              "backendPort": 3389}})  # fmt: skip
    assert nat.status_code == 201 and nat.json()["properties"]["frontendPort"] == 50001
    clash = put(azure, "loadBalancers/lb/inboundNatRules/ssh",
                {"properties": {"frontendIPConfiguration": {"id": fe}, "protocol": "Tcp", "frontendPort": 50001,
                                "backendPort": 22}})  # fmt: skip
    assert (clash.status_code, clash.json()["error"]["code"]) == (400, "LoadBalancerFrontendPortInUse")
    assert put(azure, "loadBalancers/lb/backendAddressPools/web", {"properties": {}}).status_code == 201
    lb = azure.network.load_balancers.get("rg1", "lb")
    assert [r.name for r in lb.inbound_nat_rules] == ["rdp"] and [p.name for p in lb.backend_address_pools] == ["web"]
    nic = make_nic(azure, vnet.subnets[0].id)
    nic_body = azure.raw("GET", f"{nic.id}?api-version={API}").json()
    nic_body["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] = [
        {"id": lb.backend_address_pools[0].id}
    ]
    assert azure.raw("PUT", f"{nic.id}?api-version={API}", nic_body).status_code == 200
    in_use = azure.raw("DELETE", f"{rid(azure, 'loadBalancers/lb/backendAddressPools/web')}?api-version={API}")
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (400, "InUseBackendAddressPoolCannotBeDeleted")
    azure.network.inbound_nat_rules.begin_delete("rg1", "lb", "rdp").result()
    assert azure.network.load_balancers.get("rg1", "lb").inbound_nat_rules == []
