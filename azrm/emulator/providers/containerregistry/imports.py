"""``importImage``: a real copy into a local registry, from another local registry.

The copy goes through the registries' HTTP API (manifests and blobs keep their digests, as in
Azure's import). Only registries on this machine's loopback are contacted: an image on a public
registry (docker.io, mcr.microsoft.com...) fails the operation with a message saying it is not
available offline and how to make it available.

Which failures are synchronous and which fail the long-running operation follows what was seen
of Azure (a body without ``targetTags`` is refused at once; copying errors fail the operation).
The codes and texts of the copying errors are not recorded anywhere we could find: they are
``InvalidParameters`` (the code Azure uses for "Error copying blobs") with texts of our own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...core.errors import ArmError
from ...core.wire import Headers, Response
from .common import REGISTRY_TYPE
from .core import RegistryCore
from .regclient import RegistryClient, RegistryHttpError, copy_image, is_loopback

if TYPE_CHECKING:
    from ...core.store import Record
    from ...core.wire import Call

_MODES = ("NoForce", "Force")


def split_image(image: str) -> tuple[str, str]:
    """``repo``, ``repo:tag`` or ``repo@sha256:...`` -> ``(repo, tag or digest)`` (``latest`` by default)."""
    if "@" in image:
        repo, digest = image.split("@", 1)
        return repo, digest
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = image.rsplit(":", 1)
        return repo, tag
    return image, "latest"


def _failed(message: str) -> ArmError:
    return ArmError(400, "InvalidParameters", message)


class ImportMixin(RegistryCore):
    """The ``importImage`` action of :class:`~.registries.ContainerRegistryBackend`."""

    def import_image(self, call: Call) -> Response:
        record = self.registry_record(call)
        body = call.body()
        source = body.get("source") or {}
        image = str(source.get("sourceImage") or "")
        if not image:
            raise ArmError(
                400,
                "InvalidParameters",
                f"Missing property parameters.Source.SourceImage for the operation against the resource with name "
                f"{record.name}.",
            )
        target_tags = [str(t) for t in body.get("targetTags") or []]
        untagged = [str(t) for t in body.get("untaggedTargetRepositories") or []]
        if not target_tags and not untagged:
            raise ArmError(
                400,
                "InvalidParameters",
                f"Missing property parameters.TargetTags for the operation against the resource with name "
                f"{record.name}.",
            )
        mode = next((m for m in _MODES if m.lower() == str(body.get("mode") or "NoForce").lower()), None)
        if mode is None:
            raise ArmError(400, "InvalidParameters", f"The mode '{body.get('mode')}' is invalid: use NoForce or Force.")
        if not source.get("resourceId") and not source.get("registryUri"):
            raise ArmError(
                400,
                "InvalidParameters",
                "Either source.resourceId or source.registryUri is required for the import of "
                f"'{image}' into {record.name}.",
            )
        error: ArmError | None = None
        try:
            self._copy(record, source, image, target_tags, untagged, force=mode == "Force")
        except ArmError as err:
            error = err

        def complete() -> None:
            if error is not None:
                raise error

        op = self.begin(call, record, "import", style="storage", complete=complete, op_id=f"registries-{self.guid()}")
        return Response(202, None, Headers(self.lro_headers(call, op)))

    def _source_client(self, source: dict[str, Any], image: str) -> RegistryClient:
        plane = self.plane()
        cafile = str(plane.certs.ca)
        if source.get("resourceId"):
            rid = str(source["resourceId"])
            other = self.store.get(rid)
            if other is None or other.type.lower() != REGISTRY_TYPE.lower():
                raise _failed(f"The source registry {rid} was not found; it must be a registry of this local Azure.")
            if plane.registry(other.name) is None:
                self.start_process(other)
            running = plane.registry(other.name)
            assert running is not None
            user, password = plane.service_credentials()[running.address]
            return RegistryClient(running.address, user, password, cafile)
        uri = str(source["registryUri"])
        host = urlsplit(uri if "://" in uri else f"//{uri}").netloc or uri
        local = plane.registry_for_host(host)
        if local is not None:
            user, password = plane.service_credentials()[local[1].address]
            return RegistryClient(local[1].address, user, password, cafile)
        if not is_loopback(host):
            raise _failed(
                f"The image {host}/{image} is not available offline: the local Azure does not contact registries "
                f"off this machine ({host}). Make it available locally: pull or load it into a container engine "
                "(`podman load -i image.tar`), push it to a registry of this local Azure (its loginServer), then "
                "import from that registry (source.resourceId or source.registryUri)."
            )
        creds = source.get("credentials") or {}
        return RegistryClient(host, str(creds.get("username") or ""), str(creds.get("password") or ""), cafile)

    def _copy(
        self,
        record: Record,
        source: dict[str, Any],
        image: str,
        target_tags: list[str],
        untagged: list[str],
        *,
        force: bool,
    ) -> None:
        src = self._source_client(source, image)
        repo, reference = split_image(image)
        plane = self.plane()
        if plane.registry(record.name) is None:
            self.start_process(record)
        running = plane.registry(record.name)
        assert running is not None
        user, password = plane.service_credentials()[running.address]
        target = RegistryClient(running.address, user, password, str(plane.certs.ca))
        default_tag = reference if not reference.startswith("sha256:") else None
        targets: list[tuple[str, str | None]] = []
        for entry in target_tags:
            if ":" in entry.rsplit("/", 1)[-1]:
                t_repo, t_tag = split_image(entry)
            else:
                t_repo, t_tag = entry, default_tag or "latest"
            targets.append((t_repo.lower(), t_tag))
        targets += [(r.lower(), None) for r in untagged]
        try:
            if not src.has_manifest(repo, reference):
                raise _failed(
                    f"The source image {src.address}/{repo}{'@' if '@' in image else ':'}{reference} was not found."
                )
            if not force:
                for t_repo, maybe_tag in targets:
                    if maybe_tag is not None and target.has_manifest(t_repo, maybe_tag):
                        raise _failed(
                            f"The target tag {t_repo}:{maybe_tag} already exists in {record.name}; with mode NoForce "
                            "an existing target tag fails the import before anything is copied (use mode Force)."
                        )
            copy_image(src, repo, reference, target, targets)
        except RegistryHttpError as err:
            if err.status in (401, 403):
                raise _failed(f"The source registry {src.address} refused the credentials: {err}") from None
            raise _failed(f"Error copying blobs: {err}") from None
