"""ARM template functions that need nothing but their arguments (strings, arrays, logic, numbers, dates, CIDR...).

The ones that need the deployment (``parameters``, ``resourceId``, ``reference``, ``copyIndex``, ``utcNow``...)
are provided by :mod:`azrm.templates.scope_functions`. Names are lower case here: ARM's are case-insensitive.
Each function is registered with the number of arguments ARM allows, so a wrong count fails with
ARM's text before the function runs. The functions themselves live in ``functions_text`` (strings),
``functions_data`` (arrays, objects, lambdas, logic, numbers), ``functions_dates`` and ``functions_cidr``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from . import functions_cidr as cidr
from . import functions_data as data
from . import functions_dates as dates
from . import functions_text as text
from .expressions import ExpressionError
from .functions_base import arm_string, count_error, distinct
from .functions_dates import format_datetime, parse_datetime
from .functions_text import guid, murmur64, unique_string

__all__ = [
    "PURE_FUNCTIONS",
    "arm_string",
    "format_datetime",
    "guid",
    "murmur64",
    "parse_datetime",
    "unique_string",
]

#: (ARM's name, fewest arguments, most arguments or None, function)
_TABLE: list[tuple[str, int, int | None, Callable[..., Any]]] = [
    # strings
    ("concat", 1, None, text.concat),
    ("format", 1, None, text.format_string),
    ("toLower", 1, 1, partial(text.case, "toLower")),
    ("toUpper", 1, 1, partial(text.case, "toUpper")),
    ("trim", 1, 1, partial(text.case, "trim")),
    ("substring", 1, 3, text.substring),
    ("replace", 3, 3, text.replace),
    ("split", 2, 2, text.split),
    ("startsWith", 2, 2, partial(text.starts_ends, "startsWith")),
    ("endsWith", 2, 2, partial(text.starts_ends, "endsWith")),
    ("indexOf", 2, 2, text.index_of),
    ("lastIndexOf", 2, 2, partial(text.index_of, last=True)),
    ("padLeft", 2, 3, text.pad_left),
    ("like", 2, 2, text.like),
    ("string", 1, 1, arm_string),
    ("uniqueString", 1, None, unique_string),
    ("guid", 1, None, guid),
    ("base64", 1, 1, text.to_base64),
    ("base64ToString", 1, 1, text.from_base64),
    ("base64ToJson", 1, 1, lambda v: text.parse_json(text.from_base64(v, "base64ToJson"), "base64ToJson")),
    ("uri", 2, 2, text.uri),
    ("uriComponent", 1, 1, text.uri_component),
    ("uriComponentToString", 1, 1, text.uri_component_to_string),
    ("dataUri", 1, 1, text.data_uri),
    ("dataUriToString", 1, 1, text.data_uri_to_string),
    ("json", 1, 1, text.parse_json),
    # dates and networks
    ("dateTimeAdd", 2, 3, dates.date_time_add),
    ("dateTimeFromEpoch", 1, 1, dates.date_time_from_epoch),
    ("dateTimeToEpoch", 1, 1, dates.date_time_to_epoch),
    ("parseCidr", 1, 1, cidr.parse_cidr),
    ("cidrSubnet", 3, 3, cidr.cidr_subnet),
    ("cidrHost", 2, 2, cidr.cidr_host),
    # arrays and objects
    ("array", 1, 1, lambda v: v if isinstance(v, list) else [v]),
    ("createArray", 0, None, lambda *v: list(v)),
    ("createObject", 0, None, data.create_object),
    ("length", 1, 1, data.length),
    ("contains", 2, 2, data.contains),
    ("empty", 1, 1, data.empty),
    ("first", 1, 1, partial(data.first_last, "first")),
    ("last", 1, 1, partial(data.first_last, "last")),
    ("take", 2, 2, partial(data.take_skip, "take")),
    ("skip", 2, 2, partial(data.take_skip, "skip")),
    ("union", 1, None, data.union),
    ("intersection", 1, None, data.intersection),
    ("distinct", 1, 1, lambda v: distinct(data.sequence(v, "distinct"))),
    ("range", 2, 2, data.make_range),
    ("items", 1, 1, data.items),
    ("flatten", 1, 1, data.flatten),
    ("null", 0, 0, lambda: None),
    ("join", 2, 2, data.join),
    ("tryGet", 2, None, data.try_get),
    ("objectKeys", 1, 1, data.object_keys),
    ("shallowMerge", 1, 1, data.shallow_merge),
    ("indexFromEnd", 2, 2, data.index_from_end),
    ("tryIndexFromEnd", 2, None, data.try_index_from_end),
    # lambdas
    ("filter", 2, 2, data.filter_items),
    ("map", 2, 2, data.map_items),
    ("reduce", 3, 3, data.reduce_items),
    ("sort", 2, 2, data.sort_items),
    ("toObject", 2, 3, data.to_object),
    ("groupBy", 2, 3, data.group_by),
    ("mapValues", 2, 2, data.map_values),
    # zones: the local Azure's regions have none, as a region without availability zones answers
    ("pickZones", 3, 5, lambda *_args: []),
    # logic and comparison
    ("equals", 2, 2, data.equals),
    ("not", 1, 1, lambda v: not data.to_bool(v)),
    ("and", 1, None, lambda *v: all(data.to_bool(x) for x in v)),
    ("or", 1, None, lambda *v: any(data.to_bool(x) for x in v)),
    ("bool", 1, 1, data.to_bool),
    ("true", 0, 0, lambda: True),
    ("false", 0, 0, lambda: False),
    ("greater", 2, 2, lambda a, b: data.compare("greater", a, b) > 0),
    ("greaterOrEquals", 2, 2, lambda a, b: data.compare("greaterOrEquals", a, b) >= 0),
    ("less", 2, 2, lambda a, b: data.compare("less", a, b) < 0),
    ("lessOrEquals", 2, 2, lambda a, b: data.compare("lessOrEquals", a, b) <= 0),
    ("coalesce", 1, None, lambda *v: next((x for x in v if x is not None), None)),
    # numbers (ARM's integers are 64-bit)
    ("add", 2, 2, partial(data.arithmetic, "add")),
    ("sub", 2, 2, partial(data.arithmetic, "sub")),
    ("mul", 2, 2, partial(data.arithmetic, "mul")),
    ("div", 2, 2, partial(data.arithmetic, "div")),
    ("mod", 2, 2, partial(data.arithmetic, "mod")),
    ("int", 1, 1, data.to_int),
    ("float", 1, 1, data.to_float),
    ("min", 1, None, partial(data.min_max, "min")),
    ("max", 1, None, partial(data.min_max, "max")),
]

#: functions whose wrong argument count ARM words its own way
_COUNT_TEXTS = {
    "base64": "The template language function 'base64' must have only one parameter. Please see "
    "https://aka.ms/arm-template-expressions for usage details.",
    "replace": "The template language function 'replace' expects exactly '3' parameters. Please see "
    "https://aka.ms/arm-template-expressions for usage details.",
}


def _checked(name: str, low: int, high: int | None, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``function`` to refuse a call with the wrong number of arguments, in ARM's words."""

    def call(*args: Any) -> Any:
        if len(args) < low or (high is not None and len(args) > high):
            if name.lower() in _COUNT_TEXTS:
                raise ExpressionError(_COUNT_TEXTS[name.lower()])
            raise count_error(name, low, high, len(args))
        return function(*args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = getattr(function, "__doc__", None)
    return call


PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {row[0].lower(): _checked(*row) for row in _TABLE}
