"""RBAC enforcement: which action an ARM request is, and whether its principal may perform it there.

Off by default (``EmulatorSettings(rbac=True)``, ``--rbac``, ``azrm.local(rbac=True)`` turn it on).
When on, every authenticated ARM request is mapped to the action ARM checks and the scope it checks
it at (:func:`request_action`), and refused with ARM's 403 ``AuthorizationFailed`` unless one of
the principal's role assignments at that scope or above allows the action (:mod:`.permissions`:
wildcards, ``notActions``, case-insensitive). The refusal comes before the handler runs, so nothing
changes.

The mapping, as ARM's:

- ``GET``/``HEAD`` -> ``{namespace}/{type}[/{child type}]/read``, ``PUT``/``PATCH`` -> ``/write``,
  ``DELETE`` -> ``/delete``; ``POST .../{name}/{action}`` -> ``{namespace}/{type}/{action}/action``.
- Paths without a provider are Microsoft.Resources': ``/subscriptions/{id}`` is
  ``Microsoft.Resources/subscriptions/read``, a group ``Microsoft.Resources/subscriptions/resourceGroups/...``,
  a deployment's operations ``Microsoft.Resources/deployments/operations/read``.
- A list (the URL ends on a type) is a read of that type at the scope that holds it (the
  subscription, the group or the parent resource); a resource's URL is its own scope.
- A template deployment needs ``Microsoft.Resources/deployments/write``, and, before it starts, the
  ``write`` of each resource of its template (ARM's preflight: 400 ``InvalidTemplateDeployment``
  naming each refused resource); resources of nested and linked deployments are not checked.
- Not checked: tenant-level paths (``/subscriptions``, the tenant root's role definitions) and the
  status URLs of long-running operations (authorised with the request that started them).

When on, the default application's service principal (who ``azrm.local()`` signs in as) holds Owner
on every subscription, through a role assignment the local Azure makes itself, as the creator of a
subscription does on Azure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.store import Record
from .permissions import allows, scope_covers
from .scopes import ASSIGNMENT_TYPE, DEFINITION_TYPE

if TYPE_CHECKING:
    from ...core.engine import Emulator
    from ...core.wire import Request
    from ...entra.principal import Principal
    from .definitions import RoleDefinitions

__all__ = ["OWNER", "AccessControl", "authorization_failed", "request_action"]

#: the built-in Owner role's GUID
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
#: the last segment of a long-running operation's status URL (``.../locations/{l}/operations/{id}``)
_OPERATION_STATUS = frozenset({"operations", "operationresults", "asyncoperations", "operationstatuses"})
_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}
_RESOURCES = "Microsoft.Resources"


def _is_operation_status(lowered: list[str]) -> bool:
    if len(lowered) >= 4 and lowered[2] == "operationresults":
        return True
    if "locations" not in lowered:
        return False
    i = len(lowered) - 1 - lowered[::-1].index("locations")
    return i + 2 < len(lowered) and lowered[i + 2] in _OPERATION_STATUS


def _scope(parts: list[str], end: int) -> str:
    return "/" + "/".join(unquote(p) for p in parts[:end])


def request_action(method: str, path: str) -> tuple[str, str] | None:
    """Return the action ARM checks for ``method`` on ``path``, and the scope it checks it at.

    ``None`` when ARM checks nothing there (tenant-level paths, operation status URLs).

    >>> request_action("GET", "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks")
    ('Microsoft.Network/virtualNetworks/read', '/subscriptions/s/resourceGroups/g')
    """
    verb = method.upper()
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    lowered = [p.lower() for p in parts]
    if len(parts) < 2 or lowered[0] != "subscriptions" or _is_operation_status(lowered):
        return None
    if "providers" in lowered:
        at = len(lowered) - 1 - lowered[::-1].index("providers")
        if at + 2 > len(parts) or (at + 2 == len(parts) and verb != "POST"):
            # the providers list, or one provider: what the subscription has registered
            return f"{_RESOURCES}/subscriptions/providers/read", _scope(parts, at)
        namespace, first, holder = parts[at + 1], at + 2, at
    else:
        namespace, first, holder = _RESOURCES, 0, 0
    types = parts[first:]  # type, name, type, name...: ends on a name (a resource) or a type (a list)
    offsets = list(range(first, len(parts)))
    if namespace == _RESOURCES and first == 0:
        types = ["subscriptions", *types[1:]]
        low = [t.lower() for t in types]
        if len(low) > 2 and low[2] == "resourcegroups":
            types[2] = "resourceGroups"
        if len(low) > 4 and low[4] == "deployments":  # the group's deployments are Microsoft.Resources/deployments
            types, offsets = types[4:], offsets[4:]
    if verb == "POST":
        if len(types) < 2:  # a provider's own action (register, checkNameAvailability)
            return "/".join([namespace, *types, "action"]), _scope(parts, holder)
        action = "/".join([namespace, *types[:-1:2], types[-1], "action"])
        return action, _scope(parts, offsets[-2] + 1)
    suffix = _VERBS.get(verb)
    if suffix is None:
        return None
    action = "/".join([namespace, *types[::2], suffix])
    if len(types) % 2 == 0:  # a resource: its own scope
        return action, _scope(parts, len(parts))
    end = offsets[-2] + 1 if len(types) > 1 else holder
    return action, _scope(parts, end)


def authorization_failed(principal: Principal, action: str, scope: str) -> ArmError:
    """Return ARM's 403 for a principal without ``action`` at ``scope``."""
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{principal.client}' with object id '{principal.object_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, "
        "please refresh your credentials.",
    )


