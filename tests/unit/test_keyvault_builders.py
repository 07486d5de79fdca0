"""The key vault request bodies and checks, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

import azrm
from azrm.operations.keyvault import access_policy, vault_body
from azrm.rules import key_vault_name_problem


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
