"""The string functions (``format``, ``split``, ``indexOf``, ``dataUri``, ``uniqueString``...).

``uniqueString`` reproduces ARM's outputs (a 64-bit MurmurHash of the arguments joined with ``-``,
13 base32 characters); ``guid`` is a UUID version 5 over the same text. Searching a string
(``indexOf``, ``startsWith``...) ignores case; ``contains`` and ``replace`` do not.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
import uuid
from typing import Any

from .expressions import ExpressionError, type_name
from .functions_base import SOLE, arm_equals, arm_string, is_int, quoted_json, require_int, require_str

__all__ = ["guid", "murmur64", "unique_string"]

_M32 = 0xFFFFFFFF
_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_HELP = "Please see https://aka.ms/arm-template-expressions for usage details."


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
    """Compute ARM's ``uniqueString``: ``uniqueString('aaa')`` is ``zavj67f3en4hc``."""
    if not values:
        raise ExpressionError("uniqueString needs at least one argument")
    number = murmur64("-".join(_text(v, "uniqueString") for v in values).encode("utf-8"))
    out = []
    for _ in range(13):
        out.append(_BASE32[number >> 59])
        number = (number << 5) & 0xFFFFFFFFFFFFFFFF
    return "".join(out)


def guid(*values: Any) -> str:
    """Compute ARM's ``guid``: a deterministic GUID (UUID v5) from the arguments joined with ``-``."""
    if not values:
        raise ExpressionError("guid needs at least one argument")
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(_text(v, "guid") for v in values)))


def _text(value: Any, function: str) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{function} takes strings, not a {type_name(value)}")
    return value


def _two_strings(function: str, a: Any, b: Any) -> tuple[str, str]:
    if not (isinstance(a, str) and isinstance(b, str)):
        raise ExpressionError(
            f"The template language function '{function}' expects its parameters to be of type string and string. "
            f"The provided value is of type '{type_name(a)}' and '{type_name(b)}'. Please see "
            f"https://aka.ms/arm-template-expressions#{function} for usage details."
        )
    return a, b


def concat(*values: Any) -> Any:
    """Evaluate ``concat``: arrays joined, or strings (and numbers) joined."""
    if values and all(isinstance(v, list) for v in values):
        return [item for v in values for item in v]
    if any(isinstance(v, (list, dict)) for v in values):
        raise ExpressionError("concat takes only strings (and numbers) or only arrays")
    return "".join(arm_string(v) for v in values)


def index_of(value: Any, item: Any, last: bool = False) -> int:
    """Evaluate ``indexOf``/``lastIndexOf``: strings ignore case, arrays compare type and case strictly."""
    function = "lastIndexOf" if last else "indexOf"
    if isinstance(value, list):
        found = [i for i, v in enumerate(value) if arm_equals(v, item)]
        return (found[-1] if last else found[0]) if found else -1
    text, wanted = _two_strings(function, value, item)
    if last and not wanted:
        return max(len(text) - 1, 0)  # .NET: the empty string is last found at the final character
    return text.lower().rfind(wanted.lower()) if last else text.lower().find(wanted.lower())


def contains_text(container: str, item: Any) -> bool:
    """Evaluate ``contains`` on a string: case-sensitive, as ARM's docs and engine say."""
    return arm_string(item) in container


def substring(value: Any, start: Any = 0, length: Any = None) -> str:
    """Evaluate ``substring(s, start[, length])``, refused outside the string with ARM's text."""
    text = require_str("substring", 0, value)
    begin = require_int("substring", 1, start)
    size = len(text) - begin if length is None else require_int("substring", 2, length)
    if begin < 0 or size < 0 or begin + size > len(text):
        raise ExpressionError(
            "Unable to evaluate the template language function 'substring'. The index and length parameters must "
            f"refer to a location within the string. The index parameter: '{begin}', the length parameter: '{size}', "
            f"the length of the string parameter: '{len(text)}'. Please see "
            "https://aka.ms/arm-template-expressions/#substring for usage details."
        )
    return text[begin : begin + size]


