"""The array, object, lambda, logical and numeric functions.

Arrays compare their items as ARM does (:func:`~azrm.templates.functions_base.arm_equals`: ``true`` is
not ``1``, ``'a'`` is not ``'A'``); object keys compare case-insensitively in ``contains``. The lambdas
of ``map``, ``filter`` and ``reduce`` may name one more variable, the item's index.
"""

from __future__ import annotations

import functools
from typing import Any

from .expressions import ExpressionError, type_name
from .functions_base import arm_equals, arm_string, call_lambda, distinct, is_int, require_int
from .functions_text import contains_text

__all__ = ["to_bool", "to_float", "to_int"]

_INT64 = (-(2**63), 2**63 - 1)


def to_int(value: Any) -> int:
    """Convert as ``int(value)`` does: integers, and strings that hold one."""
    if is_int(value):
        return int(value)
    try:
        if isinstance(value, str):
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
    except ValueError:
        pass
    raise ExpressionError(
        f"The template language function 'int' cannot convert provided value '{arm_string(value)}' to integer value. "
        "Please see https://aka.ms/arm-function-int for usage details."
    )


def to_float(value: Any) -> float:
    """Convert as ``float(value)`` does: numbers, and strings that hold one."""
    try:
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return float(value)
    except ValueError:
        pass
    raise ExpressionError(
        f"The template language function 'float' cannot convert provided value '{arm_string(value)}' to a floating "
        "point value."
    )


def to_bool(value: Any) -> bool:
    """Convert as ``bool(value)`` does: booleans, ``'true'``/``'false'`` in any case, integers (0 is false)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if is_int(value):
        return value != 0
    # ARM's engine refuses other values (Bicep's baselines record bool('sdf') failing with this text)
    raise ExpressionError(
        "The template language function 'bool' was invoked with a parameter that is not valid. The value cannot be "
        "converted to the target type."
    )


def arithmetic(name: str, a: Any, b: Any) -> int:
    """Compute ``add``/``sub``/``mul``/``div``/``mod`` on ARM's 64-bit integers."""
    x, y = to_int(a), to_int(b)
    if name in ("div", "mod") and y == 0:
        raise ExpressionError(f"The template language function '{name}' cannot divide by zero.")
    if name == "div":  # .NET truncates toward zero, and the remainder takes the dividend's sign
        result = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
    elif name == "mod":
        result = abs(x) % abs(y) * (1 if x >= 0 else -1)
    else:
        result = {"add": x + y, "sub": x - y, "mul": x * y}[name]
    if not _INT64[0] <= result <= _INT64[1]:
        raise ExpressionError(
            f"The template language function '{name}' overflowed with the operants '{x}' and '{y}'. Please see "
            "https://aka.ms/arm-functions for usage details."
        )
    return result


def equals(a: Any, b: Any) -> bool:
    """Compare as ``equals(a, b)`` does: deep and type-strict."""
    return arm_equals(a, b)


def compare(name: str, a: Any, b: Any) -> int:
    """Order two integers or two strings (``greater``, ``less``...)."""
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if numbers:
        return (a > b) - (a < b)
    raise ExpressionError(f"{name} compares two integers or two strings, not {type_name(a)} and {type_name(b)}")


def length(value: Any) -> int:
    """Return the ``length`` of a string, an array or an object."""
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ExpressionError(
        "The template language function 'length' expects its parameter to be an array, an object, or a string. "
        f"The provided value is of type '{type_name(value)}'. Please see "
        "https://aka.ms/arm-template-expressions#length for usage details."
    )


def contains(container: Any, item: Any) -> bool:
    """Evaluate ``contains``: strings case-sensitive, arrays type-strict, object keys case-insensitive."""
    if isinstance(container, str):
        return contains_text(container, item)
    if isinstance(container, list):
        return any(arm_equals(v, item) for v in container)
    if isinstance(container, dict):
        return any(str(k).lower() == arm_string(item).lower() for k in container)
    raise ExpressionError(
        "The template language function 'contains' expects its first parameter to be an array, an object, or a "
        f"string. The provided value is of type '{type_name(container)}'."
    )


def empty(value: Any) -> bool:
    """Evaluate ``empty``: true for null, or an empty string, array or object."""
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    raise ExpressionError(
        "The template function 'empty' expects its parameter to be an object, an array, or a string. The provided "
        f"value is of type '{type_name(value)}'. Please see https://aka.ms/arm-template-expressions#empty for usage "
        "details."
    )


