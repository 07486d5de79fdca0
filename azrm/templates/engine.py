"""ARM template processing, with no I/O: a template bound to its parameters and deployment.

:class:`Template` checks a template's shape as ARM does (:mod:`~azrm.templates.shape`: member names
in any casing, a ``$schema`` URI and a ``contentVersion``; ``languageVersion`` 1.x, a ``resources``
array, at most 256 parameters, 256 variables and 64 outputs), binds its parameters, evaluates
variables (on first use, a circle is an error) and outputs (after the resources are deployed, with
their ``condition`` and ``copy``), and ties the other modules together; it is what the deployments
backend and the library use:

- :mod:`~azrm.templates.base`: ``TemplateError``, ``Context``, the ``Runtime`` behind ``reference()``
- :mod:`~azrm.templates.parameters`: parameter types, defaults, allowed values and bounds
- :mod:`~azrm.templates.scope_functions`: the function table (``parameters()``, ``resourceId()``,
  ``reference()``, ``list*()``...); :mod:`~azrm.templates.functions` has the pure functions and
  :mod:`~azrm.templates.expressions` the expression language
- :mod:`~azrm.templates.plan`: copy loops, conditions, child resources, ``dependsOn``, waves
- :mod:`~azrm.templates.render`: a resource's body, evaluated for its PUT or previewed for what-if

Resource bodies are rendered when they are deployed, with a runtime that answers ``reference()``
and ``list*()`` from the live resources; before that (validation, what-if) those calls are
*deferred* and the expressions stay as they are, as ARM's what-if shows them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .base import NO_RUNTIME, Context, Runtime, TemplateError, lookup
from .expressions import ExpressionError
from .functions import murmur64
from .parameters import PARAM_TYPES, ParameterBinder, echo_parameters, secure_strings
from .plan import PlannedResource, order, plan_resources
from .render import copy_array, nested_template, render_json, render_preview, render_resource, render_value
from .scope_functions import function_table, user_functions
from .shape import canonical, check_schema

__all__ = ["Template", "load_json"]

MAX_PARAMETERS = 256
MAX_VARIABLES = 256
MAX_OUTPUTS = 64


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
        self.template = canonical(template)
        self.context = context
        self._check_shape()
        self._variables_cache: dict[str, Any] = {}
        self._variables_busy: set[str] = set()
        self._functions_cache = user_functions(self)
        self._binder = ParameterBinder(self.template.get("parameters") or {}, parameters or {}, self._default)
        self.parameters = self._binder.bind_all()
        self._planned: list[PlannedResource] | None = None

    # -- shape ---------------------------------------------------------------------------------------
    def _check_shape(self) -> None:
        check_schema(self.template)
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
    def _default(self, raw: Any, path: str) -> Any:
        """Evaluate a parameter's ``defaultValue``: only parameters (and utcNow, newGuid) are in scope."""
        return self._value(raw, path, parameters_only=True)

    def parameter_values(self, *, hide_secure: bool = True) -> dict[str, dict[str, Any]]:
        """Return parameters as a deployment echoes them: ``{"name": {"type": "String", "value": ...}}``."""
        return echo_parameters(self.template.get("parameters") or {}, self.parameters, hide_secure=hide_secure)

    @property
    def secure_values(self) -> list[str]:
        """The secure parameters' string values (to keep them out of logs and answers)."""
        return secure_strings(self.parameters)

    # -- functions -----------------------------------------------------------------------------------------
    def functions(
        self,
        runtime: Runtime,
        loops: Mapping[str, int] | None = None,
        *,
        parameters_only: bool = False,
        current: str | None = None,
    ) -> dict[str, Callable[..., Any]]:
        """Return the function table for one evaluation (``loops``: the copy indexes in force)."""
        return function_table(self, runtime, loops, parameters_only=parameters_only)

    def _value(
        self,
        raw: Any,
        path: str,
        *,
        loops: Mapping[str, int] | None = None,
        parameters_only: bool = False,
        runtime: Runtime = NO_RUNTIME,
    ) -> Any:
        """Evaluate a JSON value of this template with the functions in force at ``path``."""
        return render_value(self, raw, path, loops=loops, parameters_only=parameters_only, runtime=runtime)

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
            copies = lookup(declared, "copy")
            if copies is not None and isinstance(copies[1], list):
                for loop in copies[1]:
                    if str(loop.get("name", "")).lower() == key:
                        value = copy_array(self, loop, f"variables.copy[{loop.get('name')}]", {}, NO_RUNTIME)
                        self._variables_cache[key] = value
                        return value
            found = lookup(declared, name)
            if found is None:
                raise ExpressionError(f"the template variable '{name}' is not found")
            value = render_json(self, found[1], self.functions(NO_RUNTIME), f"variables.{found[0]}", NO_RUNTIME, {})
            self._variables_cache[key] = value
            return value
        finally:
            self._variables_busy.discard(key)

    # -- resources ------------------------------------------------------------------------------------------
    def plan(self) -> list[PlannedResource]:
        """Return the resources to deploy, copy loops expanded, in the template's order."""
        if self._planned is not None:
            return self._planned
        planned: list[PlannedResource] = []
        self._planned = planned  # reference('name') inside names is not allowed; this guards the recursion
        plan_resources(self, planned)
        return planned

    def order(self) -> list[list[PlannedResource]]:
        """Return waves of resources, each depending only on earlier waves (ARM deploys a wave in parallel)."""
        return order(self.plan())

    def render(self, resource: PlannedResource, runtime: Runtime) -> dict[str, Any]:
        """Return the resource's body for its PUT: everything but the template-only keys, evaluated."""
        return render_resource(self, resource, runtime)

    def render_preview(self, resource: PlannedResource) -> dict[str, Any]:
        """Return the body as far as it is known before deploying: deferred expressions stay as they are."""
        return render_preview(self, resource)

    def nested_template(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """Return an inline nested deployment's template, ready to deploy on its own (see :mod:`.render`)."""
        return nested_template(self, body)

    # -- outputs ------------------------------------------------------------------------------------------
    def outputs(self, runtime: Runtime) -> dict[str, dict[str, Any]]:
        """Evaluate the outputs (after the resources are deployed): ``{"name": {"type", "value"}}``."""
        out: dict[str, dict[str, Any]] = {}
        for name, spec in (self.template.get("outputs") or {}).items():
            path = f"outputs.{name}"
            if "condition" in spec and not self._value(spec["condition"], f"{path}.condition", runtime=runtime):
                continue
            kind = PARAM_TYPES.get(str(spec.get("type", "")).lower())
            if kind is None:
                raise TemplateError(f"the output '{name}' has no valid type", path=f"{path}.type")
            if "copy" in spec:
                value: Any = copy_array(self, {**spec["copy"], "name": name}, f"{path}.copy", {}, runtime)
            else:
                value = self._value(spec.get("value"), f"{path}.value", runtime=runtime)
            out[name[:1].lower() + name[1:]] = {"type": kind, "value": value}
        return out

    def template_hash(self) -> str:
        """Return a stable number for the template, like the ``templateHash`` ARM reports."""
        return str(murmur64(json.dumps(self.template, sort_keys=True).encode()))
