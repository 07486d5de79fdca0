"""ARM template functions that need nothing but their arguments (strings, arrays, logic, numbers, ...).

The ones that need the deployment (``parameters``, ``resourceId``, ``reference``, ``copyIndex``...)
are provided by :mod:`azrm.templates.scope_functions`. Names are lower case here: ARM's are case-insensitive.
``uniqueString`` reproduces ARM's outputs (a 64-bit MurmurHash of the arguments joined with ``-``,
13 base32 characters); ``guid`` is a UUID version 5 over the same text.
"""

from __future__ import annotations

import base64
import json
import math
import re
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..rules import iso_duration_seconds
from .expressions import ExpressionError, type_name

__all__ = ["PURE_FUNCTIONS", "arm_string", "guid", "unique_string"]

_M32 = 0xFFFFFFFF
_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M32


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def murmur64(data: bytes, seed: int = 0) -> int:
    """Hash with the 64-bit MurmurHash variant ``uniqueString`` uses (two 32-bit lanes)."""
    c1, c2 = 0x239B961B, 0xAB0E9789
    h1 = h2 = seed
    n = len(data)
    i = 0
    while i + 8 <= n:
        k1 = int.from_bytes(data[i : i + 4], "little")
        k2 = int.from_bytes(data[i + 4 : i + 8], "little")
        h1 ^= (_rotl((k1 * c1) & _M32, 15) * c2) & _M32
        h1 = (((_rotl(h1, 19) + h2) & _M32) * 5 + 0x561CCD1B) & _M32
        h2 ^= (_rotl((k2 * c2) & _M32, 17) * c1) & _M32
        h2 = (((_rotl(h2, 13) + h1) & _M32) * 5 + 0x0BCAA747) & _M32
        i += 8
    tail = n - i
    if tail:
        k1 = int.from_bytes(data[i : i + min(4, tail)], "little")
        h1 ^= (_rotl((k1 * c1) & _M32, 15) * c2) & _M32
        if tail > 4:
            k2 = int.from_bytes(data[i + 4 : n], "little")
            h2 ^= (_rotl((k2 * c2) & _M32, 17) * c1) & _M32
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    h1, h2 = _fmix(h1), _fmix(h2)
    h1 = (h1 + h2) & _M32
    h2 = (h2 + h1) & _M32
    return (h2 << 32) | h1


def unique_string(*values: Any) -> str:
    """ARM's ``uniqueString``: ``uniqueString('aaa')`` is ``zavj67f3en4hc``."""
    if not values:
        raise ExpressionError("uniqueString needs at least one argument")
    number = murmur64("-".join(_text(v, "uniqueString") for v in values).encode("utf-8"))
    out = []
    for _ in range(13):
        out.append(_BASE32[number >> 59])
        number = (number << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(out)


def guid(*values: Any) -> str:
    """ARM's ``guid``: a deterministic GUID (UUID v5) from the arguments joined with ``-``."""
    if not values:
        raise ExpressionError("guid needs at least one argument")
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(_text(v, "guid") for v in values)))


def _text(value: Any, function: str) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{function} takes strings, not a {type_name(value)}")
    return value


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
    return json.dumps(value, separators=(",", ":"))


def _concat(*values: Any) -> Any:
    if values and all(isinstance(v, list) for v in values):
        return [item for v in values for item in v]
    if any(isinstance(v, (list, dict)) for v in values):
        raise ExpressionError("concat takes only strings (and numbers) or only arrays")
    return "".join(arm_string(v) for v in values)


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ExpressionError(f"length takes a string, array or object, not a {type_name(value)}")


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return arm_string(item).lower() in container.lower()
    if isinstance(container, list):
        return item in container
    if isinstance(container, dict):
        return any(str(k).lower() == str(item).lower() for k in container)
    raise ExpressionError(f"contains takes a string, array or object, not a {type_name(container)}")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _equals(a: Any, b: Any) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return bool(a == b and (type(a) is type(b) or numbers))


def _compare(name: str, a: Any, b: Any) -> int:
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return (a > b) - (a < b)
    raise ExpressionError(f"{name} compares two integers or two strings, not {type_name(a)} and {type_name(b)}")


