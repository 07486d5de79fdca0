"""Key Vault's secrets data plane: azure-keyvault-secrets' SecretClient, unchanged, against local vaults.

Each test runs in-process and over HTTPS (where each vault has its own loopback listener).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.keyvault.secrets import SecretClient

from azrm.emulator import LocalCredential
from azrm.emulator.core.wire import Headers, Request
from tests.conftest import LOCATION, Azure, make_group

KV_API = "2023-07-01"
ALL = ["get", "list", "set", "delete", "recover", "purge"]
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"


def make_vault(azure: Azure, name: str, *, policies: list[dict[str, Any]] | None = None, **props: Any) -> Any:
    """Create a vault whose access policy gives the default principal ``ALL`` (unless ``policies``)."""
    if policies is None:
        policies = [policy(azure, azure.emu.entra.default_principal.object_id, ALL)]
    body = {
        "location": LOCATION,
        "properties": {
            "tenantId": azure.emu.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "accessPolicies": policies,
            **props,
        },
    }
    response = azure.raw("PUT", azure.path("rg1", "Microsoft.KeyVault/vaults", name, KV_API), body)
    assert response.status_code in (200, 201), response.text()
    return response.json()


def policy(azure: Azure, object_id: str, secrets: list[str]) -> dict[str, Any]:
    return {"tenantId": azure.emu.tenant_id, "objectId": object_id, "permissions": {"secrets": secrets}}


def credential_of(azure: Azure, app_id: str, secret: str) -> LocalCredential:
    if azure.mode == "inprocess":
        return LocalCredential(
            "https://azrm.local", azure.emu.tenant_id, app_id, secret, transport=azure.emu.transport()
        )
    assert azure.server is not None
    return LocalCredential(azure.server.endpoint, azure.emu.tenant_id, app_id, secret, connection_verify=azure.ca)


def secret_client(azure: Azure, vault_uri: str, credential: Any = None) -> SecretClient:
    options: dict[str, Any] = (
        {"transport": azure.emu.transport()} if azure.mode == "inprocess" else {"connection_verify": azure.ca}
    )
    # what the Azure CLI does: the local vault's origin is not under vault.azure.net
    return SecretClient(
        vault_uri, credential or azure.credential(), verify_challenge_resource=False, retry_total=0, **options
    )


def vault_request(azure: Azure, vault_uri: str, path: str, token: str | None) -> tuple[int, Any, Any]:
    """GET ``path`` of a vault without the SDK's challenge policy: status, headers, JSON body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = vault_uri.rstrip("/") + path
    if azure.mode == "inprocess":
        answer = azure.emu.handle(Request("GET", url, Headers(headers)))
        return answer.status, answer.headers, answer.body
    response = requests.get(url, headers=headers, verify=azure.ca, timeout=30)
    return response.status_code, response.headers, response.json()


@pytest.fixture
def group(azure: Azure) -> None:
    make_group(azure)


@pytest.mark.usefixtures("group")
def test_secret_round_trip(azure: Azure) -> None:
    vault = make_vault(azure, "kv-secrets-1")
    uri = vault["properties"]["vaultUri"]
    if azure.mode == "http":
        assert re.fullmatch(r"https://127\.0\.0\.1:\d+/", uri)
    client = secret_client(azure, uri)

    first = client.set_secret("db-pass", "pa55", content_type="text/plain", tags={"env": "test"})
    assert first.value == "pa55" and first.properties.content_type == "text/plain"
    assert first.id == f"{uri}secrets/db-pass/{first.properties.version}"
    assert re.fullmatch(r"[0-9a-f]{32}", first.properties.version or "")
    assert first.properties.recovery_level == "Recoverable+Purgeable" and first.properties.recoverable_days == 90
    assert first.properties.enabled and first.properties.created_on is not None
    second = client.set_secret("db-pass", "pa66")
    client.set_secret("api-key", "k")

    assert client.get_secret("db-pass").value == "pa66"
    assert client.get_secret("db-pass", first.properties.version).value == "pa55"
    assert sorted(p.name for p in client.list_properties_of_secrets()) == ["api-key", "db-pass"]
    versions = {p.version for p in client.list_properties_of_secret_versions("db-pass")}
    assert versions == {first.properties.version, second.properties.version}

    updated = client.update_secret_properties("db-pass", content_type="text/x", tags={"k": "v"})
    assert (updated.content_type, updated.tags, updated.version) == ("text/x", {"k": "v"}, second.properties.version)
    client.update_secret_properties("db-pass", first.properties.version, enabled=False)
    with pytest.raises(HttpResponseError) as disabled:
        client.get_secret("db-pass", first.properties.version)
    assert disabled.value.status_code == 403 and "disabled secret" in str(disabled.value)

    deleted = client.begin_delete_secret("db-pass").result()
    assert deleted.recovery_id == f"{uri}deletedsecrets/db-pass" and deleted.scheduled_purge_date is not None
    with pytest.raises(ResourceNotFoundError) as gone:
        client.get_secret("db-pass")
    assert gone.value.error is not None and gone.value.error.code == "SecretNotFound"
    assert [d.name for d in client.list_deleted_secrets()] == ["db-pass"]
    assert client.get_deleted_secret("db-pass").name == "db-pass"
    with pytest.raises(ResourceExistsError) as held:
        client.set_secret("db-pass", "again")
    assert "deleted but recoverable state" in str(held.value)

    recovered = client.begin_recover_deleted_secret("db-pass").result()
    assert recovered.name == "db-pass"
    assert client.get_secret("db-pass").value == "pa66"

    client.begin_delete_secret("db-pass").result()
    client.purge_deleted_secret("db-pass")
    assert list(client.list_deleted_secrets()) == []
    with pytest.raises(ResourceNotFoundError):
        client.get_deleted_secret("db-pass")
    client.set_secret("db-pass", "new life")  # the name is free again


