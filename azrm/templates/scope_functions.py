"""Template functions that depend on the deployment: the function table one evaluation sees.

The table is :data:`~azrm.templates.functions.PURE_FUNCTIONS`, the template's own user-defined
functions (``namespace.name``, which see only their own parameters), and the functions whose answer
depends on where and when the template is evaluated: ``parameters()``, ``variables()``,
``copyIndex()`` (the copy loops in force), ``resourceId()`` and its subscription, tenant and
extension forms, ``resourceGroup()``, ``subscription()``, ``tenant()``, ``deployment()``,
``environment()``, ``reference()`` and every ``list*()`` (``listKeys``...), answered by the
runtime. A parameter's ``defaultValue`` sees a narrower table, as in ARM: no ``variables()`` or
``reference()``, and only there ``utcNow()`` and ``newGuid()``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .base import NO_RUNTIME, Context, Deferred, Runtime, lookup
from .expressions import ExpressionError
from .functions import PURE_FUNCTIONS
from .functions_dates import format_datetime
from .render import render_json

if TYPE_CHECKING:
    from .engine import Template

__all__ = ["function_table", "resolve_reference", "resource_id", "split_type", "user_functions"]


def split_type(resource_type: str) -> tuple[str, list[str]]:
    """Split ``Microsoft.Network/virtualNetworks/subnets`` into (``Microsoft.Network``, [virtualNetworks, subnets]).

    Leading and trailing slashes are dropped, as ARM drops them (``'Microsoft.Network/publicIPAddresses/'``
    is what Microsoft's own templates write).
    """
    parts = [p for p in resource_type.split("/") if p]
    return (parts[0] if parts else ""), parts[1:]


def _tail(function: str, resource_type: str, names: Sequence[Any]) -> str:
    """Return ``Namespace/type/name[/type/name...]``, one name argument per type segment, as ARM requires."""
    namespace, types = split_type(resource_type)
    if len(types) != len(names):
        raise ExpressionError(
            f"Unable to evaluate template language function '{function}': the type '{resource_type}' requires "
            f"'{len(types)}' resource name argument(s). Please see https://aka.ms/arm-resource-functions/#resourceid "
            "for usage details."
        )
    return f"{namespace}/" + "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))


def _split_args(function: str, args: Sequence[Any]) -> tuple[list[str], str, list[str]]:
    """Split ``([scope...], type, names...)``: the type is the one argument with a ``/`` (ARM's rule)."""
    values = [str(a) for a in args]
    typed = [i for i, v in enumerate(values) if "/" in v.strip("/")]
    if len(typed) != 1:
        raise ExpressionError(
            f"Unable to evaluate template language function '{function}': function requires exactly one "
            "multi-segmented argument which must be resource type including resource provider namespace. Current "
            f"function arguments '{','.join(values)}'. Please see https://aka.ms/arm-resource-functions/#resourceid "
            "for usage details."
        )
    at = typed[0]
    return values[:at], values[at], values[at + 1 :]


def resource_id(subscription: str, group: str | None, resource_type: str, *names: str) -> str:
    """Build a resource id as ``resourceId()`` does (one name per type segment; ``a/b`` names are split)."""
    flat = [part for name in names for part in str(name).split("/")]
    scope = f"/subscriptions/{subscription}" + (f"/resourceGroups/{group}" if group else "")
    return f"{scope}/providers/{_tail('resourceId', resource_type, flat)}"


def user_functions(template: Template) -> dict[str, Callable[..., Any]]:
    """Return the template's user-defined functions, by ``namespace.name`` in lower case."""
    out: dict[str, Callable[..., Any]] = {}
    for group in template.template.get("functions") or []:
        namespace = str(group.get("namespace", ""))
        for name, spec in (group.get("members") or {}).items():
            params = [p["name"] for p in spec.get("parameters") or []]
            output = (spec.get("output") or {}).get("value")

            def function(*args: Any, _params: list[str] = params, _output: Any = output, _n: str = name) -> Any:
                if len(args) != len(_params):
                    raise ExpressionError(f"the function '{_n}' takes {len(_params)} argument(s)")
                bound = {p.lower(): a for p, a in zip(_params, args, strict=True)}
                functions = {**PURE_FUNCTIONS, "parameters": lambda n: _param_of(bound, n)}
                return render_json(template, _output, functions, "functions", NO_RUNTIME)

            out[f"{namespace}.{name}".lower()] = function
    return out


def function_table(
    template: Template,
    runtime: Runtime,
    loops: Mapping[str, int] | None = None,
    *,
    parameters_only: bool = False,
) -> dict[str, Callable[..., Any]]:
    """Return the function table for one evaluation (``loops``: the copy indexes in force)."""
    ctx = template.context
    loops = dict(loops or {})

    def parameters(name: str) -> Any:
        found = template._binder.bind(name) if parameters_only else template.parameters.get(name.lower())
        if found is None:
            raise ExpressionError(f"the template parameter '{name}' is not found (or used before it is defined)")
        return copy.deepcopy(found[1])

    def variables(name: str) -> Any:
        if parameters_only:
            raise ExpressionError("variables cannot be used in a parameter's defaultValue")
        return copy.deepcopy(template.variable(name))

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
        found = lookup(loops, loop)
        if found is None:
            raise ExpressionError(f"copyIndex: there is no copy loop named '{loop}' here")
        return found[1] + offset

    def resource_id_fn(*args: Any) -> str:
        return _resource_id(ctx, args)

    def subscription_resource_id(*args: Any) -> str:
        before, rtype, names = _split_args("subscriptionResourceId", args)
        if len(before) > 1:
            raise ExpressionError("subscriptionResourceId takes at most a subscription id before the resource type")
        sub = before[0] if before else ctx.subscription_id
        return f"/subscriptions/{sub}/providers/{_tail('subscriptionResourceId', rtype, names)}"

    def tenant_resource_id(*args: Any) -> str:
        before, rtype, names = _split_args("tenantResourceId", args)
        if before:
            raise ExpressionError("tenantResourceId takes the resource type first")
        return f"/providers/{_tail('tenantResourceId', rtype, names)}"

    def management_group_resource_id(*args: Any) -> str:
        before, rtype, names = _split_args("managementGroupResourceId", args)
        if not before:
            raise ExpressionError(
                "managementGroupResourceId needs the management group's id at resource group scope (a resource "
                "group deployment has no management group)"
            )
        group = f"/providers/Microsoft.Management/managementGroups/{before[0]}"
        return f"{group}/providers/{_tail('managementGroupResourceId', rtype, names)}"

    def extension_resource_id(scope: str, resource_type: str, *names: Any) -> str:
        tail = _tail("extensionResourceId", resource_type, [str(n) for n in names])
        return f"{str(scope).rstrip('/')}/providers/{tail}"

    def providers(namespace: str, resource_type: str | None = None) -> Any:
        if ctx.providers is None:
            raise Deferred(f"providers('{namespace}')")
        return ctx.providers(str(namespace), None if resource_type is None else str(resource_type))

    def reference(target: str, api_version: str | None = None, full: str | None = None) -> Any:
        if parameters_only:
            raise ExpressionError("reference cannot be used in a parameter's defaultValue")
        rid = resolve_reference(template, target)
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
        props: dict[str, Any] = {"template": {"contentVersion": template.template.get("contentVersion")}}
        if ctx.template_link:
            props["templateLink"] = dict(ctx.template_link)
        return {"name": ctx.deployment_name, "properties": props, "location": ctx.location}

    def utc_now(fmt: str | None = None) -> str:
        if not parameters_only:
            raise ExpressionError("utcNow can only be used in a parameter's defaultValue")
        # no format: yyyyMMddTHHmmssZ; otherwise a .NET standard or custom format ('u', 'd', 'M d'...)
        return format_datetime(datetime.fromtimestamp(ctx.now, timezone.utc), fmt)

    def new_guid() -> str:
        if not parameters_only:
            raise ExpressionError("newGuid can only be used in a parameter's defaultValue")
        if ctx.new_guid is None:
            import uuid

            return str(uuid.uuid4())
        return ctx.new_guid()

    table: dict[str, Callable[..., Any]] = {
        **PURE_FUNCTIONS,
        **template._functions_cache,
        "parameters": parameters,
        "variables": variables,
        "copyindex": copy_index,
        "resourceid": resource_id_fn,
        "subscriptionresourceid": subscription_resource_id,
        "tenantresourceid": tenant_resource_id,
        "extensionresourceid": extension_resource_id,
        "managementgroupresourceid": management_group_resource_id,
        "providers": providers,
        "reference": reference,
        "resourcegroup": resource_group,
        "subscription": subscription,
        "deployment": deployment,
        "environment": lambda: dict(ctx.environment),
        "utcnow": utc_now,
        "newguid": new_guid,
        "tenant": lambda: {"tenantId": ctx.tenant_id},
    }
    return _ListFunctions(table, template, runtime)


def _resource_id(ctx: Context, args: Sequence[Any]) -> str:
    # resourceId([subscriptionId], [resourceGroupName], type, name...): the type is the argument with a '/'
    before, rtype, names = _split_args("resourceId", args)
    sub, group = ctx.subscription_id, ctx.resource_group
    if len(before) == 2:
        sub, group = before
    elif len(before) == 1:
        group = before[0]
    elif before:
        raise ExpressionError("resourceId: too many arguments before the resource type")
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{_tail('resourceId', rtype, names)}"


def resolve_reference(template: Template, target: str) -> str:
    """Return the id ``reference()`` means: a name is a resource of this template, an id any resource."""
    if target.startswith("/"):
        return target
    matches = [r for r in template.plan() if r.name.lower() == target.lower()]
    if not matches:
        matches = [r for r in template.plan() if f"{r.type}/{r.name}".lower() == target.lower()]
    if not matches and template.context.outer_reference is not None:
        found = template.context.outer_reference(target)  # an outer-scope nested template: the parent's names
        if found is not None:
            return found
    if len(matches) != 1:
        raise ExpressionError(
            f"reference: '{target}' names {'no' if not matches else 'more than one'} resource of this template; "
            "give its resourceId()"
        )
    return matches[0].id


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
                rid = resolve_reference(self._template, target)
                return self._runtime.list_action(rid, action, api_version, body)

            return list_action
        return default


def _param_of(bound: Mapping[str, Any], name: str) -> Any:
    if name.lower() not in bound:
        raise ExpressionError(f"the function has no parameter '{name}'")
    return bound[name.lower()]