def _int(value: Any) -> int:
    try:
        return int(value) if not isinstance(value, str) else int(value.strip())
    except (TypeError, ValueError):
        raise ExpressionError(f"int cannot convert {value!r} to an integer") from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise ExpressionError(f"bool cannot convert {value!r} to a boolean")


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("div by zero")
    return int(a / b)  # ARM truncates toward zero


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("mod by zero")
    return int(math.fmod(a, b))


def _min_max(name: str, pick: Callable[..., Any], *values: Any) -> Any:
    items = values[0] if len(values) == 1 and isinstance(values[0], list) else list(values)
    if not items:
        raise ExpressionError(f"{name} needs at least one value")
    return pick(items)


def _range(start: int, count: int) -> list[int]:
    if count < 0 or count > 10000:
        raise ExpressionError("range's count must be between 0 and 10000")
    return list(range(start, start + count))


def _take(value: Any, count: int) -> Any:
    count = max(0, count)
    if isinstance(value, (str, list)):
        return value[:count]
    raise ExpressionError(f"take takes a string or array, not a {type_name(value)}")


def _skip(value: Any, count: int) -> Any:
    count = max(0, count)
    if isinstance(value, (str, list)):
        return value[count:]
    raise ExpressionError(f"skip takes a string or array, not a {type_name(value)}")


def _first(value: Any) -> Any:
    if isinstance(value, (str, list)):
        return value[0] if value else (None if isinstance(value, list) else "")
    raise ExpressionError(f"first takes a string or array, not a {type_name(value)}")


def _last(value: Any) -> Any:
    if isinstance(value, (str, list)):
        return value[-1] if value else (None if isinstance(value, list) else "")
    raise ExpressionError(f"last takes a string or array, not a {type_name(value)}")


def _union(*values: Any) -> Any:
    if all(isinstance(v, dict) for v in values):
        out: dict[str, Any] = {}
        for v in values:
            for k, item in v.items():
                if isinstance(item, dict) and isinstance(out.get(k), dict):
                    out[k] = _union(out[k], item)
                else:
                    out[k] = item
        return out
    if all(isinstance(v, list) for v in values):
        merged: list[Any] = []
        for v in values:
            for item in v:
                if item not in merged:
                    merged.append(item)
        return merged
    raise ExpressionError("union takes only objects or only arrays")


def _intersection(*values: Any) -> Any:
    if all(isinstance(v, dict) for v in values):
        first = values[0]
        return {k: v for k, v in first.items() if all(k in o and o[k] == v for o in values[1:])}
    if all(isinstance(v, list) for v in values):
        return [item for item in values[0] if all(item in o for o in values[1:])]
    raise ExpressionError("intersection takes only objects or only arrays")


def _index_of(value: Any, item: Any, last: bool = False) -> int:
    if isinstance(value, str):
        found = value.lower().rfind(str(item).lower()) if last else value.lower().find(str(item).lower())
        return found
    if isinstance(value, list):
        positions = [i for i, v in enumerate(value) if v == item]
        return (positions[-1] if last else positions[0]) if positions else -1
    raise ExpressionError(f"indexOf takes a string or array, not a {type_name(value)}")


def _substring(value: str, start: int = 0, length: int | None = None) -> str:
    if start < 0 or start > len(value):
        raise ExpressionError(f"substring's start {start} is outside the string of length {len(value)}")
    end = len(value) if length is None else start + length
    if length is not None and (length < 0 or end > len(value)):
        raise ExpressionError(f"substring's length {length} goes past the end of the string")
    return value[start:end]


def _split(value: str, delimiter: Any) -> list[str]:
    delimiters = delimiter if isinstance(delimiter, list) else [delimiter]
    return re.split("|".join(re.escape(str(d)) for d in delimiters), value)


_FORMAT = re.compile(r"\{(\d+)(?::([^}]*))?\}")


