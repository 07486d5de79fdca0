"""Microsoft.Authorization on the local Azure: role definitions and role assignments, both ways in.

azure-mgmt-authorization is not installed, so the REST calls go through an SDK pipeline
(``azure.raw``) and the generic resource client, as a client of the REST API would; the library
calls (``lib``) go through the resource client too.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

import azrm
from tests.conftest import LOCATION, Azure, make_group, make_vnet

V = "api-version=2022-04-01"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
AUTH = "providers/Microsoft.Authorization"
ALICE = "2b7c6e0a-1f3e-4c8e-9a53-0d6f1e0b9a11"
BOB = "7d0f2a44-5b8c-4e21-8f6a-3c1e9d7b2c22"
BUILT_IN = "$filter=" + quote("type eq 'BuiltInRole'")
CUSTOM = "$filter=" + quote("type eq 'CustomRole'")


def role_id(azure: Azure, guid: str) -> str:
    return f"/subscriptions/{azure.sub}/{AUTH}/roleDefinitions/{guid}"


def assign(azure: Azure, scope: str, role: str, principal: str, name: str | None = None) -> Any:
    body = {"properties": {"roleDefinitionId": role_id(azure, role), "principalId": principal}}
    return azure.raw("PUT", f"{scope}/{AUTH}/roleAssignments/{name or uuid.uuid4()}?{V}", body)


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def listed(azure: Azure, scope: str, flt: str = "") -> set[str]:
    query = f"&$filter={quote(flt)}" if flt else ""
    response = azure.raw("GET", f"{scope}/{AUTH}/roleAssignments?{V}{query}")
    assert response.status_code == 200, response.text()
    return {item["properties"]["scope"] for item in response.json()["value"]}


def test_builtin_roles_by_name_and_id(azure: Azure) -> None:
    sub = f"/subscriptions/{azure.sub}"
    flt = quote("roleName eq 'reader'")
    found = azure.raw("GET", f"{sub}/{AUTH}/roleDefinitions?{V}&$filter={flt}").json()["value"]
    assert [d["name"] for d in found] == [READER]
    props = found[0]["properties"]
    assert (props["roleName"], props["type"], props["assignableScopes"]) == ("Reader", "BuiltInRole", ["/"])
    assert props["permissions"][0]["actions"] == ["*/read"]
    one = azure.resources.resources.get_by_id(f"{sub}/{AUTH}/roleDefinitions/{CONTRIBUTOR}", api_version="2022-04-01")
    assert one.id == role_id(azure, CONTRIBUTOR)
    assert "Microsoft.Authorization/*/Write" in one.properties["permissions"][0]["notActions"]
    root = azure.raw("GET", f"/{AUTH}/roleDefinitions/{READER}?{V}").json()
    assert root["id"] == f"/{AUTH}/roleDefinitions/{READER}"
    builtin = azure.raw("GET", f"{sub}/{AUTH}/roleDefinitions?{V}&{BUILT_IN}")
    assert len(builtin.json()["value"]) == 12
    missing = azure.raw("GET", f"{sub}/{AUTH}/roleDefinitions/{uuid.uuid4()}?{V}")
    assert (missing.status_code, error_code(missing)) == (404, "RoleDefinitionDoesNotExist")
    providers = azure.resources.providers.get("Microsoft.Authorization")
    versions = {t.resource_type: t.api_versions for t in providers.resource_types}
    assert "2022-04-01" in versions["roleAssignments"] and "2022-04-01" in versions["roleDefinitions"]


def test_assignments_at_three_scopes_and_inheritance(azure: Azure) -> None:
    group = make_group(azure, "rg1")
    vnet = make_vnet(azure)
    sub = f"/subscriptions/{azure.sub}"
    first = assign(azure, sub, READER, ALICE)
    assert first.status_code == 201, first.text()
    body = first.json()
    assert body["type"] == "Microsoft.Authorization/roleAssignments"
    assert body["properties"]["scope"] == sub and body["properties"]["principalType"] == "User"
    assert assign(azure, group.id, CONTRIBUTOR, ALICE).status_code == 201
    assert assign(azure, vnet.id, CONTRIBUTOR, BOB).status_code == 201
    # a list at a scope holds what lies above it (inherited) and below it; atScope() only what applies there
    assert listed(azure, group.id) == {sub, group.id, vnet.id}
    assert listed(azure, vnet.id, "atScope()") == {sub, group.id, vnet.id}
    assert listed(azure, group.id, "atScope()") == {sub, group.id}
    assert listed(azure, sub, "atScope()") == {sub}
    assert listed(azure, sub, f"principalId eq '{BOB}'") == {vnet.id}
    assert listed(azure, group.id, f"assignedTo('{ALICE}')") == {sub, group.id}
    # not generic resources: the group's resource list does not show them
    assert [r.name for r in azure.resources.resources.list_by_resource_group("rg1")] == ["vnet1"]
    gone = azure.raw("DELETE", f"{body['id']}?{V}")
    assert gone.status_code == 200
    assert azure.raw("DELETE", f"{body['id']}?{V}").status_code == 204
    with pytest.raises(ResourceNotFoundError):
        azure.resources.resources.get_by_id(body["id"], api_version="2022-04-01")


def test_assignment_errors(azure: Azure) -> None:
    group = make_group(azure, "rg1")
    name = str(uuid.uuid4())
    assert assign(azure, group.id, READER, ALICE, name).status_code == 201
    assert assign(azure, group.id, READER, ALICE, name).status_code == 200  # the same again
    again = assign(azure, group.id, READER, ALICE)
    assert (again.status_code, error_code(again)) == (409, "RoleAssignmentExists")
    assert name in again.json()["error"]["message"]
    changed = assign(azure, group.id, CONTRIBUTOR, ALICE, name)
    assert (changed.status_code, error_code(changed)) == (409, "RoleAssignmentUpdateNotPermitted")
    bad_name = assign(azure, group.id, READER, ALICE, "not-a-guid")
    assert (bad_name.status_code, error_code(bad_name)) == (400, "InvalidRoleAssignmentId")
    bad_role = assign(azure, group.id, str(uuid.uuid4()), ALICE)
    assert (bad_role.status_code, error_code(bad_role)) == (404, "RoleDefinitionDoesNotExist")
    bad_principal = assign(azure, group.id, READER, "alice")
    assert (bad_principal.status_code, error_code(bad_principal)) == (400, "InvalidPrincipalId")
    no_group = assign(azure, f"/subscriptions/{azure.sub}/resourceGroups/nope", READER, ALICE)
    assert (no_group.status_code, error_code(no_group)) == (404, "ResourceGroupNotFound")
    no_vnet = assign(azure, f"{group.id}/providers/Microsoft.Network/virtualNetworks/nope", READER, ALICE)
    assert (no_vnet.status_code, error_code(no_vnet)) == (404, "ResourceNotFound")


def test_group_or_resource_delete_removes_their_assignments(azure: Azure) -> None:
    group = make_group(azure, "rg1")
    sub = f"/subscriptions/{azure.sub}"
    assign(azure, sub, READER, ALICE)
    assign(azure, group.id, CONTRIBUTOR, ALICE)
    azure.resources.resource_groups.begin_delete("rg1").result()
    assert listed(azure, sub) == {sub}
    make_group(azure, "rg1")  # a new group of the same name starts without them
    assert listed(azure, group.id, "atScope()") == {sub}
    vnet = make_vnet(azure)  # and a deleted resource takes its assignments with it
    assign(azure, vnet.id, READER, BOB)
    azure.network.virtual_networks.begin_delete("rg1", "vnet1").result()
    assert listed(azure, sub, f"principalId eq '{BOB}'") == set()


def test_custom_role_round_trip(azure: Azure) -> None:
    group = make_group(azure, "rg1")
    guid = str(uuid.uuid4())
    body = {
        "properties": {
            "roleName": "VM Operator",
            "description": "Start and restart virtual machines.",
            "type": "CustomRole",
            "permissions": [
                {"actions": ["Microsoft.Compute/*/read", "Microsoft.Compute/virtualMachines/start/action"]}
            ],
            "assignableScopes": [group.id],
        }
    }
    made = azure.raw("PUT", f"{group.id}/{AUTH}/roleDefinitions/{guid}?{V}", body)
    assert made.status_code == 201, made.text()
    assert made.json()["id"] == role_id(azure, guid)
    assert made.json()["properties"]["permissions"][0]["notActions"] == []
    customs = azure.raw("GET", f"{group.id}/{AUTH}/roleDefinitions?{V}&{CUSTOM}").json()["value"]
    assert [d["name"] for d in customs] == [guid]
    # assignable at the group: not listed at the subscription, which is above it
    sub = f"/subscriptions/{azure.sub}"
    assert azure.raw("GET", f"{sub}/{AUTH}/roleDefinitions?{V}&{CUSTOM}").json()["value"] == []
    twin = azure.raw("PUT", f"{group.id}/{AUTH}/roleDefinitions/{uuid.uuid4()}?{V}", body)
    assert (twin.status_code, error_code(twin)) == (409, "RoleDefinitionWithSameNameExists")
    bad = azure.raw("PUT", f"{group.id}/{AUTH}/roleDefinitions/vm-operator?{V}", body)
    assert (bad.status_code, error_code(bad)) == (400, "InvalidRoleDefinitionId")
    assert assign(azure, group.id, guid, ALICE).status_code == 201
    held = azure.raw("DELETE", f"{sub}/{AUTH}/roleDefinitions/{guid}?{V}")
    assert (held.status_code, error_code(held)) == (409, "RoleDefinitionHasAssignments")


def test_library_role_assignments(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("rg1", LOCATION)
    reader = lib.get_role_definition("Reader")
    assert [(r.id, r.is_custom, r.actions) for r in reader] == [(READER, False, ("*/read",))]
    assert lib.get_role_definition(id=CONTRIBUTOR)[0].name == "Contributor"
    assert lib.get_role_definition("No Such Role") == []
    made = lib.new_role_assignment(object_id=ALICE, role_definition_name="Reader", resource_group_name="rg1")
    assert (made.role_definition_name, made.object_id, made.scope) == ("Reader", ALICE, made.id.split("/providers/")[0])
    sub_wide = lib.new_role_assignment(object_id=ALICE, role_definition_id=CONTRIBUTOR)
    assert sub_wide.role_definition_name == "Contributor"
    with pytest.raises(ResourceExistsError) as exists:
        lib.new_role_assignment(object_id=ALICE, role_definition_name="reader", resource_group_name="rg1")
    assert exists.value.error.code == "RoleAssignmentExists"
    found = lib.get_role_assignment(object_id=ALICE, resource_group_name="rg1")
    assert {a.role_definition_name for a in found} == {"Reader", "Contributor"}
    lib.remove_role_assignment(object_id=ALICE, role_definition_name="Reader", resource_group_name="rg1")
    assert [a.name for a in lib.get_role_assignment(object_id=ALICE)] == [sub_wide.name]
    lib.remove_role_assignment(name=sub_wide.name)
    lib.remove_role_assignment(name=sub_wide.name)  # already gone: fine
    assert lib.get_role_assignment() == []


def test_library_custom_role(lib: Any, azure: Azure) -> None:
    role = lib.new_role_definition(
        {
            "Name": "Network Watcher",
            "IsCustom": True,
            "Description": "Read networks.",
            "Actions": ["Microsoft.Network/*/read"],
            "NotActions": [],
            "AssignableScopes": [f"/subscriptions/{azure.sub}"],
        }
    )
    assert role.is_custom and role.name == "Network Watcher"
    assert lib.get_role_definition("network watcher")[0].id == role.id
    lib.remove_role_definition(role.id)
    assert lib.get_role_definition("Network Watcher") == []


def test_library_checks_before_any_request(lib: Any) -> None:
    def bad(call: Any, field: str) -> None:
        with pytest.raises(azrm.ValidationError) as err:
            call()
        assert err.value.field == field

    bad(lambda: lib.new_role_assignment(object_id=ALICE), "role_definition_name")
    bad(lambda: lib.new_role_assignment(object_id=ALICE, role_definition_name="Reader", role_definition_id=READER),
        "role_definition_name")  # fmt: skip
    bad(lambda: lib.new_role_assignment(object_id="alice", role_definition_id=READER), "object_id")
    bad(lambda: lib.new_role_assignment(object_id=ALICE, role_definition_id=READER, name="x"), "name")
    bad(lambda: lib.new_role_assignment(object_id=ALICE, role_definition_id=READER, scope="/rg1"), "scope")
    bad(lambda: lib.get_role_definition(id="Reader"), "id")