def first_last(name: str, value: Any) -> Any:
    """Evaluate ``first``/``last`` of an array (null when empty) or a string (``''`` when empty)."""
    if isinstance(value, (str, list)):
        if not value:
            return "" if isinstance(value, str) else None
        return value[0] if name == "first" else value[-1]
    raise ExpressionError(
        f"The template language function '{name}' expects its parameter be an array or a string. The provided value "
        f"is of type '{type_name(value)}'. Please see https://aka.ms/arm-template-expressions#{name} for usage details."
    )


def take_skip(name: str, value: Any, count: Any) -> Any:
    """Evaluate ``take``/``skip``: counts below 0 act as 0, above the length as the length."""
    n = max(0, require_int(name, 1, count))
    if isinstance(value, (str, list)):
        return value[:n] if name == "take" else value[n:]
    raise ExpressionError(f"{name} takes a string or array, not a {type_name(value)}")


def union(*values: Any) -> Any:
    """Merge as ``union`` does: objects deeply (nested arrays replaced), arrays without duplicates."""
    if all(isinstance(v, dict) for v in values):
        out: dict[str, Any] = {}
        for v in values:
            for k, item in v.items():
                out[k] = union(out[k], item) if isinstance(item, dict) and isinstance(out.get(k), dict) else item
        return out
    if all(isinstance(v, list) for v in values):
        return distinct([item for v in values for item in v])
    raise ExpressionError("union takes only objects or only arrays")


def intersection(*values: Any) -> Any:
    """Return the keys (with equal values) or the items every argument has, as ``intersection`` does."""
    if all(isinstance(v, dict) for v in values):
        first = values[0]
        return {k: v for k, v in first.items() if all(k in o and arm_equals(o[k], v) for o in values[1:])}
    if all(isinstance(v, list) for v in values):
        return [i for i in distinct(values[0]) if all(any(arm_equals(i, x) for x in o) for o in values[1:])]
    raise ExpressionError("intersection takes only objects or only arrays")


def make_range(start: Any, count: Any) -> list[int]:
    """Evaluate ``range(startIndex, count)``."""
    begin, n = require_int("range", 0, start), require_int("range", 1, count)
    if not 0 <= n <= 10000:
        raise ExpressionError("The template language function 'range' expects its count to be from 0 to 10000.")
    if begin + n > 2147483647:
        raise ExpressionError(
            "The template language function 'range' expects startIndex + count to be no greater than 2147483647."
        )
    return list(range(begin, begin + n))


