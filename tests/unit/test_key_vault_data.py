"""The pure pieces of the local Key Vault data plane: secret bookkeeping, access checks, template references."""

from __future__ import annotations

from typing import Any

import pytest

from azrm.emulator.core.errors import ArmError
from azrm.emulator.core.store import Record
from azrm.emulator.entra import Principal
from azrm.emulator.providers.keyvault.access import SECRET_OPERATIONS, check_access
from azrm.emulator.providers.keyvault.references import _reference_of, echo_references
from azrm.emulator.providers.keyvault.secrets import SecretError, VaultFacts, VaultSecrets, secret_name_problem

URL = "https://127.0.0.1:4443"
DAY = 86400


def secrets(data: dict[str, Any] | None = None, now: float = 1_700_000_000, **facts: Any) -> VaultSecrets:
    counter = iter(range(1, 1000))
    return VaultSecrets({} if data is None else data, VaultFacts(URL, **facts), now, lambda: f"{next(counter):032x}")


def test_versions_and_shapes() -> None:
    store = secrets()
    first = store.set("Db-Pass", {"value": "a", "contentType": "text/plain", "tags": {"k": "v"}})
    assert first == {
        "value": "a",
        "id": f"{URL}/secrets/Db-Pass/{1:032x}",
        "attributes": {"enabled": True, "nbf": None, "exp": None, "created": 1_700_000_000,
                       "updated": 1_700_000_000, "recoverableDays": 90, "recoveryLevel": "Recoverable+Purgeable"},
        "contentType": "text/plain",
        "tags": {"k": "v"},
    }  # fmt: skip
    store.set("db-pass", {"value": "b"})  # names are case-insensitive; the first spelling stays
    assert store.get("DB-PASS")["value"] == "b" and store.get("db-pass", f"{1:032x}")["value"] == "a"
    assert [i["id"] for i in store.list_secrets()] == [f"{URL}/secrets/Db-Pass"]
    assert [i["id"].rsplit("/", 1)[-1] for i in store.versions("db-pass")] == [f"{1:032x}", f"{2:032x}"]
    assert store.versions("nothing") == []
    with pytest.raises(SecretError) as missing:
        store.get("db-pass", "f" * 32)
    assert (missing.value.status, missing.value.code) == (404, "SecretNotFound")


@pytest.mark.parametrize(
    ("days", "protected", "level"),
    [(90, False, "Recoverable+Purgeable"), (90, True, "Recoverable"),
     (7, False, "CustomizedRecoverable+Purgeable"), (30, True, "CustomizedRecoverable")],
)  # fmt: skip
def test_recovery_levels(days: int, protected: bool, level: str) -> None:
    assert VaultFacts(URL, days, protected).recovery_level == level


def test_soft_delete_holds_the_name_until_purged_or_expired() -> None:
    data: dict[str, Any] = {}
    store = secrets(data, retention_days=7)
    store.set("s", {"value": "v"})
    deleted = store.delete("s")
    assert deleted["recoveryId"] == f"{URL}/deletedsecrets/s" and "value" not in deleted
    assert deleted["scheduledPurgeDate"] == deleted["deletedDate"] + 7 * DAY
    with pytest.raises(SecretError) as held:
        store.set("s", {"value": "w"})
    assert (held.value.status, held.value.inner) == (409, "ObjectIsDeletedButRecoverable")
    assert secrets(data, now=1_700_000_000 + 6 * DAY).get_deleted("s")["recoveryId"].endswith("/s")
    later = secrets(data, now=1_700_000_000 + 7 * DAY)  # the scheduled purge date passed
    assert later.list_deleted() == [] and data == {}


def test_purge_protection_refuses_purge() -> None:
    store = secrets(purge_protection=True)
    store.set("s", {"value": "v"})
    store.delete("s")
    with pytest.raises(SecretError) as refused:
        store.purge("s")
    assert (refused.value.status, refused.value.code) == (403, "Forbidden")
    assert store.recover("s")["id"].endswith(f"/secrets/s/{1:032x}")


@pytest.mark.parametrize(("name", "ok"), [("a", True), ("db-pass-2", True), ("x" * 127, True), ("x" * 128, False),
                                          ("under_score", False), ("", False), ("é", False)])  # fmt: skip
def test_secret_names(name: str, ok: bool) -> None:
    assert (secret_name_problem(name) is None) is ok


def test_bad_bodies() -> None:
    store = secrets()
    for body in ({}, {"value": 1}, {"value": "v", "tags": {"k": 1}}, {"value": "v", "attributes": {"exp": "soon"}}):
        with pytest.raises(SecretError) as bad:
            store.set("s", body)
        assert (bad.value.status, bad.value.code) == (400, "BadParameter")


def vault(policies: list[dict[str, Any]], rbac: bool = False) -> Record:
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1"
    props = {"accessPolicies": policies, "enableRbacAuthorization": rbac}
    return Record(rid, "Microsoft.KeyVault/vaults", {"location": "westeurope", "properties": props})


def test_access_policies_match_object_and_tenant() -> None:
    me = Principal("oid-1", "tid-1", "ServicePrincipal", app_id="app-1")
    allowed = vault([{"tenantId": "TID-1", "objectId": "OID-1", "permissions": {"secrets": ["Get"]}}])
    check_access(None, allowed, me, SECRET_OPERATIONS["get"])  # type: ignore[arg-type]
    with pytest.raises(SecretError) as no_set:
        check_access(None, allowed, me, SECRET_OPERATIONS["update"])  # type: ignore[arg-type]
    assert "does not have secrets set permission on key vault 'kv1;location=westeurope'" in no_set.value.message
    other_tenant = vault([{"tenantId": "tid-2", "objectId": "oid-1", "permissions": {"secrets": ["all"]}}])
    with pytest.raises(SecretError) as stranger:
        check_access(None, other_tenant, me, SECRET_OPERATIONS["get"])  # type: ignore[arg-type]
    assert stranger.value.message.startswith("Access denied. Caller was not found on any access policy.")
    assert "Caller: appid=app-1;oid=oid-1;iss=https://sts.windows.net/tid-1/" in stranger.value.message


def test_reference_parsing_and_echo() -> None:
    ref = {"reference": {"keyVault": {"id": "/v"}, "secretName": "s", "secretVersion": "abc"}}
    assert _reference_of("p", ref) == ("/v", "s", "abc")
    assert _reference_of("p", {"value": "plain"}) is None
    with pytest.raises(ArmError) as extra:
        _reference_of("p", {"reference": {"keyVault": {"id": "/v"}, "secretName": "s", "vault": 1}})
    assert "'vault' on object of type 'KeyVaultParameterReference'" in extra.value.message
    with pytest.raises(ArmError):
        _reference_of("p", {"reference": {"keyVault": {}, "secretName": "s"}})
    echoed = {"P": {"type": "SecureString"}, "q": {"type": "String", "value": "x"}}
    echo_references(echoed, {"p": ref, "q": {"value": "x"}})
    assert echoed == {"P": {"type": "SecureString", **ref}, "q": {"type": "String", "value": "x"}}
