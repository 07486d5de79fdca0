"""The key vault request bodies and checks, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

import azrm
from azrm.operations.keyvault import access_policy, vault_body
from azrm.rules import key_vault_name_problem, key_vault_secret_name_problem


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("kv1", True),
        ("a-b-c", True),
        ("A" * 24, True),
        ("ab", False),
        ("a" * 25, False),
        ("1kv", False),
        ("-kv", False),
        ("kv-", False),
        ("kv--a", False),
        ("kv_a", False),
        ("kv.a", False),
    ],
)
def test_key_vault_names(name: str, ok: bool) -> None:
    assert (key_vault_name_problem(name) is None) is ok


def test_vault_body_defaults() -> None:
    body = vault_body("westeurope", "tid", tags={"a": "b"})
    assert body == {
        "location": "westeurope",
        "tags": {"a": "b"},
        "properties": {
            "tenantId": "tid",
            "sku": {"family": "A", "name": "standard"},
            "accessPolicies": [],
            "enabledForDeployment": False,
            "enabledForTemplateDeployment": False,
            "enabledForDiskEncryption": False,
            "enableRbacAuthorization": False,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
        },
    }
    protected = vault_body("westeurope", "tid", sku="premium", enable_purge_protection=True)["properties"]
    assert protected["enablePurgeProtection"] is True and protected["sku"]["name"] == "premium"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"sku": "Basic"}, "sku"),
        ({"soft_delete_retention_in_days": 6}, "soft_delete_retention_in_days"),
        ({"soft_delete_retention_in_days": 91}, "soft_delete_retention_in_days"),
    ],
)
def test_vault_body_refuses(options: dict[str, Any], field: str) -> None:
    with pytest.raises(azrm.ValidationError) as info:
        vault_body("westeurope", "tid", **options)
    assert info.value.field == field


def test_access_policy() -> None:
    entry = access_policy("tid", "oid", permissions_to_secrets=["GET", "list"], permissions_to_keys=["wrapkey"])
    assert entry == {
        "tenantId": "tid",
        "objectId": "oid",
        "permissions": {"keys": ["wrapKey"], "secrets": ["get", "list"]},
    }
    for bad in (["read"], "get"):
        with pytest.raises(azrm.ValidationError) as info:
            access_policy("tid", "oid", permissions_to_secrets=bad)
        assert info.value.field == "permissions_to_secrets"


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("db-pass", True),
        ("A1-" * 42 + "a", True),  # 127 characters
        ("a" * 128, False),
        ("", False),
        ("db_pass", False),
        ("db.pass", False),
        ("db pass", False),
        ("pässword", False),
    ],
)
def test_key_vault_secret_names(name: str, ok: bool) -> None:
    assert (key_vault_secret_name_problem(name) is None) is ok


class _NoRequests:
    """A credential that fails the test if a request is ever signed."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("no request should be made")


def _offline_session() -> Any:
    from azrm.progress import SilentReporter

    return azrm.Session(
        credential=_NoRequests(),
        subscription_id="00000000-0000-0000-0000-000000000000",
        arm_endpoint="https://management.azure.com",
        credential_scopes=["https://management.azure.com/.default"],
        reporter=SilentReporter(),
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda az: az.set_key_vault_secret("kv-app-1", "db_pass", "S3cret!value"), "name"),
        (lambda az: az.set_key_vault_secret("kv-app-1", "a" * 128, "S3cret!value"), "name"),
        (lambda az: az.set_key_vault_secret("kv_app", "db-pass", "S3cret!value"), "vault_name"),
        (lambda az: az.set_key_vault_secret("kv-app-1", "db-pass", 1234), "secret_value"),
        (lambda az: az.get_key_vault_secret("kv-app-1", "db pass"), "name"),
        (lambda az: az.get_key_vault_secret("kv-app-1", "db-pass", version="latest"), "version"),
        (lambda az: az.get_key_vault_secret("-kv", "db-pass"), "vault_name"),
        (lambda az: az.remove_key_vault_secret("kv-app-1", "db.pass"), "name"),
        (lambda az: az.get_key_vault_credential("knadmin", "kv-app-1", "db_pass"), "name"),
    ],
)
def test_secret_operations_check_names_first(call: Any, field: str) -> None:
    with pytest.raises(azrm.ValidationError) as info:
        call(_offline_session())
    assert info.value.field == field
    assert "S3cret!value" not in str(info.value) and "1234" not in str(info.value)


def test_key_vault_secret_masks_its_value() -> None:
    from types import SimpleNamespace

    props = SimpleNamespace(
        version="0" * 32, content_type="password", tags=None, enabled=True, created_on=None, updated_on=None
    )
    secret = azrm.KeyVaultSecret("kv-app-1", SimpleNamespace(name="s", id="id", value="Hush!hush-42", properties=props))
    assert "Hush!hush-42" not in repr(secret) and "Hush!hush-42" not in str(secret) and "********" in repr(secret)
    assert "Hush!hush-42" not in repr(secret.value)
    assert secret.get_secret_value() == "Hush!hush-42"
    credential = secret.to_credential("knadmin")
    assert credential.password.get_secret_value() == "Hush!hush-42" and "Hush!hush-42" not in repr(credential)