def split(value: Any, delimiter: Any) -> list[str]:
    """Evaluate ``split(s, delimiter)``: a string or array of strings, empty pieces kept (.NET ``Split``)."""
    text = require_str("split", 0, value)
    delimiters = delimiter if isinstance(delimiter, list) else [delimiter]
    if not all(isinstance(d, str) for d in delimiters):
        raise ExpressionError(
            "The template language function 'split' expects its second parameter to be of type 'String or Array of "
            "Strings'."
        )
    usable = [d for d in delimiters if d]
    if not usable:
        # .NET splits on white space when it is given no non-empty separator
        return re.split(r"\s", text)
    return re.split("|".join(re.escape(d) for d in sorted(usable, key=len, reverse=True)), text)


_FORMAT = re.compile(r"\{\{|\}\}|\{\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::([^{}]*))?\}|[{}]")


def format_string(pattern: Any, *args: Any) -> str:
    """Format as .NET composite formatting does (``{0}``, ``{1:D3}``, ``{0,-8}``); print objects single-quoted."""
    text = require_str("format", 0, pattern)

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if m.group(1) is None:  # a lone brace
            raise _bad_format("Input string was not in a correct format.")
        index = int(m.group(1))
        if index >= len(args):
            raise _bad_format(
                "Index (zero based) must be greater than or equal to zero and less than the size of the argument list."
            )
        rendered = _format_value(args[index], m.group(3))
        width = int(m.group(2) or 0)
        return rendered.ljust(-width) if width < 0 else rendered.rjust(width)

    return _FORMAT.sub(one, text)


def _bad_format(reason: str) -> ExpressionError:
    return ExpressionError(
        f"Unable to evaluate language function 'format': the format is invalid: '{reason}'. Please see "
        "https://aka.ms/arm-function-format for usage details."
    )


def _format_value(value: Any, spec: str | None) -> str:
    if isinstance(value, (list, dict)):
        return quoted_json(value)
    kind, digits = (spec[:1], spec[1:]) if spec else ("", "")
    precision = int(digits) if digits.isdigit() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and kind:
        if kind in "dD" and is_int(value):
            return ("-" if value < 0 else "") + str(abs(value)).zfill(precision or 0)
        if kind in "nN":
            return f"{value:,.{2 if precision is None else precision}f}"
        if kind in "fF":
            return f"{value:.{2 if precision is None else precision}f}"
        if kind in "xX" and is_int(value):
            hexa = f"{int(value) & 0xFFFFFFFFFFFFFFFF:x}".zfill(precision or 0)  # two's complement, as .NET
            return hexa.upper() if kind == "X" else hexa
    return arm_string(value)


def pad_left(value: Any, width: Any, char: Any = " ") -> str:
    """Evaluate ``padLeft(value, totalLength[, paddingCharacter])``."""
    text = arm_string(value)
    if not isinstance(char, str) or len(char) != 1:
        raise ExpressionError("padLeft's padding character must be one character")
    return text.rjust(require_int("padLeft", 1, width), char)


def replace(value: Any, old: Any, new: Any) -> str:
    """Evaluate ``replace(s, old, new)``: every occurrence, case-sensitive."""
    text = require_str("replace", 0, value)
    old, new = require_str("replace", 1, old), require_str("replace", 2, new)
    return text.replace(old, new) if old else text


def case(function: str, value: Any) -> str:
    """Evaluate ``toLower``/``toUpper``/``trim`` of a string."""
    text = require_str(function, SOLE, value)
    return {"toLower": text.lower, "toUpper": text.upper, "trim": text.strip}[function]()


def starts_ends(function: str, value: Any, affix: Any) -> bool:
    """Evaluate ``startsWith``/``endsWith``, ignoring case."""
    text, part = _two_strings(function, value, affix)
    return text.lower().startswith(part.lower()) if function == "startsWith" else text.lower().endswith(part.lower())


