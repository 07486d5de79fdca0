"""Bind request bodies as the resource providers' JSON deserializer does: the one coercion layer.

Azure's resource providers read a request body into typed models with Newtonsoft.Json. Two of its
habits decide what Azure accepts, and the local Azure reproduces them here, for every PUT and PATCH
body of every modelled type, before any handler sees it:

- **Property names match case-insensitively** and the stored resource answers in the canonical
  casing: ``"computername"`` binds to ``computerName``, ``"frontendIpConfigurations"`` to
  ``frontendIPConfigurations``. Enumerated values too: ``"protocol": "tcp"`` is stored as ``Tcp``
  (a value the enumeration does not list is kept as written: Azure's enumerations are extensible).
- **Scalars convert to the property's type.** A string holding an integer binds to an integer
  property (``"priority": "100"`` -> ``100``, surrounding blanks allowed), ``"true"`` / ``"False"``
  to a boolean, a number to a string property (``"version": 1`` -> ``"1"``; a boolean becomes
  ``"True"`` / ``"False"`` as .NET writes it), a number written as a float to an integer (rounded
  half to even, as ``Convert.ToInt32``: ``2.0`` -> ``2``, ``12.5`` -> ``12``), an integer to a
  float and to a boolean (non-zero is true), an empty string to null for a number or a boolean.
  What cannot convert (``"abc"`` or ``"12.0"`` for an integer, ``"yes"`` for a boolean, a boolean
  for a number, an object or a list for a scalar, anything but an object for an object such as
  ``sku`` or ``properties``, anything but a list for a list)
  is refused with the provider's code for an unreadable body, naming the JSON path,
  before anything is stored. (Newtonsoft's ``ReadAsInt32`` and ``ReadAsBoolean``; see
  ``docs/research/arm-leniency.md``.)

Only the property types change: unknown properties are left alone (the handlers decide what to
keep), and free-form parts (extension ``settings``, a deployment's ``template``) are not touched.
The property names and types come from ``data/schemas.json``, read from the azure-mgmt SDK models,
themselves generated from the providers' REST specifications (``tools/gen_schemas.py``).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from .errors import ArmError

__all__ = ["BindError", "bind", "known_type"]

_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_FLOAT = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
#: how each provider names an unreadable body (codes as their answers carry them)
_UNREADABLE: dict[str, tuple[str, str]] = {
    "microsoft.network": ("InvalidRequestFormat", "Cannot parse the request."),
    "microsoft.compute": ("InvalidRequestContent", "The request content was invalid and could not be deserialized."),
    "microsoft.storage": ("InvalidRequestContent", "The request content was invalid and could not be deserialized."),
}
_DEFAULT_UNREADABLE = ("InvalidRequestContent", "The request content was invalid and could not be deserialized.")


class BindError(ValueError):
    """A value that cannot convert to its property's type."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        self.path = path
        self.value = value
        self.expected = expected
        super().__init__(path, value, expected)

    def within(self, segment: str) -> BindError:
        """Put the failing value's path under ``segment`` (built on the way out: only errors pay for paths)."""
        if not self.path or self.path.startswith("["):
            self.path = segment + self.path
        else:
            self.path = f"{segment}.{self.path}"
        return self

    def __str__(self) -> str:
        if isinstance(self.value, dict | list):  # Json.NET meets '{' or '[' where it reads a scalar or a list
            token = "{" if isinstance(self.value, dict) else "["
            return f"Unexpected character encountered while parsing value: {token}. Path '{self.path}'."
        shown = json.dumps(self.value)
        shown = shown if len(shown) <= 200 else shown[:200] + "..."
        return f"Error converting value {shown} to type '{self.expected}'. Path '{self.path}'."

    def arm_error(self, resource_type: str) -> ArmError:
        """Return the provider's 400 for this body."""
        code, message = _UNREADABLE.get(resource_type.split("/", 1)[0].lower(), _DEFAULT_UNREADABLE)
        return ArmError(400, code, message, details=[{"code": "InvalidJson", "message": str(self)}])


_SCHEMAS: dict[str, Any] = {}


