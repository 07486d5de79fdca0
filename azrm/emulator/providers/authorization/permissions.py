"""How Azure RBAC decides whether a role's permissions allow an action (pure functions, no state).

Azure's rules (Microsoft Learn, "Understand Azure role definitions"):

- Operation strings compare case-insensitively; ``*`` stands for any characters, ``/`` included, so
  ``*/read`` allows every read and ``Microsoft.Authorization/*/Write`` every write in that namespace.
- A permission block allows an action when one of its ``actions`` matches and none of its
  ``notActions`` does. ``notActions`` subtract from that block only: they are not a deny, and another
  block, role or assignment can still allow the action.
- ``dataActions`` / ``notDataActions`` do the same for the data plane, separately: ``*`` in
  ``actions`` (Owner) grants no data action.
- What a principal may do at a scope is the union over its assignments at that scope and above.

:func:`action_for` maps a method on a resource type to its action; :mod:`.enforce` maps whole request
paths (lists, actions, Microsoft.Resources' own paths) and enforces.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["action_for", "action_matches", "allows", "permissions_of", "scope_covers"]


@functools.lru_cache(maxsize=1024)
def _pattern(operation: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", operation)), re.I)


def action_matches(operation: str, action: str) -> bool:
    """Tell whether a role's ``operation`` string (wildcards allowed) covers ``action``."""
    return _pattern(operation).fullmatch(action) is not None


def _block_allows(block: Mapping[str, Any], action: str, data: bool) -> bool:
    granted, denied = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    return any(action_matches(op, action) for op in block.get(granted) or ()) and not any(
        action_matches(op, action) for op in block.get(denied) or ()
    )


def allows(permissions: Iterable[Mapping[str, Any]], action: str, *, data: bool = False) -> bool:
    """Tell whether any permission block (a role definition's ``permissions``) allows ``action``.

    :param permissions: blocks of ``actions``/``notActions``/``dataActions``/``notDataActions``; to
        decide for a principal, pass the blocks of every role assigned to it at the scope and above.
    :keyword data: ``action`` is a data action (``Microsoft.KeyVault/vaults/secrets/getSecret/action``).
    """
    return any(_block_allows(block, action, data) for block in permissions)


def scope_covers(scope: str, target: str) -> bool:
    """Tell whether an assignment at ``scope`` applies at ``target`` (the same scope or one below it).

    ``"/"`` (the tenant root) covers everything; comparison is case-insensitive, as ARM's ids are.
    """
    outer = scope.rstrip("/").lower()
    inner = target.rstrip("/").lower()
    return outer == "" or inner == outer or inner.startswith(outer + "/")


def action_for(method: str, resource_type: str, action_name: str | None = None) -> str:
    """Return the action Azure checks for an ARM request on ``resource_type``.

    ``GET`` -> ``{type}/read``, ``PUT``/``PATCH`` -> ``/write``, ``DELETE`` -> ``/delete``, and a
    ``POST`` of ``action_name`` -> ``{type}/{action_name}/action``. Resource groups are
    ``Microsoft.Resources/subscriptions/resourceGroups``, as Azure names them in role definitions.
    """
    rtype = resource_type
    if rtype.lower() == "microsoft.resources/resourcegroups":
        rtype = "Microsoft.Resources/subscriptions/resourceGroups"
    verb = method.upper()
    if verb in ("GET", "HEAD"):
        return f"{rtype}/read"
    if verb in ("PUT", "PATCH"):
        return f"{rtype}/write"
    if verb == "DELETE":
        return f"{rtype}/delete"
    if verb == "POST" and action_name:
        return f"{rtype}/{action_name}/action"
    raise ValueError(f"no RBAC action for {method} on {resource_type}")


def permissions_of(definitions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Return the permission blocks of role definitions (ARM bodies), flattened for :func:`allows`."""
    return [block for d in definitions for block in (d.get("properties") or {}).get("permissions") or ()]
