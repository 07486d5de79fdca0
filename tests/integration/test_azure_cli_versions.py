"""What azure-cli 2.91.0 sends, answered without the CLI: its api-versions and the ARM routes its
login reads (``GET /tenants``, ``GET /subscriptions``). tests/azure_cli runs the CLI itself."""

from __future__ import annotations

from typing import Any

from azure.mgmt.resource.subscriptions import SubscriptionClient

from tests.conftest import LOCATION, Azure

#: (what, path under the subscription, api-version) as azure-cli 2.91.0 sends them
CLI_VERSIONS = [
    ("resource groups", "/resourcegroups/rgcli", "2024-11-01"),
    ("virtual machines", "/resourceGroups/rgcli/providers/Microsoft.Compute/virtualMachines", "2024-11-01"),
    ("virtual networks", "/resourceGroups/rgcli/providers/Microsoft.Network/virtualNetworks", "2022-01-01"),
    # azure-mgmt-keyvault 14.0.1's default
    ("key vaults", "/resourceGroups/rgcli/providers/Microsoft.KeyVault/vaults", "2026-02-01"),
]


def test_tenants_list_names_the_local_tenant(azure: Azure) -> None:
    client = azure.client(SubscriptionClient)
    (tenant,) = list(client.tenants.list())
    assert tenant.tenant_id == azure.emu.tenant_id
    assert tenant.id == f"/tenants/{azure.emu.tenant_id}"
    assert tenant.tenant_category == "Home"
    assert tenant.default_domain in tenant.domains
    raw = azure.raw("GET", "/tenants?api-version=2022-12-01").json()
    assert raw["value"][0]["tenantType"] == "AAD"


def test_subscriptions_list_at_the_cli_version(azure: Azure) -> None:
    (sub,) = azure.raw("GET", "/subscriptions?api-version=2022-12-01").json()["value"]
    # the fields az login keeps
    assert (sub["subscriptionId"], sub["tenantId"], sub["state"]) == (azure.sub, azure.emu.tenant_id, "Enabled")
    assert sub["id"] == f"/subscriptions/{azure.sub}" and sub["managedByTenants"] == [] and sub["displayName"]


def test_the_cli_api_versions_are_served(azure: Azure) -> None:
    base = f"/subscriptions/{azure.sub}"
    answers: dict[str, Any] = {}
    created = azure.raw("PUT", f"{base}/resourcegroups/rgcli?api-version=2024-11-01", {"location": LOCATION})
    assert created.status_code == 201
    for what, path, version in CLI_VERSIONS:
        answers[what] = azure.raw("GET", f"{base}{path}?api-version={version}").status_code
    assert answers == dict.fromkeys(answers, 200)
    vault = {
        "location": LOCATION,
        "properties": {"tenantId": azure.emu.tenant_id, "sku": {"family": "A", "name": "standard"}},
    }
    put = azure.raw(
        "PUT", f"{base}/resourceGroups/rgcli/providers/Microsoft.KeyVault/vaults/kv-cli-1?api-version=2026-02-01", vault
    )
    assert put.status_code in (200, 201), put.text()
    assert put.json()["properties"]["vaultUri"]
