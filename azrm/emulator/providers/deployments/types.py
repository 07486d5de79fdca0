"""Which resource types a deployment can deploy: checked when it is PUT, before anything is made.

ARM validates every resource of a template against the providers before it deploys the first one:
a resource type or api-version no provider registers fails the deployment's PUT (400), and nothing
is created. The local Azure emulates a subset of Azure; a type outside it is refused the same way,
with the code of the REST API for that case (``InvalidResourceNamespace`` for a namespace it does
not emulate, ``InvalidResourceType`` for a type of an emulated namespace, ``NoRegisteredProviderFound``
for an api-version the type does not have), naming the type and what the local Azure emulates, so a
template that mixes modelled and unmodelled types never ends half-made. Literal types of inline
nested templates are checked with their parent, as ARM validates nested inline templates with it.

``providers()`` (and the ``providers`` list of a deployment) read the same manifest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ....templates.base import DEPLOYMENT_TYPE
from ....templates.expressions import is_expression
from ...core.errors import ArmError
from ...core.versions import manifest
from ..catalog import LOCATIONS

if TYPE_CHECKING:
    from ....templates.engine import Template
    from ...core.engine import Emulator

__all__ = ["check_resource_types", "provider_view"]


def _refusal(emu: Emulator, rtype: str, api_version: str | None, location: str) -> ArmError | None:
    namespaces, types = emu.router.namespaces, emu.router.writable_types
    namespace = rtype.split("/", 1)[0]
    if namespace.lower() not in namespaces:
        return ArmError(
            400,
            "InvalidResourceNamespace",
            f"The resource namespace '{namespace}' is invalid: the local Azure does not emulate '{rtype}' (it "
            f"emulates {', '.join(sorted(namespaces))}). Deploy this template to Azure, or leave the resource out.",
        )
    if rtype.lower() not in types:
        known = emu.versions.supported(rtype)
        where = f" (Azure's api-versions for it are '{', '.join(known)}')" if known else ""
        return ArmError(
            400,
            "InvalidResourceType",
            f"The resource type '{rtype.split('/', 1)[1]}' could not be found in the namespace '{namespace}' of "
            f"the local Azure: it does not emulate '{rtype}'{where}. It emulates: {', '.join(sorted(types.values()))}.",
        )
    if api_version:
        try:
            emu.versions.check(rtype, api_version, location)
        except ArmError as refused:  # NoRegisteredProviderFound, naming the versions that exist
            return refused
    return None


def _nested_types(raw: Any) -> Iterator[tuple[str, str | None]]:
    """Yield ``(type, apiVersion)`` of the literal resources of inline nested templates, at any depth."""
    if not isinstance(raw, Mapping):
        return
    props = raw.get("properties")
    template = props.get("template") if isinstance(props, Mapping) else None
    if not isinstance(template, Mapping):
        return
    for resource in template.get("resources") or []:
        if not isinstance(resource, Mapping):
            continue
        rtype, api = resource.get("type"), resource.get("apiVersion")
        if "condition" in resource and resource["condition"] is not True:
            continue  # false, or known only when the nested deployment runs: ARM checks what it deploys
        if isinstance(rtype, str) and not is_expression(rtype) and "/" in rtype:
            yield rtype.strip("/"), api if isinstance(api, str) and not is_expression(api) else None
        if isinstance(rtype, str) and rtype.lower() == DEPLOYMENT_TYPE.lower():
            yield from _nested_types(resource)


def check_resource_types(emu: Emulator, template: Template, location: str) -> None:
    """Refuse the deployment when one of its resources is of a type (or api-version) nothing serves here."""
    for resource in template.plan():
        if not resource.condition:
            continue
        error = _refusal(emu, resource.type, resource.api_version, location)
        if error is None and resource.is_deployment:
            for rtype, api in _nested_types(resource.source):
                error = _refusal(emu, rtype, api, location)
                if error is not None:
                    break
        if error is not None:
            error.target = resource.path
            raise error


def provider_view(emu: Emulator, namespace: str, resource_type: str | None) -> Any:
    """Answer ``providers(namespace[, type])``: the namespace's types with their locations and api-versions."""
    types = manifest().get(namespace.lower())
    if not types:
        raise ArmError(
            400,
            "InvalidResourceNamespace",
            f"The resource namespace '{namespace}' is invalid.",
        )
    canonical = next(
        (t.split("/", 1)[0] for t in emu.router.types.values() if t.lower().startswith(namespace.lower() + "/")),
        namespace,
    )
    locations = [display for display, _ in LOCATIONS.values()]
    entries: list[dict[str, Any]] = [
        {"resourceType": _cased(emu, canonical, t), "locations": locations, "apiVersions": list(v)}
        for t, v in types.items()
    ]
    if resource_type is None:
        return {"namespace": canonical, "resourceTypes": entries}
    entry = next((e for e in entries if e["resourceType"].lower() == resource_type.lower()), None)
    if entry is None:
        raise ArmError(
            400,
            "InvalidResourceType",
            f"The resource type '{resource_type}' could not be found in the namespace '{canonical}'.",
        )
    return entry


def _cased(emu: Emulator, namespace: str, path: str) -> str:
    known = emu.router.types.get(f"{namespace}/{path}".lower())
    return known.split("/", 1)[1] if known else path
