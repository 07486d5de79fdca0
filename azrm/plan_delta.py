"""What a plan step would change: the script's values beside the target's, secrets masked.

Keys match case-insensitively; strings compare case-insensitively (Azure's names, ids, enums and
regions do); values Azure never returns (passwords, protected settings) are not compared.
"""

from __future__ import annotations

import re
from typing import Any

from . import _secrets

__all__ = ["WRITE_ONLY", "delta"]

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