def _format(pattern: str, *args: Any) -> str:
    """.NET composite formatting for the common cases: ``{0}``, ``{0:D2}``, ``{0:N0}``."""

    def one(m: re.Match[str]) -> str:
        index = int(m.group(1))
        if index >= len(args):
            raise ExpressionError(f"format has no argument {index}")
        value, spec = args[index], m.group(2)
        if spec and isinstance(value, int) and spec[:1].upper() == "D":
            return str(value).zfill(int(spec[1:] or 0))
        if spec and isinstance(value, (int, float)) and spec[:1].upper() == "N":
            return f"{value:,.{int(spec[1:] or 2)}f}"
        if spec and isinstance(value, int) and spec[:1].upper() == "X":
            text = f"{value:x}".zfill(int(spec[1:] or 0))
            return text.upper() if spec[0] == "X" else text
        return arm_string(value)

    return _FORMAT.sub(one, pattern.replace("{{", "\0").replace("}}", "\1")).replace("\0", "{").replace("\1", "}")


def _pad_left(value: Any, width: int, char: str = " ") -> str:
    text = arm_string(value)
    if len(char) != 1:
        raise ExpressionError("padLeft's padding character must be one character")
    return text.rjust(width, char)


def _uri(base: str, relative: str) -> str:
    return urllib.parse.urljoin(base, relative)


def _data_uri(value: Any) -> str:
    text = arm_string(value)
    return "data:text/plain;charset=utf8;base64," + base64.b64encode(text.encode()).decode()


def _data_uri_to_string(value: str) -> str:
    _, _, payload = value.partition("base64,")
    return base64.b64decode(payload).decode()


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise ExpressionError(f"json cannot parse {value!r}: {exc}") from None