@pytest.mark.usefixtures("group")
def test_secrets_go_with_the_vault(azure: Azure) -> None:
    vault = make_vault(azure, "kv-secrets-2")
    secret_client(azure, vault["properties"]["vaultUri"]).set_secret("s", "v1")
    rid = vault["id"]
    assert azure.raw("DELETE", f"{rid}?api-version={KV_API}").status_code == 200
    body = {"location": LOCATION, "properties": {"createMode": "recover"}}
    recovered = azure.raw("PUT", f"{rid}?api-version={KV_API}", body).json()
    assert recovered["properties"]["vaultUri"] == vault["properties"]["vaultUri"]  # the port is asked for again
    assert secret_client(azure, recovered["properties"]["vaultUri"]).get_secret("s").value == "v1"


@pytest.mark.usefixtures("group")
def test_token_refusals(azure: Azure) -> None:
    uri = make_vault(azure, "kv-secrets-3")["properties"]["vaultUri"]
    path = "/secrets/x/?api-version=2026-04-01"

    status, headers, body = vault_request(azure, uri, path, None)
    assert status == 401
    assert body["error"] == {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP token."}
    challenge = headers["WWW-Authenticate"]
    assert challenge.endswith(f'/{azure.emu.tenant_id}", resource="https://vault.azure.net"')
    assert challenge.startswith('Bearer authorization="https://')

    arm_token = azure.token()  # for ARM, not for the vault
    status, _, body = vault_request(azure, uri, path, arm_token)
    assert status == 401 and body["error"]["message"].startswith("AKV10022: Invalid audience.")
    forged = azure.token(audience="https://vault.azure.net")[:-4] + "AAAA"
    assert vault_request(azure, uri, path, forged)[0] == 401
    good = azure.token(audience="https://vault.azure.net")
    status, _, body = vault_request(azure, uri, path, good)
    assert (status, body["error"]["code"]) == (404, "SecretNotFound")
    assert vault_request(azure, uri, "/secrets/x/?api-version=1999-01-01", good)[0] == 400

    class ArmOnly:  # a credential that answers every scope with an ARM token
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            from azure.core.credentials import AccessToken

            return AccessToken(arm_token, 2**31)

    with pytest.raises(ClientAuthenticationError):
        secret_client(azure, uri, ArmOnly()).get_secret("x")


@pytest.mark.usefixtures("group")
def test_access_policy_denies_another_principal(azure: Azure) -> None:
    app, secret = azure.emu.entra.directory.add_application("reader-app")
    reader = app.principal(azure.emu.tenant_id)
    owner = azure.emu.entra.default_principal.object_id
    uri = make_vault(
        azure, "kv-secrets-4", policies=[policy(azure, owner, ALL), policy(azure, reader.object_id, ["get"])]
    )["properties"]["vaultUri"]
    secret_client(azure, uri).set_secret("s", "v")
    other = secret_client(azure, uri, credential_of(azure, app.app_id, secret))

    assert other.get_secret("s").value == "v"
    with pytest.raises(HttpResponseError) as denied:
        other.set_secret("s", "mine")
    assert denied.value.status_code == 403 and denied.value.error is not None
    assert denied.value.error.code == "Forbidden"
    assert (
        f"The user, group or application 'appid={app.app_id};oid={reader.object_id};"
        f"iss=https://sts.windows.net/{azure.emu.tenant_id}/' does not have secrets set permission on key vault "
        f"'kv-secrets-4;location={LOCATION}'"
    ) in denied.value.error.message

    stranger_app, stranger_secret = azure.emu.entra.directory.add_application("stranger")
    stranger = secret_client(azure, uri, credential_of(azure, stranger_app.app_id, stranger_secret))
    with pytest.raises(HttpResponseError) as unknown:
        stranger.get_secret("s")
    assert unknown.value.status_code == 403 and "Caller was not found on any access policy" in str(unknown.value)


@pytest.mark.usefixtures("group")
def test_rbac_vault_takes_role_assignments(azure: Azure) -> None:
    app, secret = azure.emu.entra.directory.add_application("rbac-app")
    principal = app.principal(azure.emu.tenant_id)
    vault = make_vault(azure, "kv-secrets-5", policies=[], enableRbacAuthorization=True)
    uri = vault["properties"]["vaultUri"]
    owner = secret_client(azure, uri)
    user = secret_client(azure, uri, credential_of(azure, app.app_id, secret))

    with pytest.raises(HttpResponseError) as denied:  # RBAC vault: no access policy helps, no role yet
        owner.set_secret("s", "v")
    assert denied.value.status_code == 403
    assert "Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'" in str(denied.value)
    assert "DeniedWithNoValidRBAC" in str(denied.value)

    officer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    me = azure.emu.entra.default_principal.object_id
    for role, who, name in ((officer, me, "11111111-1111-4111-8111-111111111111"),
                            (SECRETS_USER, principal.object_id, "22222222-2222-4222-8222-222222222222")):  # fmt: skip
        body = {
            "properties": {
                "roleDefinitionId": f"/subscriptions/{azure.sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                "principalId": who,
                "principalType": "ServicePrincipal",
            }
        }
        path = f"{vault['id']}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01"
        assert azure.raw("PUT", path, body).status_code == 201

    owner.set_secret("s", "v")
    assert user.get_secret("s").value == "v"
    assert [p.name for p in user.list_properties_of_secrets()] == ["s"]
    with pytest.raises(HttpResponseError) as read_only:
        user.set_secret("s", "mine")
    assert read_only.value.status_code == 403


# -- template Key Vault references ----------------------------------------------------------------------
DEPLOY_API = "2022-09-01"
TAGGED_IP = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"secret": {"type": "securestring"}},
    "resources": [
        {
            "type": "Microsoft.Network/publicIPAddresses",
            "apiVersion": "2023-09-01",
            "name": "pip-kv",
            "location": LOCATION,
            "tags": {"fromVault": "[parameters('secret')]"},
            "properties": {"publicIPAllocationMethod": "Static"},
            "sku": {"name": "Standard"},
        }
    ],
}


