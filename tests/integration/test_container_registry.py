"""Microsoft.ContainerRegistry in the local Azure, through the real SDKs over HTTPS, with real registries.

Each registry is a live Distribution registry (its ``loginServer`` is its loopback address); images
are made with no network from Debian's busybox-static and moved by the real engine (Podman). The
tests skip, with the install hint, where Podman or docker-registry are missing (CI installs them).
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import ssl
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerregistry import ContainerRegistryManagementClient
from azure.mgmt.containerregistrytasks import ContainerRegistryTasksMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from azrm.emulator import EmulatorSettings, LocalAzure
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.emulator.containers import ContainerPlane
from azrm.emulator.core.engine import Emulator
from azrm.emulator.core.tls import Certificates
from azrm.emulator.providers.containerregistry.regclient import MANIFEST_TYPES
from tests.conftest import LOCATION, Azure, make_group
from tests.integration.test_container_engine import _have, _rootfs

pytestmark = pytest.mark.skipif(_have() is not None, reason=_have() or "")


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory, certs: Certificates) -> Iterator[ContainerPlane]:
    """One engine and set of registries for the module (registry names are unique per test)."""
    folder = tmp_path_factory.mktemp("acr-plane")
    containers = ContainerPlane(folder / "containers", certs)
    containers.engine.import_rootfs(_rootfs(folder), "localhost/azrm-busybox:1", cmd=["/bin/sh"])
    yield containers
    containers.close(remove=True)


@pytest.fixture
def acr(
    azurite: Azurite, certs: Certificates, plane: ContainerPlane, request: pytest.FixtureRequest
) -> Iterator[Azure]:
    """A fresh local Azure (over HTTPS) whose container plane is the module's."""
    emu = Emulator(EmulatorSettings(), blob=BlobPlane(azurite), containers=plane)
    server = request.getfixturevalue("http_server")
    azure = Azure(emu, "http", server, str(certs.ca))
    make_group(azure)
    yield azure
    for record in emu.store.of_type("Microsoft.ContainerRegistry/registries"):
        emu.remove(record.id)
    emu.close()


def registries(azure: Azure) -> Any:
    return azure._cached(ContainerRegistryManagementClient).registries


def tasks(azure: Azure) -> Any:
    return azure._cached(ContainerRegistryTasksMgmtClient)


def create(azure: Azure, name: str, *, sku: str = "Basic", admin: bool = False, rg: str = "rg1") -> Any:
    body = {"location": LOCATION, "sku": {"name": sku}, "properties": {"adminUserEnabled": admin}}
    return registries(azure).begin_create(rg, name, body).result()


def v2(server: str, path: str, cafile: str, auth: tuple[str, str] | None) -> tuple[int, Any]:
    """GET ``https://server/v2/path`` with basic auth; returns status and parsed JSON (or None)."""
    req = urllib.request.Request(f"https://{server}/v2/{path}")
    req.add_header("Accept", ", ".join(MANIFEST_TYPES))
    if auth is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=cafile), timeout=10) as resp:
            data = resp.read()
            return resp.status, json.loads(data) if data else None
    except urllib.error.HTTPError as err:
        return err.code, None


def push_busybox(plane: ContainerPlane, login_server: str, ref: str) -> str:
    """Push the module's busybox image to ``login_server/ref``; returns its digest."""
    target = f"{login_server}/{ref}"
    plane.engine.tag("localhost/azrm-busybox:1", target)
    return plane.engine.push(target, credentials=plane.service_credentials(), cert_dir=plane.cert_dir)


def test_a_registry_is_created_read_listed_updated_and_deleted(acr: Azure, plane: ContainerPlane, unique: Any) -> None:
    name = unique("crudreg")
    reg = create(acr, name)
    assert reg.provisioning_state == "Succeeded" and reg.sku.name == "Basic" and reg.sku.tier == "Basic"
    assert reg.login_server.startswith("127.0.0.1:") and plane.registry(name) is not None
    assert reg.admin_user_enabled is False and reg.public_network_access == "Enabled"
    assert reg.policies.retention_policy.days == 7 and reg.zone_redundancy == "Disabled"
    assert registries(acr).get("rg1", name).login_server == reg.login_server
    assert [r.name for r in registries(acr).list_by_resource_group("rg1")] == [name]
    assert name in [r.name for r in registries(acr).list()]
    updated = registries(acr).begin_update("rg1", name, {"tags": {"env": "test"}, "sku": {"name": "Standard"}}).result()
    assert updated.tags == {"env": "test"} and updated.sku.name == "Standard"
    status, _ = v2(reg.login_server, "", str(acr.ca), None)
    assert status == 401  # a live registry that wants sign-in
    registries(acr).begin_delete("rg1", name).result()
    assert plane.registry(name) is None
    with pytest.raises(ResourceNotFoundError):
        registries(acr).get("rg1", name)


