"""The date functions: ``dateTimeAdd``, ``dateTimeFromEpoch``, ``dateTimeToEpoch``, and .NET date formats.

ARM formats dates with .NET format strings in the invariant culture (``utcNow('d')`` is
``03/05/2019``). :func:`format_datetime` implements the standard formats (``u``, ``s``, ``o``, ``d``...)
and the custom specifiers (``yyyy``, ``MM``, ``HH``, ``fff``, quoted literals...).

``dateTimeAdd`` reads its duration as ``XmlConvert.ToTimeSpan`` does: a year is 365 days and a month
30 days, so ``dateTimeAdd('2023-01-31 00:00:00Z', 'P1M')`` is ``2023-03-02T00:00:00Z`` (the Bicep and
ARM docs' own examples). With no format it returns ``yyyy-MM-ddTHH:mm:ssZ``, as those examples show.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from .expressions import ExpressionError
from .functions_base import SOLE, require_int, require_str

__all__ = ["date_time_add", "date_time_from_epoch", "date_time_to_epoch", "format_datetime", "parse_datetime"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
#: .NET's standard formats, as the invariant culture spells them out
_STANDARD = {
    "d": "MM/dd/yyyy",
    "D": "dddd, dd MMMM yyyy",
    "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
    "m": "MMMM dd",
    "M": "MMMM dd",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, dd MMMM yyyy HH:mm:ss",
    "y": "yyyy MMMM",
    "Y": "yyyy MMMM",
}
#: ``utcNow()`` with no format
UTC_NOW_DEFAULT = "yyyyMMddTHHmmssZ"
#: how Newtonsoft writes a date, which is what ``dateTimeAdd`` returns when given no format
_ROUND_TRIP = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK"
_BAD_FORMAT = "Input string was not in a correct format."


def format_datetime(moment: datetime, fmt: str | None) -> str:
    """Format ``moment`` (taken as UTC) with a .NET standard or custom format; ``None`` is ``utcNow()``'s default."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    fmt = UTC_NOW_DEFAULT if fmt is None else fmt
    if len(fmt) <= 1:  # one character is a standard format; an empty one is .NET's general 'G'
        if (fmt or "G") not in _STANDARD:
            raise ExpressionError(f"The date and time format '{fmt}' is not valid: {_BAD_FORMAT}")
        fmt = _STANDARD[fmt or "G"]
    return _custom(moment, fmt)


