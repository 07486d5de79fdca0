"""Rendering: template JSON with its expressions evaluated, as ARM sends a resource's body.

Every string that is an expression (``[...]``) is evaluated; ``[[`` escapes a literal ``[``. A
property ``copy`` (a list of ``{name, count, input}`` loops) becomes one array per loop, with
``copyIndex('<loop>')`` in force. A resource's body for its PUT is everything but the
template-only keys (``type``, ``apiVersion``, ``name``, ``dependsOn``, ``copy``, ``condition``,
``comments``, ``resources``, ``metadata``). Before the deployment runs (validation, what-if) the
expressions that need ``reference()`` or ``list*()`` stay as they are in the preview, as ARM's
what-if shows them. A nested deployment's inline template is left for the nested deployment to
evaluate; with the *outer* scope (ARM's default) it sees the outer template's parameters and
variables, copied in as values.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .base import NO_RUNTIME, Deferred, Runtime, TemplateError
from .expressions import ExpressionError, evaluate, is_expression, parse, type_name, unescape

if TYPE_CHECKING:
    from .engine import Template
    from .plan import PlannedResource

__all__ = [
    "LAZY",
    "copy_array",
    "nested_template",
    "render_json",
    "render_preview",
    "render_resource",
    "render_value",
]

#: keys of a template resource that are not part of the resource's body
_TEMPLATE_ONLY = {"type", "apiversion", "name", "dependson", "copy", "condition", "comments", "resources", "metadata"}


def _if(condition: Callable[[], Any], then: Callable[[], Any], otherwise: Callable[[], Any]) -> Any:
    value = condition()
    if not isinstance(value, bool):
        raise ExpressionError(f"if's condition must be a boolean, not {type_name(value)}")
    return then() if value else otherwise()


#: functions whose arguments are evaluated only when needed (``if`` evaluates one branch, as ARM does)
LAZY: dict[str, Callable[..., Any]] = {"if": _if}


def render_value(
    template: Template,
    raw: Any,
    path: str,
    *,
    loops: Mapping[str, int] | None = None,
    parameters_only: bool = False,
    runtime: Runtime = NO_RUNTIME,
) -> Any:
    """Evaluate a JSON value of ``template`` with the functions in force at ``path``."""
    functions = template.functions(runtime, loops, parameters_only=parameters_only)
    return render_json(template, raw, functions, path, runtime, loops or {})


def render_json(
    template: Template,
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
            return evaluate(parse(raw), functions, LAZY)
        except Deferred:
            raise
        except ExpressionError as exc:
            raise TemplateError(f"The template expression '{raw}' is not valid: {exc.message}", path=path) from None
        except RecursionError:
            raise TemplateError(f"The template expression '{raw}' nests too deeply", path=path) from None
    if isinstance(raw, list):
        return [render_json(template, v, functions, f"{path}[{i}]", runtime, loops) for i, v in enumerate(raw)]
    if isinstance(raw, Mapping):
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key.lower() == "copy" and _is_property_copy(value):
                for loop in value:
                    name = str(loop.get("name") or "")
                    out[name] = copy_array(template, loop, f"{path}.copy[{name}]", loops or {}, runtime)
                continue
            name = key
            # ARM evaluates property names too: "[resourceId(...)]": {} in userAssignedIdentities
            if is_expression(key):
                name = render_json(template, key, functions, f"{path}.{key}", runtime, loops)
                if not isinstance(name, str):
                    raise TemplateError(f"The property name '{key}' must evaluate to a string", path=path)
            out[name] = render_json(template, value, functions, f"{path}.{key}", runtime, loops)
        return out
    return raw


def copy_array(
    template: Template, loop: Mapping[str, Any], path: str, loops: Mapping[str, int], runtime: Runtime
) -> list[Any]:
    """Return the array a ``{name, count, input}`` copy loop makes (of variables, properties or outputs)."""
    name = str(loop.get("name") or "")
    count = render_value(template, loop.get("count"), f"{path}.count", loops=loops)
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 800:
        raise TemplateError(f"the copy count of '{name}' must be an integer from 0 to 800, not {count!r}", path=path)
    out = []
    for index in range(count):
        inner = {**loops, name: index}
        functions = template.functions(runtime, inner)
        out.append(render_json(template, loop.get("input"), functions, f"{path}.input", runtime, inner))
    return out


def render_resource(template: Template, resource: PlannedResource, runtime: Runtime) -> dict[str, Any]:
    """Return the resource's body for its PUT: everything but the template-only keys, evaluated."""
    body: dict[str, Any] = {}
    source, inner = _without_inline_template(resource)
    for key, value in source.items():
        if key.lower() in _TEMPLATE_ONLY:
            continue
        body[key] = render_json(template, value, template.functions(runtime, resource.loops), f"{resource.path}.{key}",
                                runtime, resource.loops)  # fmt: skip
    return _with_inline_template(body, inner)


def render_preview(template: Template, resource: PlannedResource) -> dict[str, Any]:
    """Return the body as far as it is known before deploying: deferred expressions stay as they are."""
    source, inner = _without_inline_template(resource)
    return _with_inline_template(_preview(template, source, resource), inner)


def _preview(template: Template, raw: Any, resource: PlannedResource, key: str = "") -> Any:
    if key == "" and isinstance(raw, Mapping):
        return {k: _preview(template, v, resource, k) for k, v in raw.items() if k.lower() not in _TEMPLATE_ONLY}
    try:
        return render_json(template, raw, template.functions(NO_RUNTIME, resource.loops), f"{resource.path}.{key}",
                           NO_RUNTIME, resource.loops)  # fmt: skip
    except Deferred:
        pass
    if isinstance(raw, Mapping) and not any(k.lower() == "copy" and _is_property_copy(v) for k, v in raw.items()):
        return {k: _preview(template, v, resource, k) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_preview(template, v, resource, key or "item") for v in raw]
    return raw


# -- nested deployments ------------------------------------------------------------------------------
def nested_template(template: Template, body: Mapping[str, Any]) -> dict[str, Any] | None:
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
    for name in template.template.get("parameters") or {}:
        kind, value = template.parameters[name.lower()]
        params[name] = {"type": kind, "defaultValue": _escape(value)}
    variables = {
        name: _escape(template.variable(name))
        for name in (template.template.get("variables") or {})
        if name.lower() != "copy"
    }
    for loop in (template.template.get("variables") or {}).get("copy") or []:
        variables[loop["name"]] = _escape(template.variable(loop["name"]))
    out["parameters"] = params
    out["variables"] = variables
    if template.template.get("functions"):
        out["functions"] = template.template["functions"]
    return out


def _escape(value: Any) -> Any:
    """Make a computed value safe to put back into a template (strings starting ``[`` doubled)."""
    if isinstance(value, str) and value.startswith("["):
        return "[" + value
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    return value


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


def _is_property_copy(value: Any) -> bool:
    """Tell a property ``copy`` (a list of ``{name, count, input}`` loops) from a resource's own (an object)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(loop, Mapping) and "name" in loop and "input" in loop for loop in value)
    )
