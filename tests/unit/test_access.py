"""Role-based access without I/O: Azure's permission matching over the built-in roles, the scope
rules, the router's extension routes, and the custom-role builder."""

from __future__ import annotations

from typing import Any

import pytest

import azrm
from azrm.emulator.core.router import Router
from azrm.emulator.providers.authorization import action_for, action_matches, allows, builtin_roles, scope_covers

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RG = f"{SUB}/resourceGroups/rg1"


def role(name: str) -> list[dict[str, Any]]:
    """Return a built-in role's permission blocks, by name."""
    found = next(r for r in builtin_roles().values() if r["roleName"] == name)
    return [{k: found[k] for k in ("actions", "notActions", "dataActions", "notDataActions")}]


@pytest.mark.parametrize(
    ("role_name", "action", "allowed"),
    [
        ("Reader", "Microsoft.Compute/virtualMachines/read", True),
        ("Reader", "microsoft.compute/VIRTUALMACHINES/READ", True),  # case-insensitive
        ("Reader", "Microsoft.Compute/virtualMachines/write", False),
        ("Reader", "Microsoft.Authorization/roleAssignments/read", True),
        ("Contributor", "Microsoft.Compute/virtualMachines/write", True),
        ("Contributor", "Microsoft.Storage/storageAccounts/listKeys/action", True),
        ("Contributor", "Microsoft.Authorization/roleAssignments/write", False),  # notActions
        ("Contributor", "Microsoft.Authorization/roleAssignments/delete", False),
        ("Contributor", "Microsoft.Authorization/roleAssignments/read", True),
        ("Owner", "Microsoft.Authorization/roleAssignments/write", True),
        ("User Access Administrator", "Microsoft.Authorization/roleAssignments/write", True),
        ("User Access Administrator", "Microsoft.Compute/virtualMachines/write", False),
        ("Virtual Machine Contributor", "Microsoft.Compute/virtualMachines/write", True),
        ("Virtual Machine Contributor", "Microsoft.Network/virtualNetworks/subnets/join/action", True),
        ("Virtual Machine Contributor", "Microsoft.Network/virtualNetworks/write", False),
        ("Network Contributor", "Microsoft.Network/loadBalancers/write", True),
        ("Network Contributor", "Microsoft.Compute/virtualMachines/read", False),
        ("Storage Account Contributor", "Microsoft.Storage/storageAccounts/write", True),
        ("Key Vault Contributor", "Microsoft.KeyVault/vaults/write", True),
        ("Key Vault Contributor", "Microsoft.KeyVault/locations/deletedVaults/purge/action", False),
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/read", False),
    ],
)
def test_builtin_role_actions(role_name: str, action: str, allowed: bool) -> None:
    assert allows(role(role_name), action) is allowed


@pytest.mark.parametrize(
    ("role_name", "data_action", "allowed"),
    [
        ("Owner", "Microsoft.KeyVault/vaults/secrets/getSecret/action", False),  # control plane grants no data
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/secrets/getSecret/action", True),
        ("Key Vault Secrets User", "Microsoft.KeyVault/vaults/secrets/setSecret/action", False),
        ("Key Vault Secrets Officer", "Microsoft.KeyVault/vaults/secrets/setSecret/action", True),
        ("Key Vault Reader", "Microsoft.KeyVault/vaults/secrets/getSecret/action", False),
        ("Key Vault Administrator", "Microsoft.KeyVault/vaults/keys/create/action", True),
    ],
)
def test_builtin_role_data_actions(role_name: str, data_action: str, allowed: bool) -> None:
    assert allows(role(role_name), data_action, data=True) is allowed


def test_not_actions_subtract_from_their_own_block_only() -> None:
    contributor = role("Contributor")
    write = "Microsoft.Authorization/roleAssignments/write"
    assert not allows(contributor, write)
    assert allows(contributor + role("User Access Administrator"), write)  # another role still grants it


@pytest.mark.parametrize(
    ("operation", "action", "matches"),
    [
        ("*", "Microsoft.Compute/virtualMachines/write", True),
        ("*/read", "Microsoft.Compute/virtualMachines/extensions/read", True),
        ("Microsoft.Compute/*", "Microsoft.Compute/disks/delete", True),
        ("Microsoft.Compute/*", "Microsoft.ComputeX/disks/delete", False),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/read", True),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/read", False),
        ("Microsoft.Authorization/*/Write", "microsoft.authorization/roleDefinitions/write", True),
        ("Microsoft.Compute/virtualMachines/read", "Microsoft.Compute/virtualMachines/readx", False),
        ("Microsoft.Compute/virtualMachines.read", "Microsoft.Compute/virtualMachinesXread", False),  # no regex
    ],
)
def test_action_matches(operation: str, action: str, matches: bool) -> None:
    assert action_matches(operation, action) is matches


