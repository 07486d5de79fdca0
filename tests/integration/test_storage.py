"""Microsoft.Storage through the real SDK, with blob endpoints that are live Azurite accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from tests.conftest import LOCATION, Azure, make_group


def create_account(azure: Azure, name: str, rg: str = "rg1", **body: Any) -> Any:
    params = {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2", **body}
    return azure.storage.storage_accounts.begin_create(rg, name, params).result()


def test_create_is_202_then_location_polling(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    statuses: list[tuple[int, bool]] = []

    def record(response: Any) -> None:
        http = response.http_response
        statuses.append((http.status_code, "Location" in http.headers))

    name = unique("sa")
    account = azure.storage.storage_accounts.begin_create(
        "rg1",
        name,
        {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
        raw_response_hook=record,
    ).result()
    assert statuses[0] == (202, True)
    assert account.name == name
    assert account.provisioning_state == "Succeeded"
    assert account.sku.tier == "Standard"
    assert account.access_tier == "Hot"
    assert account.enable_https_traffic_only is True
    assert account.allow_blob_public_access is False
    assert account.status_of_primary == "available"
    assert account.primary_endpoints.blob.endswith(f"/{name}/")
    assert account.primary_endpoints.queue and account.primary_endpoints.table


def test_keys_work_against_azurite(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    name = unique("sa")
    account = create_account(azure, name)
    keys = azure.storage.storage_accounts.list_keys("rg1", name).keys_property
    assert [k.key_name for k in keys] == ["key1", "key2"]
    assert all(k.permissions == "Full" for k in keys)
    service = BlobServiceClient(account.primary_endpoints.blob, credential=keys[0].value)
    service.create_container("data").upload_blob("x.txt", b"payload")
    assert service.get_container_client("data").download_blob("x.txt").readall() == b"payload"
    # key2 works too.
    other = BlobServiceClient(account.primary_endpoints.blob, credential=keys[1].value)
    assert [c.name for c in other.list_containers()] == ["data"]


def test_regenerate_key(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    name = unique("sa")
    account = create_account(azure, name)
    old = azure.storage.storage_accounts.list_keys("rg1", name).keys_property[0].value
    new_keys = azure.storage.storage_accounts.regenerate_key("rg1", name, {"keyName": "key1"}).keys_property
    assert new_keys[0].value != old
    BlobServiceClient(account.primary_endpoints.blob, credential=new_keys[0].value).create_container("fresh")
    stale = BlobServiceClient(account.primary_endpoints.blob, credential=old, retry_total=0)
    with pytest.raises(HttpResponseError) as err:
        list(stale.list_containers())
    assert err.value.error_code == "AuthorizationFailure"


def test_names_are_checked_and_global(
    azure: Azure, make_azure: Callable[..., Azure], unique: Callable[[str], str]
) -> None:
    make_group(azure)
    make_group(azure, "rg2")
    with pytest.raises(HttpResponseError) as err:
        create_account(azure, "Bad-Name")
    assert err.value.error.code == "AccountNameInvalid"
    name = unique("sa")
    create_account(azure, name)
    with pytest.raises(HttpResponseError) as err:
        create_account(azure, name, rg="rg2")
    assert (err.value.status_code, err.value.error.code) == (409, "StorageAccountAlreadyExists")
    result = azure.storage.storage_accounts.check_name_availability(
        {"name": name, "type": "Microsoft.Storage/storageAccounts"}
    )
    assert (result.name_available, result.reason) == (False, "AlreadyExists")
    result = azure.storage.storage_accounts.check_name_availability(
        {"name": "UPPER", "type": "Microsoft.Storage/storageAccounts"}
    )
    assert (result.name_available, result.reason) == (False, "AccountNameInvalid")
    free = azure.storage.storage_accounts.check_name_availability(
        {"name": unique("free"), "type": "Microsoft.Storage/storageAccounts"}
    )
    assert free.name_available is True
    # Another subscription sees the name as taken too.
    other = azure.emu.add_subscription()
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.storage import StorageManagementClient

    kwargs = azure.client_kwargs()
    ResourceManagementClient(azure.credential(), other, **kwargs).resource_groups.create_or_update(
        "x", {"location": LOCATION}
    )
    with pytest.raises(HttpResponseError) as err:
        StorageManagementClient(azure.credential(), other, **kwargs).storage_accounts.begin_create(
            "x", name, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
        ).result()
    assert err.value.error.code == "StorageAccountAlreadyTaken"


def test_invalid_sku_and_kind(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    with pytest.raises(HttpResponseError) as err:
        create_account(azure, unique("sa"), sku={"name": "Gold_LRS"})
    assert err.value.error.code == "InvalidValuesForRequestParameters"
    with pytest.raises(HttpResponseError) as err:
        create_account(azure, unique("sa"), kind="Tape")
    assert err.value.error.code == "InvalidValuesForRequestParameters"


def test_geo_redundant_account(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    account = create_account(azure, unique("sa"), sku={"name": "Standard_RAGRS"})
    assert account.secondary_location == "northeurope"
    assert account.secondary_endpoints.blob.endswith("-secondary/")


def test_list_update_delete(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    name = unique("sa")
    create_account(azure, name)
    assert [a.name for a in azure.storage.storage_accounts.list_by_resource_group("rg1")] == [name]
    assert [a.name for a in azure.storage.storage_accounts.list()] == [name]
    updated = azure.storage.storage_accounts.update(
        "rg1", name, {"tags": {"team": "web"}, "properties": {"minimumTlsVersion": "TLS1_2"}}
    )
    assert updated.tags == {"team": "web"}
    assert azure.storage.storage_accounts.get_properties("rg1", name).tags == {"team": "web"}
    azure.storage.storage_accounts.delete("rg1", name)
    with pytest.raises(ResourceNotFoundError) as err:
        azure.storage.storage_accounts.get_properties("rg1", name)
    assert err.value.error.code == "ResourceNotFound"
    azure.storage.storage_accounts.delete("rg1", name)  # already gone: no error
    # The name is free again, and Azurite forgot the old account's data.
    again = create_account(azure, name)
    key = azure.storage.storage_accounts.list_keys("rg1", name).keys_property[0].value
    assert list(BlobServiceClient(again.primary_endpoints.blob, credential=key).list_containers()) == []
