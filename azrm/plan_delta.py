"""What a plan step would change, and the values only Azure knows ("known after apply").

Keys match case-insensitively; strings compare case-insensitively (Azure's names, ids, enums and
regions do); values Azure never returns (passwords, protected settings) are not compared; secrets
are masked. Values Azure makes up (a vmId, a public IP's address) are marked in what a planned call
returns and resolved when the plan is applied.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import _secrets

__all__ = [
    "KNOWN_AFTER_APPLY",
    "KNOWN_AFTER_APPLY_TOKEN",
    "SERVER_FILLED",
    "WRITE_ONLY",
    "delta",
    "mark_server_filled",
]

#: what Azure never returns: not compared (a password cannot be read back to tell a change)
WRITE_ONLY = frozenset(
    {
        "adminpassword",
        "protectedsettings",
        "customdata",
        "securevalue",
        "password",
        "storageaccountkey",
        "workspacekey",
        "protectedsettingsfromkeyvault",
    }
)
_SECRET_KEYS = re.compile(r"password|secret|sastoken|accountkey|protectedsettings", re.IGNORECASE)


def delta(desired: Any, current: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Return ``(path, now, after)`` for each value the script sets that differs from the target's.

    Keys match case-insensitively; strings compare case-insensitively (Azure's names, ids, enums and
    regions do); what Azure never returns is not compared; secrets are masked.
    """
    out: list[tuple[str, Any, Any]] = []
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return [(path, _mask(path, current), _mask(path, desired))] if desired else []
        for key, value in desired.items():
            if key.lower() in WRITE_ONLY:
                continue
            sub = f"{path}.{key}" if path else key
            match = next((k for k in current if k.lower() == key.lower()), None)
            if match is None:
                if value not in (None, [], {}, ""):
                    out.append((sub, None, _mask(sub, value)))
                continue
            out.extend(delta(value, current[match], sub))
        return out
    if isinstance(desired, list):
        if not isinstance(current, list) or len(current) != len(desired):
            return [(path, _mask(path, current), _mask(path, desired))]
        for index, (a, b) in enumerate(zip(desired, current, strict=True)):
            out.extend(delta(a, b, f"{path}[{index}]"))
        return out
    if _same(desired, current):
        return []
    return [(path, _mask(path, current), _mask(path, desired))]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        norm = (lambda s: s.replace(" ", "").lower()) if path_free(a, b) else str.lower
        return bool(norm(a) == norm(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return bool(a == b)


def path_free(a: str, b: str) -> bool:
    """Tell strings that are regions ("West Europe" is "westeurope")."""
    return " " in a or " " in b


def _mask(path: str, value: Any) -> Any:
    if isinstance(value, str) and (_SECRET_KEYS.search(path) or _secrets.is_registered(value)):
        return "********"
    return value


#: the mark of a value Azure fills in, in what a planned call returns: ``(known after apply: <id>#<path>)``;
#: a later step that uses it depends on ``<id>`` (the id is in its body) and gets the real value at apply
KNOWN_AFTER_APPLY = "(known after apply: "
KNOWN_AFTER_APPLY_TOKEN = re.compile(r"\(known after apply: (/subscriptions/[^#\s\"]+)#([A-Za-z0-9_.]+)\)")
#: values Azure makes up for a resource (by type, lower case; "*" for every type), as dotted paths
SERVER_FILLED: dict[str, tuple[str, ...]] = {
    "*": ("properties.resourceGuid",),
    "microsoft.compute/virtualmachines": ("properties.vmId",),
    "microsoft.compute/virtualmachinescalesets": ("properties.uniqueId",),
    "microsoft.compute/disks": ("properties.uniqueId",),
    "microsoft.network/publicipaddresses": ("properties.ipAddress",),
    "microsoft.network/networkinterfaces": ("properties.macAddress",),
    "microsoft.containerinstance/containergroups": ("properties.ipAddress.ip",),
}


def mark_server_filled(body: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an answer with the values Azure makes up replaced by "known after apply" marks."""
    if isinstance(body.get("value"), list):
        return {**body, "value": [mark_server_filled(v) if isinstance(v, dict) else v for v in body["value"]]}
    rid, rtype = body.get("id"), body.get("type")
    if not isinstance(rid, str) or not isinstance(rtype, str) or not rid.startswith("/subscriptions/"):
        return body
    out = json.loads(json.dumps(body))
    for path in SERVER_FILLED["*"] + SERVER_FILLED.get(rtype.lower(), ()):
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(leaf), str):
            node[leaf] = f"{KNOWN_AFTER_APPLY}{rid}#{path})"
    return out