class AccessControl:
    """The enforcement the engine calls (``emu.access``): checks requests and keeps the creator's Owner role."""

    def __init__(self, emu: Emulator, roles: RoleDefinitions) -> None:
        self.emu = emu
        self.roles = roles

    @property
    def enabled(self) -> bool:
        """Whether requests are checked (``EmulatorSettings.rbac``)."""
        return self.emu.settings.rbac

    def authorize(self, req: Request) -> None:
        """Raise ARM's 403 ``AuthorizationFailed`` unless ``req``'s principal may do what it asks."""
        principal = req.principal
        if not self.enabled or principal is None:
            return
        mapped = request_action(req.method, req.path)
        if mapped is None:
            return
        action, scope = mapped
        if not self.permits(principal.object_id, action, scope):
            raise authorization_failed(principal, action, scope)

    def permits(self, object_id: str, action: str, scope: str) -> bool:
        """Tell whether the principal ``object_id`` may perform ``action`` at ``scope``."""
        wanted = object_id.lower()
        for record in self.emu.store.of_type(ASSIGNMENT_TYPE):
            props = record.properties
            if str(props.get("principalId", "")).lower() != wanted or not scope_covers(props["scope"], scope):
                continue
            guid = str(props.get("roleDefinitionId", "")).rstrip("/").rsplit("/", 1)[-1]
            role = self.roles.find_definition(guid, props["scope"])
            if role is not None and allows(role["properties"].get("permissions") or (), action):
                return True
        return False

    def template_refusal(self, principal: Principal | None, resources: Iterable[Any]) -> ArmError | None:
        """Return ARM's preflight refusal of a template whose resources ``principal`` may not write, else ``None``.

        ``resources`` are the deployment's planned resources (``id``, ``type``, ``name``, ``condition``);
        each needs its ``write`` at its own id, as ARM checks before it starts a deployment (400
        ``InvalidTemplateDeployment``, one ``AuthorizationFailed`` detail per refused resource).
        """
        if not self.enabled or principal is None:
            return None
        failures = []
        for resource in resources:
            mapped = request_action("PUT", resource.id) if resource.condition else None
            if mapped is None or self.permits(principal.object_id, *mapped):
                continue
            action, scope = mapped
            failures.append(
                f"Authorization failed for template resource '{resource.name}' of type '{resource.type}'. The client "
                f"'{principal.client}' with object id '{principal.object_id}' does not have permission to perform "
                f"action '{action}' at scope '{scope}'."
            )
        if not failures:
            return None
        if len(failures) == 1:
            message = f"The template deployment failed with error: '{failures[0]}'."
        else:
            message = "Deployment failed with multiple errors: '" + ":".join(failures) + "'"
        details = [{"code": "AuthorizationFailed", "message": failure} for failure in failures]
        return ArmError(400, "InvalidTemplateDeployment", message, details=details)

    def seed(self) -> None:
        """Give the default service principal Owner on every subscription (when enforcing and not done yet)."""
        if not self.enabled:
            return
        principal = self.emu.entra.default_principal
        for sub in self.emu.subscriptions:
            name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"azrm:owner:{sub.lower()}:{principal.object_id.lower()}"))
            scope = f"/subscriptions/{sub}"
            rid = f"{scope}/providers/{ASSIGNMENT_TYPE}/{name}"
            if self.emu.store.get(rid) is not None:
                continue
            body = _owner_body(rid, name, scope, principal, self.emu.now())
            self.emu.store.put(Record(rid, ASSIGNMENT_TYPE, body, internal={"unlisted": True}))


def _owner_body(rid: str, name: str, scope: str, principal: Principal, now: float) -> dict[str, Any]:
    stamp = iso_utc(now)
    return {
        "properties": {
            "roleDefinitionId": f"{scope}/providers/{DEFINITION_TYPE}/{OWNER}",
            "principalId": principal.object_id,
            "principalType": principal.principal_type,
            "scope": scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": stamp,
            "updatedOn": stamp,
            "createdBy": None,
            "updatedBy": None,
            "delegatedManagedIdentityResourceId": None,
            "description": "Owner of the subscription: the local Azure's default service principal (azrm-local).",
        },
        "id": rid,
        "type": ASSIGNMENT_TYPE,
        "name": name,
    }
