"""Azure Container Registry (``New-AzContainerRegistry``, ``Get-AzContainerRegistryCredential``...) and builds.

Control-plane operations go through azure-mgmt-containerregistry; builds (``az acr build``, which
has no Az cmdlet) through azure-mgmt-containerregistrytasks and azure-storage-blob; the data-plane
ones (repositories, tags) talk to the registry's Docker Registry HTTP API v2 with its admin
credentials (basic auth over TLS; against the local Azure, TLS is verified with its CA).

Passwords are registered as secrets (never in logs) and kept out of reprs and error messages.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _secrets
from .._session_base import SessionBase, waiting_twin
from ..builders._base import check, tag_body
from ..errors import AzrmError

__all__ = [
    "BuildFailedError",
    "BuildRun",
    "ContainerRegistryOperations",
    "DeletedRepository",
    "RegistryCredential",
    "RegistryDataError",
    "RepositoryAttributes",
    "TagAttributes",
]

SKUS = ("Basic", "Standard", "Premium")
_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_NAME_RULE = "a registry name has 5 to 50 characters, letters and digits only"
#: ``repo[:tag]`` or ``repo@sha256:<64 hex>``, lower-case path components (Docker's reference grammar)
_REPO = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
_IMAGE = re.compile(rf"^{_REPO}(?::[\w][\w.-]{{0,127}})?$|^{_REPO}@sha256:[0-9a-f]{{64}}$")
_MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_TERMINAL = ("Succeeded", "Failed", "Canceled", "Error", "Timeout")


class RegistryDataError(AzrmError):
    """The registry's data plane refused or failed a request (``status`` is its HTTP status)."""

    code = "registry-data"

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class BuildFailedError(AzrmError):
    """A build (``acr_build``) ended other than ``Succeeded``; ``log_tail`` holds the end of its log."""

    code = "build-failed"

    def __init__(self, run_id: str, status: str, message: str, log_tail: str) -> None:
        super().__init__(f"run {run_id} ended {status}: {message}\n--- end of its log ---\n{log_tail}")
        self.run_id = run_id
        self.status = status
        self.log_tail = log_tail


@dataclass(frozen=True)
class RegistryCredential:
    """The admin user's credentials (``PSContainerRegistryCredential``); the passwords never show in a repr."""

    username: str
    password: str = field(repr=False)
    password2: str = field(repr=False)


@dataclass(frozen=True)
class RepositoryAttributes:
    """A repository (``PSRepositoryAttribute``): its registry, name and counts."""

    registry: str
    image_name: str
    tag_count: int
    manifest_count: int


@dataclass(frozen=True)
class TagAttributes:
    """A tag (``PSTagAttribute``): its name, the manifest's digest and the image's size in bytes."""

    registry: str
    image_name: str
    name: str
    digest: str
    size: int
    media_type: str
    layers: tuple[int, ...] = ()  #: each layer's compressed size in bytes, base first


@dataclass(frozen=True)
class DeletedRepository:
    """What ``remove_container_registry_repository`` deleted (``PSDeletedRepository``)."""

    manifests_deleted: list[str]
    tags_deleted: list[str]


@dataclass(frozen=True)
class BuildRun:
    """A finished build: run id, status, the images it pushed (``registry/repo:tag@digest``) and its log."""

    run_id: str
    status: str
    images: list[str]
    log: str
    run: Any = field(repr=False)


def _text(value: Any) -> str:
    """Return an SDK enum's value (``RunStatus.SUCCEEDED`` -> ``Succeeded``) or the string itself."""
    return str(getattr(value, "value", value))


def _name(name: str, field_name: str = "name") -> None:
    check(isinstance(name, str) and bool(_NAME.match(name)), field_name, name, _NAME_RULE)


def _image(value: str, field_name: str) -> None:
    check(
        isinstance(value, str) and bool(_IMAGE.match(value)),
        field_name,
        value,
        "an image in the registry: repository[:tag] or repository@sha256:<digest>, lower-case (e.g. apps/web:v1)",
    )