def like(value: Any, pattern: Any) -> bool:
    """Evaluate ``like(input, pattern)``: the whole string matches, ``*`` is any run of characters, any case."""
    text, wanted = _two_strings("like", value, pattern)
    regex = ".*".join(re.escape(part) for part in wanted.split("*"))
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def to_base64(value: Any) -> str:
    """Evaluate ``base64(string)``."""
    if not isinstance(value, str):
        raise ExpressionError(
            "The template language function 'base64' expects its parameter to be of type 'String'. The provided "
            f"value is of type '{type_name(value)}'. {_HELP}"
        )
    return base64.b64encode(value.encode()).decode()


def from_base64(value: Any, function: str = "base64ToString") -> str:
    """Evaluate ``base64ToString(string)``."""
    if not isinstance(value, str):
        raise ExpressionError(
            f"The template language function '{function}' expects its parameter to be a string. The provided value "
            f"is of type '{type_name(value)}'. Please see https://aka.ms/arm-template-expressions#{function} for "
            "usage details."
        )
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ExpressionError(
            f"The template language function '{function}' was invoked with a parameter that is not valid. The value "
            "cannot be decoded from base64 representation."
        ) from None


def parse_json(value: Any, function: str = "json") -> Any:
    """Evaluate ``json(string)``."""
    text = require_str(function, SOLE, value)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ExpressionError(f"The template language function '{function}' cannot parse {text!r}: {exc}") from None


def uri(base: Any, relative: Any) -> str:
    """Evaluate ``uri(baseUri, relativeUri)``: RFC 3986 resolution; the base must be absolute."""
    text = require_str("uri", 0, base)
    if not urllib.parse.urlsplit(text).scheme:
        raise ExpressionError(
            f"The template language function 'uri' expects its first argument to be a uri string. The provided "
            f"value is '{text}'. Please see https://aka.ms/arm-function-datauri for usage details."
        )
    return urllib.parse.urljoin(text, require_str("uri", 1, relative))


def data_uri(value: Any) -> str:
    """Evaluate ``dataUri(value)``: strings as ``text/plain``, other values as ``application/json``."""
    if isinstance(value, str):
        return "data:text/plain;charset=utf8;base64," + base64.b64encode(value.encode()).decode()
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return "data:application/json;charset=utf8;base64," + base64.b64encode(text.encode()).decode()


# a media type may carry parameters; a bare ';name=value' with no media type is refused, as ARM refuses it
_DATA_URI = re.compile(
    r"data:(?P<type>[\w.+-]+/[\w.+-]+(?P<params>(?:;[\w.+-]+=[^;,]*)*))?(?P<b64>;base64)?,(?P<data>.*)",
    re.DOTALL | re.IGNORECASE,
)


def data_uri_to_string(value: Any) -> str:
    """Evaluate ``dataUriToString(dataUri)``: base64 or percent-encoded data."""
    if not isinstance(value, str):
        raise ExpressionError(
            "The template language function 'dataUriToString' expects its parameter to be a string. The provided "
            f"value is of type '{type_name(value)}'. Please see "
            "https://aka.ms/arm-template-expressions#dataUriToString for usage details."
        )
    match = _DATA_URI.fullmatch(value)
    if match is None:
        raise ExpressionError(
            "The template language function 'dataUriToString' expects its parameter to be formatted as a valid data "
            f"URI. The provided value '{value}' was not formatted correctly. Please see "
            "https://aka.ms/arm-functions#dataUriToString for usage details."
        )
    if not match.group("b64"):
        return urllib.parse.unquote(match.group("data"))
    try:
        return base64.b64decode(match.group("data"), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise ExpressionError(
            "The template language function 'dataUriToString' was invoked with a parameter that is not valid. The "
            "value cannot be converted to the target type."
        ) from None


def uri_component_to_string(value: Any) -> str:
    """Evaluate ``uriComponentToString(encoded)``."""
    return urllib.parse.unquote(require_str("uriComponentToString", SOLE, value))


def uri_component(value: Any) -> str:
    """Evaluate ``uriComponent(string)`` as ``Uri.EscapeDataString`` does."""
    return urllib.parse.quote(require_str("uriComponent", SOLE, value), safe="-_.~")