def _custom(moment: datetime, fmt: str) -> str:
    out: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c in "'\"":
            i += 1
            while i < n and fmt[i] != c:  # a backslash escapes the next character, quotes included
                if fmt[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(fmt[i])
                i += 1
            if i >= n:
                raise ExpressionError(f"The date and time format '{fmt}' is not valid: {_BAD_FORMAT}")
            i += 1
            continue
        if c == "\\":
            if i + 1 >= n:
                raise ExpressionError(f"The date and time format '{fmt}' is not valid: {_BAD_FORMAT}")
            out.append(fmt[i + 1])
            i += 2
            continue
        if c == "%":  # '%d' is the custom 'd', not the standard one
            i += 1
            continue
        run = 1
        while i + run < n and fmt[i + run] == c:
            run += 1
        out.append(_specifier(moment, c, run, out, fmt))
        i += run
    return "".join(out)


def _specifier(moment: datetime, c: str, run: int, out: list[str], fmt: str) -> str:
    if c == "d":
        if run <= 2:
            return str(moment.day).zfill(run)
        return _DAYS[moment.weekday()][:3] if run == 3 else _DAYS[moment.weekday()]
    if c == "M":
        if run <= 2:
            return str(moment.month).zfill(run)
        return _MONTHS[moment.month - 1][:3] if run == 3 else _MONTHS[moment.month - 1]
    if c == "y":
        if run <= 2:
            return str(moment.year % 100).zfill(run)
        return str(moment.year).zfill(run)
    if c in "hHms":
        value = {"H": moment.hour, "m": moment.minute, "s": moment.second, "h": moment.hour % 12 or 12}[c]
        return str(value).zfill(min(run, 2))
    if c in "fF":
        if run > 7:
            raise ExpressionError(f"The date and time format '{fmt}' is not valid: {_BAD_FORMAT}")
        digits = f"{moment.microsecond:06d}0"[:run]
        if c == "f":
            return digits
        digits = digits.rstrip("0")
        if not digits and out and out[-1].endswith("."):
            out[-1] = out[-1][:-1]  # .NET drops the '.' before an 'F' that prints nothing
        return digits
    if c == "t":
        marker = "AM" if moment.hour < 12 else "PM"
        return marker[:1] if run == 1 else marker
    if c == "K":
        return "Z" * run
    if c == "z":
        return {1: "+0", 2: "+00"}.get(run, "+00:00")
    if c == "g":
        return "A.D."
    return c * run  # ':' '/' and any other character stand for themselves (invariant culture)


_ISO = re.compile(
    r"(?P<y>\d{4})-?(?P<mo>\d{2})-?(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_US = re.compile(
    r"(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?: (?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?: ?(?P<ampm>AM|PM))?)?\s*(?P<tz>Z)?",
    re.IGNORECASE,
)


def parse_datetime(text: str) -> datetime | None:
    """Read a date as ARM's ``DateTime.Parse`` does (ISO 8601 basic or extended, or ``M/d/yyyy h:mm:ss tt``).

    A date without an offset is UTC, the time zone of ARM's servers. Return ``None`` if it is no date.
    """
    match = _ISO.fullmatch(text.strip()) or _US.fullmatch(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    hour = int(parts["h"] or 0)
    if parts.get("ampm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if parts["ampm"].upper() == "PM" else 0)
    fraction = (parts.get("f") or "0")[:6].ljust(6, "0")
    try:
        day = datetime(int(parts["y"]), int(parts["mo"]), int(parts["d"]), tzinfo=timezone.utc)
        moment = day.replace(hour=hour, minute=int(parts["mi"] or 0), second=int(parts["s"] or 0))
        moment = moment.replace(microsecond=int(fraction))
    except ValueError:
        return None
    tz = (parts["tz"] or "Z").upper()
    if tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


_DURATION = re.compile(
    r"(?P<neg>-)?P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


def _duration(text: str) -> timedelta | None:
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.group(k) for k in "YMDhms") or text.strip().endswith("T"):
        return None
    g = {k: match.group(k) or "0" for k in "YMDhms"}
    # XmlConvert.ToTimeSpan: a year is 365 days, a month 30
    span = timedelta(
        days=int(g["Y"]) * 365 + int(g["M"]) * 30 + int(g["D"]),
        hours=int(g["h"]),
        minutes=int(g["m"]),
        seconds=float(g["s"]),
    )
    return -span if match.group("neg") else span


def date_time_add(base: Any, duration: Any, fmt: Any = None) -> str:
    """Evaluate ``dateTimeAdd(base, duration[, format])``: ``base`` plus an ISO 8601 duration, in ``format``."""
    moment = parse_datetime(require_str("dateTimeAdd", 0, base))
    if moment is None:
        # ARM's text for a bad base is not on record; this follows its text for a bad duration
        raise ExpressionError(
            f"The template function 'dateTimeAdd' has an invalid parameter. The first parameter '{base}' is not a "
            "valid ISO8601 DateTime string. Please see https://aka.ms/arm-syntax-functions ."
        )
    span = _duration(require_str("dateTimeAdd", 1, duration))
    if span is None:
        raise ExpressionError(
            f"The template function 'dateTimeAdd' has an invalid parameter. The second parameter '{duration}' is not "
            "a valid ISO8601 Duration string. Please see https://aka.ms/arm-syntax-functions ."
        )
    try:
        result = moment + span
    except OverflowError:
        raise ExpressionError(
            f"The template function 'dateTimeAdd' cannot add '{duration}' to '{base}': the result is not a date "
            "between the years 1 and 9999."
        ) from None
    return format_datetime(result, _ROUND_TRIP if fmt is None else require_str("dateTimeAdd", 2, fmt))


def date_time_from_epoch(epoch: Any) -> str:
    """Evaluate ``dateTimeFromEpoch(seconds)``: ``2023-05-02T15:16:13Z``."""
    seconds = require_int("dateTimeFromEpoch", SOLE, epoch)
    try:
        moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    except OverflowError:
        raise ExpressionError(
            f"The template function 'dateTimeFromEpoch' cannot convert '{seconds}': it is not a time between the "
            "years 1 and 9999."
        ) from None
    return format_datetime(moment, "yyyy-MM-ddTHH:mm:ssZ")


def date_time_to_epoch(value: Any) -> int:
    """Evaluate ``dateTimeToEpoch(dateTime)``: whole seconds since 1970-01-01T00:00:00Z."""
    moment = parse_datetime(require_str("dateTimeToEpoch", SOLE, value))
    if moment is None:
        raise ExpressionError(
            f"The template function 'dateTimeToEpoch' has an invalid parameter. The first parameter '{value}' is "
            "not a valid ISO8601 DateTime string. Please see https://aka.ms/arm-syntax-functions ."
        )
    return int((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1))