def _items(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        raise ExpressionError(f"items takes an object, not a {type_name(value)}")
    return [{"key": k, "value": v} for k, v in sorted(value.items(), key=lambda kv: str(kv[0]).lower())]


def _date_time_add(base: str, duration: str, fmt: str | None = None) -> str:
    moment = datetime.fromisoformat(base.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    negative = duration.startswith("-")
    try:
        seconds = iso_duration_seconds(duration.lstrip("-"))
    except ValueError as exc:
        raise ExpressionError(f"dateTimeAdd: {exc}") from None
    result = moment + (timedelta(seconds=-seconds) if negative else timedelta(seconds=seconds))
    return result.strftime("%Y-%m-%dT%H:%M:%SZ")


def _create_object(*pairs: Any) -> dict[str, Any]:
    if len(pairs) % 2:
        raise ExpressionError("createObject takes name, value pairs")
    return {str(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}


def _flatten(value: list[Any]) -> list[Any]:
    return [item for sub in value for item in (sub if isinstance(sub, list) else [sub])]


def _callable(value: Any, function: str) -> Callable[..., Any]:
    if not callable(value):
        raise ExpressionError(f"{function} takes a lambda as its last argument, not {type_name(value)}")
    return value


def _filter(items: Any, predicate: Any) -> list[Any]:
    check = _callable(predicate, "filter")
    return [item for item in _sequence(items, "filter") if _bool(check(item))]


def _map(items: Any, mapper: Any) -> list[Any]:
    apply = _callable(mapper, "map")
    return [apply(item) for item in _sequence(items, "map")]


def _reduce(items: Any, initial: Any, reducer: Any) -> Any:
    combine = _callable(reducer, "reduce")
    result = initial
    for item in _sequence(items, "reduce"):
        result = combine(result, item)
    return result


def _sort(items: Any, before: Any) -> list[Any]:
    import functools

    less = _callable(before, "sort")
    return sorted(_sequence(items, "sort"), key=functools.cmp_to_key(lambda a, b: -1 if _bool(less(a, b)) else 1))


def _to_object(items: Any, key: Any, value: Any = None) -> dict[str, Any]:
    key_of = _callable(key, "toObject")
    value_of = _callable(value, "toObject") if value is not None else (lambda item: item)
    return {arm_string(key_of(item)): value_of(item) for item in _sequence(items, "toObject")}


def _sequence(value: Any, function: str) -> list[Any]:
    if not isinstance(value, list):
        raise ExpressionError(f"{function} takes an array, not {type_name(value)}")
    return value


def _join(items: Any, delimiter: str) -> str:
    return arm_string(delimiter).join(arm_string(i) for i in _sequence(items, "join"))


def _try_get(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, dict):
            match = next((k for k in value if str(k).lower() == str(key).lower()), None)
            if match is None:
                return None
            value = value[match]
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def _object_keys(value: Any) -> list[str]:
    if not isinstance(value, dict):
        raise ExpressionError(f"objectKeys takes an object, not {type_name(value)}")
    return list(value)


def _shallow_merge(objects: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in _sequence(objects, "shallowMerge"):
        out.update(item or {})
    return out


PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    # strings
    "concat": _concat,
    "format": _format,
    "tolower": lambda v: arm_string(v).lower(),
    "toupper": lambda v: arm_string(v).upper(),
    "trim": lambda v: arm_string(v).strip(),
    "substring": _substring,
    "replace": lambda v, old, new: arm_string(v).replace(old, new),
    "split": _split,
    "startswith": lambda v, s: arm_string(v).lower().startswith(arm_string(s).lower()),
    "endswith": lambda v, s: arm_string(v).lower().endswith(arm_string(s).lower()),
    "indexof": _index_of,
    "lastindexof": lambda v, item: _index_of(v, item, last=True),
    "padleft": _pad_left,
    "string": arm_string,
    "uniquestring": unique_string,
    "guid": guid,
    "base64": lambda v: base64.b64encode(arm_string(v).encode()).decode(),
    "base64tostring": lambda v: base64.b64decode(v).decode(),
    "base64tojson": lambda v: _json(base64.b64decode(v).decode()),
    "uri": _uri,
    "uricomponent": lambda v: urllib.parse.quote(arm_string(v), safe=""),
    "uricomponenttostring": lambda v: urllib.parse.unquote(v),
    "datauri": _data_uri,
    "datauritostring": _data_uri_to_string,
    "json": _json,
    "datetimeadd": _date_time_add,
    # arrays and objects
    "array": lambda v: v if isinstance(v, list) else [v],
    "createarray": lambda *v: list(v),
    "createobject": _create_object,
    "length": _length,
    "contains": _contains,
    "empty": _empty,
    "first": _first,
    "last": _last,
    "take": _take,
    "skip": _skip,
    "union": _union,
    "intersection": _intersection,
    "range": _range,
    "items": _items,
    "flatten": _flatten,
    "null": lambda: None,
    "filter": _filter,
    "map": _map,
    "reduce": _reduce,
    "sort": _sort,
    "toobject": _to_object,
    "join": _join,
    "tryget": _try_get,
    "objectkeys": _object_keys,
    "shallowmerge": _shallow_merge,
    "indexfromend": lambda v, i: _sequence(v, "indexFromEnd")[-_int(i)],
    # zones: the local Azure's regions have none, as a region without availability zones answers
    "pickzones": lambda *_args: [],
    # logic and comparison
    "equals": _equals,
    "not": lambda v: not _bool(v),
    "and": lambda *v: all(_bool(x) for x in v),
    "or": lambda *v: any(_bool(x) for x in v),
    "bool": _bool,
    "true": lambda: True,
    "false": lambda: False,
    "greater": lambda a, b: _compare("greater", a, b) > 0,
    "greaterorequals": lambda a, b: _compare("greaterOrEquals", a, b) >= 0,
    "less": lambda a, b: _compare("less", a, b) < 0,
    "lessorequals": lambda a, b: _compare("lessOrEquals", a, b) <= 0,
    "coalesce": lambda *v: next((x for x in v if x is not None), None),
    # numbers
    "add": lambda a, b: _int(a) + _int(b),
    "sub": lambda a, b: _int(a) - _int(b),
    "mul": lambda a, b: _int(a) * _int(b),
    "div": lambda a, b: _div(_int(a), _int(b)),
    "mod": lambda a, b: _mod(_int(a), _int(b)),
    "int": _int,
    "float": lambda v: float(v),
    "min": lambda *v: _min_max("min", min, *v),
    "max": lambda *v: _min_max("max", max, *v),
}
