"""ARM template processing, with no I/O: parameters, variables, resources, dependencies, outputs.

:class:`Template` binds a template to its parameters and a :class:`Context` (subscription, group,
deployment name...), expands resources (copy loops, conditions, child resources), resolves
``dependsOn`` (names, ids, copy loop names, ``type/name``) and the implicit dependencies that
``reference()`` and ``list*()`` create, and orders them. Resource bodies are rendered when they are
deployed, with a :class:`Runtime` that answers ``reference()`` and ``list*()`` from the live
resources; before that (validation, what-if) those calls are *deferred* and the expressions stay
as they are, as ARM's what-if shows them.

Errors are :class:`TemplateError` with ARM's code (``InvalidTemplate``...) and the JSON path of the
faulty part (``resources[2].properties.osProfile.adminUsername``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from .expressions import ExpressionError, evaluate, is_expression, parse, type_name, unescape, walk_calls
from .functions import PURE_FUNCTIONS, arm_string, murmur64

__all__ = [
    "DEPLOYMENT_TYPE",
    "SCHEMAS",
    "Context",
    "Deferred",
    "PlannedResource",
    "Runtime",
    "Template",
    "TemplateError",
    "check_parameters",
    "load_json",
]

DEPLOYMENT_TYPE = "Microsoft.Resources/deployments"
#: resource group deployment template schemas ARM accepts (both generations)
SCHEMAS = (
    "2014-04-01-preview/deploymentTemplate.json",
    "2015-01-01/deploymentTemplate.json",
    "2019-04-01/deploymentTemplate.json",
)
_PARAM_TYPES = {
    "string": "String",
    "securestring": "SecureString",
    "int": "Int",
    "bool": "Bool",
    "object": "Object",
    "secureobject": "SecureObject",
    "array": "Array",
}
MAX_RESOURCES = 800
MAX_PARAMETERS = 256
MAX_VARIABLES = 256
MAX_OUTPUTS = 64


class TemplateError(Exception):
    """A template ARM refuses; ``code`` is ARM's (``InvalidTemplate``), ``path`` the faulty part."""

    def __init__(self, message: str, *, code: str = "InvalidTemplate", path: str = "") -> None:
        where = f" at '{path}'" if path else ""
        super().__init__(f"Deployment template validation failed: '{message}'{where}.")
        self.code = code
        self.detail = message
        self.path = path
        self.message = str(self)


class Deferred(Exception):
    """``reference()`` or ``list*()`` asked before the deployment runs: the value is not known yet."""


class Runtime(Protocol):
    """What rendering needs from the world at deployment time."""

    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        """Return the resource's ``properties`` (whole body with ``full``); raise :class:`Deferred` if unknown."""
        ...

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        """POST ``<resource_id>/<action>`` (``listKeys``...) and return the answer."""
        ...


class _NoRuntime:
    def reference(self, resource_id: str, api_version: str | None, full: bool) -> Any:
        raise Deferred(resource_id)

    def list_action(self, resource_id: str, action: str, api_version: str | None, body: Any) -> Any:
        raise Deferred(resource_id)


NO_RUNTIME: Runtime = _NoRuntime()


