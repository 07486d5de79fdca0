"""The library's Key Vault secret cmdlets (Set-/Get-/Remove-AzKeyVaultSecret) on local vaults.

Each test runs in-process and over HTTPS (where each vault answers on its own loopback listener):
the library finds the vault's URI through the control plane and talks to it with SecretClient.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

import azrm
from tests.conftest import LOCATION, Azure

VALUE_1 = "Fir5t!secret-value"
VALUE_2 = "Sec0nd!secret-value"


@pytest.fixture
def vault(lib: Any) -> str:
    lib.new_resource_group("rgkvs", LOCATION)
    lib.new_key_vault("rgkvs", "kv-lib-secrets")  # the creator (the token's oid) gets an access policy
    return "kv-lib-secrets"


def test_set_get_versions_remove(lib: Any, azure: Azure, vault: str) -> None:
    first = lib.set_key_vault_secret(vault, "db-pass", VALUE_1, content_type="text/plain", tags={"env": "test"})
    assert isinstance(first, azrm.KeyVaultSecret)
    assert (first.vault_name, first.name, first.content_type, first.tags) == (
        vault,
        "db-pass",
        "text/plain",
        {"env": "test"},
    )
    assert re.fullmatch(r"[0-9a-f]{32}", first.version or "") and first.enabled
    assert first.get_secret_value() == VALUE_1
    second = lib.set_key_vault_secret(vault, "db-pass", VALUE_2)
    assert second.version != first.version

    latest = lib.get_key_vault_secret(vault, "db-pass")
    assert (latest.version, latest.get_secret_value()) == (second.version, VALUE_2)
    pinned = lib.get_key_vault_secret(vault, "db-pass", version=first.version)
    assert pinned.get_secret_value() == VALUE_1
    uri = lib.get_key_vault("rgkvs", vault).properties["vaultUri"]
    assert latest.id == f"{uri}secrets/db-pass/{second.version}"

    for shown in (repr(latest), str(latest), repr(pinned), f"{latest}", repr(latest.value)):
        assert VALUE_1 not in shown and VALUE_2 not in shown
    assert "********" in repr(latest)

    credential = lib.get_key_vault_credential("knadmin", vault, "db-pass")
    assert credential.user_name == "knadmin" and credential.password.get_secret_value() == VALUE_2

    lib.remove_key_vault_secret(vault, "db-pass")  # soft delete: the name stays taken
    with pytest.raises(ResourceNotFoundError) as gone:
        lib.get_key_vault_secret(vault, "db-pass")
    assert isinstance(gone.value, azrm.AzureOperationError) and gone.value.arm_code == "SecretNotFound"
    with pytest.raises(ResourceExistsError) as held:
        lib.set_key_vault_secret(vault, "db-pass", VALUE_1)
    assert isinstance(held.value, azrm.AzureOperationError)
    assert VALUE_1 not in str(held.value) and VALUE_1 not in repr(held.value)

    lib.remove_key_vault_secret(vault, "db-pass", purge=True)  # already deleted: purged
    assert lib.set_key_vault_secret(vault, "db-pass", VALUE_1).get_secret_value() == VALUE_1  # the name is free
    lib.remove_key_vault_secret(vault, "db-pass", purge=True)  # delete and purge at once
    lib.set_key_vault_secret(vault, "db-pass", VALUE_2)


def test_errors_are_typed_and_hide_the_value(lib: Any, azure: Azure, vault: str) -> None:
    lib.set_key_vault_secret(vault, "s1", VALUE_1)
    with pytest.raises(azrm.AzureOperationError) as missing_version:
        lib.get_key_vault_secret(vault, "s1", version="0" * 32)
    assert missing_version.value.arm_code == "SecretNotFound"
    with pytest.raises(azrm.AzureOperationError) as no_vault:
        lib.set_key_vault_secret("kv-nowhere", "s1", VALUE_1)
    assert isinstance(no_vault.value, ResourceNotFoundError)
    for err in (missing_version.value, no_vault.value):
        assert VALUE_1 not in str(err) and VALUE_1 not in repr(err)
    with pytest.raises(azrm.ValidationError) as bad:
        lib.set_key_vault_secret(vault, "s_1", VALUE_1)
    assert bad.value.field == "name" and VALUE_1 not in str(bad.value)


def test_denied_without_an_access_policy(lib: Any, azure: Azure) -> None:
    lib.new_resource_group("rgkvs", LOCATION)
    other = "11111111-2222-3333-4444-555555555555"
    lib.new_key_vault("rgkvs", "kv-lib-denied", object_id=other)  # a policy for someone else only
    with pytest.raises(azrm.AzureOperationError) as denied:
        lib.set_key_vault_secret("kv-lib-denied", "s1", VALUE_1)
    assert denied.value.arm_code == "Forbidden" and VALUE_1 not in str(denied.value)