def _schemas() -> dict[str, Any]:
    if _SCHEMAS:
        return _SCHEMAS
    text = resources.files("azrm.emulator").joinpath("data/schemas.json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["types"] = {k.lower(): v for k, v in data["types"].items()}
    # lower-cased name -> canonical name, per definition
    data["lookup"] = {name: {k.lower(): k for k in fields} for name, fields in data["defs"].items()}
    _SCHEMAS.update(data)
    return _SCHEMAS


def known_type(resource_type: str) -> bool:
    """Return whether bodies of this type are bound (its properties are known)."""
    return resource_type.lower() in _schemas()["types"]


def bind(body: Any, resource_type: str, *, known_only: bool = False, lenient: bool = False) -> Any:
    """Return ``body`` with canonical property names and converted scalars (raises :class:`BindError`).

    ``known_only`` also leaves out the members the type does not have, as the provider's model
    drops them; ``lenient`` leaves what does not convert as it is (both for what a what-if compares).
    """
    definition = _schemas()["types"].get(resource_type.lower())
    if definition is None or not isinstance(body, dict):
        return body
    return _bind(body, definition, "", known_only, lenient)


def _bind(value: Any, spec: Any, path: str, known_only: bool = False, lenient: bool = False) -> Any:
    """Bind ``value`` as ``spec`` says; ``path`` is empty below the top (errors build it on the way out)."""
    if value is None:
        return None
    if isinstance(spec, list):
        kind, inner = spec
        if kind == "enum":
            if isinstance(value, str):
                return next((v for v in inner if v.lower() == value.lower()), value)
            return _to_str(value, path)
        if (kind == "list" and not isinstance(value, list)) or (kind == "map" and not isinstance(value, dict)):
            if lenient:
                return value
            raise BindError(path, value, "List" if kind == "list" else "Dictionary")
        if kind == "list" and isinstance(value, list):
            out_list = []
            for i, v in enumerate(value):
                try:
                    out_list.append(_bind(v, inner, "", known_only, lenient))
                except BindError as exc:
                    raise exc.within(f"[{i}]") from None
            return out_list
        if kind == "map" and isinstance(value, dict):
            out_map = {}
            for k, v in value.items():
                try:
                    out_map[k] = _bind(v, inner, "", known_only, lenient)
                except BindError as exc:
                    raise exc.within(k) from None
            return out_map
        return value
    scalar = _SCALARS.get(spec) if isinstance(spec, str) else None
    if scalar is not None:
        try:
            return scalar(value, path)
        except BindError:
            if lenient:  # a comparison, not a request: what does not convert stays as it is
                return value
            raise
    if not isinstance(value, dict):
        if lenient:
            return value
        # an object property given a string, number, boolean or list: the provider cannot read the body
        raise BindError(path, value, str(spec).rsplit(".", 1)[-1])
    schemas = _SCHEMAS or _schemas()
    fields = schemas["defs"].get(spec, {})
    lookup = schemas["lookup"].get(spec, {})
    out: dict[str, Any] = {}
    for name, item in value.items():
        canonical = lookup.get(name.lower()) if isinstance(name, str) else None
        if canonical is None:
            if not known_only:
                out[name] = item
            continue
        try:
            out[canonical] = _bind(item, fields[canonical], "", known_only, lenient)
        except BindError as exc:
            raise exc.within(canonical) from None
    return out


def _to_int(value: Any, path: str) -> Any:
    if isinstance(value, bool | dict | list):
        raise BindError(path, value, "System.Int32")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, Infinity: no integer
            raise BindError(path, value, "System.Int32")
        return round(value)  # Convert.ToInt32 rounds half to even, as Python's round does
    if isinstance(value, str):
        if _INTEGER.match(value):
            return int(value)
        if value == "":
            return None
        raise BindError(path, value, "System.Int32")
    return value


def _to_float(value: Any, path: str) -> Any:
    if isinstance(value, bool | dict | list):
        raise BindError(path, value, "System.Double")
    if isinstance(value, str):
        if value == "":
            return None
        if _FLOAT.match(value):
            number = float(value)
            return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
        raise BindError(path, value, "System.Double")
    return value


def _to_bool(value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "false"):
            return word == "true"
        if value == "":
            return None
        raise BindError(path, value, "System.Boolean")
    if isinstance(value, dict | list):
        raise BindError(path, value, "System.Boolean")
    return value


def _to_str(value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dict | list):
        raise BindError(path, value, "System.String")
    return value


def _any(value: Any, path: str) -> Any:
    return value


_SCALARS = {"int": _to_int, "float": _to_float, "bool": _to_bool, "str": _to_str, "any": _any}
