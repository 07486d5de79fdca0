"""A template's shape as ARM reads it: member names in any casing, the schema, ``apiProfile``.

ARM deserializes a template with Newtonsoft.Json, so member names bind case-insensitively
(``"Resources"``, ``"DependsOn"``, ``"DefaultValue"`` are what ARM reads as ``resources``...):
:func:`canonical` rewrites the structural members of the template, its parameters, outputs,
resources and copy loops in their canonical casing, leaving everything else (a resource's
``properties``, user data) as written. An unknown member of the template itself is refused as ARM
refuses it (``InvalidRequestContent``, "Could not find member ... on object of type 'Template'").

ARM requires ``$schema`` (any absolute URI: it does not validate against the schema, so every
scope's schema, http or https, any casing, is accepted) and ``contentVersion`` (any string).

``apiProfile`` names a set of api-versions (Azure Stack Hub's hybrid profiles, the 2017-03-09 and
2018-06-01 profiles): a resource without its own ``apiVersion`` takes the profile's version of its
type, from the provider manifests (``data/api-profiles.json``); a type the profile does not map is
ARM's error telling to give the resource its own ``apiVersion``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from .base import TemplateError

__all__ = ["canonical", "check_schema", "profile_api_version"]

_TEMPLATE = (
    "$schema",
    "contentVersion",
    "apiProfile",
    "parameters",
    "variables",
    "functions",
    "resources",
    "outputs",
    "metadata",
    "definitions",
    "languageVersion",
    "extensions",
)
_PARAMETER = ("type", "defaultValue", "allowedValues", "minValue", "maxValue", "minLength", "maxLength", "metadata",
              "nullable")  # fmt: skip
_OUTPUT = ("type", "value", "condition", "copy", "metadata")
_RESOURCE = (
    "condition",
    "apiVersion",
    "type",
    "name",
    "location",
    "dependsOn",
    "tags",
    "comments",
    "copy",
    "sku",
    "kind",
    "properties",
    "resources",
    "plan",
    "identity",
    "zones",
    "scope",
    "managedBy",
    "extendedLocation",
    "resourceGroup",
    "subscriptionId",
)
_COPY = ("name", "count", "mode", "batchSize", "input")


def _rename(mapping: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    canon = {n.lower(): n for n in names}
    return {canon.get(k.lower(), k) if isinstance(k, str) else k: v for k, v in mapping.items()}


_DEPLOYMENT = ("mode", "template", "templateLink", "parameters", "parametersLink", "expressionEvaluationOptions",
               "debugSetting", "onErrorDeployment")  # fmt: skip


def _resource(raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    out = _rename(raw, _RESOURCE)
    if str(out.get("type", "")).lower() == "microsoft.resources/deployments" and isinstance(
        out.get("properties"), Mapping
    ):
        # a nested deployment's own members are read by the engine: in their canonical casing too
        props = _rename(out["properties"], _DEPLOYMENT)
        if isinstance(props.get("expressionEvaluationOptions"), Mapping):
            props["expressionEvaluationOptions"] = _rename(props["expressionEvaluationOptions"], ("scope",))
        if isinstance(props.get("templateLink"), Mapping):
            props["templateLink"] = _rename(props["templateLink"], ("uri", "relativePath", "queryString",
                                                                    "contentVersion", "id"))  # fmt: skip
        out["properties"] = props
    if isinstance(out.get("copy"), Mapping):
        out["copy"] = _rename(out["copy"], _COPY)
    if isinstance(out.get("resources"), list):
        out["resources"] = [_resource(r) for r in out["resources"]]
    return out


def canonical(template: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template with its structural member names in canonical casing (refusing unknown members)."""
    out = _rename(template, _TEMPLATE)
    for key in out:
        if key not in _TEMPLATE:
            raise TemplateError(
                f"The request content was invalid and could not be deserialized: 'Could not find member '{key}' on "
                f"object of type 'Template'. Path 'properties.template.{key}'.'",
                code="InvalidRequestContent",
                path=key,
                plain=True,
            )
    for section, names in (("parameters", _PARAMETER), ("outputs", _OUTPUT)):
        specs = out.get(section)
        if isinstance(specs, Mapping):
            out[section] = {n: _rename(s, names) if isinstance(s, Mapping) else s for n, s in specs.items()}
            for spec in out[section].values():
                if isinstance(spec, dict) and isinstance(spec.get("copy"), Mapping):
                    spec["copy"] = _rename(spec["copy"], _COPY)
    if isinstance(out.get("resources"), list):
        out["resources"] = [_resource(r) for r in out["resources"]]
    return out


def check_schema(template: Mapping[str, Any]) -> None:
    """Check ``$schema`` and ``contentVersion`` as ARM does: present, the schema an absolute URI."""
    if "$schema" not in template:
        raise TemplateError("Required property '$schema' not found in JSON. Path ''.", path="$schema")
    schema = template["$schema"]
    parts = urlsplit(str(schema)) if isinstance(schema, str) else None
    if parts is None or not parts.scheme or not parts.netloc:
        raise TemplateError(f'$schema value "{schema}" is not a valid URI.', path="$schema")
    if "contentVersion" not in template or template["contentVersion"] is None:
        raise TemplateError("Required property 'contentVersion' not found in JSON. Path ''.", path="contentVersion")


@functools.lru_cache(maxsize=1)
def _profiles() -> dict[str, Any]:
    text = resources.files("azrm.templates").joinpath("data/api-profiles.json").read_text(encoding="utf-8")
    data = json.loads(text)
    out: dict[str, dict[str, str]] = {}
    spec = data.get("_specProfiles") or {}
    for name, types in data.items():
        if name.startswith("_") or not isinstance(types, dict):
            continue
        merged = {k.lower(): v for k, v in (spec.get(name) or {}).items() if isinstance(v, str)}
        merged.update({k.lower(): v for k, v in types.items() if isinstance(v, str)})
        out[name.lower()] = merged
    return out


def profile_api_version(profile: str, resource_type: str, path: str) -> str:
    """Return the api-version ``profile`` gives ``resource_type`` (a child takes its parent's when unmapped)."""
    known = _profiles().get(profile.lower())
    if known is None:
        raise TemplateError(
            f"The api-profile '{profile}' is not valid. The supported api-profiles are "
            f"'{', '.join(sorted(_profiles()))}'.",
            path="apiProfile",
        )
    parts = resource_type.split("/")
    for end in range(len(parts), 1, -1):
        version = known.get("/".join(parts[:end]).lower())
        if version:
            return version
    version = known.get(f"{parts[0]}/*".lower())  # the spec profiles map whole namespaces
    if version:
        return version
    raise TemplateError(
        f"The api-profile '{profile}' for the template does not match any valid api-version for the resource type "
        f"'{resource_type}'. Either explicitly specify the api-version for the resource or specify the correct "
        "api-profile for the template",
        path=path,
    )
