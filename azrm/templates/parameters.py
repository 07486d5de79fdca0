"""Template parameters as ARM binds them: declared types, given values, defaults, allowed values, bounds.

Every given name must be declared (names compare case-insensitively); a value may be given plain or
as ``{"value": ...}``, as in a parameters file. A parameter not given takes its ``defaultValue``, an
expression that sees only parameters (also those declared after it, so defaults are bound in the
order they need; a circle is an error), and ``utcNow()``/``newGuid()``. Each value is checked
against its type (``string``, ``securestring``, ``int``, ``bool``, ``object``, ``secureobject``,
``array``), ``allowedValues``, ``minValue``/``maxValue`` and ``minLength``/``maxLength``, with
ARM's messages. Secure values are never shown: a deployment echoes secure parameters without their
value. A Key Vault reference must be resolved before binding (the local Azure's deployments do it,
see :mod:`azrm.emulator.providers.keyvault.references`); an unresolved one is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .base import TemplateError, json_strings, lookup
from .functions import arm_string
from .functions_base import arm_equals

__all__ = [
    "PARAM_TYPES",
    "ParameterBinder",
    "check_parameter",
    "check_parameters",
    "echo_parameters",
    "secure_strings",
]

#: a parameter's (or output's) type as written in the template -> as ARM reports it
PARAM_TYPES = {
    "string": "String",
    "securestring": "SecureString",
    "int": "Int",
    "bool": "Bool",
    "object": "Object",
    "secureobject": "SecureObject",
    "array": "Array",
}


class ParameterBinder:
    """Bind a template's declared parameters to the given values, or to their defaults.

    ``default(raw, path)`` evaluates a ``defaultValue`` with only parameters in scope; it may call
    :meth:`bind` for the parameters that default uses.
    """

    def __init__(
        self, declared: Mapping[str, Any], given: Mapping[str, Any], default: Callable[[Any, str], Any]
    ) -> None:
        self.declared = declared
        self._default = default
        self._values: dict[str, Any] = {}
        for name, raw in given.items():
            if lookup(declared, name) is None:
                raise TemplateError(
                    f"The template parameters '{name}' in the parameters file are not valid; they are not present in "
                    "the original template and can therefore not be provided at deployment time. The only supported "
                    f"parameters for this template are '{', '.join(declared)}'. Please see "
                    "https://aka.ms/arm-pass-parameter-values for usage details.",
                    path=f"parameters.{name}",
                )
            if isinstance(raw, Mapping) and "reference" in raw:
                raise TemplateError(
                    f"the parameter '{name}' is a Key Vault reference, which only a deployment resolves (it reads "
                    "the secret from the vault); pass the value instead",
                    path=f"parameters.{name}",
                )
            value = lookup(raw, "value") if isinstance(raw, Mapping) else None
            self._values[name.lower()] = value[1] if value is not None else raw
        self._bound: dict[str, tuple[str, Any]] = {}
        self._resolving: list[str] = []

    def bind_all(self) -> dict[str, tuple[str, Any]]:
        """Return ``name -> (type, value)`` for every template parameter."""
        for name in self.declared:
            self.bind(name)
        return {name.lower(): self._bound[name.lower()] for name in self.declared}

    def bind(self, name: str) -> tuple[str, Any] | None:
        """Bind one parameter; defaults may use parameters declared later (ARM orders them)."""
        found = lookup(self.declared, name)
        if found is None:
            return None
        name, spec = found
        bound, resolving = self._bound, self._resolving
        if name.lower() in bound:
            return bound[name.lower()]
        if name.lower() in resolving:
            chain = " -> ".join([*resolving, name.lower()])
            raise TemplateError(f"the parameter defaults refer to each other in a circle: {chain}",
                                path=f"parameters.{name}.defaultValue")  # fmt: skip
        path = f"parameters.{name}"
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise TemplateError(f"the parameter '{name}' has no 'type'", path=path)
        kind = PARAM_TYPES.get(str(spec["type"]).lower())
        if kind is None:
            raise TemplateError(
                f"the parameter '{name}' has type '{spec['type']}'; the types are {', '.join(PARAM_TYPES)}",
                path=f"{path}.type",
            )
        if name.lower() in self._values:
            value = self._values[name.lower()]
        elif "defaultValue" in spec:
            resolving.append(name.lower())
            try:
                value = self._default(spec["defaultValue"], f"{path}.defaultValue")
            finally:
                resolving.pop()
        else:
            raise TemplateError(
                f"The value for the template parameter '{name}' is not provided. Please see "
                "https://aka.ms/arm-create-parameter-file for usage details",
                path=path,
            )
        check_parameter(name, kind, value, spec, path)
        bound[name.lower()] = (kind, value)
        return bound[name.lower()]


#: the JSON token names ARM's parameter checks speak of
_TOKEN_NAMES = {"String": "String", "SecureString": "String", "Int": "Integer", "Bool": "Boolean", "Object": "Object",
                "SecureObject": "Object", "Array": "Array"}  # fmt: skip


def _token_name(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    return {str: "String", float: "Float", dict: "Object", list: "Array"}.get(type(value), "Null")


def check_parameter(name: str, kind: str, value: Any, spec: Mapping[str, Any], path: str) -> None:
    """Check one value against its parameter's type, allowed values and bounds, with ARM's messages."""
    expected = {
        "String": str,
        "SecureString": str,
        "Int": int,
        "Bool": bool,
        "Object": dict,
        "SecureObject": dict,
        "Array": list,
    }[kind]
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise TemplateError(
            f"The provided value for the template parameter '{name}' is not valid. Expected a value of type "
            f"'{_TOKEN_NAMES[kind]}', but received a value of type '{_token_name(value)}'. Please see "
            "https://aka.ms/arm-create-parameter-file for usage details.",
            path=path,
        )
    allowed = spec.get("allowedValues")
    if allowed is not None:
        items = value if kind == "Array" else [value]
        for item in items:
            if not any(arm_equals(item, a) for a in allowed):  # type-strict: true is not 1
                shown = "********" if kind.startswith("Secure") else arm_string(item)
                raise TemplateError(
                    f"The provided value '{shown}' for the template parameter '{name}' is not valid. The "
                    f"value is not part of the allowed value(s): '{','.join(arm_string(a) for a in allowed)}'",
                    path=path,
                )
    if kind == "Int":
        if "minValue" in spec and value < spec["minValue"]:
            raise TemplateError(f"the parameter '{name}' is {value}, below its minValue {spec['minValue']}", path=path)
        if "maxValue" in spec and value > spec["maxValue"]:
            raise TemplateError(f"the parameter '{name}' is {value}, above its maxValue {spec['maxValue']}", path=path)
    if kind in ("String", "SecureString", "Array"):
        if "minLength" in spec and len(value) < spec["minLength"]:
            raise TemplateError(
                f"the parameter '{name}' has length {len(value)}, below its minLength {spec['minLength']}",
                path=path,
            )
        if "maxLength" in spec and len(value) > spec["maxLength"]:
            raise TemplateError(
                f"the parameter '{name}' has length {len(value)}, above its maxLength {spec['maxLength']}",
                path=path,
            )


def check_parameters(template: Mapping[str, Any], given: Mapping[str, Any], *, present: Sequence[str] = ()) -> None:
    """Check parameter values against a template's declarations, evaluating nothing.

    Every given name is declared (case-insensitively), every parameter without a default is given,
    and each value has its type, allowed values and bounds. ``given`` holds plain values; ``present``
    names parameters supplied some other way (a Key Vault reference, staging). Raises
    :class:`TemplateError` with the path ``parameters.<name>``; secure values are never shown.
    """
    declared: Mapping[str, Any] = template.get("parameters") or {}
    for name in [*given, *present]:
        if lookup(declared, name) is None:
            raise TemplateError(
                f"the template parameter '{name}' is given but the template does not declare it "
                f"(it declares: {', '.join(declared) or 'none'})",
                path=f"parameters.{name}",
            )
    for name, spec in declared.items():
        if not isinstance(spec, Mapping):
            continue
        found = lookup(given, name)
        if found is None:
            if "defaultValue" not in spec and lookup(dict.fromkeys(present), name) is None:
                raise TemplateError(f"The value for the template parameter '{name}' is not provided",
                                    path=f"parameters.{name}")  # fmt: skip
            continue
        kind = PARAM_TYPES.get(str(spec.get("type", "")).lower())
        if kind is not None:
            check_parameter(name, kind, found[1], spec, f"parameters.{name}")


def echo_parameters(
    declared: Mapping[str, Any], bound: Mapping[str, tuple[str, Any]], *, hide_secure: bool = True
) -> dict[str, dict[str, Any]]:
    """Return parameters as a deployment echoes them: ``{"name": {"type": "String", "value": ...}}``."""
    out: dict[str, dict[str, Any]] = {}
    for name in declared:
        kind, value = bound[name.lower()]
        out[name] = {"type": kind} if kind.startswith("Secure") and hide_secure else {"type": kind, "value": value}
    return out


def secure_strings(bound: Mapping[str, tuple[str, Any]]) -> list[str]:
    """Return the secure parameters' string values (to keep them out of logs and answers)."""
    out: list[str] = []
    for kind, value in bound.values():
        if kind == "SecureString" and value:
            out.append(value)
        elif kind == "SecureObject":
            out.extend(v for v in json_strings(value) if len(v) >= 6)
    return out