def test_names_skus_and_name_checks_follow_azure(acr: Azure, unique: Any) -> None:
    name = unique("takenreg")
    create(acr, name)
    make_group(acr, "rg2")
    with pytest.raises(HttpResponseError) as info:
        create(acr, name.upper(), rg="rg2")
    assert info.value.status_code == 409 and info.value.error.code == "AlreadyInUse"
    assert f"{name.lower()}.azurecr.io is already in use" in info.value.error.message
    bad = acr.raw(
        "PUT",
        acr.path("rg1", "Microsoft.ContainerRegistry/registries", "ab-c", "2025-11-01"),
        body={"location": LOCATION, "sku": {"name": "Basic"}},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidRegistryName"
    with pytest.raises(HttpResponseError) as info:
        registries(acr).begin_create("rg1", unique("classic"), {"location": LOCATION, "sku": {"name": "Classic"}})
    assert info.value.error.code == "ClassicSkuDeprecated"
    check = registries(acr).check_name_availability
    kind = "Microsoft.ContainerRegistry/registries"
    assert check({"name": unique("freereg"), "type": kind}).name_available is True
    taken = check({"name": name, "type": kind})
    assert (taken.name_available, taken.reason, taken.message) == (
        False,
        "AlreadyExists",
        f"The registry {name} is already in use.",
    )
    assert check({"name": "a-b", "type": kind}).reason == "Invalid"


def test_admin_credentials_sign_in_to_the_registry_and_regenerate(acr: Azure, unique: Any) -> None:
    name = unique("adminreg")
    reg = create(acr, name)
    with pytest.raises(HttpResponseError) as info:
        registries(acr).list_credentials("rg1", name)
    assert info.value.status_code == 400 and info.value.error.code == "UnAuthorizedForCredentialOperations"
    assert "as admin user is disabled" in info.value.error.message and reg.id in info.value.error.message
    registries(acr).begin_update("rg1", name, {"properties": {"adminUserEnabled": True}}).result()
    creds = registries(acr).list_credentials("rg1", name)
    assert creds.username == name and [p.name for p in creds.passwords] == ["password", "password2"]
    first = creds.passwords[0].value
    assert v2(reg.login_server, "", str(acr.ca), (name, first))[0] == 200
    assert v2(reg.login_server, "", str(acr.ca), (name, "wrong-password"))[0] == 401
    fresh = registries(acr).regenerate_credential("rg1", name, {"name": "password"})
    new = fresh.passwords[0].value
    assert new != first and fresh.passwords[1].value == creds.passwords[1].value
    assert v2(reg.login_server, "", str(acr.ca), (name, new))[0] == 200
    assert v2(reg.login_server, "", str(acr.ca), (name, first))[0] == 401
    registries(acr).begin_update("rg1", name, {"properties": {"adminUserEnabled": False}}).result()
    assert v2(reg.login_server, "", str(acr.ca), (name, new))[0] == 401  # the admin user is gone


def test_import_copies_by_tag_and_by_digest_and_noforce_protects_tags(
    acr: Azure, plane: ContainerPlane, unique: Any
) -> None:
    src, dst = unique("importsrc"), unique("importdst")
    source = create(acr, src)
    target = create(acr, dst, admin=True)
    digest = push_busybox(plane, source.login_server, "tools/busybox:1.0")
    body = {"source": {"resourceId": source.id, "sourceImage": "tools/busybox:1.0"}, "targetTags": ["busybox:v1"]}
    registries(acr).begin_import_image("rg1", dst, body).result()
    password = registries(acr).list_credentials("rg1", dst).passwords[0].value
    auth = (dst, password)
    assert v2(target.login_server, "busybox/tags/list", str(acr.ca), auth)[1]["tags"] == ["v1"]
    by_digest = {
        "source": {"registryUri": source.login_server, "sourceImage": f"tools/busybox@{digest}"},
        "targetTags": ["pinned:d1"],
    }
    registries(acr).begin_import_image("rg1", dst, by_digest).result()
    assert v2(target.login_server, "pinned/tags/list", str(acr.ca), auth)[1]["tags"] == ["d1"]
    status, manifest = v2(target.login_server, f"pinned/manifests/{digest}", str(acr.ca), auth)
    assert status == 200 and manifest["schemaVersion"] == 2  # the digest was kept
    with pytest.raises(HttpResponseError, match="already exists"):
        registries(acr).begin_import_image("rg1", dst, body).result()  # NoForce is the default
    registries(acr).begin_import_image("rg1", dst, {**body, "mode": "Force"}).result()
    missing = {"source": {"resourceId": source.id, "sourceImage": "tools/nothere:1"}, "targetTags": ["x:1"]}
    with pytest.raises(HttpResponseError, match="was not found"):
        registries(acr).begin_import_image("rg1", dst, missing).result()


def test_import_from_a_registry_off_this_machine_fails_saying_how_to_bring_the_image(acr: Azure, unique: Any) -> None:
    name = unique("offline")
    create(acr, name)
    body = {"source": {"registryUri": "docker.io", "sourceImage": "library/nginx:latest"}, "targetTags": ["nginx:1"]}
    with pytest.raises(HttpResponseError) as info:
        registries(acr).begin_import_image("rg1", name, body).result()
    text = str(info.value)
    assert "not available offline" in text and "podman load" in text
    no_tags = {"source": {"registryUri": "docker.io", "sourceImage": "library/nginx"}}
    with pytest.raises(HttpResponseError, match=r"Missing property parameters\.TargetTags"):
        registries(acr).begin_import_image("rg1", name, no_tags).result()


def test_replications_need_premium_and_go_with_their_registry(acr: Azure, unique: Any) -> None:
    client = acr._cached(ContainerRegistryManagementClient)
    basic, premium = unique("basicreg"), unique("premreg")
    create(acr, basic)
    with pytest.raises(HttpResponseError) as info:
        client.replications.begin_create("rg1", basic, "northeurope", {"location": "northeurope"}).result()
    assert info.value.status_code == 400 and "only supported for managed registries in Premium SKU" in str(info.value)
    create(acr, premium, sku="Premium")
    rep = client.replications.begin_create("rg1", premium, "northeurope", {"location": "northeurope"}).result()
    assert rep.provisioning_state == "Succeeded" and rep.location == "northeurope"
    assert [r.name for r in client.replications.list("rg1", premium)] == ["northeurope"]
    registries(acr).begin_delete("rg1", premium).result()
    assert acr.emu.store.of_type("Microsoft.ContainerRegistry/registries/replications") == []


def _context_archive(folder: Path) -> bytes:
    """``az acr build``'s archive: the folder, tar.gz."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buf.getvalue()


def wait_run(azure: Azure, name: str, run_id: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        run = tasks(azure).runs.get("rg1", name, run_id)
        if run.status in ("Succeeded", "Failed", "Canceled", "Error", "Timeout") or time.monotonic() > deadline:
            return run
        time.sleep(0.3)


def test_a_build_from_a_folder_pushes_its_image_and_writes_its_log(
    acr: Azure, plane: ContainerPlane, tmp_path: Path, unique: Any
) -> None:
    from azure.storage.blob import BlobClient

    name = unique("buildreg")
    reg = create(acr, name, admin=True)
    assert shutil.which("busybox")
    shutil.copy(str(shutil.which("busybox")), tmp_path / "busybox")
    (tmp_path / "Dockerfile").write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "echo", "hi"]\n'
    )
    upload = tasks(acr).registries.get_build_source_upload_url("rg1", name)
    assert upload.relative_path.startswith("source/") and upload.relative_path.endswith(".tar.gz")
    BlobClient.from_blob_url(upload.upload_url).upload_blob(_context_archive(tmp_path), overwrite=True)
    request = {
        "type": "DockerBuildRequest",
        "sourceLocation": upload.relative_path,
        "dockerFilePath": "Dockerfile",
        "imageNames": ["apps/hello:{{.Run.ID}}", "apps/hello:latest"],
        "isPushEnabled": True,
        "platform": {"os": "Linux", "architecture": "amd64"},
    }
    queued = tasks(acr).registries.schedule_run("rg1", name, request)
    assert queued.run_id == "ca1" and queued.status in ("Queued", "Running")
    run = wait_run(acr, name, queued.run_id)
    assert run.status == "Succeeded", run.run_error_message
    assert run.run_type == "QuickRun" and run.start_time and run.finish_time
    assert {(o.repository, o.tag) for o in run.output_images} == {("apps/hello", "ca1"), ("apps/hello", "latest")}
    assert all(o.digest.startswith("sha256:") and o.registry == reg.login_server for o in run.output_images)
    password = registries(acr).list_credentials("rg1", name).passwords[0].value
    tags = v2(reg.login_server, "apps/hello/tags/list", str(acr.ca), (name, password))[1]["tags"]
    assert sorted(tags) == ["ca1", "latest"]
    log_url = tasks(acr).runs.get_log_sas_url("rg1", name, "ca1").log_link
    blob = BlobClient.from_blob_url(log_url)
    assert blob.get_blob_properties().metadata == {"Complete": "successful"}
    text = blob.download_blob().readall().decode()
    assert "COPY busybox /bin/busybox" in text and "Run ID: ca1 was successful" in text
    assert [r.run_id for r in tasks(acr).runs.list("rg1", name)] == ["ca1"]
    # a build that fails says why, in the run and in its log
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY missing-file /x\n")
    upload = tasks(acr).registries.get_build_source_upload_url("rg1", name)
    BlobClient.from_blob_url(upload.upload_url).upload_blob(_context_archive(tmp_path), overwrite=True)
    failed = wait_run(
        acr,
        name,
        tasks(acr).registries.schedule_run("rg1", name, {**request, "sourceLocation": upload.relative_path}).run_id,
    )
    assert failed.status == "Failed" and "missing-file" in failed.run_error_message
    log = BlobClient.from_blob_url(tasks(acr).runs.get_log_sas_url("rg1", name, failed.run_id).log_link)
    assert log.get_blob_properties().metadata == {"Complete": "failed"}


def test_an_arm_template_deploys_a_registry(acr: Azure, unique: Any) -> None:
    name = unique("tmplreg")
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"acrName": {"type": "string"}},
        "resources": [
            {
                "type": "Microsoft.ContainerRegistry/registries",
                "apiVersion": "2023-07-01",
                "name": "[parameters('acrName')]",
                "location": "[resourceGroup().location]",
                "sku": {"name": "Premium"},
                "properties": {"adminUserEnabled": True},
            },
            {
                "type": "Microsoft.ContainerRegistry/registries/replications",
                "apiVersion": "2023-07-01",
                "name": "[format('{0}/{1}', parameters('acrName'), 'northeurope')]",
                "location": "northeurope",
                "dependsOn": ["[resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))]"],
                "properties": {},
            },
        ],
        "outputs": {
            "loginServer": {
                "type": "string",
                "value": "[reference(resourceId('Microsoft.ContainerRegistry/registries', parameters('acrName'))).loginServer]",
            }
        },
    }
    body = {"properties": {"mode": "Incremental", "template": template, "parameters": {"acrName": {"value": name}}}}
    result = acr.deployments.deployments.begin_create_or_update("rg1", "acr", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    reg = registries(acr).get("rg1", name)
    assert result.properties.outputs["loginServer"]["value"] == reg.login_server
    assert v2(reg.login_server, "", str(acr.ca), None)[0] == 401


def test_a_restart_with_state_keeps_registries_and_their_images(tmp_path: Path) -> None:
    settings = EmulatorSettings(state_path=str(tmp_path / "state.db"))
    with LocalAzure(settings) as local:
        local.client(ResourceManagementClient).resource_groups.create_or_update("rg1", {"location": LOCATION})
        client = local.client(ContainerRegistryManagementClient)
        body = {"location": LOCATION, "sku": {"name": "Standard"}, "properties": {"adminUserEnabled": True}}
        reg = client.registries.begin_create("rg1", "keptregistry", body).result()
        assert local.containers is not None
        local.containers.engine.import_rootfs(_rootfs(tmp_path), f"{reg.login_server}/kept:v1", cmd=["/bin/sh"])
        local.containers.engine.push(
            f"{reg.login_server}/kept:v1",
            credentials=local.containers.service_credentials(),
            cert_dir=local.containers.cert_dir,
        )
        password = client.registries.list_credentials("rg1", "keptregistry").passwords[0].value
    with LocalAzure(settings) as local:
        client = local.client(ContainerRegistryManagementClient)
        again = client.registries.get("rg1", "keptregistry")
        assert again.login_server == reg.login_server  # the same port
        assert local.ca_bundle is not None
        status, tags = v2(again.login_server, "kept/tags/list", local.ca_bundle, ("keptregistry", password))
        assert status == 200 and tags["tags"] == ["v1"]


# -- the library --------------------------------------------------------------------------------------
@pytest.fixture
def lib_acr(acr: Azure) -> Iterator[Any]:
    from tests.conftest import session_on

    session = session_on(acr)
    yield session
    session.close()


def test_the_library_creates_builds_lists_imports_and_removes(
    lib_acr: Any, acr: Azure, tmp_path: Path, unique: Any
) -> None:
    from azrm.errors import ValidationError
    from azrm.operations.containerregistry import BuildFailedError, RepositoryAttributes, TagAttributes

    writes = acr.emu.requests_by_method["PUT"]
    with pytest.raises(ValidationError, match="5 to 50"):
        lib_acr.new_container_registry("rg1", "no-dashes")
    with pytest.raises(ValidationError, match="sku"):
        lib_acr.new_container_registry("rg1", unique("skureg"), sku="Classic")
    assert acr.emu.requests_by_method["PUT"] == writes  # refused before any request
    name = unique("libreg")
    reg = lib_acr.new_container_registry("rg1", name, enable_admin_user=True, tags={"team": "a"})
    assert reg.admin_user_enabled and reg.tags == {"team": "a"}
    assert lib_acr.get_container_registry("rg1", name).login_server == reg.login_server
    assert [r.name for r in lib_acr.get_container_registry("rg1")] == [name]
    cred = lib_acr.get_container_registry_credential("rg1", name)
    assert cred.username == name and cred.password not in repr(cred)

    shutil.copy(str(shutil.which("busybox")), tmp_path / "busybox")
    (tmp_path / "Dockerfile").write_text('FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "true"]\n')
    build = lib_acr.acr_build("rg1", name, tmp_path, image="web/app:v1")
    assert build.status == "Succeeded" and build.images[0].startswith(f"{reg.login_server}/web/app:v1@sha256:")
    assert "Successfully pushed image" in build.log
    assert lib_acr.get_container_registry_repository(name, resource_group_name="rg1") == ["web/app"]
    repo = lib_acr.get_container_registry_repository(name, resource_group_name="rg1", name="web/app")
    assert repo == RepositoryAttributes(reg.login_server, "web/app", 1, 1)
    [tag] = lib_acr.get_container_registry_tag(name, "web/app", resource_group_name="rg1")
    assert isinstance(tag, TagAttributes) and tag.name == "v1" and tag.digest.startswith("sha256:") and tag.size > 1000

    lib_acr.import_container_registry_image(
        "rg1", name, "web/app:v1", source_registry_resource_id=reg.id, target_tag="web/app:release"
    )
    assert {t.name for t in lib_acr.get_container_registry_tag(name, "web/app", resource_group_name="rg1")} == {
        "v1",
        "release",
    }
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY nothing-here /x\n")
    with pytest.raises(BuildFailedError) as info:
        lib_acr.acr_build("rg1", name, tmp_path, image="web/app:broken")
    assert info.value.status == "Failed" and "nothing-here" in info.value.log_tail

    authfile = tmp_path / "auth.json"
    assert lib_acr.connect_container_registry(
        name, resource_group_name="rg1", engine="podman", cert_dir=str(tmp_path / "certs"), authfile=str(authfile)
    )
    assert reg.login_server in json.loads(authfile.read_text())["auths"]

    new = lib_acr.update_container_registry_credential("rg1", name, password_name="password")
    assert new.password != cred.password and new.password2 == cred.password2
    deleted = lib_acr.remove_container_registry_repository(name, "web/app", resource_group_name="rg1")
    assert deleted.tags_deleted == ["release", "v1"] and len(deleted.manifests_deleted) == 1
    assert lib_acr.get_container_registry_repository(name, resource_group_name="rg1") == []
    off = lib_acr.update_container_registry("rg1", name, enable_admin_user=False, sku="Standard")
    assert off.admin_user_enabled is False and off.sku.name == "Standard"
    lib_acr.remove_container_registry("rg1", name)
    assert lib_acr.get_container_registry("rg1") == []