class _DataPlane:
    """Docker Registry HTTP API v2 of one registry, with basic auth (secrets kept out of errors)."""

    def __init__(self, server: str, username: str, password: str, verify: Any) -> None:
        self.server = server
        self._auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        if isinstance(verify, str):
            self._ctx = ssl.create_default_context(cafile=verify)
        elif verify is False:
            self._ctx = ssl._create_unverified_context()  # only when the session itself skips TLS checks
        else:
            self._ctx = ssl.create_default_context()

    def request(self, method: str, path: str, *, accept: bool = False) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(f"https://{self.server}{path}", method=method)
        req.add_header("Authorization", self._auth)
        if accept:
            req.add_header("Accept", ", ".join(_MANIFEST_TYPES))
        try:
            with urllib.request.urlopen(req, context=self._ctx, timeout=30) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace").strip()[:300]
            if err.code == 401:
                raise RegistryDataError(
                    f"{self.server} refused the credentials (401) for {method} {path}", 401
                ) from None
            raise RegistryDataError(f"{self.server}: {method} {path} answered {err.code} {detail}", err.code) from None
        except (urllib.error.URLError, OSError) as err:
            raise RegistryDataError(f"{self.server} cannot be reached: {err}") from None

    def json(self, path: str) -> Any:
        return json.loads(self.request("GET", path)[2] or b"null")

    def tags(self, repository: str) -> list[str]:
        try:
            return list(self.json(f"/v2/{repository}/tags/list").get("tags") or [])
        except RegistryDataError as err:
            if err.status == 404:
                return []
            raise

    def manifest(self, repository: str, reference: str) -> tuple[str, int, str, tuple[int, ...]]:
        """Return ``(digest, size in bytes of config + layers, media type, each layer's size)``."""
        _, headers, body = self.request("GET", f"/v2/{repository}/manifests/{reference}", accept=True)
        media = headers.get("content-type", "").split(";")[0]
        digest = headers.get("docker-content-digest", "")
        doc = json.loads(body)
        parts = ([doc["config"]] if doc.get("config") else []) + list(doc.get("layers") or [])
        size = sum(int(p.get("size", 0)) for p in parts) + len(body)
        layers = tuple(int(p.get("size", 0)) for p in doc.get("layers") or [])
        return digest, size, media, layers


