"""A small client of the Docker Registry HTTP API v2, for the local Azure's own registry work.

Imports copy manifests and blobs from registry to registry through this API (digests are kept, as
in Azure's import) without the engine. Only loopback registries are ever contacted: the caller
checks the host first (:func:`is_loopback`).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

__all__ = ["MANIFEST_TYPES", "RegistryClient", "RegistryHttpError", "is_loopback"]

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
_INDEX_TYPES = MANIFEST_TYPES[:2]


class RegistryHttpError(RuntimeError):
    """The registry answered with an error (``status`` is its HTTP status)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    """Whether ``host`` (``name[:port]``) is on this machine's loopback."""
    if host.startswith("["):  # [v6 address]:port
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class RegistryClient:
    """Basic-auth client of one registry at ``address`` (``host:port``), TLS verified with ``cafile``."""

    address: str
    username: str
    password: str
    cafile: str | None = None
    timeout: float = 60.0

    def _request(
        self, method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        url = path if path.startswith("https://") else f"https://{self.address}{path}"
        req = urllib.request.Request(url, data=data, method=method)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        req.add_header("Authorization", f"Basic {token}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        ctx = ssl.create_default_context(cafile=self.cafile) if self.cafile else ssl.create_default_context()
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=self.timeout) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", "replace")
            raise RegistryHttpError(err.code, f"{method} {path}: {err.code} {body.strip()[:300]}") from None
        except (urllib.error.URLError, OSError) as err:
            raise RegistryHttpError(0, f"{method} {path}: {err}") from None

    # -- reading -------------------------------------------------------------------------------
    def manifest(self, repository: str, reference: str) -> tuple[bytes, str, str]:
        """Return a manifest's bytes, media type and digest."""
        _, headers, body = self._request(
            "GET", f"/v2/{repository}/manifests/{reference}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
        )
        media = headers.get("content-type", MANIFEST_TYPES[3]).split(";")[0]
        digest = headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(body).hexdigest()
        return body, media, digest

    def has_manifest(self, repository: str, reference: str) -> bool:
        """Whether ``repository:reference`` exists."""
        try:
            self._request(
                "HEAD", f"/v2/{repository}/manifests/{reference}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
            )
        except RegistryHttpError as err:
            if err.status == 404:
                return False
            raise
        return True

    def blob(self, repository: str, digest: str) -> bytes:
        """Return a blob's bytes."""
        return self._request("GET", f"/v2/{repository}/blobs/{digest}")[2]

    def has_blob(self, repository: str, digest: str) -> bool:
        """Whether the repository holds the blob."""
        try:
            self._request("HEAD", f"/v2/{repository}/blobs/{digest}")
        except RegistryHttpError as err:
            if err.status == 404:
                return False
            raise
        return True

    def tags(self, repository: str) -> list[str]:
        """Return the repository's tags."""
        try:
            body = self._request("GET", f"/v2/{repository}/tags/list")[2]
        except RegistryHttpError as err:
            if err.status == 404:
                return []
            raise
        return list(json.loads(body).get("tags") or [])

    # -- writing -------------------------------------------------------------------------------
    def put_blob(self, repository: str, digest: str, data: bytes) -> None:
        """Upload a blob in one piece (POST a session, PUT its bytes)."""
        _, headers, _ = self._request("POST", f"/v2/{repository}/blobs/uploads/")
        location = headers.get("location", "")
        if location.startswith("/"):
            location = f"https://{self.address}{location}"
        sep = "&" if "?" in location else "?"
        self._request(
            "PUT",
            f"{location}{sep}digest={urllib.parse.quote(digest)}",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )

    def put_manifest(self, repository: str, reference: str, body: bytes, media_type: str) -> str:
        """Store a manifest under ``reference`` (a tag or its digest); returns its digest."""
        _, headers, _ = self._request(
            "PUT", f"/v2/{repository}/manifests/{reference}", data=body, headers={"Content-Type": media_type}
        )
        return headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(body).hexdigest()


def copy_image(
    source: RegistryClient, src_repo: str, reference: str, target: RegistryClient, targets: list[tuple[str, str | None]]
) -> str:
    """Copy ``src_repo`` at ``reference`` (tag or digest) to each ``(repository, tag or None)`` of ``target``.

    Blobs and manifests keep their digests (an index copies each platform's manifest too). Returns
    the digest of the copied manifest.
    """
    body, media, digest = source.manifest(src_repo, reference)
    for repo, tag in targets:
        _copy_manifest(source, src_repo, target, repo, body, media, digest)
        target.put_manifest(repo, tag or digest, body, media)
    return digest


def _copy_manifest(
    source: RegistryClient, src_repo: str, target: RegistryClient, repo: str, body: bytes, media: str, digest: str
) -> None:
    doc: dict[str, Any] = json.loads(body)
    if media in _INDEX_TYPES or doc.get("manifests"):
        for child in doc.get("manifests") or []:
            child_body, child_media, child_digest = source.manifest(src_repo, child["digest"])
            _copy_manifest(source, src_repo, target, repo, child_body, child_media, child_digest)
            target.put_manifest(repo, child_digest, child_body, child_media)
        return
    blobs = [doc["config"]] if doc.get("config") else []
    blobs += list(doc.get("layers") or [])
    for blob in blobs:
        if not target.has_blob(repo, blob["digest"]):
            target.put_blob(repo, blob["digest"], source.blob(src_repo, blob["digest"]))
