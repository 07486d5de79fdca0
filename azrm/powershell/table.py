"""The cmdlet table: each AzureRM/Az cmdlet azrm mirrors, its azrm call, and each parameter's keyword.

The table is ``cmdlets.toml`` beside this module (one TOML table per cmdlet, keyed by its Az name);
``docs/powershell-mapping.md`` is generated from it and ``tests/unit/test_cmdlet_table.py`` checks it
against azrm's real signatures. Names are matched as PowerShell matches them: without regard to
case, a parameter by its name, one of its aliases, or a prefix that only it starts with.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["TABLE_PATH", "Cmdlet", "CmdletTable", "Parameter", "load_table"]

TABLE_PATH = Path(__file__).with_name("cmdlets.toml")


@dataclass(frozen=True)
class Parameter:
    """A cmdlet parameter and what azrm does with it."""

    name: str
    kw: str | None = None
    aliases: tuple[str, ...] = ()
    switch: bool = False
    required: bool = False
    list: bool = False
    value: str | None = None
    drop: str | None = None
    todo: str | None = None
    as_job: bool = False
    target: bool = False
    negate: bool = False
    then: str | None = None


@dataclass(frozen=True)
class Cmdlet:
    """A cmdlet: its names, the azrm call, its positional parameters and its parameters."""

    name: str
    azurerm: str = ""
    also: tuple[str, ...] = ()
    call: str = ""
    target: str = ""
    begin: bool = False
    positional: tuple[str, ...] = ()
    note: str = ""
    help: str = ""
    parameters: dict[str, Parameter] = field(default_factory=dict)
    #: properties of the cmdlet's output whose azrm spelling is not their snake_case (PowerShell -> Python)
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that runs this cmdlet: the Az name, the AzureRM name and the others."""
        return tuple(n for n in (self.name, self.azurerm, *self.also) if n)

    def parameter(self, written: str) -> Parameter | None:
        """Return the parameter ``-written`` binds to: by name, alias or unambiguous prefix (any case)."""
        key = written.lower()
        exact = self._by_name.get(key)
        if exact is not None:
            return exact
        found = {p.name: p for name, p in self._by_name.items() if name.startswith(key)}
        return next(iter(found.values())) if len(found) == 1 else None

    @functools.cached_property
    def _by_name(self) -> dict[str, Parameter]:
        names: dict[str, Parameter] = {}
        for parameter in self.parameters.values():
            for name in (parameter.name, *parameter.aliases):
                names[name.lower()] = parameter
        return names


def _parameter(name: str, raw: Any) -> Parameter:
    if isinstance(raw, str):
        return Parameter(name, kw=raw)
    return Parameter(
        name,
        kw=raw.get("kw"),
        aliases=tuple(raw.get("aliases", ())),
        switch=bool(raw.get("switch", False)),
        required=bool(raw.get("required", False)),
        list=bool(raw.get("list", False)),
        value=raw.get("value"),
        drop=raw.get("drop"),
        todo=raw.get("todo"),
        as_job=bool(raw.get("as_job", False)),
        target=bool(raw.get("target", False)),
        negate=bool(raw.get("negate", False)),
        then=raw.get("then"),
    )


class CmdletTable:
    """The cmdlets of the table, found by any of their names without regard to case."""

    def __init__(self, cmdlets: list[Cmdlet]) -> None:
        self.cmdlets = cmdlets
        self._names = {name.lower(): c for c in cmdlets for name in c.names}

    def find(self, name: str) -> Cmdlet | None:
        """Return the cmdlet called ``name`` (Az, AzureRM or another of its names), or None."""
        return self._names.get(name.lower())

    @classmethod
    def from_toml(cls, text: str) -> CmdletTable:
        """Read a table in the format of ``cmdlets.toml``."""
        data = tomllib.loads(text)
        cmdlets = []
        for name, raw in data.items():
            parameters = {p: _parameter(p, spec) for p, spec in raw.get("parameters", {}).items()}
            cmdlets.append(
                Cmdlet(
                    name,
                    azurerm=raw.get("azurerm", ""),
                    also=tuple(raw.get("also", ())),
                    call=raw.get("call", ""),
                    target=raw.get("target", ""),
                    begin=bool(raw.get("begin", False)),
                    positional=tuple(raw.get("positional", ())),
                    note=raw.get("note", ""),
                    help=raw.get("help", ""),
                    parameters=parameters,
                    properties={k.lower(): v for k, v in raw.get("properties", {}).items()},
                )
            )
        return cls(cmdlets)


@functools.lru_cache(maxsize=4)
def load_table(path: Path = TABLE_PATH) -> CmdletTable:
    """Return the cmdlet table read from ``path`` (``cmdlets.toml`` beside this module)."""
    return CmdletTable.from_toml(path.read_text(encoding="utf-8"))
