"""Route table: ARM URL templates -> backend handlers.

Templates read like the REST specs (``/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/
providers/Microsoft.Network/virtualNetworks/{name}``). Literal segments match case-insensitively, as
ARM does; parameters match one percent-encoded segment and are decoded before the handler sees them.

Extension resources live under any scope (``{scope}/providers/Microsoft.Authorization/roleAssignments/
{roleAssignmentName}``): a template that starts with ``{scope}`` matches a path ending on the rest,
and ``scope`` holds everything before it (``""`` for the tenant root, a subscription, a group or a
resource id). Such routes are tried after the fixed ones, so a fixed route always wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .errors import ArmError

if TYPE_CHECKING:
    from .wire import Response

__all__ = ["Route", "Router"]

_PARAM = re.compile(r"\{(\w+)\}")
#: the leading parameter of an extension-resource template
SCOPE = "{scope}"


@dataclass(frozen=True)
class Route:
    """One route."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[Any], Response]
    compute_policy: str | None
    resource_index: int | None
    segments: int
    #: the resource type a PUT/GET/PATCH/DELETE of this URL addresses (``None`` for actions and lists)
    resource_type: str | None = None
    #: the type a GET of this URL lists (``None`` unless the URL ends on a collection of a type)
    list_type: str | None = None

    def resource_key(self, path: str) -> str | None:
        """Return the (lower-cased) URL of the resource a Compute throttling bucket counts against."""
        if self.resource_index is None:
            return None
        parts = [p for p in path.split("/") if p]
        return "/" + "/".join(parts[: self.resource_index + 1]).lower()


def _addressed_type(segments: list[str]) -> str | None:
    """Return the type a URL template addresses when it ends on a resource name, else ``None``."""
    lowered = [s.lower() for s in segments]
    if len(segments) == 4 and lowered[0] == "subscriptions" and lowered[2] == "resourcegroups":
        return "Microsoft.Resources/resourceGroups" if _PARAM.fullmatch(segments[3]) else None
    if "providers" not in lowered or not _PARAM.fullmatch(segments[-1]):
        return None
    i = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = segments[i + 1 :]
    if len(rest) < 3 or len(rest) % 2 == 0 or _PARAM.fullmatch(rest[0]):
        return None
    types = rest[1::2]
    if any(_PARAM.fullmatch(t) for t in types) or any(not _PARAM.fullmatch(n) for n in rest[2::2]):
        return None
    return "/".join([rest[0], *types])


class Router:
    """Matches a method and path to a :class:`Route`."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, int], list[Route]] = {}
        #: extension-resource routes (templates starting with ``{scope}``), by method
        self._scoped: dict[str, list[Route]] = {}
        self.namespaces: set[str] = set()
        #: emulated resource types, lower case -> Azure's casing
        self.types: dict[str, str] = {}
        #: the types that can be PUT (what a template may deploy), lower case -> Azure's casing
        self.writable_types: dict[str, str] = {}

    def add(
        self,
        method: str,
        template: str,
        handler: Callable[[Any], Response],
        *,
        compute_policy: str | None = None,
        resource_param: str | None = None,
    ) -> None:
        """Register ``handler`` for ``method`` on ``template``.

        ``compute_policy`` names the Compute RP throttling bucket the call draws on; the resource it
        counts against is the URL up to ``resource_param``.
        """
        segments = [s for s in template.split("/") if s]
        resource_index = segments.index("{" + resource_param + "}") if resource_param else None
        resource_type = _addressed_type(segments)
        list_type = _addressed_type([*segments, "{name}"]) if not _PARAM.fullmatch(segments[-1]) else None
        regex = "^"
        scoped = segments[0] == SCOPE
        if scoped:  # any number of segments (none: the tenant root), matched lazily so the tail decides
            regex += "(?P<scope>(?:/[^/]+)*?)"
        for seg in segments[1:] if scoped else segments:
            regex += "/"
            if _PARAM.fullmatch(seg):
                regex += f"(?P<{seg[1:-1]}>[^/]+)"
            else:
                regex += re.escape(seg)
        regex += "/?$"
        route = Route(
            method.upper(),
            template,
            re.compile(regex, re.IGNORECASE),
            handler,
            compute_policy,
            resource_index,
            len(segments),
            resource_type,
            list_type,
        )
        if scoped:
            self._scoped.setdefault(route.method, []).append(route)
        else:
            self._routes.setdefault((route.method, route.segments), []).append(route)
        if route.method == "PUT" and resource_type is not None:
            self.writable_types.setdefault(resource_type.lower(), resource_type)
        lowered = [s.lower() for s in segments]
        if "providers" in lowered:
            i = lowered.index("providers")
            if i + 1 < len(segments) and not _PARAM.fullmatch(segments[i + 1]):
                namespace = segments[i + 1]
                self.namespaces.add(namespace.lower())
                types = [segments[j] for j in range(i + 2, len(segments), 2) if not _PARAM.fullmatch(segments[j])]
                if types:
                    full = "/".join([namespace, *types])
                    self.types.setdefault(full.lower(), full)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """Return the route for ``method`` and ``path``, with its decoded parameters.

        Raises an ``ArmError`` shaped like ARM's answer for an unknown path or method.
        """
        segments = len([s for s in path.split("/") if s])
        for route in self._routes.get((method.upper(), segments), ()):
            m = route.pattern.match(path)
            if m:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        for route in self._scoped.get(method.upper(), ()):
            m = route.pattern.match(path)
            if m:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        # Same path, other method?
        for (other_method, count), routes in self._routes.items():
            if count == segments and other_method != method.upper() and any(r.pattern.match(path) for r in routes):
                raise _not_allowed(method)
        for other_method, routes in self._scoped.items():
            if other_method != method.upper() and any(r.pattern.match(path) for r in routes):
                raise _not_allowed(method)
        raise self._unknown(path)

    def _unknown(self, path: str) -> ArmError:
        parts = [unquote(p) for p in path.split("/") if p]
        lowered = [p.lower() for p in parts]
        if "providers" in lowered:
            i = lowered.index("providers")
            if i + 1 < len(parts):
                namespace = parts[i + 1]
                if namespace.lower() not in self.namespaces:
                    return ArmError(
                        400,
                        "InvalidResourceNamespace",
                        f"The resource namespace '{namespace}' is invalid. "
                        f"(The local Azure emulates {', '.join(sorted(self.namespaces))}.)",
                    )
                types = parts[i + 2 :: 2]
                rtype = "/".join([namespace, *types])
                return ArmError(
                    400,
                    "InvalidResourceType",
                    f"The resource type '{'/'.join(types)}' could not be found in the namespace '{namespace}'. "
                    f"The local Azure does not emulate '{rtype}'.",
                )
        return ArmError(404, "NotFound", f"The path '{path}' is not an ARM path the local Azure serves.")


def _not_allowed(method: str) -> ArmError:
    return ArmError(
        405,
        "MethodNotAllowed",
        f"The requested resource does not support http method '{method.upper()}'.",
    )
