"""api-versions: which ones each resource type accepts, and how older ones shape their bodies.

Azure's resource providers register, per resource type, the api-versions they serve (the provider
manifest, ``GET /subscriptions/{id}/providers/{namespace}``). A request or a template resource with
any of them is served; with another, ARM answers 400 ``NoRegisteredProviderFound`` naming the
versions that exist. The manifest the local Azure serves is ``data/api-versions.json``.

An old api-version is served in its own body shape: its request is translated into today's model on
the way in, and the answer back into its shape on the way out, so a 2015 template or script sees
what it saw then. Each provider declares those translations in one module of api-version shapes
(``providers/<namespace>/versions.py``), as :class:`Shape` entries registered here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .errors import ArmError

__all__ = ["ApiVersions", "Shape", "manifest", "pop_member", "well_formed"]

Body = dict[str, Any]


@dataclass(frozen=True)
class Shape:
    """How bodies of ``resource_type`` differ in api-versions older than ``before``.

    ``inbound`` turns a request body of the old shape into today's; ``outbound`` turns today's
    answer into the old shape. Both take and return a body (they may change it in place).
    """

    resource_type: str
    before: str
    inbound: Callable[[Body], Body]
    outbound: Callable[[Body], Body]
    note: str = ""


@functools.lru_cache(maxsize=1)
def manifest() -> dict[str, dict[str, list[str]]]:
    """Return ``{namespace: {resource type path: [api-versions, newest first]}}`` (all keys lower case)."""
    source = resources.files("azrm.emulator").joinpath("data/api-versions.json")
    if not source.is_file():
        return {}
    data = json.loads(source.read_text(encoding="utf-8"))
    out: dict[str, dict[str, list[str]]] = {}
    for namespace, types in data.items():
        if namespace.startswith("_") or not isinstance(types, dict):
            continue
        out[namespace.lower()] = {
            t.lower(): list(v) for t, v in types.items() if not t.startswith("_") and isinstance(v, list)
        }
    return out


def pop_member(mapping: dict[str, Any], name: str) -> Any:
    """Remove and return a member matched case-insensitively (an older version's, which binding does not know)."""
    for member in list(mapping):
        if member.lower() == name.lower():
            return mapping.pop(member)
    return None


def _date(version: str) -> str:
    return version[:10]


#: how ARM's refusal of a malformed api-version describes the form
API_VERSION_FORMAT = "YYYY-MM-DD or YYYY-MM-DD-preview"


def required_version(version: str | None) -> str:
    """Return a request's api-version, or raise ARM's 400 when it is missing or malformed."""
    if version is None:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if not well_formed(version):
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions look like {API_VERSION_FORMAT}.",
        )
    return version


def well_formed(version: str) -> bool:
    """Tell an api-version of ARM's form: ``YYYY-MM-DD`` with an optional ``-preview`` (or other word)."""
    parts = version.split("-")
    if len(parts) < 3:
        return False
    y, m, d = parts[:3]
    if not (len(y) == 4 and y.isdigit() and len(m) == 2 and m.isdigit() and len(d) == 2 and d.isdigit()):
        return False
    return len(parts) == 3 or (len(parts) == 4 and parts[3].isalpha())


class ApiVersions:
    """The manifest's api-versions and the registered shapes of older ones."""

    def __init__(self) -> None:
        self._shapes: dict[str, list[Shape]] = {}

    # -- which versions exist ----------------------------------------------------------------------
    @staticmethod
    def supported(resource_type: str) -> list[str] | None:
        """Return the api-versions a type accepts, newest first (``None`` when the manifest does not list it)."""
        namespace, _, path = resource_type.partition("/")
        return manifest().get(namespace.lower(), {}).get(path.lower())

    def check(self, resource_type: str, version: str, location: str | None = None) -> None:
        """Refuse an api-version the type's provider does not register, as ARM does.

        A version newer than the newest the manifest lists is served as the newest (the manifest is
        a snapshot, and an SDK released after it must keep working); unknown older ones are refused.
        """
        versions = self.supported(resource_type)
        if versions is None or version.lower() in (v.lower() for v in versions):
            return
        if well_formed(version) and _date(version) > max(_date(v) for v in versions):
            return
        raise no_registered_provider(resource_type, version, versions, location)

    # -- shapes of older versions ------------------------------------------------------------------
    def register(self, *shapes: Shape) -> None:
        """Add shapes (a provider's ``versions.py`` table)."""
        for shape in shapes:
            self._shapes.setdefault(shape.resource_type.lower(), []).append(shape)
            self._shapes[shape.resource_type.lower()].sort(key=lambda s: s.before, reverse=True)

    def _applying(self, resource_type: str, version: str) -> list[Shape]:
        return [s for s in self._shapes.get(resource_type.lower(), ()) if _date(version) < _date(s.before)]

    def inbound(self, resource_type: str, version: str, body: Body) -> Body:
        """Translate a request body of ``version``'s shape into today's (newest shape first, down to the oldest)."""
        for shape in reversed(self._applying(resource_type, version)):
            body = shape.inbound(body)
        return body

    def outbound(self, resource_type: str, version: str, body: Any) -> Any:
        """Translate an answer (one resource, or a ``{"value": [...]}`` page) into ``version``'s shape."""
        applying = self._applying(resource_type, version)
        if not applying or not isinstance(body, dict):
            return body
        if isinstance(body.get("value"), list) and "id" not in body:
            return {**body, "value": [self._out(applying, item) for item in body["value"]]}
        return self._out(applying, body)

    @staticmethod
    def _out(applying: list[Shape], body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        for shape in applying:
            body = shape.outbound(body)
        return body


def no_registered_provider(resource_type: str, version: str, versions: list[str], location: str | None) -> ArmError:
    """ARM's 400 for an api-version a resource type does not have (message as ARM words it)."""
    _, _, path = resource_type.partition("/")
    where = f"location '{location}' and " if location else ""
    return ArmError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for {where}API version '{version}' for type '{path}'. "
        f"The supported api-versions are '{', '.join(versions)}'.",
    )
