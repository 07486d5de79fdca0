"""The deployment plan: which resources a template deploys, and in what order.

Resources are expanded as ARM expands them: a resource ``copy`` loop (``count`` from 0 to 800)
makes one resource per index, a ``condition`` that is false keeps the resource in the plan but not
deployed (a child of such a resource is not deployed either), and child resources (``resources``
inside a resource) get their parent's type and name as prefix and depend on it. A resource id may
appear once; a template expands to at most 800 resources.

``dependsOn`` entries may be resource ids, names, ``type/name`` or the name of a copy loop (all its
resources); ``reference()`` and ``list*()`` add the dependencies ARM infers, and a copy loop in
``serial`` mode makes each batch wait for the one before. :func:`order` turns the dependencies
into waves: ARM deploys the resources of a wave side by side; a circle is an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import DEPLOYMENT_TYPE, NO_RUNTIME, Deferred, TemplateError, json_strings
from .expressions import ExpressionError, evaluate, is_expression, parse, type_name, walk_calls
from .render import LAZY, render_value
from .scope_functions import resource_id, split_type
from .shape import profile_api_version

if TYPE_CHECKING:
    from .engine import Template

__all__ = ["MAX_RESOURCES", "PlannedResource", "order", "plan_resources"]

MAX_RESOURCES = 800


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


def plan_resources(template: Template, planned: list[PlannedResource]) -> None:
    """Add the template's resources to ``planned``, copy loops expanded, in the template's order.

    ``planned`` is filled as resources are expanded, so that an expression naming a resource
    (``reference('name')``) sees those planned so far instead of planning again.
    """
    for index, raw in enumerate(template.template.get("resources") or []):
        _expand(template, raw, f"resources[{index}]", None, planned)
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
    _resolve_dependencies(template, planned)


def _expand(
    template: Template,
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
        count = render_value(template, loop.get("count"), f"{path}.copy.count", loops=base_loops)
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
        profile = template.template.get("apiProfile")
        for required in ("type", "apiVersion", "name"):
            if required not in raw and not (required == "apiVersion" and profile):
                raise TemplateError(f"the resource has no '{required}'", path=f"{where}.{required}")
        rtype = str(render_value(template, raw["type"], f"{path}.type", loops=loops)).strip("/")
        name = str(render_value(template, raw["name"], f"{path}.name", loops=loops))
        if parent is not None:
            # a child declared inside its parent names its type and name relative to the parent's
            if "." not in rtype.split("/")[0]:
                rtype = f"{parent.type}/{rtype}"
            if not name.lower().startswith(parent.name.lower() + "/"):
                name = f"{parent.name}/{name}"
        if "/" not in rtype or "." not in rtype.split("/")[0]:
            raise TemplateError(f"the resource type '{rtype}' is not Namespace/type", path=f"{where}.type")
        if "apiVersion" in raw:
            api = str(render_value(template, raw["apiVersion"], f"{path}.apiVersion", loops=loops))
        else:
            api = profile_api_version(str(profile), rtype, f"{where}.apiVersion")
        _, types = split_type(rtype)
        if len(types) != len(name.split("/")):
            raise TemplateError(
                f"The template resource '{name}' for type '{rtype}' has incorrect segment lengths. A nested resource "
                "type must have identical number of segments as its resource name. A root resource type must have "
                "segment length one greater than its resource name. Please see https://aka.ms/arm-template/#resources "
                "for usage details.",
                path=f"{where}.name",
            )
        condition = True
        if "condition" in raw:
            value = render_value(template, raw["condition"], f"{where}.condition", loops=loops)
            if not isinstance(value, bool):
                raise TemplateError(f"a condition must be a boolean, not {type_name(value)}", path=f"{where}.condition")
            condition = value
        if parent is not None and not parent.condition:
            condition = False
        group = template.context.resource_group
        rid = resource_id(template.context.subscription_id, group, rtype, name)
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
            _expand(template, child, f"{where}.resources[{child_index}]", resource, planned)


def _resolve_dependencies(template: Template, planned: list[PlannedResource]) -> None:
    by_id = {r.id.lower(): r for r in planned}
    loops: dict[str, list[PlannedResource]] = {}
    for r in planned:
        if r.copy_name:
            loops.setdefault(r.copy_name.lower(), []).append(r)
    for resource in planned:
        found: list[str] = []
        for i, raw in enumerate(resource.raw_depends_on):
            where = f"{resource.path}.dependsOn[{i}]"
            value = render_value(template, raw, where, loops=resource.loops) if isinstance(raw, str) else raw
            if not isinstance(value, str):
                raise TemplateError(f"a dependsOn entry must be a string, not {type_name(value)}", path=where)
            targets = _match(value, planned, by_id, loops)
            if not targets:
                raise TemplateError(
                    f"The resource '{_relative(value)}' is not defined in the template. Please see "
                    "https://aka.ms/arm-template for usage details.",
                    path=where,
                )
            found.extend(t.id for t in targets if t is not resource)
        for target in _implicit(template, resource, by_id):
            found.append(target)
        serial = resource.source.get("copy") or {}
        if resource.copy_name and str(serial.get("mode", "")).lower() == "serial":
            size = int(
                render_value(
                    template, serial.get("batchSize", 1), f"{resource.path}.copy.batchSize", loops=resource.loops
                )
                or 1
            )
            batch = (resource.copy_index or 0) // max(1, size)
            if batch > 0:
                found.extend(
                    r.id for r in loops[resource.copy_name.lower()] if (r.copy_index or 0) // max(1, size) == batch - 1
                )
        resource.depends_on = list(dict.fromkeys(found))


def _match(
    value: str,
    planned: list[PlannedResource],
    by_id: Mapping[str, PlannedResource],
    loops: Mapping[str, list[PlannedResource]],
) -> list[PlannedResource]:
    """Return the resources a ``dependsOn`` entry names, in the forms ARM resolves.

    A resource id; a copy loop's name (all its resources); the relative id ``Namespace/type/name``,
    interleaved for a child (``Microsoft.Compute/virtualMachines/vm1/extensions/ext1``, also the
    older ``type/name`` concatenation ``.../virtualMachines/extensions/vm1/ext1``); a resource's
    name (``vm1/ext1`` for a child), or a child's own name when it is declared in its parent.
    """
    lowered = value.strip().lower()
    if lowered in by_id:
        return [by_id[lowered]]
    if lowered in loops:
        return loops[lowered]
    relative = lowered.strip("/")
    by_path = [r for r in planned if _relative(r.id).lower() == relative or f"{r.type}/{r.name}".lower() == relative]
    if by_path:
        return by_path
    by_name = [r for r in planned if r.name.lower() == lowered]
    if by_name:
        return by_name
    if lowered.startswith("/"):  # an id of no resource of this template (another group...): nothing
        return []
    return [r for r in planned if "/" in r.name and r.name.rsplit("/", 1)[-1].lower() == lowered]


def _relative(value: str) -> str:
    """Return the ``Namespace/type/name`` part of a resource id (the id itself otherwise)."""
    return value.split("/providers/", 1)[1] if "/providers/" in value else value


def _implicit(template: Template, resource: PlannedResource, by_id: Mapping[str, PlannedResource]) -> Iterator[str]:
    """Yield the resources this one's ``reference()`` / ``list*()`` calls point at (dependencies ARM infers).

    In a nested template of the outer scope those calls are the parent's: they read what exists
    before the nested deployment runs and add no dependency inside it.
    """
    if template.context.outer_scope:
        return
    for text in json_strings(resource.source):
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
                target = evaluate(call.args[0], template.functions(NO_RUNTIME, resource.loops), LAZY)
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


def _in_cycle(remaining: Mapping[str, PlannedResource]) -> PlannedResource:
    """Return a resource that is on a dependency circle (ARM names one)."""
    current = next(iter(remaining.values()))
    seen: list[str] = []
    while current.id.lower() not in seen:
        seen.append(current.id.lower())
        current = next(remaining[d.lower()] for d in current.depends_on if d.lower() in remaining)
    return current


def order(planned: list[PlannedResource]) -> list[list[PlannedResource]]:
    """Return waves of resources, each depending only on earlier waves (ARM deploys a wave in parallel)."""
    remaining = {r.id.lower(): r for r in planned}
    done: set[str] = set()
    waves: list[list[PlannedResource]] = []
    while remaining:
        wave = [r for r in remaining.values() if all(d.lower() in done for d in r.depends_on)]
        if not wave:
            stuck = _in_cycle(remaining)
            raise TemplateError(
                f"Circular dependency detected on resource: '{stuck.id}'. Please see "
                "https://aka.ms/arm-syntax-resources for usage details."
            )
        waves.append(wave)
        for r in wave:
            done.add(r.id.lower())
            del remaining[r.id.lower()]
    return waves