def reference(vault_id: str, secret: str, version: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"keyVault": {"id": vault_id}, "secretName": secret}
    if version:
        ref["secretVersion"] = version
    return {"reference": ref}


def deploy_raw(azure: Azure, name: str, parameters: dict[str, Any]) -> Any:
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg1/providers/Microsoft.Resources/deployments/{name}"
    body = {"properties": {"mode": "Incremental", "template": TAGGED_IP, "parameters": parameters}}
    return azure.raw("PUT", f"{path}?api-version={DEPLOY_API}", body)


@pytest.mark.usefixtures("group")
def test_template_key_vault_reference(azure: Azure) -> None:
    vault = make_vault(azure, "kv-deploy-1", enabledForTemplateDeployment=True)
    client = secret_client(azure, vault["properties"]["vaultUri"])
    old = client.set_secret("tag-value", "first-s3cret-value")
    client.set_secret("tag-value", "latest-s3cret-value")

    body = {"properties": {"mode": "Incremental", "template": TAGGED_IP,
                           "parameters": {"secret": reference(vault["id"], "tag-value")}}}  # fmt: skip
    result = azure.deployments.deployments.begin_create_or_update("rg1", "d1", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert azure.network.public_ip_addresses.get("rg1", "pip-kv").tags == {"fromVault": "latest-s3cret-value"}
    # ARM echoes the reference, never the value
    assert result.properties.parameters["secret"] == {"type": "SecureString", **reference(vault["id"], "tag-value")}
    seen = azure.raw("GET", f"{result.id}?api-version={DEPLOY_API}").text()
    assert "s3cret-value" not in seen and "tag-value" in seen

    pinned = {"secret": reference(vault["id"], "tag-value", old.properties.version)}
    assert deploy_raw(azure, "d2", pinned).status_code in (200, 201)
    azure.deployments.deployments.get("rg1", "d2")
    assert azure.network.public_ip_addresses.get("rg1", "pip-kv").tags == {"fromVault": "first-s3cret-value"}


def _refusal(response: Any) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


@pytest.mark.usefixtures("group")
def test_template_key_vault_reference_refusals(azure: Azure) -> None:
    closed = make_vault(azure, "kv-deploy-2")  # not enabledForTemplateDeployment
    secret_client(azure, closed["properties"]["vaultUri"]).set_secret("s", "v")
    status, code, message = _refusal(deploy_raw(azure, "d1", {"secret": reference(closed["id"], "s")}))
    assert (status, code) == (400, "KeyVaultParameterReferenceSecretRetrieveFailed")
    assert message.startswith("The secret of KeyVault parameter 'secret' cannot be retrieved. Http status code: "
                              "'Forbidden'. Error message: 'Access denied to first party service.")  # fmt: skip

    vault = make_vault(azure, "kv-deploy-3", enabledForTemplateDeployment=True)
    status, code, message = _refusal(deploy_raw(azure, "d1", {"secret": reference(vault["id"], "missing")}))
    assert (status, code) == (400, "KeyVaultParameterReferenceSecretRetrieveFailed")
    assert "Http status code: 'NotFound'" in message and "A secret with (name/id) missing was not found" in message

    gone = vault["id"].replace("kv-deploy-3", "kv-nowhere")
    status, code, message = _refusal(deploy_raw(azure, "d1", {"secret": reference(gone, "s")}))
    assert (status, code) == (400, "KeyVaultParameterReferenceNotFound")
    assert (
        message
        == f"The specified KeyVault '{gone}' could not be found. Please see https://aka.ms/arm-keyvault for usage details."
    )

    extra = reference(vault["id"], "s")
    extra["reference"]["keyVault"]["resourceGroupName"] = "rg1"
    status, code, message = _refusal(deploy_raw(azure, "d1", {"secret": extra}))
    assert (status, code) == (400, "InvalidRequestContent")
    assert "Could not find member 'resourceGroupName' on object of type 'KeyVaultReference'" in message
    assert (
        azure.emu.store.get(
            f"/subscriptions/{azure.sub}/resourceGroups/rg1/providers/Microsoft.Resources/deployments/d1"
        )
        is None
    )


# -- each vault's listener over HTTPS -------------------------------------------------------------------
def test_vault_origin_is_kept_across_restarts_and_closed_on_delete(tmp_path: Any, certs: Any) -> None:
    from azrm.emulator import Emulator, EmulatorSettings
    from azrm.emulator.core.server import ArmServer

    settings = EmulatorSettings(state_path=str(tmp_path / "state.db"))
    emu = Emulator(settings)
    server = ArmServer(emu, tls=certs).start()
    try:
        azure = Azure(emu, "http", server, str(certs.ca))
        make_group(azure)
        vault = make_vault(azure, "kv-restart-1")
        uri = vault["properties"]["vaultUri"]
        secret_client(azure, uri).set_secret("kept", "across restarts")
    finally:
        server.stop()
        emu.close()
    with pytest.raises(requests.ConnectionError):  # the server's listeners close with it
        requests.get(f"{uri}secrets/kept/?api-version=7.4", verify=str(certs.ca), timeout=5)

    emu = Emulator(settings)
    server = ArmServer(emu, tls=certs).start()
    try:
        azure = Azure(emu, "http", server, str(certs.ca))
        again = azure.raw("GET", f"{vault['id']}?api-version={KV_API}").json()
        assert again["properties"]["vaultUri"] == uri  # the port is asked for again (free here)
        assert secret_client(azure, uri).get_secret("kept").value == "across restarts"
        assert azure.raw("DELETE", f"{vault['id']}?api-version={KV_API}").status_code == 200
        with pytest.raises(requests.ConnectionError):  # a deleted vault answers on no port
            requests.get(f"{uri}secrets/kept/?api-version=7.4", verify=str(certs.ca), timeout=5)
    finally:
        server.stop()
        emu.close()
