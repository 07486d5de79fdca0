"""The local Azure accepts what Azure accepts and refuses what it refuses, with Azure's codes.

Raw requests through the SDK's pipeline (both ways in), so the bodies are exactly what a template or
a hand-written request sends.
"""

from __future__ import annotations

from tests.conftest import LOCATION, Azure, make_group, make_vnet


def test_an_nsg_rule_priority_written_as_a_string_is_stored_as_a_number(azure: Azure) -> None:
    make_group(azure)
    body = {
        "location": LOCATION,
        "properties": {
            "securityRules": [
                {
                    "name": "rdp",
                    "properties": {
                        "priority": "100",
                        "protocol": "Tcp",
                        "access": "Allow",
                        "direction": "Inbound",
                        "sourceAddressPrefix": "*",
                        "sourcePortRange": "*",
                        "destinationAddressPrefix": "*",
                        "destinationPortRange": 3389,
                    },
                }
            ]
        },
    }
    path = azure.path("rg1", "Microsoft.Network/networkSecurityGroups", "nsg1", "2020-05-01")
    assert azure.raw("PUT", path, body).status_code == 201
    rule = azure.network.network_security_groups.get("rg1", "nsg1").security_rules[0]
    assert (rule.priority, rule.destination_port_range) == (100, "3389")
    raw = azure.raw("GET", path).json()["properties"]["securityRules"][0]["properties"]
    assert raw["priority"] == 100 and raw["destinationPortRange"] == "3389"


def test_a_priority_that_is_not_a_number_is_refused_with_the_network_code(azure: Azure) -> None:
    make_group(azure)
    body = {"location": LOCATION, "properties": {"securityRules": [{"name": "r", "properties": {"priority": "high"}}]}}
    response = azure.raw(
        "PUT", azure.path("rg1", "Microsoft.Network/networkSecurityGroups", "nsg1", "2020-05-01"), body
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidRequestFormat"
    assert "properties.securityRules[0].properties.priority" in error["details"][0]["message"]
    assert (
        azure.raw("GET", azure.path("rg1", "Microsoft.Network/networkSecurityGroups", "nsg1", "2020-05-01")).status_code
        == 404
    )


def test_property_names_in_any_casing_are_stored_in_azures(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    body = {
        "LOCATION": LOCATION,
        "properties": {"ipconfigurations": [{"name": "ipc", "properties": {"Subnet": {"ID": vnet.subnets[0].id},
                                                                           "privateipallocationmethod": "Dynamic"}}]},
    }  # fmt: skip
    path = azure.path("rg1", "Microsoft.Network/networkInterfaces", "nic1", "2020-05-01")
    assert azure.raw("PUT", path, body).status_code == 201
    got = azure.raw("GET", path).json()
    ipc = got["properties"]["ipConfigurations"][0]["properties"]
    assert ipc["subnet"]["id"].lower() == vnet.subnets[0].id.lower()
    assert ipc["privateIPAllocationMethod"] == "Dynamic"
    assert ipc["privateIPAddress"] == "10.0.0.4"


def test_ids_in_any_casing_are_stored_in_azures(azure: Azure) -> None:
    """A rule naming its frontend as .../frontendIpConfigurations/FE (as real templates write) points at it."""
    make_group(azure)
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    lb_id = azure.rid("rg1", "Microsoft.Network/loadBalancers", "lb")
    body = {
        "location": LOCATION,
        "properties": {
            "frontendIPConfigurations": [{"name": "FE", "properties": {"publicIPAddress": {"id": pip.id}}}],
            "backendAddressPools": [{"name": "pool"}],
            "loadBalancingRules": [{"name": "web", "properties": {
                "frontendIpConfiguration": {"id": f"{lb_id}/frontendIpConfigurations/fe"},
                "backendAddressPool": {"id": f"{lb_id}/BACKENDADDRESSPOOLS/POOL"},
                "protocol": "tcp", "frontendPort": "80", "backendPort": 80}}],
        },
    }  # fmt: skip
    assert azure.raw("PUT", f"{lb_id}?api-version=2020-05-01", body).status_code == 201
    rule = azure.network.load_balancers.get("rg1", "lb").load_balancing_rules[0]
    assert rule.frontend_ip_configuration.id == f"{lb_id}/frontendIPConfigurations/FE"
    assert rule.backend_address_pool.id == f"{lb_id}/backendAddressPools/pool"
    assert (rule.protocol, rule.frontend_port) == ("Tcp", 80)
