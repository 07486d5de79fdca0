"""Which action and scope ARM checks for a request (``request_action``), and the switches that turn RBAC on."""

from __future__ import annotations

import pytest

from azrm.emulator import Emulator, EmulatorSettings
from azrm.emulator._cli import build_parser
from azrm.emulator.core.wire import Headers, Request
from azrm.emulator.providers.authorization import request_action

S = "/subscriptions/s"
G = f"{S}/resourceGroups/g"
VNET = f"{G}/providers/Microsoft.Network/virtualNetworks/v"
VM = f"{G}/providers/Microsoft.Compute/virtualMachines/vm"
DEPLOYMENT = f"{G}/providers/Microsoft.Resources/deployments/d"

#: method, path -> action, scope (None: ARM checks nothing)
CASES: list[tuple[str, str, tuple[str, str] | None]] = [
    # a resource: its own id is the scope
    ("GET", VNET, ("Microsoft.Network/virtualNetworks/read", VNET)),
    ("HEAD", VNET, ("Microsoft.Network/virtualNetworks/read", VNET)),
    ("PUT", VNET, ("Microsoft.Network/virtualNetworks/write", VNET)),
    ("PATCH", VNET, ("Microsoft.Network/virtualNetworks/write", VNET)),
    ("DELETE", VNET, ("Microsoft.Network/virtualNetworks/delete", VNET)),
    ("PUT", f"{VNET}/subnets/s1", ("Microsoft.Network/virtualNetworks/subnets/write", f"{VNET}/subnets/s1")),
    (
        "GET",
        f"{G}/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c",
        (
            "Microsoft.Storage/storageAccounts/blobServices/containers/read",
            f"{G}/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c",
        ),
    ),
    # lists: a read of the type, at the scope holding them
    ("GET", f"{G}/providers/Microsoft.Network/virtualNetworks", ("Microsoft.Network/virtualNetworks/read", G)),
    ("GET", f"{S}/providers/Microsoft.Network/virtualNetworks", ("Microsoft.Network/virtualNetworks/read", S)),
    ("GET", f"{VNET}/subnets", ("Microsoft.Network/virtualNetworks/subnets/read", VNET)),
    ("GET", f"{VM}/instanceView", ("Microsoft.Compute/virtualMachines/instanceView/read", VM)),
    (
        "GET",
        f"{S}/providers/Microsoft.Compute/locations/westeurope/vmSizes",
        ("Microsoft.Compute/locations/vmSizes/read", f"{S}/providers/Microsoft.Compute/locations/westeurope"),
    ),
    # POST actions: {type}/{action}/action at the resource
    ("POST", f"{VM}/restart", ("Microsoft.Compute/virtualMachines/restart/action", VM)),
    (
        "POST",
        f"{G}/providers/Microsoft.Storage/storageAccounts/a/listKeys",
        ("Microsoft.Storage/storageAccounts/listKeys/action", f"{G}/providers/Microsoft.Storage/storageAccounts/a"),
    ),
    (
        "POST",
        f"{G}/providers/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/0/restart",
        (
            "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/restart/action",
            f"{G}/providers/Microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/0",
        ),
    ),
    ("POST", f"{S}/providers/Microsoft.Network/register", ("Microsoft.Network/register/action", S)),
    (
        "POST",
        f"{S}/providers/Microsoft.KeyVault/checkNameAvailability",
        ("Microsoft.KeyVault/checkNameAvailability/action", S),
    ),
    (
        "POST",
        f"{S}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv/purge",
        (
            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
            f"{S}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv",
        ),
    ),
    # Microsoft.Resources: the subscription, its groups, providers, deployments
    ("GET", S, ("Microsoft.Resources/subscriptions/read", S)),
    ("GET", f"{S}/locations", ("Microsoft.Resources/subscriptions/locations/read", S)),
    ("GET", f"{S}/providers", ("Microsoft.Resources/subscriptions/providers/read", S)),
    ("GET", f"{S}/providers/Microsoft.Compute", ("Microsoft.Resources/subscriptions/providers/read", S)),
    ("GET", f"{S}/resourcegroups", ("Microsoft.Resources/subscriptions/resourceGroups/read", S)),
    ("GET", f"{S}/resources", ("Microsoft.Resources/subscriptions/resources/read", S)),
    (
        "PUT",
        f"{S}/resourcegroups/g",
        ("Microsoft.Resources/subscriptions/resourceGroups/write", f"{S}/resourcegroups/g"),
    ),
    ("HEAD", G, ("Microsoft.Resources/subscriptions/resourceGroups/read", G)),
    ("PATCH", G, ("Microsoft.Resources/subscriptions/resourceGroups/write", G)),
    ("DELETE", G, ("Microsoft.Resources/subscriptions/resourceGroups/delete", G)),
    ("GET", f"{G}/resources", ("Microsoft.Resources/subscriptions/resourceGroups/resources/read", G)),
    ("POST", f"{G}/exportTemplate", ("Microsoft.Resources/subscriptions/resourceGroups/exportTemplate/action", G)),
    ("PUT", DEPLOYMENT, ("Microsoft.Resources/deployments/write", DEPLOYMENT)),
    ("GET", f"{G}/providers/Microsoft.Resources/deployments", ("Microsoft.Resources/deployments/read", G)),
    ("POST", f"{DEPLOYMENT}/validate", ("Microsoft.Resources/deployments/validate/action", DEPLOYMENT)),
    ("POST", f"{DEPLOYMENT}/whatIf", ("Microsoft.Resources/deployments/whatIf/action", DEPLOYMENT)),
    ("GET", f"{G}/deployments/d/operations", ("Microsoft.Resources/deployments/operations/read", f"{G}/deployments/d")),
    # extension resources: the last provider decides the action; the full id is the scope
    (
        "PUT",
        f"{G}/providers/Microsoft.Authorization/roleAssignments/x",
        ("Microsoft.Authorization/roleAssignments/write", f"{G}/providers/Microsoft.Authorization/roleAssignments/x"),
    ),
    (
        "GET",
        f"{S}/providers/Microsoft.Authorization/roleAssignments",
        ("Microsoft.Authorization/roleAssignments/read", S),
    ),
    (
        "DELETE",
        f"{VNET}/providers/Microsoft.Authorization/roleAssignments/x",
        (
            "Microsoft.Authorization/roleAssignments/delete",
            f"{VNET}/providers/Microsoft.Authorization/roleAssignments/x",
        ),
    ),
    ("GET", f"{VM}/providers/Microsoft.Insights/metrics", ("Microsoft.Insights/metrics/read", VM)),
    # percent-encoding is decoded in the scope; the query is not part of it
    (
        "GET",
        f"{G}/providers/Microsoft.Network/virtualNetworks/my%20net?api-version=1",
        (
            "Microsoft.Network/virtualNetworks/read",
            f"{G}/providers/Microsoft.Network/virtualNetworks/my net",
        ),
    ),
    # not checked
    ("GET", "/subscriptions", None),
    ("GET", "/providers/Microsoft.Authorization/roleDefinitions", None),
    ("GET", f"{S}/operationresults/abc", None),
    ("GET", f"{S}/providers/Microsoft.Compute/locations/westeurope/operations/abc", None),
    ("GET", f"{S}/providers/Microsoft.Network/locations/westeurope/operationResults/abc", None),
    ("GET", f"{S}/providers/Microsoft.Storage/locations/westeurope/asyncoperations/abc", None),
]