#: what ``environment()`` answers by default: Azure's public cloud
AZURE_CLOUD: Mapping[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/"
    "quickstart-templates/aliases.json",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@dataclass
class Context:
    """Where a template is deployed."""

    subscription_id: str
    resource_group: str
    location: str
    deployment_name: str
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    resource_group_tags: Mapping[str, str] = field(default_factory=dict)
    now: float = 0.0
    environment: Mapping[str, Any] = field(default_factory=lambda: dict(AZURE_CLOUD))
    #: the template's own link, when deployed from one (for ``deployment().properties.templateLink``)
    template_link: Mapping[str, Any] | None = None
    new_guid: Callable[[], str] | None = None

    @property
    def resource_group_id(self) -> str:
        """The group's id."""
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


@dataclass
class PlannedResource:
    """One resource of the template, after copy loops and conditions: what will be deployed."""

    id: str
    type: str
    name: str
    api_version: str
    source: dict[str, Any]
    path: str
    condition: bool = True
    copy_name: str | None = None
    copy_index: int | None = None
    loops: dict[str, int] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    raw_depends_on: list[Any] = field(default_factory=list)

    @property
    def is_deployment(self) -> bool:
        """A nested or linked deployment."""
        return self.type.lower() == DEPLOYMENT_TYPE.lower()


def load_json(text: str) -> Any:
    """Parse template JSON as ARM does: ``//`` and ``/* */`` comments, control characters inside strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if c == '"':
            in_string = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    return json.loads("".join(out), strict=False)


def _lookup(mapping: Mapping[str, Any], name: str) -> tuple[str, Any] | None:
    """Case-insensitive dictionary lookup: ``(key as written, value)``."""
    if name in mapping:
        return name, mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if key.lower() == lowered:
            return key, value
    return None


def _escape(value: Any) -> Any:
    """Make a computed value safe to put back into a template (strings starting ``[`` doubled)."""
    if isinstance(value, str) and value.startswith("["):
        return "[" + value
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


def split_type(resource_type: str) -> tuple[str, list[str]]:
    """``Microsoft.Network/virtualNetworks/subnets`` -> (``Microsoft.Network``, [virtualNetworks, subnets])."""
    parts = resource_type.split("/")
    return parts[0], parts[1:]


def resource_id(subscription: str, group: str | None, resource_type: str, *names: str) -> str:
    """Build a resource id as ``resourceId()`` does."""
    namespace, types = split_type(resource_type)
    flat: list[str] = []
    for name in names:
        flat.extend(str(name).split("/"))
    if len(types) != len(flat):
        raise ExpressionError(
            f"resourceId: the type '{resource_type}' has {len(types)} segment(s) but {len(flat)} name segment(s) "
            f"were given ({'/'.join(flat)})"
        )
    tail = "/".join(f"{t}/{n}" for t, n in zip(types, flat, strict=True))
    scope = f"/subscriptions/{subscription}" + (f"/resourceGroups/{group}" if group else "")
    return f"{scope}/providers/{namespace}/{tail}"


class Template:
    """A template bound to parameters and a context. Construction checks the template and the parameters."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any] | None,
        context: Context,
    ) -> None:
        if not isinstance(template, Mapping):
            raise TemplateError("the template must be a JSON object")
        self.template = dict(template)
        self.context = context
        self._check_shape()
        self._variables_cache: dict[str, Any] = {}
        self._variables_busy: set[str] = set()
        self._functions_cache = self._user_functions()
        self.parameters = self._bind(parameters or {})
        self._planned: list[PlannedResource] | None = None

    # -- shape ---------------------------------------------------------------------------------------
    def _check_shape(self) -> None:
        schema = str(self.template.get("$schema") or "")
        if not schema:
            raise TemplateError("the template has no '$schema'", path="$schema")
        if not any(schema.lower().rstrip("#").endswith(s.lower()) for s in SCHEMAS):
            raise TemplateError(
                f"the schema '{schema}' is not a resource group deployment template schema "
                f"(expected one of .../{', .../'.join(SCHEMAS)})",
                path="$schema",
            )
        if not self.template.get("contentVersion"):
            raise TemplateError("the template has no 'contentVersion'", path="contentVersion")
        language = str(self.template.get("languageVersion") or "")
        if language and not language.startswith("1."):
            raise TemplateError(
                f"languageVersion '{language}' (symbolic resource names, as Bicep writes for some features) is not "
                "supported by the local Azure; compile to languageVersion 1.0 or write resources as an array",
                path="languageVersion",
            )
        resources = self.template.get("resources")
        if not isinstance(resources, list):
            raise TemplateError("'resources' must be an array", path="resources")
        for name, limit in (("parameters", MAX_PARAMETERS), ("variables", MAX_VARIABLES), ("outputs", MAX_OUTPUTS)):
            section = self.template.get(name, {})
            if not isinstance(section, Mapping):
                raise TemplateError(f"'{name}' must be an object", path=name)
            if len(section) > limit:
                raise TemplateError(f"the template has {len(section)} {name}; the limit is {limit}", path=name)

    # -- parameters --------------------------------------------------------------------------------------
    def _bind(self, given: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
        """Return ``name -> (type, value)`` for every template parameter."""
        declared: Mapping[str, Any] = self.template.get("parameters") or {}
        values: dict[str, Any] = {}
        for name, raw in given.items():
            if _lookup(declared, name) is None:
                raise TemplateError(
                    f"the template parameter '{name}' is given but the template does not declare it "
                    f"(it declares: {', '.join(declared) or 'none'})",
                    path=f"parameters.{name}",
                )
            if isinstance(raw, Mapping) and "reference" in raw:
                raise TemplateError(
                    f"the parameter '{name}' is a Key Vault reference, which the local Azure does not resolve; "
                    "pass the value instead",
                    path=f"parameters.{name}",
                )
            values[name.lower()] = raw["value"] if isinstance(raw, Mapping) and "value" in raw else raw
        bound: dict[str, tuple[str, Any]] = {}
        resolving: list[str] = []

        def bind(name: str) -> tuple[str, Any] | None:
            """Bind one parameter; defaults may use parameters declared later (ARM orders them)."""
            found = _lookup(declared, name)
            if found is None:
                return None
            name, spec = found
            if name.lower() in bound:
                return bound[name.lower()]
            if name.lower() in resolving:
                chain = " -> ".join([*resolving, name.lower()])
                raise TemplateError(f"the parameter defaults refer to each other in a circle: {chain}",
                                    path=f"parameters.{name}.defaultValue")  # fmt: skip
            path = f"parameters.{name}"
            if not isinstance(spec, Mapping) or "type" not in spec:
                raise TemplateError(f"the parameter '{name}' has no 'type'", path=path)
            kind = _PARAM_TYPES.get(str(spec["type"]).lower())
            if kind is None:
                raise TemplateError(
                    f"the parameter '{name}' has type '{spec['type']}'; the types are {', '.join(_PARAM_TYPES)}",
                    path=f"{path}.type",
                )
            if name.lower() in values:
                value = values[name.lower()]
            elif "defaultValue" in spec:
                resolving.append(name.lower())
                try:
                    value = self._value(spec["defaultValue"], f"{path}.defaultValue", parameters_only=True)
                finally:
                    resolving.pop()
            else:
                raise TemplateError(
                    f"The value for the template parameter '{name}' is not provided. Please see "
                    "https://aka.ms/arm-create-parameter-file for usage details",
                    path=path,
                )
            self._check_parameter(name, kind, value, spec, path)
            bound[name.lower()] = (kind, value)
            return bound[name.lower()]

        self._bind_one = bind
        for name in declared:
            bind(name)
        ordered = {name.lower(): bound[name.lower()] for name in declared}
        return ordered

    @staticmethod
    def _check_parameter(name: str, kind: str, value: Any, spec: Mapping[str, Any], path: str) -> None:
        expected = {
            "String": str,
            "SecureString": str,
            "Int": int,
            "Bool": bool,
            "Object": dict,
            "SecureObject": dict,
            "Array": list,
        }[kind]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if not ok:
            raise TemplateError(
                f"Template parameter '{name}' was provided an invalid value. Expected a value of type "
                f"'{kind}', but received a value of type '{type_name(value)}'",
                path=path,
            )
        allowed = spec.get("allowedValues")
        if allowed is not None:
            items = value if kind == "Array" else [value]
            for item in items:
                if item not in allowed:
                    shown = "********" if kind.startswith("Secure") else arm_string(item)
                    raise TemplateError(
                        f"The provided value '{shown}' for the template parameter '{name}' is not valid. The "
                        f"value is not part of the allowed value(s): '{','.join(arm_string(a) for a in allowed)}'",
                        path=path,
                    )
        if kind == "Int":
            if "minValue" in spec and value < spec["minValue"]:
                raise TemplateError(
                    f"the parameter '{name}' is {value}, below its minValue {spec['minValue']}", path=path
                )
            if "maxValue" in spec and value > spec["maxValue"]:
                raise TemplateError(
                    f"the parameter '{name}' is {value}, above its maxValue {spec['maxValue']}", path=path
                )
        if kind in ("String", "SecureString", "Array"):
            if "minLength" in spec and len(value) < spec["minLength"]:
                raise TemplateError(
                    f"the parameter '{name}' has length {len(value)}, below its minLength {spec['minLength']}",
                    path=path,
                )
            if "maxLength" in spec and len(value) > spec["maxLength"]:
                raise TemplateError(
                    f"the parameter '{name}' has length {len(value)}, above its maxLength {spec['maxLength']}",
                    path=path,
                )

    def parameter_values(self, *, hide_secure: bool = True) -> dict[str, dict[str, Any]]:
        """Parameters as a deployment echoes them: ``{"name": {"type": "String", "value": ...}}``."""
        declared = self.template.get("parameters") or {}
        out: dict[str, dict[str, Any]] = {}
        for name in declared:
            kind, value = self.parameters[name.lower()]
            out[name] = {"type": kind} if kind.startswith("Secure") and hide_secure else {"type": kind, "value": value}
        return out

    @property
    def secure_values(self) -> list[str]:
        """The secure parameters' string values (to keep them out of logs and answers)."""
        out: list[str] = []
        for kind, value in self.parameters.values():
            if kind == "SecureString" and value:
                out.append(value)
            elif kind == "SecureObject":
                out.extend(v for v in _strings(value) if len(v) >= 6)
        return out

    # -- functions -----------------------------------------------------------------------------------------
    def _user_functions(self) -> dict[str, Callable[..., Any]]:
        out: dict[str, Callable[..., Any]] = {}
        for group in self.template.get("functions") or []:
            namespace = str(group.get("namespace", ""))
            for name, spec in (group.get("members") or {}).items():
                params = [p["name"] for p in spec.get("parameters") or []]
                output = (spec.get("output") or {}).get("value")

                def function(*args: Any, _params: list[str] = params, _output: Any = output, _n: str = name) -> Any:
                    if len(args) != len(_params):
                        raise ExpressionError(f"the function '{_n}' takes {len(_params)} argument(s)")
                    bound = {p.lower(): a for p, a in zip(_params, args, strict=True)}
                    functions = {**PURE_FUNCTIONS, "parameters": lambda n: _param_of(bound, n)}
                    return self._render(_output, functions, "functions", NO_RUNTIME)

                out[f"{namespace}.{name}".lower()] = function
        return out

    def functions(
        self,
        runtime: Runtime,
        loops: Mapping[str, int] | None = None,
        *,
        parameters_only: bool = False,
        current: str | None = None,
    ) -> dict[str, Callable[..., Any]]:
        """Return the function table for one evaluation (``loops``: the copy indexes in force)."""
        ctx = self.context
        loops = dict(loops or {})

        def parameters(name: str) -> Any:
            found = self._bind_one(name) if parameters_only else self.parameters.get(name.lower())
            if found is None:
                raise ExpressionError(f"the template parameter '{name}' is not found (or used before it is defined)")
            return copy.deepcopy(found[1])

        def variables(name: str) -> Any:
            if parameters_only:
                raise ExpressionError("variables cannot be used in a parameter's defaultValue")
            return copy.deepcopy(self.variable(name))

        def copy_index(*args: Any) -> int:
            loop: str | None = None
            offset = 0
            if len(args) == 1:
                loop, offset = (None, args[0]) if isinstance(args[0], int) else (str(args[0]), 0)
            elif len(args) == 2:
                loop, offset = str(args[0]), int(args[1])
            if not loops:
                raise ExpressionError("copyIndex is used outside of a copy loop")
            if loop is None:
                return list(loops.values())[-1] + offset
            found = _lookup(loops, loop)
            if found is None:
                raise ExpressionError(f"copyIndex: there is no copy loop named '{loop}' here")
            return found[1] + offset

        def resource_id_fn(*args: Any) -> str:
            return self._resource_id(args)

        def subscription_resource_id(*args: Any) -> str:
            sub = ctx.subscription_id
            values = [str(a) for a in args]
            if values and re.fullmatch(r"[0-9a-fA-F-]{36}", values[0]) and "/" not in values[0] and len(values) > 2:
                sub = values.pop(0)
            return resource_id(sub, None, values[0], *values[1:])

        def tenant_resource_id(*args: Any) -> str:
            values = [str(a) for a in args]
            return resource_id("x", None, values[0], *values[1:]).split("/subscriptions/x", 1)[1]

        def extension_resource_id(scope: str, resource_type: str, *names: Any) -> str:
            namespace, types = split_type(resource_type)
            flat = [p for n in names for p in str(n).split("/")]
            return f"{scope}/providers/{namespace}/" + "/".join(f"{t}/{n}" for t, n in zip(types, flat, strict=True))

        def reference(target: str, api_version: str | None = None, full: str | None = None) -> Any:
            if parameters_only:
                raise ExpressionError("reference cannot be used in a parameter's defaultValue")
            rid = self._resolve_reference(target)
            return runtime.reference(rid, api_version, str(full or "").lower() == "full")

        def resource_group() -> dict[str, Any]:
            return {
                "id": ctx.resource_group_id,
                "name": ctx.resource_group,
                "type": "Microsoft.Resources/resourceGroups",
                "location": ctx.location,
                "tags": dict(ctx.resource_group_tags),
                "properties": {"provisioningState": "Succeeded"},
            }

        def subscription() -> dict[str, Any]:
            return {
                "id": f"/subscriptions/{ctx.subscription_id}",
                "subscriptionId": ctx.subscription_id,
                "tenantId": ctx.tenant_id,
                "displayName": "Local Azure",
            }

        def deployment() -> dict[str, Any]:
            props: dict[str, Any] = {"template": {"contentVersion": self.template.get("contentVersion")}}
            if ctx.template_link:
                props["templateLink"] = dict(ctx.template_link)
            return {"name": ctx.deployment_name, "properties": props, "location": ctx.location}

        def utc_now(fmt: str = "u") -> str:
            if not parameters_only:
                raise ExpressionError("utcNow can only be used in a parameter's defaultValue")
            moment = datetime.fromtimestamp(ctx.now, timezone.utc)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ" if fmt == "u" else "%Y%m%dT%H%M%SZ")

        def new_guid() -> str:
            if not parameters_only:
                raise ExpressionError("newGuid can only be used in a parameter's defaultValue")
            if ctx.new_guid is None:
                import uuid

                return str(uuid.uuid4())
            return ctx.new_guid()

        table: dict[str, Callable[..., Any]] = {
            **PURE_FUNCTIONS,
            **self._functions_cache,
            "parameters": parameters,
            "variables": variables,
            "copyindex": copy_index,
            "resourceid": resource_id_fn,
            "subscriptionresourceid": subscription_resource_id,
            "tenantresourceid": tenant_resource_id,
            "extensionresourceid": extension_resource_id,
            "reference": reference,
            "resourcegroup": resource_group,
            "subscription": subscription,
            "deployment": deployment,
            "environment": lambda: dict(ctx.environment),
            "utcnow": utc_now,
            "newguid": new_guid,
            "tenant": lambda: {"tenantId": ctx.tenant_id},
        }
        return _ListFunctions(table, self, runtime)

    def _resource_id(self, args: Sequence[Any]) -> str:
        values = [str(a) for a in args]
        ctx = self.context
        sub, group = ctx.subscription_id, ctx.resource_group
        # resourceId([subscriptionId], [resourceGroupName], type, name...): a type has a '/'
        type_at = next((i for i, v in enumerate(values) if "/" in v and "." in v.split("/")[0]), None)
        if type_at is None:
            raise ExpressionError(f"resourceId: no resource type (Namespace/type) among {values}")
        if type_at == 2:
            sub, group = values[0], values[1]
        elif type_at == 1:
            group = values[0]
        elif type_at != 0:
            raise ExpressionError("resourceId: too many arguments before the resource type")
        return resource_id(sub, group, values[type_at], *values[type_at + 1 :])

    def _resolve_reference(self, target: str) -> str:
        """``reference('name')`` names a resource of this template; ``reference('/subscriptions/...')`` any."""
        if target.startswith("/"):
            return target
        matches = [r for r in self.plan() if r.name.lower() == target.lower()]
        if not matches:
            matches = [r for r in self.plan() if f"{r.type}/{r.name}".lower() == target.lower()]
        if len(matches) != 1:
            raise ExpressionError(
                f"reference: '{target}' names {'no' if not matches else 'more than one'} resource of this template; "
                "give its resourceId()"
            )
        return matches[0].id

    # -- variables ----------------------------------------------------------------------------------------
    def variable(self, name: str) -> Any:
        """Return a variable's value (evaluated on first use; it may use parameters and other variables)."""
        key = name.lower()
        if key in self._variables_cache:
            return self._variables_cache[key]
        declared = self.template.get("variables") or {}
        if key in self._variables_busy:
            raise ExpressionError(f"the variable '{name}' refers to itself (a circular reference)")
        self._variables_busy.add(key)
        try:
            copies = _lookup(declared, "copy")
            if copies is not None and isinstance(copies[1], list):
                for loop in copies[1]:
                    if str(loop.get("name", "")).lower() == key:
                        value = self._copy_array(loop, f"variables.copy[{loop.get('name')}]", {}, NO_RUNTIME)
                        self._variables_cache[key] = value
                        return value
            found = _lookup(declared, name)
            if found is None:
                raise ExpressionError(f"the template variable '{name}' is not found")
            value = self._render(found[1], self.functions(NO_RUNTIME), f"variables.{found[0]}", NO_RUNTIME, {})
            self._variables_cache[key] = value
            return value
        finally:
            self._variables_busy.discard(key)

    def _copy_array(self, loop: Mapping[str, Any], path: str, loops: Mapping[str, int], runtime: Runtime) -> list[Any]:
        name = str(loop.get("name") or "")
        count = self._value(loop.get("count"), f"{path}.count", loops=loops)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 800:
            raise TemplateError(
                f"the copy count of '{name}' must be an integer from 0 to 800, not {count!r}", path=path
            )
        out = []
        for index in range(count):
            inner = {**loops, name: index}
            out.append(self._render(loop.get("input"), self.functions(runtime, inner), f"{path}.input", runtime, inner))
        return out

    # -- rendering -------------------------------------------------------------------------------------------
    def _value(
        self,
        raw: Any,
        path: str,
        *,
        loops: Mapping[str, int] | None = None,
        parameters_only: bool = False,
        runtime: Runtime = NO_RUNTIME,
    ) -> Any:
        functions = self.functions(runtime, loops, parameters_only=parameters_only)
        return self._render(raw, functions, path, runtime, loops or {})

    def _render(
        self,
        raw: Any,
        functions: Mapping[str, Callable[..., Any]],
        path: str,
        runtime: Runtime,
        loops: Mapping[str, int] | None = None,
    ) -> Any:
        """Evaluate every expression in a JSON value (property ``copy`` loops expanded)."""
        if isinstance(raw, str):
            if not is_expression(raw):
                return unescape(raw)
            try:
                return evaluate(parse(raw), functions, _LAZY)
            except Deferred:
                raise
            except ExpressionError as exc:
                raise TemplateError(f"The template expression '{raw}' is not valid: {exc.message}", path=path) from None
            except RecursionError:
                raise TemplateError(f"The template expression '{raw}' nests too deeply", path=path) from None
        if isinstance(raw, list):
            return [self._render(v, functions, f"{path}[{i}]", runtime, loops) for i, v in enumerate(raw)]
        if isinstance(raw, Mapping):
            out: dict[str, Any] = {}
            for key, value in raw.items():
                if key.lower() == "copy" and _is_property_copy(value):
                    for loop in value:
                        name = str(loop.get("name") or "")
                        out[name] = self._copy_array(loop, f"{path}.copy[{name}]", loops or {}, runtime)
                    continue
                out[key] = self._render(value, functions, f"{path}.{key}", runtime, loops)
            return out
        return raw

    # -- resources ------------------------------------------------------------------------------------------
    def plan(self) -> list[PlannedResource]:
        """Return the resources to deploy, copy loops expanded, in the template's order."""
        if self._planned is not None:
            return self._planned
        planned: list[PlannedResource] = []
        self._planned = planned  # reference('name') inside names is not allowed; this guards the recursion
        for index, raw in enumerate(self.template.get("resources") or []):
            self._expand(raw, f"resources[{index}]", None, planned)
        if len(planned) > MAX_RESOURCES:
            raise TemplateError(f"the template expands to {len(planned)} resources; the limit is {MAX_RESOURCES}")
        seen: dict[str, str] = {}
        for resource in planned:
            if resource.condition and resource.id.lower() in seen:
                raise TemplateError(
                    f"The resource '{resource.id}' is defined multiple times in a template "
                    f"(at {seen[resource.id.lower()]} and {resource.path})",
                    path=resource.path,
                )
            if resource.condition:
                seen[resource.id.lower()] = resource.path
        self._resolve_dependencies(planned)
        return planned

    def _expand(
        self,
        raw: Any,
        path: str,
        parent: PlannedResource | None,
        planned: list[PlannedResource],
    ) -> None:
        if not isinstance(raw, Mapping):
            raise TemplateError("a resource must be a JSON object", path=path)
        base_loops = dict(parent.loops) if parent is not None else {}
        loop = raw.get("copy")
        if loop is not None:
            if not isinstance(loop, Mapping) or not loop.get("name"):
                raise TemplateError("a resource's copy needs a name and a count", path=f"{path}.copy")
            count = self._value(loop.get("count"), f"{path}.copy.count", loops=base_loops)
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 800:
                raise TemplateError(
                    f"the copy count must be an integer from 0 to 800, not {count!r}", path=f"{path}.copy.count"
                )
            instances: list[tuple[str | None, int | None]] = [(str(loop["name"]), i) for i in range(count)]
        else:
            instances = [(None, None)]
        for copy_name, copy_index in instances:
            loops: dict[str, int] = dict(base_loops)
            if copy_name is not None and copy_index is not None:
                loops[copy_name] = copy_index
            where = f"{path}[{copy_index}]" if copy_name is not None else path
            for required in ("type", "apiVersion", "name"):
                if required not in raw:
                    raise TemplateError(f"the resource has no '{required}'", path=f"{where}.{required}")
            rtype = str(self._value(raw["type"], f"{path}.type", loops=loops))
            name = str(self._value(raw["name"], f"{path}.name", loops=loops))
            api = str(self._value(raw["apiVersion"], f"{path}.apiVersion", loops=loops))
            if parent is not None:
                if "/" not in rtype or not rtype.lower().startswith(parent.type.lower() + "/"):
                    rtype = f"{parent.type}/{rtype}" if rtype.count("/") == 0 else rtype
                if not name.lower().startswith(parent.name.lower() + "/"):
                    name = f"{parent.name}/{name}"
            if "/" not in rtype or "." not in rtype.split("/")[0]:
                raise TemplateError(f"the resource type '{rtype}' is not Namespace/type", path=f"{where}.type")
            _, types = split_type(rtype)
            if len(types) != len(name.split("/")):
                raise TemplateError(
                    f"The template resource '{name}' of type '{rtype}' is not valid: a resource of this type has "
                    f"{len(types)} name segment(s) (parent/child)",
                    path=f"{where}.name",
                )
            condition = True
            if "condition" in raw:
                value = self._value(raw["condition"], f"{where}.condition", loops=loops)
                if not isinstance(value, bool):
                    raise TemplateError(
                        f"a condition must be a boolean, not {type_name(value)}", path=f"{where}.condition"
                    )
                condition = value
            if parent is not None and not parent.condition:
                condition = False
            group = self.context.resource_group
            rid = resource_id(self.context.subscription_id, group, rtype, name)
            depends = list(raw.get("dependsOn") or [])
            resource = PlannedResource(
                id=rid,
                type=rtype,
                name=name,
                api_version=api,
                source={k: v for k, v in raw.items() if k != "resources"},
                path=where,
                condition=condition,
                copy_name=copy_name,
                copy_index=copy_index,
                loops=loops,
                raw_depends_on=depends,
            )
            if parent is not None:
                resource.raw_depends_on.append(parent.id)
            planned.append(resource)
            for child_index, child in enumerate(raw.get("resources") or []):
                self._expand(child, f"{where}.resources[{child_index}]", resource, planned)

    def _resolve_dependencies(self, planned: list[PlannedResource]) -> None:
        by_id = {r.id.lower(): r for r in planned}
        loops: dict[str, list[PlannedResource]] = {}
        for r in planned:
            if r.copy_name:
                loops.setdefault(r.copy_name.lower(), []).append(r)
        for resource in planned:
            found: list[str] = []
            for i, raw in enumerate(resource.raw_depends_on):
                where = f"{resource.path}.dependsOn[{i}]"
                value = self._value(raw, where, loops=resource.loops) if isinstance(raw, str) else raw
                if not isinstance(value, str):
                    raise TemplateError(f"a dependsOn entry must be a string, not {type_name(value)}", path=where)
                targets = self._match(value, planned, by_id, loops)
                if not targets:
                    raise TemplateError(f"The resource '{value}' is not defined in the template", path=where)
                found.extend(t.id for t in targets if t is not resource)
            for target in self._implicit(resource, by_id):
                found.append(target)
            serial = resource.source.get("copy") or {}
            if resource.copy_name and str(serial.get("mode", "")).lower() == "serial":
                size = int(
                    self._value(serial.get("batchSize", 1), f"{resource.path}.copy.batchSize", loops=resource.loops)
                    or 1
                )
                batch = (resource.copy_index or 0) // max(1, size)
                if batch > 0:
                    found.extend(
                        r.id
                        for r in loops[resource.copy_name.lower()]
                        if (r.copy_index or 0) // max(1, size) == batch - 1
                    )
            resource.depends_on = list(dict.fromkeys(found))

    @staticmethod
    def _match(
        value: str,
        planned: list[PlannedResource],
        by_id: Mapping[str, PlannedResource],
        loops: Mapping[str, list[PlannedResource]],
    ) -> list[PlannedResource]:
        lowered = value.lower()
        if lowered in by_id:
            return [by_id[lowered]]
        if lowered in loops:
            return loops[lowered]
        by_type_name = [r for r in planned if f"{r.type}/{r.name}".lower() == lowered]
        if by_type_name:
            return by_type_name
        by_name = [r for r in planned if r.name.lower() == lowered]
        if by_name:
            return by_name
        # a resource id of another form (different casing of 'resourceGroups', providers path)
        return [r for r in planned if r.id.lower().endswith(lowered) and lowered.startswith("/")]

    def _implicit(self, resource: PlannedResource, by_id: Mapping[str, PlannedResource]) -> Iterator[str]:
        """Resources this one's ``reference()`` / ``list*()`` calls point at (dependencies ARM infers)."""
        for text in _strings(resource.source):
            if not is_expression(text):
                continue
            try:
                tree = parse(text)
            except ExpressionError:
                continue
            for call in walk_calls(tree):
                lowered = call.name.lower()
                if lowered != "reference" and not lowered.startswith("list"):
                    continue
                if not call.args:
                    continue
                try:
                    target = evaluate(call.args[0], self.functions(NO_RUNTIME, resource.loops), _LAZY)
                except (ExpressionError, Deferred, TemplateError):
                    continue
                if not isinstance(target, str):
                    continue
                if not target.startswith("/"):
                    named = [r for r in by_id.values() if r.name.lower() == target.lower()]
                    if len(named) == 1:
                        yield named[0].id
                    continue
                if target.lower() in by_id and by_id[target.lower()] is not resource:
                    yield by_id[target.lower()].id

    def order(self) -> list[list[PlannedResource]]:
        """Waves of resources whose dependencies are all in earlier waves (ARM deploys a wave in parallel)."""
        planned = self.plan()
        remaining = {r.id.lower(): r for r in planned}
        done: set[str] = set()
        waves: list[list[PlannedResource]] = []
        while remaining:
            wave = [r for r in remaining.values() if all(d.lower() in done for d in r.depends_on)]
            if not wave:
                cycle = ", ".join(r.name for r in remaining.values())
                raise TemplateError(
                    f"Circular dependency detected on resource(s): {cycle}. Please see "
                    "https://aka.ms/arm-template/#resources for usage details"
                )
            waves.append(wave)
            for r in wave:
                done.add(r.id.lower())
                del remaining[r.id.lower()]
        return waves

    def render(self, resource: PlannedResource, runtime: Runtime) -> dict[str, Any]:
        """Return the resource's body for its PUT: everything but the template-only keys, evaluated."""
        body: dict[str, Any] = {}
        skip = {"type", "apiversion", "name", "dependson", "copy", "condition", "comments", "resources", "metadata"}
        source, inner = _without_inline_template(resource)
        for key, value in source.items():
            if key.lower() in skip:
                continue
            body[key] = self._render(value, self.functions(runtime, resource.loops), f"{resource.path}.{key}",
                                     runtime, resource.loops)  # fmt: skip
        return _with_inline_template(body, inner)

    def render_preview(self, resource: PlannedResource) -> dict[str, Any]:
        """Return the body as far as it is known before deploying: deferred expressions stay as they are."""
        source, inner = _without_inline_template(resource)
        return _with_inline_template(self._preview(source, resource), inner)

    def _preview(self, raw: Any, resource: PlannedResource, key: str = "") -> Any:
        skip = {"type", "apiversion", "name", "dependson", "copy", "condition", "comments", "resources", "metadata"}
        if key == "" and isinstance(raw, Mapping):
            return {k: self._preview(v, resource, k) for k, v in raw.items() if k.lower() not in skip}
        try:
            return self._render(raw, self.functions(NO_RUNTIME, resource.loops), f"{resource.path}.{key}", NO_RUNTIME,
                                resource.loops)  # fmt: skip
        except Deferred:
            pass
        if isinstance(raw, Mapping) and not any(k.lower() == "copy" and _is_property_copy(v) for k, v in raw.items()):
            return {k: self._preview(v, resource, k) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self._preview(v, resource, key or "item") for v in raw]
        return raw

    # -- nested deployments ------------------------------------------------------------------------------
    def nested_template(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """Return an inline nested deployment's template, ready to deploy on its own.

        With the *outer* scope (ARM's default for inline templates) this template's parameters and
        variables are copied in as values, which is what the nested template's expressions see.
        """
        props = body.get("properties") or {}
        inner = props.get("template")
        if not isinstance(inner, Mapping):
            return None
        scope = str(((props.get("expressionEvaluationOptions") or {}).get("scope")) or "outer").lower()
        if scope == "inner":
            return dict(inner)
        out = dict(inner)
        params: dict[str, Any] = {}
        for name in self.template.get("parameters") or {}:
            kind, value = self.parameters[name.lower()]
            params[name] = {"type": kind, "defaultValue": _escape(value)}
        variables = {
            name: _escape(self.variable(name))
            for name in (self.template.get("variables") or {})
            if name.lower() != "copy"
        }
        for loop in (self.template.get("variables") or {}).get("copy") or []:
            variables[loop["name"]] = _escape(self.variable(loop["name"]))
        out["parameters"] = params
        out["variables"] = variables
        if self.template.get("functions"):
            out["functions"] = self.template["functions"]
        return out

    # -- outputs ------------------------------------------------------------------------------------------
    def outputs(self, runtime: Runtime) -> dict[str, dict[str, Any]]:
        """Evaluate the outputs (after the resources are deployed): ``{"name": {"type", "value"}}``."""
        out: dict[str, dict[str, Any]] = {}
        for name, spec in (self.template.get("outputs") or {}).items():
            path = f"outputs.{name}"
            if "condition" in spec and not self._value(spec["condition"], f"{path}.condition", runtime=runtime):
                continue
            kind = _PARAM_TYPES.get(str(spec.get("type", "")).lower())
            if kind is None:
                raise TemplateError(f"the output '{name}' has no valid type", path=f"{path}.type")
            if "copy" in spec:
                value: Any = self._copy_array({**spec["copy"], "name": name}, f"{path}.copy", {}, runtime)
            else:
                value = self._value(spec.get("value"), f"{path}.value", runtime=runtime)
            out[name[:1].lower() + name[1:]] = {"type": kind, "value": value}
        return out

    def template_hash(self) -> str:
        """Return a stable number for the template, like the ``templateHash`` ARM reports."""
        return str(murmur64(json.dumps(self.template, sort_keys=True).encode()))


class _ListFunctions(dict[str, Callable[..., Any]]):
    """The function table, plus every ``list*`` function (``listKeys``, ``listAccountSas``...)."""

    def __init__(self, table: Mapping[str, Callable[..., Any]], template: Template, runtime: Runtime) -> None:
        super().__init__(table)
        self._template = template
        self._runtime = runtime

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        if key.startswith("list"):
            action = key

            def list_action(target: str, api_version: str | None = None, body: Any = None) -> Any:
                rid = self._template._resolve_reference(target)
                return self._runtime.list_action(rid, action, api_version, body)

            return list_action
        return default


def check_parameters(template: Mapping[str, Any], given: Mapping[str, Any], *, present: Sequence[str] = ()) -> None:
    """Check parameter values against a template's declarations, evaluating nothing.

    Every given name is declared (case-insensitively), every parameter without a default is given,
    and each value has its type, allowed values and bounds. ``given`` holds plain values; ``present``
    names parameters supplied some other way (a Key Vault reference, staging). Raises
    :class:`TemplateError` with the path ``parameters.<name>``; secure values are never shown.
    """
    declared: Mapping[str, Any] = template.get("parameters") or {}
    for name in [*given, *present]:
        if _lookup(declared, name) is None:
            raise TemplateError(
                f"the template parameter '{name}' is given but the template does not declare it "
                f"(it declares: {', '.join(declared) or 'none'})",
                path=f"parameters.{name}",
            )
    for name, spec in declared.items():
        if not isinstance(spec, Mapping):
            continue
        found = _lookup(given, name)
        if found is None:
            if "defaultValue" not in spec and _lookup(dict.fromkeys(present), name) is None:
                raise TemplateError(f"The value for the template parameter '{name}' is not provided",
                                    path=f"parameters.{name}")  # fmt: skip
            continue
        kind = _PARAM_TYPES.get(str(spec.get("type", "")).lower())
        if kind is not None:
            Template._check_parameter(name, kind, found[1], spec, f"parameters.{name}")


def _without_inline_template(resource: PlannedResource) -> tuple[Mapping[str, Any], Any]:
    """Split a nested deployment's source from its inline template (evaluated by the nested deployment)."""
    props = resource.source.get("properties")
    if not resource.is_deployment or not isinstance(props, Mapping) or not isinstance(props.get("template"), Mapping):
        return resource.source, None
    source = dict(resource.source)
    source["properties"] = {k: v for k, v in props.items() if k != "template"}
    return source, props["template"]


def _with_inline_template(body: dict[str, Any], inner: Any) -> dict[str, Any]:
    if inner is not None:
        body.setdefault("properties", {})["template"] = copy.deepcopy(inner)
    return body


def _if(condition: Callable[[], Any], then: Callable[[], Any], otherwise: Callable[[], Any]) -> Any:
    value = condition()
    if not isinstance(value, bool):
        raise ExpressionError(f"if's condition must be a boolean, not {type_name(value)}")
    return then() if value else otherwise()


_LAZY: dict[str, Callable[..., Any]] = {"if": _if}


def _param_of(bound: Mapping[str, Any], name: str) -> Any:
    if name.lower() not in bound:
        raise ExpressionError(f"the function has no parameter '{name}'")
    return bound[name.lower()]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _is_property_copy(value: Any) -> bool:
    """Tell a property ``copy`` (a list of ``{name, count, input}`` loops) from a resource's own (an object)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(loop, Mapping) and "name" in loop and "input" in loop for loop in value)
    )
