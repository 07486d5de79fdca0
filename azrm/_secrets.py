"""Secrets azrm has handled, and a log-record scrubber that keeps them out of every log.

Passwords, storage account keys and SAS tokens pass through azrm on their way to Azure. azrm
registers each one here, and a session installs a ``logging`` record factory that masks them with
``********`` in every record's message and arguments, whichever library logs it (azure-core's HTTP
logging with ``logging_enable=True`` logs whole request and response bodies at DEBUG).

Some secrets reach the logs before azrm has seen them: a ``listKeys`` answer is logged by azure-core
before the keys are handed back. The scrubber therefore also masks what has the shape of a secret:
SAS signatures (``sig=``), ``AccountKey=`` in connection strings, ``adminPassword`` values, and
base64 ``"value"`` fields of 40 characters or more (storage keys).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

__all__ = ["MASK", "install", "is_registered", "register", "scrub"]

MASK = "********"
_MIN_LENGTH = 6  # shorter strings would mask ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


_SHAPES = (
    (re.compile(r"(sig=)[^&\"'\s]+", re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"(AccountKey=)[^;\"'\s]+", re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"(\"adminPassword\"\s*:\s*\")[^\"]*(\")"), r"\1" + MASK + r"\2"),
    (re.compile(r"(\"value\"\s*:\s*\")[A-Za-z0-9+/]{40,}={0,2}(\")"), r"\1" + MASK + r"\2"),
)


def install() -> None:
    """Install the scrubbing record factory (once; it keeps any factory installed before it)."""
    global _installed
    with _lock:
        if not _installed:
            _install()
            _installed = True


def register(secret: str | None) -> None:
    """Keep ``secret`` out of every log record from now on."""
    if not secret or len(secret) < _MIN_LENGTH:
        return
    with _lock:
        _secrets.add(secret)
    install()


def is_registered(value: str) -> bool:
    """Tell whether ``value`` is a secret azrm has handled."""
    with _lock:
        return value in _secrets


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret, and whatever has a secret's shape, masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, bytes):
        try:
            return scrub(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def _install() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        elif record.msg is not None and not isinstance(record.msg, (int, float)):
            record.msg = scrub(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_scrub_value(a) if isinstance(a, (str, bytes)) else _masked(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: _scrub_value(v) if isinstance(v, (str, bytes)) else _masked(v) for k, v in record.args.items()
            }
        return record

    logging.setLogRecordFactory(factory)


def _masked(value: Any) -> Any:
    """Objects are formatted by the logging call later; mask them now if their text holds a secret."""
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = str(value)
    cleaned = scrub(text)
    return cleaned if cleaned != text else value