def test_scope_covers() -> None:
    assert scope_covers(SUB, RG) and scope_covers(RG, RG) and scope_covers("/", RG)
    assert scope_covers(RG.upper(), f"{RG}/providers/Microsoft.Network/virtualNetworks/v")
    assert not scope_covers(RG, SUB)
    assert not scope_covers(RG, RG + "2")  # rg1 does not cover rg12


def test_action_for() -> None:
    assert action_for("GET", "Microsoft.Compute/virtualMachines") == "Microsoft.Compute/virtualMachines/read"
    assert action_for("PATCH", "Microsoft.Network/virtualNetworks") == "Microsoft.Network/virtualNetworks/write"
    assert action_for("DELETE", "Microsoft.Resources/resourceGroups") == (
        "Microsoft.Resources/subscriptions/resourceGroups/delete"
    )
    assert action_for("POST", "Microsoft.Compute/virtualMachines", "start") == (
        "Microsoft.Compute/virtualMachines/start/action"
    )


def test_builtin_roles_have_their_azure_ids() -> None:
    names = {r["roleName"]: guid for guid, r in builtin_roles().items()}
    assert names["Owner"] == "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    assert names["Key Vault Secrets User"] == "4633458b-17de-408a-b874-0445c86b69e6"
    assert len(names) == 12


def test_extension_routes_take_any_scope_and_fixed_routes_win() -> None:
    router = Router()
    router.add("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleAssignments", lambda c: c)
    router.add("GET", "{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", lambda c: c)
    vnet = f"{RG}/providers/Microsoft.Network/virtualNetworks/v"
    for scope in ("", SUB, RG, vnet):
        route, params = router.match("GET", f"{scope}/providers/Microsoft.Authorization/roleAssignments/x")
        assert params == {"scope": scope, "name": "x"}
        assert route.resource_type == "Microsoft.Authorization/roleAssignments"
    route, params = router.match("GET", f"{SUB}/providers/Microsoft.Authorization/roleAssignments")
    assert "scope" not in params
    with pytest.raises(Exception) as err:
        router.match("PUT", f"{RG}/providers/Microsoft.Authorization/roleAssignments/x")
    assert getattr(err.value, "status", None) == 405


# -- the custom-role builder -----------------------------------------------------------------------
def test_custom_role_from_powershell_json() -> None:
    role = azrm.CustomRole.from_mapping(
        {
            "Name": "VM Operator",
            "Id": None,
            "IsCustom": True,
            "Description": "Start VMs.",
            "Actions": ["Microsoft.Compute/*/read", "Microsoft.Compute/virtualMachines/start/action"],
            "NotActions": [],
            "AssignableScopes": [SUB],
        }
    )
    body = role.to_body("11111111-2222-3333-4444-555555555555")
    assert body["properties"]["roleName"] == "VM Operator"
    assert body["properties"]["permissions"][0]["actions"][1] == "Microsoft.Compute/virtualMachines/start/action"
    assert body["properties"]["assignableScopes"] == [SUB]
    assert role.evolve(description="x").description == "x" and role.description == "Start VMs."


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ({"Name": "r", "Actions": ["*/read"], "AssignableScopes": []}, "role.assignable_scopes"),
        ({"Name": "r", "Actions": ["*/read"], "AssignableScopes": ["/rg1"]}, "role.assignable_scopes"),
        (
            {"Name": "r", "Actions": ["*/read"], "AssignableScopes": [f"{RG}/providers/A.B/c/d"]},
            "role.assignable_scopes",
        ),
        ({"Name": "r", "Actions": [], "AssignableScopes": [SUB]}, "role.actions"),
        ({"Name": "r", "Actions": "*/read", "AssignableScopes": [SUB]}, "role.actions"),
        ({"Name": "r", "Actions": ["*/read"], "AssignableScopes": [SUB], "Id": "x"}, "role.id"),
        ({"Name": "r", "Actions": ["*/read"], "AssignableScopes": [SUB], "Colour": "red"}, "role"),
    ],
)
def test_custom_role_rules(mapping: dict[str, Any], field: str) -> None:
    with pytest.raises(azrm.ValidationError) as err:
        azrm.CustomRole.from_mapping(mapping)
    assert err.value.field == field
