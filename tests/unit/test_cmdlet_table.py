"""The cmdlet table (``azrm/powershell/cmdlets.toml``) against azrm's real signatures, so the two cannot drift.

Each cmdlet's ``call`` must resolve, each ``kw`` must be a parameter (or a declared alias) of the function
called, every parameter azrm requires must be reachable from some cmdlet parameter, and ``begin`` must say
truly whether a ``begin_`` twin exists. No network, no session: only ``inspect``.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import azrm
import azrm.aio

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TABLE = Path(azrm.__file__).parent / "powershell" / "cmdlets.toml"
CMDLETS: dict[str, dict[str, Any]] = tomllib.loads(TABLE.read_text(encoding="utf-8"))

CMDLET_FIELDS = {"azurerm", "also", "call", "target", "begin", "help", "help_read", "positional", "note", "parameters"}
KINDS = ("kw", "drop", "todo", "as_job", "then")
PARAMETER_KEYS = {"negate", "then", *KINDS, "aliases", "required", "switch", "list", "value", "target"}
VERB = re.compile(r"^[A-Z][A-Za-z]+-[A-Z][A-Za-z]+$")
#: Session methods with a cmdlet verb that mirror no cmdlet (azrm's own helpers), and why
NOT_CMDLETS = {
    "get_key_vault_credential": "New-Object PSCredential(user, (Get-AzKeyVaultSecret).SecretValue) in one call",
    "publish_archive": "the upload step of publish_vm_dsc_configuration",
}
#: (cmdlet, keyword): a keyword azrm requires that the cmdlet has no parameter for, and why
AZRM_EXTRA_REQUIRED = {
    (cmdlet, "resource_group_name"): "azrm finds the registry in a group; the cmdlet searches the subscription"
    for cmdlet in (
        "Connect-AzContainerRegistry",
        "Get-AzContainerRegistryRepository",
        "Get-AzContainerRegistryTag",
        "Remove-AzContainerRegistryRepository",
    )
}


def _names() -> list[str]:
    return sorted(CMDLETS)


def _kind(entry: dict[str, Any]) -> list[str]:
    return [k for k in KINDS if k in entry]


def _functions(call: str) -> list[tuple[str, Callable[..., Any]]]:
    """Return ``(where, function)`` for every function a ``call`` names; ``[]`` if it names none."""
    prefix, _, name = call.partition(".")
    if prefix == "az":
        found = [(f"azrm.Session.{name}", getattr(azrm.Session, name, None))]
        if found[0][1] is not None and hasattr(azrm.aio.Session, name):
            found.append((f"azrm.aio.Session.{name}", getattr(azrm.aio.Session, name)))
        return [(w, f) for w, f in found if callable(f)]
    if prefix == "azrm":
        fn = getattr(azrm, name, None)
        return [(f"azrm.{name}", fn)] if callable(fn) else []
    cls = getattr(azrm, prefix, None)
    fn = getattr(cls, name, None) if inspect.isclass(cls) else None
    return [(f"azrm.{prefix}.{name}", fn)] if callable(fn) else []


def _parameters(fn: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """Return the named parameters of ``fn`` (without ``self`` and ``*args``/``**kwargs``)."""
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    return {p.name: p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _aliases(fn: Callable[..., Any]) -> dict[str, str]:
    """Return the keyword aliases ``fn`` declares, ``{alias: canonical}``."""
    return dict(getattr(fn, "__azrm_aliases__", {}))


def _wrapper_keywords() -> dict[type, str]:
    """Return, per builder class, the keyword its cmdlet-named functions take the object by (``vm=``)."""
    out: dict[type, str] = {}
    for name in azrm.__all__:
        fn = getattr(azrm, name)
        if not inspect.isfunction(fn):
            continue
        free = inspect.getclosurevars(fn).nonlocals
        if {"keyword", "target", "method"} <= free.keys():
            out[free["target"]] = free["keyword"]
    return out


def _problems(lines: list[str]) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize("cmdlet", _names())
def test_entry_is_well_formed(cmdlet: str) -> None:
    entry = CMDLETS[cmdlet]
    bad: list[str] = []
    if not VERB.match(cmdlet):
        bad.append(f"{cmdlet}: the key is not a Verb-Noun cmdlet name")
    if missing := CMDLET_FIELDS - entry.keys():
        bad.append(f"{cmdlet}: fields missing: {sorted(missing)}")
    if extra := entry.keys() - CMDLET_FIELDS - {"properties"}:
        bad.append(f"{cmdlet}: unknown fields: {sorted(extra)}")
    params: dict[str, dict[str, Any]] = entry.get("parameters", {})
    for pname, p in params.items():
        kinds = _kind(p)
        if len(kinds) != 1:
            bad.append(f"{cmdlet} -{pname}: needs exactly one of {'/'.join(KINDS)}, has {kinds or 'none'}")
        if extra := p.keys() - PARAMETER_KEYS:
            bad.append(f"{cmdlet} -{pname}: unknown keys {sorted(extra)}")
        if "value" in p and (p["value"] != "id" or "kw" not in p):
            bad.append(f'{cmdlet} -{pname}: value must be "id" and go with kw')
        if ("drop" in p or "todo" in p) and not str(p.get("drop", p.get("todo", ""))).strip():
            bad.append(f"{cmdlet} -{pname}: drop/todo needs a reason")
        if p.get("as_job") is not True and "as_job" in p:
            bad.append(f"{cmdlet} -{pname}: as_job must be true")
        if "as_job" in p and not entry.get("begin"):
            bad.append(f"{cmdlet} -{pname}: as_job needs a begin_ twin (begin = true)")
        if entry.get("call") == "converter" and "kw" in p:
            bad.append(f"{cmdlet} -{pname}: a converter cmdlet lists only drop/todo parameters")
    seen: dict[str, str] = {}
    for pname, p in params.items():
        for name in [pname, *p.get("aliases", [])]:
            if name.lower() in seen:
                bad.append(f"{cmdlet}: -{name} (of -{pname}) is already a name or alias of -{seen[name.lower()]}")
            seen[name.lower()] = pname
    for name in entry.get("positional", []):
        if name not in params:
            bad.append(f"{cmdlet}: positional -{name} is not one of its parameters")
        elif params[name].get("switch"):
            bad.append(f"{cmdlet}: positional -{name} is a switch (switches never bind by position)")
    if entry.get("help_read") and not entry.get("help"):
        bad.append(f"{cmdlet}: help_read = true without a help file")
    assert not bad, _problems(bad)


def test_no_cmdlet_name_twice() -> None:
    owner: dict[str, str] = {}
    bad: list[str] = []
    for cmdlet, entry in CMDLETS.items():
        for name in [cmdlet, entry.get("azurerm", ""), *entry.get("also", [])]:
            if not name:
                continue
            if name.lower() in owner:
                bad.append(f"{name}: listed under {owner[name.lower()]} and {cmdlet}")
            owner[name.lower()] = cmdlet
    assert not bad, _problems(bad)


@pytest.mark.parametrize("cmdlet", _names())
def test_call_resolves_and_begin_is_true(cmdlet: str) -> None:
    entry = CMDLETS[cmdlet]
    call = entry["call"]
    if call == "converter":
        assert not entry["begin"], f"{cmdlet}: a converter cmdlet has no begin_ twin"
        return
    found = _functions(call)
    assert found, f"{cmdlet}: call {call!r} resolves to nothing in azrm"
    if call.startswith("az."):
        twin = "begin_" + call[3:]
        has = hasattr(azrm.Session, twin)
        assert entry["begin"] == has, f"{cmdlet}: begin = {entry['begin']}, but azrm.Session.{twin} exists: {has}"
        if has and hasattr(azrm.aio.Session, call[3:]):
            assert hasattr(azrm.aio.Session, twin), f"{cmdlet}: azrm.aio.Session has no {twin}"
    else:
        assert not entry["begin"], f"{cmdlet}: begin = true, but {call} sends no request"


@pytest.mark.parametrize("cmdlet", _names())
def test_target(cmdlet: str) -> None:
    entry = CMDLETS[cmdlet]
    call, target = entry["call"], entry["target"]
    params = entry["parameters"]
    marked = [name for name, p in params.items() if p.get("target")]
    builder = call != "converter" and call.split(".")[0] not in ("az", "azrm")
    if not builder:
        assert not target and not marked, f"{cmdlet}: only builder methods have a target ({target!r}, {marked})"
        return
    assert target, f"{cmdlet}: {call} is a builder method: name the cmdlet parameter that carries the object"
    assert marked == [target], f"{cmdlet}: target = {target!r}, but target = true on {marked}"
    cls = getattr(azrm, call.split(".")[0])
    keyword = _wrapper_keywords().get(cls)
    assert keyword, f"{cmdlet}: no cmdlet-named azrm function wraps azrm.{cls.__name__}'s methods"
    assert params[target].get("kw") == keyword, (
        f"{cmdlet} -{target}: kw is {params[target].get('kw')!r}; the azrm functions take the "
        f"{cls.__name__} as {keyword}="
    )


@pytest.mark.parametrize("cmdlet", _names())
def test_keywords_exist(cmdlet: str) -> None:
    entry = CMDLETS[cmdlet]
    if entry["call"] == "converter":
        return
    bad: list[str] = []
    for where, fn in _functions(entry["call"]):
        names, aliases = _parameters(fn), _aliases(fn)
        for pname, p in entry["parameters"].items():
            kw = p.get("kw")
            if kw is None or p.get("target"):
                continue
            if kw not in names and kw not in aliases:
                bad.append(f"{cmdlet} -{pname}: kw {kw!r} is not a parameter of {where}{inspect.signature(fn)}")
    assert not bad, _problems(bad)


@pytest.mark.parametrize("cmdlet", _names())
def test_required_parameters_are_reachable(cmdlet: str) -> None:
    entry = CMDLETS[cmdlet]
    if entry["call"] == "converter":
        return
    bad: list[str] = []
    for where, fn in _functions(entry["call"]):
        aliases = _aliases(fn)
        given = {aliases.get(p["kw"], p["kw"]) for p in entry["parameters"].values() if "kw" in p}
        for name, param in _parameters(fn).items():
            if param.default is param.empty and name not in given and (cmdlet, name) not in AZRM_EXTRA_REQUIRED:
                bad.append(f"{cmdlet}: {where} requires {name!r}, which no cmdlet parameter maps to")
    assert not bad, _problems(bad)


def test_every_cmdlet_like_operation_is_in_the_table() -> None:
    calls = {entry["call"] for entry in CMDLETS.values()}
    verbs = (
        "get_", "new_", "set_", "remove_", "start_", "stop_", "restart_", "update_", "publish_", "add_",
        "export_", "save_", "test_", "import_", "invoke_", "undo_", "connect_",
    )  # fmt: skip
    missing = [
        f"az.{name}"
        for name in dir(azrm.Session)
        if name.startswith(verbs) and name not in NOT_CMDLETS and f"az.{name}" not in calls
    ]
    wrapped = {
        free["method"].__qualname__
        for name in azrm.__all__
        if inspect.isfunction(fn := getattr(azrm, name)) and "method" in (free := inspect.getclosurevars(fn).nonlocals)
    }
    for name in azrm.__all__:
        fn = getattr(azrm, name)
        if not inspect.isfunction(fn) or not name.startswith(("new_", "set_", "add_")):
            continue
        free = inspect.getclosurevars(fn).nonlocals
        if "method" in free:  # a cmdlet-named wrapper: the table names the method it wraps
            if free["method"].__qualname__ not in calls and free["method"].__name__ != "add_dsc_extension":
                missing.append(f"azrm.{name} ({free['method'].__qualname__})")
        elif f"azrm.{name}" not in calls:
            missing.append(f"azrm.{name}")
    assert wrapped, "no cmdlet-named wrappers found: _wrapper_keywords cannot work either"
    assert not missing, "operations that mirror a cmdlet but are not in cmdlets.toml:\n" + "\n".join(missing)


def _generator() -> Any:
    """Import ``tools/gen_powershell_mapping.py`` (``tools`` is not a package)."""
    path = Path(__file__).resolve().parents[2] / "tools" / "gen_powershell_mapping.py"
    spec = importlib.util.spec_from_file_location("gen_powershell_mapping", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mapping_doc_is_generated_from_the_table() -> None:
    gen = _generator()
    assert gen.DOC.read_text(encoding="utf-8") == gen.render(), (
        "docs/powershell-mapping.md is out of date: run .venv/bin/python tools/gen_powershell_mapping.py"
    )


def test_every_cmdlet_has_a_section_of_its_own() -> None:
    gen = _generator()
    assert not [name for name, entry in CMDLETS.items() if gen.area(name, entry) == "Other"]