@pytest.mark.parametrize(("method", "path", "expected"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_request_action(method: str, path: str, expected: tuple[str, str] | None) -> None:
    assert request_action(method, path) == expected


def test_the_cli_flag_and_the_setting() -> None:
    assert build_parser().parse_args(["--rbac"]).rbac is True
    assert build_parser().parse_args([]).rbac is False
    assert EmulatorSettings().rbac is False


def _send(emu: Emulator, method: str, path: str, token: str | None = None) -> int:
    headers = Headers({"Authorization": f"Bearer {token}"} if token else {})
    headers.update(emu.admin_headers() if path.startswith("/_azrm/") else {})
    return emu.handle(Request(method, "https://azrm.local" + path, headers)).status


def test_admin_and_anonymous_routes_are_never_checked() -> None:
    emu = Emulator(EmulatorSettings(rbac=True))
    try:
        app, _ = emu.entra.directory.add_application("nobody")
        nobody = emu.entra.issue_token(app.principal(emu.tenant_id))
        assert _send(emu, "GET", "/_azrm/info") == 200
        assert _send(emu, "GET", "/metadata/endpoints?api-version=2022-09-01") == 200
        assert _send(emu, "GET", f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration") == 200
        assert _send(emu, "GET", "/subscriptions?api-version=2022-12-01", nobody) == 200
        assert _send(emu, "GET", f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01", nobody) == 403
        assert emu.info()["rbac"] is True
    finally:
        emu.close()


def test_local_session_option() -> None:
    import azrm

    with azrm.local(rbac=True, in_process=True, blob=False) as az:
        assert az.emulator is not None and az.emulator.settings.rbac is True
        assert az.new_resource_group("rg1", "westeurope").name == "rg1"


def test_a_user_is_named_by_its_upn_and_an_assignment_applies_on_the_next_request() -> None:
    emu = Emulator(EmulatorSettings(rbac=True))
    try:
        alice = emu.entra.directory.add_user("alice@azrm.local", "Str0ng!Passw0rd")
        token = emu.entra.issue_token(alice)
        sub = f"/subscriptions/{emu.subscription_id}"
        refused = emu.handle(Request("GET", f"https://azrm.local{sub}/resourcegroups?api-version=2022-09-01",
                                     Headers({"Authorization": f"Bearer {token}"})))  # fmt: skip
        assert refused.status == 403
        assert refused.body["error"]["message"].startswith(
            f"The client 'alice@azrm.local' with object id '{alice.object_id}' does not have authorization to "
            f"perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '{sub}' "
        )
        owner = emu.entra.issue_token()
        body = (
            b'{"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/'
            b'acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": "' + alice.object_id.encode() + b'"}}'
        )
        assigned = emu.handle(
            Request(
                "PUT",
                f"https://azrm.local{sub}/providers/Microsoft.Authorization/roleAssignments/"
                "0b9e8a52-6a43-4c3e-9d76-2b8f3f0e6a01?api-version=2022-04-01",
                Headers({"Authorization": f"Bearer {owner}", "Content-Type": "application/json"}),
                body,
            )
        )
        assert assigned.status == 201, assigned.body
        assert _send(emu, "GET", f"{sub}/resourcegroups?api-version=2022-09-01", token) == 200
        assert _send(emu, "PUT", f"{sub}/resourcegroups/rg1?api-version=2022-09-01", token) == 403
    finally:
        emu.close()