class ContainerRegistryOperations(SessionBase):
    """Container registry operations (Az.ContainerRegistry) and builds (``az acr build``)."""

    # -- registries ------------------------------------------------------------------------------
    def begin_new_container_registry(
        self,
        resource_group_name: str,
        name: str,
        *,
        sku: str = "Basic",
        location: str | None = None,
        enable_admin_user: bool = False,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Start creating a registry; returns the SDK poller (``New-AzContainerRegistry -AsJob``)."""
        _name(name)
        canonical = next((s for s in SKUS if s.lower() == str(sku).lower()), None)
        check(canonical is not None, "sku", sku, f"must be one of {', '.join(SKUS)} (Classic is retired)")
        body = {
            "location": self._location(location),
            "sku": {"name": canonical},
            "tags": tag_body(tags),
            "properties": {"adminUserEnabled": bool(enable_admin_user)},
        }
        return self.container_registry_client.registries.begin_create(resource_group_name, name, body)

    new_container_registry = waiting_twin(
        begin_new_container_registry,
        "Creating container registry {name}",
        """Create a registry (``New-AzContainerRegistry``); returns the SDK's ``Registry``.

        Against the local Azure the registry is a live registry on this machine and ``login_server`` is
        its address (``127.0.0.1:PORT``); in Azure it is ``<name>.azurecr.io``.

        :keyword sku: ``Basic`` (default), ``Standard`` or ``Premium``.
        :keyword enable_admin_user: turn on the admin user (``-EnableAdminUser``), needed for
            :meth:`get_container_registry_credential` and the repository operations.
        :raises ValidationError: for a name or SKU Azure would refuse (no request is made).
        :raises azure.core.exceptions.ResourceExistsError: when the (globally unique) name is taken.
        """,
    )

    def get_container_registry(self, resource_group_name: str | None = None, name: str | None = None) -> Any:
        """Get a registry, or list them (in a group, or the subscription) (``Get-AzContainerRegistry``)."""
        client = self.container_registry_client.registries
        if name is not None:
            check(resource_group_name is not None, "resource_group_name", None, "give the group of the registry")
            return client.get(resource_group_name, name)
        if resource_group_name is not None:
            return list(client.list_by_resource_group(resource_group_name))
        return list(client.list())

    def update_container_registry(
        self,
        resource_group_name: str,
        name: str,
        *,
        enable_admin_user: bool | None = None,
        sku: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """Change the admin user, SKU or tags (``Update-AzContainerRegistry``); returns the ``Registry``."""
        _name(name)
        body: dict[str, Any] = {}
        if sku is not None:
            canonical = next((s for s in SKUS if s.lower() == str(sku).lower()), None)
            check(canonical is not None, "sku", sku, f"must be one of {', '.join(SKUS)}")
            body["sku"] = {"name": canonical}
        if tags is not None:
            body["tags"] = dict(tags)
        if enable_admin_user is not None:
            body["properties"] = {"adminUserEnabled": bool(enable_admin_user)}
        poller = self.container_registry_client.registries.begin_update(resource_group_name, name, body)
        return self._wait(f"Updating container registry {name}", poller)

    def remove_container_registry(self, resource_group_name: str, name: str) -> None:
        """Delete a registry and its images (``Remove-AzContainerRegistry``); fine when already gone."""
        poller = self.container_registry_client.registries.begin_delete(resource_group_name, name)
        self._wait(f"Removing container registry {name}", poller)

    # -- admin credentials ------------------------------------------------------------------------
    @staticmethod
    def _credential(result: Any) -> RegistryCredential:
        values = {p.name: p.value for p in result.passwords or []}
        for value in values.values():
            _secrets.register(value)
        return RegistryCredential(result.username, values.get("password", ""), values.get("password2", ""))

    def get_container_registry_credential(self, resource_group_name: str, name: str) -> RegistryCredential:
        """Return the admin user's name and passwords (``Get-AzContainerRegistryCredential``).

        :raises azure.core.exceptions.HttpResponseError: ``UnAuthorizedForCredentialOperations`` when the
            admin user is off (turn it on with :meth:`update_container_registry`).
        """
        return self._credential(self.container_registry_client.registries.list_credentials(resource_group_name, name))

    def update_container_registry_credential(
        self, resource_group_name: str, name: str, *, password_name: str = "password"
    ) -> RegistryCredential:
        """Regenerate ``password`` or ``password2`` (``Update-AzContainerRegistryCredential``).

        Against the local Azure only ``password`` signs in to the registry (one password per user there).
        """
        which = str(password_name).lower()
        check(which in ("password", "password2"), "password_name", password_name, "password or password2")
        result = self.container_registry_client.registries.regenerate_credential(
            resource_group_name, name, {"name": which}
        )
        return self._credential(result)

    # -- import ---------------------------------------------------------------------------------------
    def import_container_registry_image(
        self,
        resource_group_name: str,
        registry_name: str,
        source_image: str,
        *,
        source_registry_uri: str | None = None,
        source_registry_resource_id: str | None = None,
        target_tag: str | list[str] | None = None,
        mode: str = "NoForce",
        username: str | None = None,
        password: str | None = None,
    ) -> bool:
        """Copy an image into the registry (``Import-AzContainerRegistryImage``); returns ``True``.

        :param source_image: ``repo``, ``repo:tag`` or ``repo@sha256:...`` in the source registry.
        :keyword source_registry_uri: the source's login server (one of it or the resource id is needed).
        :keyword source_registry_resource_id: the source registry's resource id.
        :keyword target_tag: ``repo[:tag]`` (or a list); by default the source's repository and tag.
        :keyword mode: ``NoForce`` (an existing target tag fails the import) or ``Force``.
        :raises azure.core.exceptions.HttpResponseError: when Azure cannot copy it (the local Azure
            copies only from registries on this machine, and says how to bring other images).
        """
        _name(registry_name, "registry_name")
        _image(source_image, "source_image")
        check(
            bool(source_registry_uri) != bool(source_registry_resource_id),
            "source_registry_uri",
            source_registry_uri,
            "give exactly one of source_registry_uri and source_registry_resource_id",
        )
        check(mode in ("NoForce", "Force"), "mode", mode, "NoForce or Force")
        check((username is None) == (password is None), "username", username, "give username and password together")
        targets = [target_tag] if isinstance(target_tag, str) else list(target_tag or [])
        for tag in targets:
            _image(tag, "target_tag")
        if not targets:
            targets = [source_image.split("@", 1)[0]]
        source: dict[str, Any] = {"sourceImage": source_image}
        if source_registry_uri:
            source["registryUri"] = source_registry_uri
        else:
            source["resourceId"] = source_registry_resource_id
        if username is not None and password is not None:
            _secrets.register(password)
            source["credentials"] = {"username": username, "password": password}
        body = {"source": source, "targetTags": targets, "mode": mode}
        poller = self.container_registry_client.registries.begin_import_image(resource_group_name, registry_name, body)
        self._wait(f"Importing {source_image} into {registry_name}", poller)
        return True

    # -- data plane ---------------------------------------------------------------------------------
    def _registry_verify(self) -> Any:
        info = getattr(self, "info", None) or {}
        if info.get("ca_bundle"):
            return info["ca_bundle"]
        emulator = getattr(self, "emulator", None)
        containers = getattr(emulator, "containers", None) if emulator is not None else None
        if containers is not None:
            return str(containers.certs.ca)
        verify = self.client_options.get("connection_verify")
        return verify if isinstance(verify, str) or verify is False else True

    def _data_plane(self, resource_group_name: str, registry_name: str) -> _DataPlane:
        _name(registry_name, "registry_name")
        registry = self.container_registry_client.registries.get(resource_group_name, registry_name)
        if not registry.admin_user_enabled:
            raise RegistryDataError(
                f"The repository operations sign in with the admin user, which is off on {registry_name}: turn it "
                "on with update_container_registry(..., enable_admin_user=True)."
            )
        cred = self.get_container_registry_credential(resource_group_name, registry_name)
        return _DataPlane(registry.login_server, cred.username, cred.password, self._registry_verify())

    def get_container_registry_repository(
        self, registry_name: str, *, resource_group_name: str, name: str | None = None
    ) -> list[str] | RepositoryAttributes:
        """List the repositories, or describe one (``Get-AzContainerRegistryRepository``).

        Repositories whose tags were all removed are not listed.
        """
        plane = self._data_plane(resource_group_name, registry_name)
        if name is None:
            names = list(plane.json("/v2/_catalog?n=1000").get("repositories") or [])
            return [n for n in names if plane.tags(n)]
        tags = plane.tags(name)
        if not tags:
            raise RegistryDataError(f"The repository {name} does not exist in {registry_name}.", 404)
        digests = {plane.manifest(name, t)[0] for t in tags}
        return RepositoryAttributes(plane.server, name, len(tags), len(digests))

    def get_container_registry_tag(
        self, registry_name: str, repository_name: str, *, resource_group_name: str, name: str | None = None
    ) -> list[TagAttributes] | TagAttributes:
        """List a repository's tags with digest and size, or one of them (``Get-AzContainerRegistryTag``)."""
        plane = self._data_plane(resource_group_name, registry_name)
        tags = [name] if name is not None else sorted(plane.tags(repository_name))
        found = []
        for tag in tags:
            digest, size, media, layers = plane.manifest(repository_name, tag)
            found.append(TagAttributes(plane.server, repository_name, tag, digest, size, media, layers))
        return found[0] if name is not None else found

    def remove_container_registry_repository(
        self, registry_name: str, name: str, *, resource_group_name: str
    ) -> DeletedRepository:
        """Delete a repository's manifests and tags (``Remove-AzContainerRegistryRepository``)."""
        plane = self._data_plane(resource_group_name, registry_name)
        tags = plane.tags(name)
        if not tags:
            raise RegistryDataError(f"The repository {name} does not exist in {registry_name}.", 404)
        digests = sorted({plane.manifest(name, t)[0] for t in tags})

        def delete_all() -> None:
            for digest in digests:
                plane.request("DELETE", f"/v2/{name}/manifests/{digest}")

        self._run(f"Deleting repository {name} ({len(digests)} manifests)", delete_all)
        return DeletedRepository(digests, sorted(tags))

    # -- sign the user's engine in -------------------------------------------------------------------
    def connect_container_registry(
        self,
        name: str,
        *,
        resource_group_name: str,
        username: str | None = None,
        password: str | None = None,
        engine: str | None = None,
        cert_dir: str | None = None,
        authfile: str | None = None,
    ) -> bool:
        """Sign the local container engine in to the registry (``Connect-AzContainerRegistry``); returns ``True``.

        Runs ``podman login`` (or ``docker login``) with the admin credentials (or the ones given), the
        password through standard input, never the command line. For the local Azure, whose registries
        use its own CA, the CA is trusted for that registry only: Podman gets it in ``cert_dir`` (by
        default ``~/.config/containers/certs.d/<login server>/``, Podman's per-registry trust); Docker's
        daemon reads ``/etc/docker/certs.d/<login server>/ca.crt`` only, and when it is missing the
        error says the command that puts it there.

        :keyword engine: ``podman`` or ``docker`` (default: whichever is installed, Podman first).
        :keyword authfile: where Podman keeps the sign-in (``--authfile``; Docker: its config folder).
        """
        _name(name)
        check((username is None) == (password is None), "username", username, "give username and password together")
        program = engine or ("podman" if shutil.which("podman") else "docker" if shutil.which("docker") else None)
        check(program in ("podman", "docker"), "engine", engine, "podman or docker, installed on this machine")
        assert program is not None
        registry = self.container_registry_client.registries.get(resource_group_name, name)
        server = registry.login_server
        if username is None or password is None:
            cred = self.get_container_registry_credential(resource_group_name, name)
            username, password = cred.username, cred.password
        _secrets.register(password)
        args = [program, "login", "--username", username, "--password-stdin"]
        env = dict(os.environ)
        verify = self._registry_verify()
        local_ca = verify if isinstance(verify, str) and server.startswith("127.") else None
        if program == "podman":
            if local_ca is not None:
                folder = Path(cert_dir or Path.home() / ".config" / "containers" / "certs.d" / server)
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(local_ca, folder / "ca.crt")
                args += ["--cert-dir", str(folder)]
            if authfile:
                args += ["--authfile", authfile]
        else:
            if local_ca is not None and not Path(f"/etc/docker/certs.d/{server}/ca.crt").is_file():
                raise AzrmError(
                    f"Docker trusts the local Azure's registry {server} only with its CA in /etc/docker/certs.d: run "
                    f"`sudo mkdir -p /etc/docker/certs.d/{server} && "
                    f"sudo cp {local_ca} /etc/docker/certs.d/{server}/ca.crt` and connect again "
                    "(or use engine='podman')."
                )
            if authfile:
                env["DOCKER_CONFIG"] = str(Path(authfile).parent)
        args.append(server)
        proc = self._run(
            f"Signing {program} in to {server}",
            lambda: subprocess.run(
                args, input=password.encode(), capture_output=True, env=env, timeout=60, check=False
            ),
        )
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").replace(password, "********").strip()
            raise AzrmError(f"{program} login {server} failed: {message}")
        return True

    # -- builds (az acr build) --------------------------------------------------------------------------
    def acr_build(
        self,
        resource_group_name: str,
        registry_name: str,
        source_path: str | os.PathLike[str],
        *,
        image: str | list[str],
        dockerfile: str = "Dockerfile",
        no_push: bool = False,
        build_args: Mapping[str, str] | None = None,
        timeout: float = 1800.0,
    ) -> BuildRun:
        """Build an image from a folder in the registry, and push it: ``az acr build``.

        Az PowerShell has no cmdlet for this; the name is the Azure CLI's. As the CLI does, the folder
        is packed as a tar.gz, uploaded to the URL ``listBuildSourceUploadUrl`` hands out, and a
        ``DockerBuildRequest`` is scheduled; then the run is waited for (with progress) and its log read.
        Against the local Azure the build runs in Podman with no network (everything the build needs
        must be in the folder, or in the registry's images).

        :param image: ``repo:tag`` (or several); ``{{.Run.ID}}`` in a tag is replaced by the run id.
        :keyword dockerfile: the Dockerfile's path inside ``source_path``.
        :keyword no_push: build only (the image is not pushed).
        :returns: the run id, status, pushed images and the whole log.
        :raises BuildFailedError: when the run does not succeed; it carries the end of the log.
        """
        from azure.storage.blob import BlobClient

        _name(registry_name, "registry_name")
        images = [image] if isinstance(image, str) else list(image)
        check(bool(images), "image", image, "give at least one repository:tag")
        for item in images:
            _image(item.replace("{{.Run.ID}}", "run"), "image")
        folder = Path(source_path)
        check(folder.is_dir(), "source_path", str(source_path), "an existing folder")
        check((folder / dockerfile).is_file(), "dockerfile", dockerfile, f"a file inside {folder}")
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            for path in sorted(folder.rglob("*")):
                relative = path.relative_to(folder)
                if relative.parts[0] in (".git",):
                    continue
                tar.add(path, arcname=str(relative), recursive=False)
        tasks = self.container_registry_tasks_client
        upload = self._run(
            "Uploading the build context",
            lambda: tasks.registries.get_build_source_upload_url(resource_group_name, registry_name),
        )
        self._run(
            f"Uploading {len(archive.getvalue())} bytes",
            lambda: BlobClient.from_blob_url(upload.upload_url).upload_blob(archive.getvalue(), overwrite=True),
        )
        request = {
            "type": "DockerBuildRequest",
            "sourceLocation": upload.relative_path,
            "dockerFilePath": Path(dockerfile).as_posix(),
            "imageNames": images,
            "isPushEnabled": not no_push,
            "noCache": False,
            "platform": {"os": "Linux", "architecture": "amd64"},
            "arguments": [{"name": k, "value": v, "isSecret": False} for k, v in (build_args or {}).items()],
        }
        queued = tasks.registries.schedule_run(resource_group_name, registry_name, request)
        step = f"Building {', '.join(images)} (run {queued.run_id})"
        start = time.monotonic()
        self.reporter.start(step)
        run = queued
        pause = 0.1  # short builds end in a second or two: poll often at first, then once a second
        while run.status not in _TERMINAL:
            if time.monotonic() - start > timeout:
                self.reporter.finish(step, False, time.monotonic() - start)
                raise BuildFailedError(queued.run_id, _text(run.status), f"still running after {timeout:.0f} s", "")
            time.sleep(min(self.progress_interval, pause))
            pause = min(1.0, pause * 2)
            run = tasks.runs.get(resource_group_name, registry_name, queued.run_id)
            self.reporter.update(step, _text(run.status), time.monotonic() - start)
        self.reporter.finish(step, run.status == "Succeeded", time.monotonic() - start)
        link = tasks.runs.get_log_sas_url(resource_group_name, registry_name, queued.run_id).log_link
        log = BlobClient.from_blob_url(link).download_blob().readall().decode("utf-8", "replace").replace("\r\n", "\n")
        if run.status != "Succeeded":
            tail = "\n".join(log.splitlines()[-30:])
            raise BuildFailedError(queued.run_id, _text(run.status), run.run_error_message or "the build failed", tail)
        pushed = [f"{o.registry}/{o.repository}:{o.tag}@{o.digest}" for o in run.output_images or []]
        return BuildRun(queued.run_id, _text(run.status), pushed, log, run)
