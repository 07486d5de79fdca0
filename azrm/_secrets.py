"""Secrets azrm has handled, and a log-record scrubber that keeps them out of every log.

Passwords, storage account keys and SAS tokens pass through azrm on their way to Azure. azrm
registers each one here; the first registration installs a ``logging`` record factory that replaces
any registered secret with ``********`` in every record's message and arguments, whichever library
logs it (azure-core's HTTP logging with ``logging_enable=True`` logs whole request bodies at DEBUG).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["MASK", "register", "scrub"]

MASK = "********"
_MIN_LENGTH = 6  # shorter strings would mask ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def register(secret: str | None) -> None:
    """Keep ``secret`` out of every log record from now on."""
    global _installed
    if not secret or len(secret) < _MIN_LENGTH:
        return
    with _lock:
        _secrets.add(secret)
        if not _installed:
            _install()
            _installed = True


def scrub(text: str) -> str:
    """``text`` with every registered secret masked."""
    if not _secrets:
        return text
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
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
        if _secrets:
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
