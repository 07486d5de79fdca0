"""Key vaults in the local Azure, through the real SDK pipeline and the library: create, read, list,
access policies, soft delete, recover, purge, and the name rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

import azrm
from tests.conftest import LOCATION, Azure

KV = "Microsoft.KeyVault/vaults"
API = "2023-07-01"
OID = "11111111-2222-3333-4444-555555555555"


def _body(azure: Azure, **props: Any) -> dict[str, Any]:
    return {
        "location": LOCATION,
        "properties": {"tenantId": azure.emu.tenant_id, "sku": {"family": "A", "name": "standard"}, **props},
    }


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_vault_lifecycle(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("rgkv", LOCATION)
    vault = lib.new_key_vault("rgkv", "kv-app-1", object_id=OID, tags={"env": "test"})
    props = vault.properties
    assert (vault.type, vault.location, vault.tags) == (KV, LOCATION, {"env": "test"})
    # the vault's own origin: a loopback listener of the HTTPS server, Azure's host name in-process
    expected_uri = "https://kv-app-1.vault.azure.net/" if azure.mode == "inprocess" else r"https://127\.0\.0\.1:\d+/"
    assert re.fullmatch(expected_uri, props["vaultUri"])
    assert props["tenantId"] == azure.emu.tenant_id and props["sku"] == {"family": "A", "name": "standard"}
    assert (props["enableSoftDelete"], props["softDeleteRetentionInDays"], props["enablePurgeProtection"]) == (
        True,
        90,
        None,
    )
    (policy,) = props["accessPolicies"]
    assert policy["objectId"] == OID and policy["permissions"]["secrets"] == ["all"]
    # without object_id the local session has no object id to give a policy to (its token is opaque)
    rbac = lib.new_key_vault("rgkv", "kv-rbac-1", enable_rbac_authorization=True, sku="Premium")
    assert rbac.properties["accessPolicies"] == [] and rbac.properties["sku"]["name"] == "premium"

    assert lib.get_key_vault("rgkv", "kv-app-1").properties["vaultUri"] == props["vaultUri"]
    assert sorted(v.name for v in lib.get_key_vault("rgkv")) == ["kv-app-1", "kv-rbac-1"]
    assert len(lib.get_key_vault()) == 2

    other = "99999999-2222-3333-4444-555555555555"
    lib.set_key_vault_access_policy("rgkv", "kv-app-1", other, permissions_to_secrets=["get", "list"])
    changed = lib.set_key_vault_access_policy("rgkv", "kv-app-1", OID, permissions_to_keys=["Get"])
    policies = {p["objectId"]: p["permissions"] for p in changed.properties["accessPolicies"]}
    assert policies[other] == {"secrets": ["get", "list"]}
    assert policies[OID] == {"keys": ["get"], "secrets": ["all"], "certificates": ["all"]}

    # a PATCH changes what it names and keeps the rest
    patched = azure.raw(
        "PATCH", azure.path("rgkv", KV, "kv-app-1", API), {"properties": {"enabledForDeployment": True}}
    )
    assert patched.status_code == 200 and patched.json()["properties"]["enabledForDeployment"] is True
    assert len(patched.json()["properties"]["accessPolicies"]) == 2


def test_soft_delete_recover_and_purge(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("rgkv", LOCATION)
    lib.new_key_vault("rgkv", "kv-soft-1", object_id=OID, soft_delete_retention_in_days=7)
    lib.remove_key_vault("rgkv", "kv-soft-1")
    lib.remove_key_vault("rgkv", "kv-soft-1")  # already gone: succeeds
    with pytest.raises(ResourceNotFoundError):
        lib.get_key_vault("rgkv", "kv-soft-1")
    (deleted,) = lib.get_key_vault(in_removed_state=True)
    assert deleted.type == "Microsoft.KeyVault/deletedVaults"
    assert deleted.properties["vaultId"].endswith("/vaults/kv-soft-1") and deleted.properties["location"] == LOCATION
    one = lib.get_key_vault(name="kv-soft-1", in_removed_state=True, location=LOCATION)
    assert one.properties["scheduledPurgeDate"] > one.properties["deletionDate"]
    # the deleted vault holds its name
    taken = azure.raw("PUT", azure.path("rgkv", KV, "kv-soft-1", API), _body(azure))
    assert _code(taken) == (409, "ConflictError")
    # it is not among the group's resources
    assert [r.name for r in azure.resources.resources.list()] == []

    recovered = lib.undo_key_vault_removal("kv-soft-1", "rgkv", LOCATION)
    assert recovered.properties["accessPolicies"][0]["objectId"] == OID
    assert lib.get_key_vault(in_removed_state=True) == []

    # deleting the resource group soft-deletes its vaults too
    azure.resources.resource_groups.begin_delete("rgkv").result()
    (deleted,) = lib.get_key_vault(in_removed_state=True)
    assert deleted.name == "kv-soft-1"
    lib.remove_key_vault(None, "kv-soft-1", in_removed_state=True, location=LOCATION)
    assert lib.get_key_vault(in_removed_state=True) == []
    with pytest.raises(ResourceNotFoundError):
        lib.get_key_vault(name="kv-soft-1", in_removed_state=True, location=LOCATION)
    # purged: the name is free again
    lib.new_resource_group("rgkv", LOCATION)
    assert lib.new_key_vault("rgkv", "kv-soft-1").name == "kv-soft-1"


def test_vault_wire_rules(azure: Azure) -> None:
    azure.resources.resource_groups.create_or_update("rgkv", {"location": LOCATION})
    azure.resources.resource_groups.create_or_update("rgkv2", {"location": LOCATION})
    created = azure.raw("PUT", azure.path("rgkv", KV, "kv-wire-1", API), _body(azure, enablePurgeProtection=True))
    assert created.status_code == 201
    for bad in ("1kv", "kv--a", "kv-", "ab", "a" * 25, "kv_a"):
        assert _code(azure.raw("PUT", azure.path("rgkv", KV, bad, API), _body(azure))) == (400, "VaultNameNotValid")
    # names are global: another group cannot take it
    assert _code(azure.raw("PUT", azure.path("rgkv2", KV, "kv-wire-1", API), _body(azure))) == (
        409,
        "VaultAlreadyExists",
    )
    # purge protection and soft delete cannot be turned off
    path = azure.path("rgkv", KV, "kv-wire-1", API)
    off = azure.raw("PATCH", path, {"properties": {"enablePurgeProtection": False}})
    assert _code(off) == (400, "BadRequest") and "irreversible" in off.json()["error"]["message"]
    assert _code(azure.raw("PUT", path, _body(azure, enableSoftDelete=False))) == (400, "BadRequest")
    assert _code(azure.raw("PUT", path, _body(azure, softDeleteRetentionInDays=5))) == (400, "BadRequest")
    assert _code(
        azure.raw("PUT", azure.path("rgkv", KV, "kv-wire-2", API), {"location": LOCATION, "properties": {}})
    ) == (
        400,
        "BadRequest",
    )
    # name checks
    check = f"/subscriptions/{azure.sub}/providers/Microsoft.KeyVault/checkNameAvailability?api-version={API}"
    answers = [azure.raw("POST", check, {"name": n, "type": KV}).json() for n in ("kv-wire-1", "kv-free-1", "-bad")]
    assert [(a["nameAvailable"], a.get("reason")) for a in answers] == [
        (False, "AlreadyExists"),
        (True, None),
        (False, "AccountNameInvalid"),
    ]
    # a protected deleted vault cannot be purged; recovering what is not deleted is refused
    assert azure.raw("DELETE", path).status_code == 200
    assert azure.raw("DELETE", path).status_code == 204
    purge = (
        f"/subscriptions/{azure.sub}/providers/Microsoft.KeyVault/locations/{LOCATION}/deletedVaults/kv-wire-1/purge"
        f"?api-version={API}"
    )
    assert _code(azure.raw("POST", purge)) == (409, "Conflict")
    missing = azure.raw("PUT", azure.path("rgkv", KV, "kv-none-1", API), _body(azure, createMode="recover"))
    assert _code(missing) == (404, "SoftDeletedVaultDoesNotExist")
    # the catalogue lists the namespace with the versions the routes accept
    provider = azure.resources.providers.get("Microsoft.KeyVault")
    (entry,) = [t for t in provider.resource_types if t.resource_type == "vaults"]
    assert {"2023-07-01", "2019-09-01"} <= set(entry.api_versions)
    assert _code(azure.raw("GET", azure.path("rgkv", KV, "kv-wire-1", "2014-01-01"))) == (
        400,
        "NoRegisteredProviderFound",
    )


def test_the_library_checks_before_sending(lib: Any, azure: Azure) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("1kv", {}),
        ("kv--a", {}),
        ("kv-ok-1", {"sku": "Basic"}),
        ("kv-ok-1", {"soft_delete_retention_in_days": 91}),
    ]
    for name, options in cases:
        with pytest.raises(azrm.ValidationError):
            lib.new_key_vault("rgkv", name, LOCATION, **options)
    with pytest.raises(azrm.ValidationError):
        lib.set_key_vault_access_policy("rgkv", "kv-ok-1", OID, permissions_to_secrets=["read"])
    assert azure.emu.requests_by_method["PUT"] == 0
    with pytest.raises(HttpResponseError):
        lib.get_key_vault("rgkv", "kv-ok-1")


def test_template_mode_writes_a_vault_that_deploys(lib: Any) -> None:
    with azrm.template_session(location=LOCATION) as t:
        t.new_resource_group("rgkv", LOCATION)
        t.new_key_vault("rgkv", "kv-tpl-1", object_id=OID)
        template = t.template
    (vault,) = template["resources"]
    props = vault["properties"]
    # the tenant is the deploying subscription's; permission names are not taken for secrets
    assert props["tenantId"] == props["accessPolicies"][0]["tenantId"] == "[subscription().tenantId]"
    assert props["accessPolicies"][0]["permissions"]["secrets"] == ["all"]
    lib.new_resource_group("rgkv", LOCATION)
    # the writer declares _artifactsLocationSasToken even without artifacts (known quirk, see test_managed_identity)
    unused = {"_artifactsLocationSasToken": "unused"} if "_artifactsLocationSasToken" in template["parameters"] else {}
    lib.new_resource_group_deployment("rgkv", template_object=template, template_parameter_object=unused)
    assert lib.get_key_vault("rgkv", "kv-tpl-1").properties["accessPolicies"][0]["objectId"] == OID
