"""What the template function modules share: ARM's equality, string conversion and error texts.

ARM compares values as Newtonsoft's ``JToken.DeepEquals`` does: by type and value, so ``true`` is
not ``1`` and ``'a'`` is not ``'A'``; integers and floats compare by value. The error texts are the
ones ARM prints, quoted in ``docs/research/arm-leniency.md`` section 4.3.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .expressions import ArmLambda, ExpressionError, type_name

__all__ = [
    "SOLE",
    "arm_equals",
    "arm_string",
    "call_lambda",
    "count_error",
    "distinct",
    "expects",
    "is_int",
    "quoted_json",
    "require_int",
    "require_str",
]

_HELP = "Please see https://aka.ms/arm-template-expressions for usage details."
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
#: the position of a function's only parameter: ARM then says "its parameter", not "its first parameter"
SOLE = -1


def is_int(value: Any) -> bool:
    """Tell whether ``value`` is an ARM integer (a JSON bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def arm_equals(a: Any, b: Any) -> bool:
    """Compare as ARM does: deep, type-strict (``true`` is not ``1``), case-sensitive."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(arm_equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(arm_equals(a[k], b[k]) for k in a)
    return a is None and b is None


def distinct(items: list[Any]) -> list[Any]:
    """Return ``items`` without the values :func:`arm_equals` calls duplicates, first ones kept."""
    out: list[Any] = []
    for item in items:
        if not any(arm_equals(item, seen) for seen in out):
            out.append(item)
    return out


def arm_string(value: Any) -> str:
    """Convert as ``string()`` does: strings as they are, booleans ``True``/``False``, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    # Newtonsoft leaves non-ASCII characters as they are
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def quoted_json(value: Any) -> str:
    """Render JSON with single quotes, as ``format()`` prints an object or array: ``{'a':'b'}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        inner = json.dumps(value, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
        return f"'{inner}'"
    if isinstance(value, list):
        return "[" + ",".join(quoted_json(v) for v in value) + "]"
    return "{" + ",".join(f"{quoted_json(str(k))}:{quoted_json(v)}" for k, v in value.items()) + "}"


def count_error(name: str, low: int, high: int | None, given: int) -> ExpressionError:
    """Return ARM's error for a call with the wrong number of arguments."""
    if low == high:
        return ExpressionError(
            f"Unable to evaluate template language function '{name}': function requires {low} argument(s) while "
            f"{given} were provided. Please see https://aka.ms/arm-template-expressions/#{name} for usage details."
        )
    if high is None and low == 1:
        return ExpressionError(
            f"Unable to evaluate template language function '{name}'. At least one parameter should be provided. "
            + _HELP
        )
    # ARM's wording for a range is not on record; this follows its exact-count message
    wanted = f"at least {low}" if high is None else f"between {low} and {high}"
    return ExpressionError(
        f"Unable to evaluate template language function '{name}': function requires {wanted} argument(s) while "
        f"{given} were provided. Please see https://aka.ms/arm-template-expressions/#{name} for usage details."
    )


def expects(name: str, position: int, wanted: str, value: Any) -> ExpressionError:
    """Return ARM's error for an argument of the wrong type (``position`` counts from 0, or is :data:`SOLE`)."""
    which = "" if position == SOLE else f"{_ORDINALS[position]} "
    return ExpressionError(
        f"The template language function '{name}' expects its {which}parameter to be of type "
        f"'{wanted}'. The provided value is of type '{type_name(value)}'. {_HELP}"
    )


def require_str(name: str, position: int, value: Any) -> str:
    """Return ``value`` if it is a string, else raise ARM's type error."""
    if not isinstance(value, str):
        raise expects(name, position, "String", value)
    return value


def require_int(name: str, position: int, value: Any) -> int:
    """Return ``value`` if it is an integer, else raise ARM's type error."""
    if not is_int(value):
        raise expects(name, position, "Integer", value)
    return int(value)


def call_lambda(function: str, value: Any, *args: Any, optional: int = 0) -> Any:
    """Call a ``lambda()`` value with ``args``; the last ``optional`` ones (an index) only if it names them."""
    if not callable(value):
        raise ExpressionError(f"{function} takes a lambda as its last argument, not {type_name(value)}")
    if isinstance(value, ArmLambda):
        wanted = len(value.names)
        if not len(args) - optional <= wanted <= len(args):
            raise ExpressionError(
                f"The lambda given to '{function}' declares {wanted} variable(s); it takes "
                f"{len(args) - optional}{f' to {len(args)}' if optional else ''}"
            )
        return value(*args[:wanted])
    fn: Callable[..., Any] = value
    return fn(*args[: len(args) - optional])
