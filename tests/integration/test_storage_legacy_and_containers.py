"""Microsoft.Storage as 2015 templates and container templates use it: old shapes, real containers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from tests.conftest import LOCATION, Azure, make_group


def put_account(azure: Azure, name: str, version: str, body: dict[str, Any]) -> Any:
    path = azure.path("rg1", "Microsoft.Storage/storageAccounts", name, version)
    response = azure.raw("PUT", path, body)
    assert response.status_code == 202, response.text()
    for _ in range(50):  # the Location URL answers 202 until the account exists
        location = response.headers["Location"]
        polled = azure.raw("GET", location[location.index("/subscriptions/") :])
        if polled.status_code == 200:
            return polled.json()
        time.sleep(0.01)
    raise AssertionError("the account was not created")


def test_a_2015_account_is_read_from_account_type_and_answered_in_its_shape(
    azure: Azure, unique: Callable[[str], str]
) -> None:
    make_group(azure)
    name = unique("sa")
    created = put_account(azure, name, "2015-06-15",
                          {"location": LOCATION, "properties": {"accountType": "Standard_GRS"}})  # fmt: skip
    assert created["properties"]["accountType"] == "Standard_GRS"
    assert "sku" not in created and "kind" not in created
    assert "encryption" not in created["properties"]  # 2015 accounts had no such property
    old = azure.raw("GET", azure.path("rg1", "Microsoft.Storage/storageAccounts", name, "2015-06-15")).json()
    assert old["properties"]["accountType"] == "Standard_GRS"
    assert old["properties"]["primaryEndpoints"]["blob"].endswith(f"/{name}/")
    # today's SDK sees the same account in today's shape
    account = azure.storage.storage_accounts.get_properties("rg1", name)
    assert (account.sku.name, account.kind) == ("Standard_GRS", "Storage")
    # 2015's listKeys answered key1/key2 (what old templates read with listKeys(...).key1)
    keys = azure.raw(
        "POST", f"{azure.rid('rg1', 'Microsoft.Storage/storageAccounts', name)}/listKeys?api-version=2015-06-15"
    ).json()
    assert set(keys) == {"key1", "key2"}
    assert keys["key1"] == azure.storage.storage_accounts.list_keys("rg1", name).keys_property[0].value


def test_an_account_type_in_any_casing_is_read(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    name = unique("sa")
    created = put_account(azure, name, "2015-05-01-preview",
                          {"Location": LOCATION, "Properties": {"AccountType": "Standard_LRS"}})  # fmt: skip
    assert created["properties"]["accountType"] == "Standard_LRS"


def test_a_2015_account_without_an_account_type_is_refused(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    path = azure.path("rg1", "Microsoft.Storage/storageAccounts", unique("sa"), "2015-06-15")
    response = azure.raw("PUT", path, {"location": LOCATION, "properties": {}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidValuesForRequestParameters"


def container_path(azure: Azure, account: str, container: str, version: str = "2019-06-01") -> str:
    rid = azure.rid("rg1", "Microsoft.Storage/storageAccounts", account)
    return f"{rid}/blobServices/default/containers/{container}?api-version={version}"


def test_a_blob_container_resource_is_a_real_container(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    name = unique("sa")
    account = azure.storage.storage_accounts.begin_create(
        "rg1", name, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    first = azure.raw("PUT", container_path(azure, name, "logs"), {"properties": {"publicAccess": "None"}})
    assert first.status_code == 201
    body = first.json()
    assert body["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert body["properties"]["publicAccess"] == "None"
    assert azure.raw("PUT", container_path(azure, name, "logs"), {"properties": {}}).status_code == 200
    key = azure.storage.storage_accounts.list_keys("rg1", name).keys_property[0].value
    service = BlobServiceClient(account.primary_endpoints.blob, credential=key)
    service.get_container_client("logs").upload_blob("a.txt", b"hello")
    assert [c.name for c in service.list_containers()] == ["logs"]
    listed = azure.storage.blob_containers.list("rg1", name)
    assert [c.name for c in listed] == ["logs"]
    assert azure.raw("DELETE", container_path(azure, name, "logs")).status_code == 200
    assert azure.raw("DELETE", container_path(azure, name, "logs")).status_code == 204
    assert list(service.list_containers()) == []


def test_container_public_access_follows_the_account(azure: Azure, unique: Callable[[str], str]) -> None:
    make_group(azure)
    closed, open_ = unique("sa"), unique("sa")
    for name, allow in ((closed, False), (open_, True)):
        azure.storage.storage_accounts.begin_create("rg1", name, {
            "location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
            "properties": {"allowBlobPublicAccess": allow}}).result()  # fmt: skip
    refused = azure.raw("PUT", container_path(azure, closed, "web"), {"properties": {"publicAccess": "Blob"}})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "PublicAccessNotPermitted"
    assert (
        azure.raw("PUT", container_path(azure, open_, "web"), {"properties": {"publicAccess": "blob"}}).status_code
        == 201
    )
    account = azure.storage.storage_accounts.get_properties("rg1", open_)
    key = azure.storage.storage_accounts.list_keys("rg1", open_).keys_property[0].value
    BlobServiceClient(account.primary_endpoints.blob, credential=key).get_container_client("web").upload_blob(
        "i.html", b"<p>"
    )
    anonymous = ContainerClient(account.primary_endpoints.blob, "web")  # no credential: public read
    assert anonymous.download_blob("i.html").readall() == b"<p>"


@pytest.mark.parametrize("bad", ["UPPER", "a", "double--hyphen", "-start", "x" * 64])
def test_container_names_follow_azures_rules(azure: Azure, unique: Callable[[str], str], bad: str) -> None:
    make_group(azure)
    name = unique("sa")
    azure.storage.storage_accounts.begin_create(
        "rg1", name, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    response = azure.raw("PUT", container_path(azure, name, bad), {"properties": {}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ContainerOperationFailure"