def create_object(*pairs: Any) -> dict[str, Any]:
    """Evaluate ``createObject(key1, value1, ...)``."""
    if len(pairs) % 2:
        raise ExpressionError("createObject takes name, value pairs")
    return {str(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}


def items(value: Any) -> list[dict[str, Any]]:
    """Evaluate ``items(object)``: key/value pairs, keys sorted case-insensitively."""
    if not isinstance(value, dict):
        raise ExpressionError(f"items takes an object, not a {type_name(value)}")
    return [{"key": k, "value": v} for k, v in sorted(value.items(), key=lambda kv: str(kv[0]).lower())]


def sequence(value: Any, function: str) -> list[Any]:
    """Return ``value`` if it is an array, else refuse it."""
    if not isinstance(value, list):
        raise ExpressionError(f"{function} takes an array, not {type_name(value)}")
    return value


def index_from_end(value: Any, index: Any) -> Any:
    """Evaluate ``indexFromEnd(array, n)``: the n-th item counting from 1 at the end."""
    array, n = sequence(value, "indexFromEnd"), require_int("indexFromEnd", 1, index)
    if not 1 <= n <= len(array):
        raise ExpressionError(f"The language expression property array index '{len(array) - n}' is out of bounds.")
    return array[-n]


def _step(value: Any, key: Any) -> tuple[bool, Any]:
    """Take one step of a ``tryGet`` path; a key may be ``{value, fromEnd}`` as Bicep's ``[^n]`` writes it."""
    from_end = False
    if isinstance(key, dict) and "value" in key:
        from_end, key = bool(key.get("fromEnd")), key["value"]
    if isinstance(value, dict) and not isinstance(key, (list, dict)):
        match = next((k for k in value if str(k).lower() == arm_string(key).lower()), None)
        return (True, value[match]) if match is not None else (False, None)
    if isinstance(value, list) and is_int(key):
        position = len(value) - key if from_end else key
        return (True, value[position]) if 0 <= position < len(value) else (False, None)
    return False, None


def try_get(value: Any, *keys: Any) -> Any:
    """Evaluate ``tryGet(value, key...)``: the value at a path of keys and indexes, or null if one is missing."""
    for key in keys:
        found, value = _step(value, key)
        if not found:
            return None
    return value


def try_index_from_end(value: Any, index: Any, *keys: Any) -> Any:
    """Evaluate ``tryIndexFromEnd(array, n[, key...])``: ``indexFromEnd``, but null when ``n`` is out of range."""
    found, item = _step(value, {"value": index, "fromEnd": True}) if is_int(index) else (False, None)
    return try_get(item, *keys) if found else None


def flatten(value: Any) -> list[Any]:
    """Evaluate ``flatten(arrayOfArrays)``."""
    return [item for sub in sequence(value, "flatten") for item in (sub if isinstance(sub, list) else [sub])]


def filter_items(values: Any, predicate: Any) -> list[Any]:
    """Evaluate ``filter(array, lambda(item[, index]))``."""
    return [
        v
        for i, v in enumerate(sequence(values, "filter"))
        if to_bool(call_lambda("filter", predicate, v, i, optional=1))
    ]


def map_items(values: Any, mapper: Any) -> list[Any]:
    """Evaluate ``map(array, lambda(item[, index]))``."""
    return [call_lambda("map", mapper, v, i, optional=1) for i, v in enumerate(sequence(values, "map"))]


def reduce_items(values: Any, initial: Any, reducer: Any) -> Any:
    """Evaluate ``reduce(array, initial, lambda(current, next[, index]))``."""
    result = initial
    for i, v in enumerate(sequence(values, "reduce")):
        result = call_lambda("reduce", reducer, result, v, i, optional=1)
    return result


def sort_items(values: Any, before: Any) -> list[Any]:
    """Evaluate ``sort(array, lambda(a, b))``: ``a`` sorts first when the lambda is true."""
    order = functools.cmp_to_key(lambda a, b: -1 if to_bool(call_lambda("sort", before, a, b)) else 1)
    return sorted(sequence(values, "sort"), key=order)


def to_object(values: Any, key: Any, value: Any = None) -> dict[str, Any]:
    """Evaluate ``toObject(array, keyLambda[, valueLambda])``."""
    out: dict[str, Any] = {}
    for item in sequence(values, "toObject"):
        out[arm_string(call_lambda("toObject", key, item))] = (
            item if value is None else call_lambda("toObject", value, item)
        )
    return out


def group_by(values: Any, key: Any, value: Any = None) -> dict[str, list[Any]]:
    """Evaluate ``groupBy(array, keyLambda[, valueLambda])``: the items (or values) under each key, in order."""
    out: dict[str, list[Any]] = {}
    for item in sequence(values, "groupBy"):
        name = call_lambda("groupBy", key, item)
        if not isinstance(name, str):
            raise ExpressionError(f"The key lambda of 'groupBy' must return a string, not a {type_name(name)}.")
        out.setdefault(name, []).append(item if value is None else call_lambda("groupBy", value, item))
    return out


def map_values(value: Any, mapper: Any) -> dict[str, Any]:
    """Evaluate ``mapValues(object, lambda(value))``: the same keys with mapped values."""
    if not isinstance(value, dict):
        raise ExpressionError(f"mapValues takes an object, not {type_name(value)}")
    return {k: call_lambda("mapValues", mapper, v) for k, v in value.items()}


def object_keys(value: Any) -> list[str]:
    """Evaluate ``objectKeys(object)``."""
    if not isinstance(value, dict):
        raise ExpressionError(f"objectKeys takes an object, not {type_name(value)}")
    return list(value)


def shallow_merge(objects: Any) -> dict[str, Any]:
    """Evaluate ``shallowMerge(arrayOfObjects)``: later keys win, nested objects replaced."""
    out: dict[str, Any] = {}
    for item in sequence(objects, "shallowMerge"):
        out.update(item or {})
    return out


def join(values: Any, delimiter: Any) -> str:
    """Evaluate ``join(array, delimiter)``."""
    return arm_string(delimiter).join(arm_string(i) for i in sequence(values, "join"))


def min_max(name: str, *values: Any) -> Any:
    """Return the ``min``/``max`` of integers given one by one or as one array."""
    numbers = values[0] if len(values) == 1 and isinstance(values[0], list) else list(values)
    if not numbers:
        raise ExpressionError(f"{name} needs at least one value")
    return (min if name == "min" else max)(numbers)
