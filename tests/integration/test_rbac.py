"""RBAC enforcement on the local Azure (``EmulatorSettings(rbac=True)``): real SDK clients, both ways in.

The owner (the default service principal, ``azure.*``) sets things up; another service principal of
the local Entra ID, signed in with its own client secret, is then allowed or refused per its roles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from azrm.emulator import EmulatorSettings, LocalCredential
from tests.conftest import LOCATION, Azure, make_group, make_vnet, session_on

V = "api-version=2022-04-01"
AUTH = "providers/Microsoft.Authorization"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
VNET = "Microsoft.Network/virtualNetworks"


class Other:
    """Another service principal of the local Entra ID, with SDK clients signed in as it."""

    def __init__(self, azure: Azure, name: str = "other-app") -> None:
        self.azure = azure
        self.app, secret = azure.emu.entra.directory.add_application(name)
        self.principal = self.app.principal(azure.emu.tenant_id)
        if azure.mode == "inprocess":
            self.credential = LocalCredential(
                "https://azrm.local", azure.emu.tenant_id, self.app.app_id, secret, transport=azure.emu.transport()
            )
        else:
            assert azure.server is not None
            azure.server.emulator = azure.emu
            self.credential = LocalCredential(
                azure.server.endpoint, azure.emu.tenant_id, self.app.app_id, secret, connection_verify=azure.ca
            )
        self.resources = ResourceManagementClient(self.credential, azure.sub, **azure.client_kwargs())
        self.network = NetworkManagementClient(self.credential, azure.sub, **azure.client_kwargs())
        self.deployments = DeploymentsMgmtClient(self.credential, azure.sub, **azure.client_kwargs())

    @property
    def object_id(self) -> str:
        return self.principal.object_id

    def raw(self, method: str, path: str, body: Any = None) -> Any:
        from azure.core.rest import HttpRequest

        request = HttpRequest(method, self.azure.client_kwargs()["base_url"] + path, json=body)
        return self.resources._client.send_request(request)


@pytest.fixture
def rbac(make_azure: Callable[..., Azure]) -> Azure:
    return make_azure(EmulatorSettings(rbac=True), blob=False)


def grant(azure: Azure, scope: str, role: str, principal_id: str) -> None:
    body = {
        "properties": {
            "roleDefinitionId": f"/subscriptions/{azure.sub}/{AUTH}/roleDefinitions/{role}",
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
        }
    }
    response = azure.raw("PUT", f"{scope}/{AUTH}/roleAssignments/{uuid.uuid4()}?{V}", body)
    assert response.status_code == 201, response.text()


def refused(call: Callable[[], Any]) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    assert caught.value.status_code == 403, caught.value
    assert caught.value.error is not None and caught.value.error.code == "AuthorizationFailed"
    return caught.value


def expected_message(other: Other, action: str, scope: str) -> str:
    return (
        f"The client '{other.object_id}' with object id '{other.object_id}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please "
        "refresh your credentials."
    )


def vnet_body(prefix: str = "10.1.0.0/16") -> dict[str, Any]:
    return {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": [prefix]}}}


def group_scope(azure: Azure, rg: str = "rg1") -> str:
    return f"/subscriptions/{azure.sub}/resourceGroups/{rg}"


def test_without_rbac_any_principal_may_do_anything(azure: Azure) -> None:
    other = Other(azure)
    other.resources.resource_groups.create_or_update("rg1", {"location": LOCATION})
    other.network.virtual_networks.begin_create_or_update("rg1", "vnet1", vnet_body()).result()
    assert [g.name for g in other.resources.resource_groups.list()] == ["rg1"]
    listed = azure.raw("GET", f"/subscriptions/{azure.sub}/{AUTH}/roleAssignments?{V}").json()["value"]
    assert listed == []  # no Owner assignment is made without rbac


def test_the_default_session_is_owner_and_works_unchanged(rbac: Azure) -> None:
    make_group(rbac)
    make_vnet(rbac)
    assert [v.name for v in rbac.network.virtual_networks.list_all()] == ["vnet1"]
    listed = rbac.raw("GET", f"/subscriptions/{rbac.sub}/{AUTH}/roleAssignments?{V}").json()["value"]
    owner = rbac.emu.entra.default_principal
    assert [(a["properties"]["principalId"], a["properties"]["scope"]) for a in listed] == [
        (owner.object_id, f"/subscriptions/{rbac.sub}")
    ]
    assert listed[0]["properties"]["roleDefinitionId"].endswith(f"/roleDefinitions/{OWNER}")
    lib = session_on(rbac)
    try:
        lib.new_resource_group("rg2", LOCATION)
        assert lib.get_resource_group("rg2").name == "rg2"
    finally:
        lib.close()
    rbac.emu.reset()  # the subscription's Owner outlives a reset, as the subscription does
    make_group(rbac, "rg3")


def test_a_reader_at_a_group_reads_but_its_writes_get_403_and_change_nothing(rbac: Azure) -> None:
    make_group(rbac)
    make_vnet(rbac)
    other = Other(rbac)
    grant(rbac, group_scope(rbac), READER, other.object_id)
    assert other.network.virtual_networks.get("rg1", "vnet1").name == "vnet1"
    assert [v.name for v in other.network.virtual_networks.list("rg1")] == ["vnet1"]
    assert other.resources.resource_groups.get("rg1").name == "rg1"
    before = rbac.network.virtual_networks.get("rg1", "vnet1").as_dict()
    vnet_id = rbac.rid("rg1", VNET, "vnet1")

    put = refused(lambda: other.network.virtual_networks.begin_create_or_update("rg1", "vnet1", vnet_body()))
    assert put.error is not None
    assert put.error.message == expected_message(other, f"{VNET}/write", vnet_id)
    delete = refused(lambda: other.network.virtual_networks.begin_delete("rg1", "vnet1"))
    assert delete.error is not None and delete.error.message == expected_message(other, f"{VNET}/delete", vnet_id)
    assert delete.response.headers.get("x-ms-correlation-request-id")
    refused(lambda: other.resources.resource_groups.begin_delete("rg1"))
    assert rbac.network.virtual_networks.get("rg1", "vnet1").as_dict() == before

    # nothing at the subscription: a list there is refused at the subscription's scope
    sub_list = refused(lambda: list(other.network.virtual_networks.list_all()))
    assert sub_list.error is not None
    assert sub_list.error.message == expected_message(other, f"{VNET}/read", f"/subscriptions/{rbac.sub}")


def test_a_contributor_writes_but_cannot_assign_roles_nor_touch_another_group(rbac: Azure) -> None:
    make_group(rbac)
    make_group(rbac, "rg2")
    other = Other(rbac)
    grant(rbac, group_scope(rbac), CONTRIBUTOR, other.object_id)
    made = other.network.virtual_networks.begin_create_or_update("rg1", "vnet1", vnet_body()).result()
    assert made.provisioning_state == "Succeeded"
    assigned = other.raw(
        "PUT",
        f"{group_scope(rbac)}/{AUTH}/roleAssignments/{uuid.uuid4()}?{V}",
        {
            "properties": {
                "roleDefinitionId": f"/subscriptions/{rbac.sub}/{AUTH}/roleDefinitions/{READER}",
                "principalId": str(uuid.uuid4()),
            }
        },
    )
    assert assigned.status_code == 403
    assert assigned.json()["error"]["code"] == "AuthorizationFailed"
    assert "'Microsoft.Authorization/roleAssignments/write'" in assigned.json()["error"]["message"]
    assert other.raw("GET", f"{group_scope(rbac)}/{AUTH}/roleAssignments?{V}").status_code == 200  # */read is kept
    refused(lambda: other.network.virtual_networks.begin_create_or_update("rg2", "vnet2", vnet_body()))
    assert [v.name for v in rbac.network.virtual_networks.list("rg2")] == []


def test_an_assignment_at_a_resource_covers_only_that_resource(rbac: Azure) -> None:
    make_group(rbac)
    vnet1 = make_vnet(rbac)
    make_vnet(rbac, name="vnet2", prefix="10.2.0.0/16", subnets={})
    other = Other(rbac)
    grant(rbac, vnet1.id, CONTRIBUTOR, other.object_id)
    subnet = {"properties": {"addressPrefix": "10.0.1.0/24"}}
    other.network.subnets.begin_create_or_update("rg1", "vnet1", "second", subnet).result()
    assert {s.name for s in other.network.virtual_networks.get("rg1", "vnet1").subnets} == {"default", "second"}
    refused(lambda: other.network.virtual_networks.get("rg1", "vnet2"))
    refused(lambda: other.network.virtual_networks.begin_create_or_update("rg1", "vnet3", vnet_body()))
    refused(lambda: list(other.network.virtual_networks.list("rg1")))  # a list is checked at the group
    refused(lambda: other.resources.resource_groups.get("rg1"))


def test_a_custom_role_with_not_actions_and_another_role_that_still_allows(rbac: Azure) -> None:
    make_group(rbac)
    other = Other(rbac)
    role = str(uuid.uuid4())
    body = {
        "properties": {
            "roleName": "Network builder",
            "type": "CustomRole",
            "permissions": [{"actions": ["microsoft.network/*"], "notActions": ["Microsoft.Network/*/delete"]}],
            "assignableScopes": [f"/subscriptions/{rbac.sub}"],
        }
    }
    assert rbac.raw("PUT", f"/subscriptions/{rbac.sub}/{AUTH}/roleDefinitions/{role}?{V}", body).status_code == 201
    grant(rbac, group_scope(rbac), role, other.object_id)
    other.network.virtual_networks.begin_create_or_update("rg1", "vnet1", vnet_body()).result()
    denied = refused(lambda: other.network.virtual_networks.begin_delete("rg1", "vnet1"))
    assert denied.error is not None and f"'{VNET}/delete'" in denied.error.message
    refused(lambda: other.resources.resource_groups.get("rg1"))  # Microsoft.Resources is not in the role
    # notActions are not a deny: Network Contributor (Microsoft.Network/*) allows the delete
    grant(rbac, group_scope(rbac), NETWORK_CONTRIBUTOR, other.object_id)
    other.network.virtual_networks.begin_delete("rg1", "vnet1").result()
    assert [v.name for v in rbac.network.virtual_networks.list("rg1")] == []


def test_no_assignment_is_refused_at_the_subscription(rbac: Azure) -> None:
    other = Other(rbac)
    error = refused(lambda: list(other.resources.resource_groups.list()))
    assert error.error is not None
    assert error.error.message == expected_message(
        other, "Microsoft.Resources/subscriptions/resourceGroups/read", f"/subscriptions/{rbac.sub}"
    )
    refused(lambda: other.resources.resource_groups.create_or_update("rg1", {"location": LOCATION}))
    assert [g.name for g in rbac.resources.resource_groups.list()] == []


def _template(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": list(resources),
    }


def test_a_deployment_needs_the_write_of_each_of_its_resources(rbac: Azure) -> None:
    make_group(rbac)
    other = Other(rbac)
    grant(rbac, group_scope(rbac), CONTRIBUTOR, other.object_id)
    vnet = {
        "type": VNET,
        "apiVersion": "2023-09-01",
        "name": "vnet1",
        "location": LOCATION,
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
    }
    ok = {"properties": {"mode": "Incremental", "template": _template(vnet)}}
    assert other.deployments.deployments.begin_create_or_update("rg1", "ok", ok).result().properties is not None
    assignment = {
        "type": "Microsoft.Authorization/roleAssignments",
        "apiVersion": "2022-04-01",
        "name": str(uuid.uuid4()),
        "properties": {
            "roleDefinitionId": f"/subscriptions/{rbac.sub}/{AUTH}/roleDefinitions/{READER}",
            "principalId": str(uuid.uuid4()),
        },
    }
    vnet2 = {**vnet, "name": "vnet2"}
    bad = {"properties": {"mode": "Incremental", "template": _template(vnet2, assignment)}}
    with pytest.raises(HttpResponseError) as caught:
        other.deployments.deployments.begin_create_or_update("rg1", "bad", bad)
    error = caught.value
    assert error.status_code == 400 and error.error is not None and error.error.code == "InvalidTemplateDeployment"
    assert error.error.message.startswith(
        f"The template deployment failed with error: 'Authorization failed for template resource "
        f"'{assignment['name']}' of type 'Microsoft.Authorization/roleAssignments'. The client '{other.object_id}'"
    )
    assert "'Microsoft.Authorization/roleAssignments/write'" in error.error.message
    assert [d.code for d in error.error.details] == ["AuthorizationFailed"]
    names = {d.name for d in rbac.deployments.deployments.list_by_resource_group("rg1")}
    assert names == {"ok"}  # refused before anything started
    assert [v.name for v in rbac.network.virtual_networks.list("rg1")] == ["vnet1"]
    validated = other.raw(
        "POST",
        f"{group_scope(rbac)}/providers/Microsoft.Resources/deployments/bad/validate?api-version=2024-03-01",
        bad,
    )
    assert (validated.status_code, validated.json()["error"]["code"]) == (400, "InvalidTemplateDeployment")


def test_a_reader_cannot_deploy(rbac: Azure) -> None:
    make_group(rbac)
    other = Other(rbac)
    grant(rbac, group_scope(rbac), READER, other.object_id)
    body = {"properties": {"mode": "Incremental", "template": _template()}}
    error = refused(lambda: other.deployments.deployments.begin_create_or_update("rg1", "d1", body))
    assert error.error is not None and "'Microsoft.Resources/deployments/write'" in error.error.message


def test_the_library_raises_its_typed_error_with_code_message_and_correlation_id(rbac: Azure) -> None:
    from azrm.errors import AzureOperationError
    from azrm.progress import SilentReporter
    from azrm.session import LocalSession

    other = Other(rbac)
    options = rbac.client_kwargs()
    lib = LocalSession(
        credential=other.credential,
        subscription_id=rbac.sub,
        arm_endpoint=options.pop("base_url"),
        credential_scopes=["https://management.azure.com/.default"],
        client_options=options,
        location=LOCATION,
        reporter=SilentReporter(),
        cloud_name="local",
    )
    try:
        with pytest.raises(AzureOperationError) as caught:
            lib.new_resource_group("rg1", LOCATION)
    finally:
        lib.close()
    error = caught.value
    assert isinstance(error, HttpResponseError)
    assert (error.status_code, error.arm_code) == (403, "AuthorizationFailed")
    assert error.arm_message == expected_message(
        other, "Microsoft.Resources/subscriptions/resourceGroups/write", f"/subscriptions/{rbac.sub}/resourcegroups/rg1"
    )
    assert error.correlation_id and not error.transient
    assert "role assignments" in error.hint
