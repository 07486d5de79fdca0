"""ContainerRegistry rules that need no engine: names, SKUs, image references, secrets, a missing plane."""

from __future__ import annotations

import json

import pytest

import azrm.emulator  # noqa: F401 (wires the providers)
from azrm.emulator.core.engine import Emulator
from azrm.emulator.core.errors import ArmError
from azrm.emulator.core.wire import Headers, Request
from azrm.emulator.providers.containerregistry.common import registry_name_problem, sku_of
from azrm.emulator.providers.containerregistry.imports import split_image
from azrm.emulator.providers.containerregistry.regclient import is_loopback
from azrm.errors import ValidationError
from azrm.operations.containerregistry import BuildFailedError, RegistryCredential, _image, _name


@pytest.mark.parametrize("name", ["abcde", "A" * 50, "myRegistry01"])
def test_registry_names_azure_accepts(name: str) -> None:
    assert registry_name_problem(name) is None
    _name(name)


@pytest.mark.parametrize("name", ["abcd", "A" * 51, "my-registry", "my_registry", "", "regé12"])
def test_registry_names_azure_refuses(name: str) -> None:
    assert registry_name_problem(name) is not None
    with pytest.raises(ValidationError) as info:
        _name(name)
    assert info.value.field == "name" and "5 to 50" in info.value.rule


def test_skus_classic_is_deprecated_and_unknown_ones_refused() -> None:
    assert sku_of({"sku": {"name": "premium"}}) == "Premium"
    with pytest.raises(ArmError) as info:
        sku_of({"sku": {"name": "Classic"}})
    assert info.value.code == "ClassicSkuDeprecated" and info.value.status == 400
    with pytest.raises(ArmError):
        sku_of({"sku": {"name": "Gold"}})
    with pytest.raises(ArmError):
        sku_of({})


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("hello-world", ("hello-world", "latest")),
        ("library/nginx:1.27", ("library/nginx", "1.27")),
        ("apps/web@sha256:" + "a" * 64, ("apps/web", "sha256:" + "a" * 64)),
    ],
)
def test_source_images_split_into_repository_and_reference(image: str, expected: tuple[str, str]) -> None:
    assert split_image(image) == expected


@pytest.mark.parametrize("image", ["web", "apps/web:v1", "a/b/c:1.0-rc", "web@sha256:" + "0" * 64])
def test_image_references_the_library_accepts(image: str) -> None:
    _image(image, "image")


@pytest.mark.parametrize("image", ["Web:v1", "web:", "web@sha256:abc", "-web", "web:v 1", ""])
def test_image_references_the_library_refuses(image: str) -> None:
    with pytest.raises(ValidationError):
        _image(image, "image")


def test_only_loopback_hosts_are_contacted() -> None:
    assert is_loopback("127.0.0.1:5000") and is_loopback("localhost:443") and is_loopback("[::1]:5000")
    assert not is_loopback("docker.io") and not is_loopback("mcr.microsoft.com") and not is_loopback("10.0.0.1:5000")


def test_passwords_stay_out_of_reprs_and_errors() -> None:
    cred = RegistryCredential("reg", "s3cret-password-value", "other-secret-value")
    assert "s3cret" not in repr(cred) and "other-secret" not in repr(cred)
    err = BuildFailedError("ca1", "Failed", "exit status 1", "last line")
    assert "ca1" in str(err) and "last line" in str(err)


def _call(emu: Emulator, method: str, path: str, body: object | None = None) -> tuple[int, dict[str, object]]:
    headers = {"authorization": f"Bearer {emu.entra.issue_token()}", "content-type": "application/json"}
    data = json.dumps(body).encode() if body is not None else b""
    resp = emu.handle(Request(method, "https://azrm.local" + path, Headers(headers), data))
    return resp.status, resp.body if isinstance(resp.body, dict) else {}


def test_without_a_container_plane_a_registry_is_a_record_and_its_data_plane_says_why() -> None:
    emu = Emulator()
    sub = emu.subscription_id
    _call(emu, "PUT", f"/subscriptions/{sub}/resourcegroups/rg1?api-version=2021-04-01", {"location": "westus"})
    path = f"/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/myreg01"
    status, body = _call(emu, "PUT", path + "?api-version=2025-11-01", {"location": "westus", "sku": {"name": "Basic"}})
    assert status in (200, 201)
    assert body["properties"]["loginServer"] == "myreg01.azurecr.io"  # type: ignore[index]
    source = {"source": {"registryUri": "other.azurecr.io", "sourceImage": "app:1"}, "targetTags": ["app:1"]}
    headers = {"authorization": f"Bearer {emu.entra.issue_token()}", "content-type": "application/json"}
    started = emu.handle(
        Request("POST", f"https://azrm.local{path}/importImage?api-version=2025-11-01", Headers(headers),
                json.dumps(source).encode())
    )  # fmt: skip
    assert started.status == 202  # an import fails as Azure's do: in its operation
    location = started.headers["Location"].split("azrm.local", 1)[1]
    status, body = _call(emu, "GET", location)
    assert status == 409 and body["error"]["code"] == "ContainerEngineUnavailable"  # type: ignore[index]
    status, body = _call(
        emu,
        "POST",
        f"/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version=2025-11-01",
        {"name": "ab", "type": "Microsoft.ContainerRegistry/registries"},
    )
    assert status == 200 and body["nameAvailable"] is False and body["reason"] == "Invalid"
    emu.close()
