"""Python names for PowerShell's: variables, properties and parameters in snake_case."""

from __future__ import annotations

import builtins
import keyword
import re

__all__ = ["NameScope", "snake_case"]

_ACRONYM = re.compile(r"([A-Z]{2,})([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_RESERVED = frozenset(keyword.kwlist) | {
    "az",
    "azrm",
    "os",
    "sys",
    "time",
    "uuid",
    "re",
    "fnmatch",
    "datetime",
    "json",
    "silently",
    "members",
    "output",
    "items",
}
_SHADOWED = frozenset(dir(builtins))


def snake_case(name: str) -> str:
    """Return ``name`` (PascalCase, camelCase or with acronyms) in snake_case.

    ``VMName`` -> ``vm_name``, ``OSDiskName`` -> ``os_disk_name``, ``vnicName`` -> ``vnic_name``,
    ``IpConfigurations`` -> ``ip_configurations``, ``RGname`` -> ``rgname``.
    """
    text = _ACRONYM.sub(r"\1_\2", name.replace("-", "_"))
    text = _CAMEL.sub(r"\1_\2", text).lower()
    text = re.sub(r"[^0-9a-z_]", "_", text)
    return re.sub(r"_+", "_", text).strip("_") or "value"


class NameScope:
    """PowerShell variables (case-insensitive) given one Python name each, the first spelling's."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._taken: set[str] = set()

    def name(self, variable: str) -> str:
        """Return the Python name of ``$variable`` (without the ``$``), making one on first use."""
        key = variable.lower()
        if key not in self._names:
            base = snake_case(variable)
            if base in _RESERVED or base in _SHADOWED or base[0].isdigit():
                base += "_"
            candidate, n = base, 2
            while candidate in self._taken:
                candidate, n = f"{base}{n}", n + 1
            self._names[key] = candidate
            self._taken.add(candidate)
        return self._names[key]

    def fresh(self, base: str) -> str:
        """Return a Python name of the converter's own (a loop variable) that no script variable has."""
        candidate, n = base, 2
        while candidate in self._taken:
            candidate, n = f"{base}{n}", n + 1
        self._taken.add(candidate)
        return candidate

    def release(self, name: str) -> None:
        """Give back a name :meth:`fresh` made (its loop is over)."""
        if name not in self._names.values():
            self._taken.discard(name)

    def key_of(self, python_name: str) -> str | None:
        """Return the PowerShell variable (lower case) whose Python name is ``python_name``, if any."""
        return next((key for key, name in self._names.items() if name == python_name), None)

    def env_name(self, variable: str) -> str:
        """Return the environment variable that supplies ``$variable``: its Python name in upper case."""
        return self.name(variable).rstrip("_").upper()
