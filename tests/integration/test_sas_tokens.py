"""New-AzStorageBlobSASToken and New-AzStorageContainerSASToken: tokens Azurite accepts, as the cmdlets give them."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from typing import Any

import pytest

import azrm
from tests.conftest import LOCATION


@pytest.fixture
def account(lib: Any) -> Any:
    lib.new_resource_group("rgsas", LOCATION)
    made = lib.new_storage_account("rgsas", "stsastokens", location=LOCATION)
    container = lib.blob_service("rgsas", "stsastokens").create_container("drop")
    container.upload_blob("hello.txt", b"hello")
    return made


def _read(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # Azurite, on loopback
        return bytes(answer.read())


def test_a_blob_token_reads_the_blob_and_stays_secret(lib: Any, account: Any) -> None:
    token = lib.new_storage_blob_sas_token("drop", "hello.txt", context=account, permission="r")
    assert not token.startswith("?") and "sig=" in token  # today's cmdlet: no leading ?
    url = lib.new_storage_blob_sas_token("drop", "hello.txt", context=account, full_uri=True)
    assert url.startswith(str(account.primary_endpoints.blob)) and "/drop/hello.txt?" in url
    assert _read(url) == b"hello"
    assert azrm._secrets.is_registered(token)  # a secret from now on: masked in every log record
    assert "hello.txt?" in url and token not in azrm._secrets.scrub(f"GET {url}")


def test_a_container_token_lists_and_an_expired_one_is_refused(lib: Any, account: Any) -> None:
    url = lib.new_storage_container_sas_token("drop", context=account, permission="rl", full_uri=True)
    assert b"hello.txt" in _read(url + "&restype=container&comp=list")
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
    old = lib.new_storage_blob_sas_token(
        "drop", "hello.txt", context=account, start_time=past, expiry_time=past + datetime.timedelta(hours=1),
        full_uri=True,
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        _read(old)
    assert refused.value.code == 403


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"permission": "rq"}, "permission"),
        ({"context": "stsastokens"}, "context"),
        (
            {"expiry_time": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)},
            "expiry_time",
        ),
    ],
)
def test_bad_input_names_the_field(lib: Any, account: Any, kwargs: dict[str, Any], field: str) -> None:
    arguments = {"context": account, **kwargs}
    with pytest.raises(azrm.ValidationError) as error:
        lib.new_storage_blob_sas_token("drop", "hello.txt", **arguments)
    assert error.value.field == field
