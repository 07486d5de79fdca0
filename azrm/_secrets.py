r"""Secrets azrm has handled, and a log-record scrubber that keeps them out of every log.

Passwords, storage account keys and SAS tokens pass through azrm on their way to Azure. azrm
registers each one here, and a session installs a ``logging`` record factory that masks them with
``********`` in every record, whichever library logs it (azure-core's HTTP logging with
``logging_enable=True`` logs whole request and response bodies at DEBUG): the formatted message,
the traceback of ``log.exception()`` and ``exc_info=True`` (formatted and scrubbed when the record is
made, then kept as ``exc_text``), and ``stack_info``.

A secret is masked in every form it takes in a log line, not only as typed: JSON-escaped (a
password with a quote or a backslash has it escaped in a request body, non-ASCII is ``\uXXXX``),
``repr``-escaped (a secret inside a logged dict or bytes), URL-encoded (``quote`` and
``quote_plus``, as in a query string), base64 (as in a secret file or a Basic authorization), and
those escapes nested once (a JSON body shown by ``repr``, a JSON string inside JSON). All forms of
all secrets are compiled into tries (one regular expression per chunk of secrets, chunks merged as a
binary counter's bits: a registration recompiles O(log n) secrets amortised, a scrub runs O(log n)
patterns; 1,000 secrets: 2 ms a registration, 9 ms to scrub 11 kB); overlapping matches make one mask.

Some secrets reach the logs before azrm has seen them: a ``listKeys`` answer is logged by azure-core
before the keys are handed back, and the local Azure cannot know which SAS tokens are secret. The
scrubber therefore also masks what has the shape of a secret: SAS signatures (``sig=``, also
URL-encoded), ``AccountKey=`` in connection strings, ``adminPassword`` values, base64 ``"value"``
fields of 40 characters or more (storage keys), access tokens (JWTs, ``Bearer`` credentials: azure-core's
network trace logs the ``Authorization`` header whole) and the secrets of a token request's form.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "ScrubFilter", "forms", "install", "is_registered", "mask_sas", "register", "scrub", "scrub_record"]

MASK = "********"
_MIN_LENGTH = 6  # shorter strings would mask ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False
#: (secrets, their forms, one pattern of them): merged as a binary counter's bits are, so registering a
#: secret recompiles O(log n) forms amortised and a scrub runs O(log n) patterns
_chunks: tuple[tuple[int, frozenset[str], re.Pattern[str]], ...] = ()

_SAS_SIG = re.compile(r"((?:\bsig|%26sig|%3Fsig)(?:=|%3D))[^&\"'\s\\]+", re.IGNORECASE)
_SHAPES = (
    (_SAS_SIG, r"\1" + MASK),
    (re.compile(r"(AccountKey=)[^;\"'\s\\]+", re.IGNORECASE), r"\1" + MASK),
    # a JSON string value, escapes included (a password with \" in it is masked whole)
    (re.compile(r"(\"adminPassword\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")"), r"\1" + MASK + r"\2"),
    (re.compile(r"(\"value\"\s*:\s*\")[A-Za-z0-9+/]{40,}={0,2}(\")"), r"\1" + MASK + r"\2"),
    # access tokens: azure-core's network trace logs the Authorization header whole; token answers hold JWTs
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(r"(\bBearer\s+)(?!\*{8})(?!\w+=\")[A-Za-z0-9._~+/-]{16,}=*", re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"((?:client_secret|client_assertion|password)=)[^&\"'\s\\]+"), r"\1" + MASK),
)


def forms(secret: str) -> set[str]:
    """Return the forms ``secret`` can take in a log line (itself, escaped, encoded, nested once)."""
    escapes = (
        lambda s: json.dumps(s)[1:-1],
        lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
        lambda s: repr(s)[1:-1],
        lambda s: ascii(s)[1:-1],
        lambda s: repr(s.encode("utf-8"))[2:-1],
    )
    encodings = (
        lambda s: quote(s, safe=""),
        lambda s: quote(s),
        lambda s: quote_plus(s),
        lambda s: quote_plus(s, safe=""),
        lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(s, safe="")),
        lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii"),
        lambda s: base64.urlsafe_b64encode(s.encode("utf-8")).decode("ascii").rstrip("="),
    )
    first = {secret} | {f(secret) for f in (*escapes, *encodings)}
    nested = {f(form) for form in first for f in escapes}
    return {form for form in first | nested if len(form) >= _MIN_LENGTH}


def _trie(forms: Iterable[str]) -> re.Pattern[str]:
    """One pattern of all ``forms``, as a trie (shared prefixes factored, longer matches first)."""
    root: dict[str, Any] = {}
    for form in forms:
        node = root
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}

    def alternation(node: dict[str, Any]) -> str:
        options = []
        for char, child in node.items():
            if not char:
                continue
            run = [char]
            while len(child) == 1 and "" not in child:  # a chain: one literal, not one group per character
                ((char, child),) = child.items()
                run.append(char)
            options.append(re.escape("".join(run)) + alternation(child))
        if not options:
            return ""
        body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(f"(?=({alternation(root)}))")


def install() -> None:
    """Install the scrubbing record factory (once; it keeps any factory installed before it)."""
    global _installed
    with _lock:
        if not _installed:
            _install()
            _installed = True


def register(secret: str | None) -> None:
    """Keep ``secret`` (in each of its :func:`forms`) out of every log record from now on."""
    global _chunks
    if not isinstance(secret, str) or len(secret) < _MIN_LENGTH:
        return
    with _lock:
        if secret in _secrets:
            return
        _secrets.add(secret)
        chunks = list(_chunks)
        count, every = 1, frozenset(forms(secret))
        while chunks and chunks[-1][0] <= count:
            merged = chunks.pop()
            count, every = count + merged[0], every | merged[1]
        chunks.append((count, every, _trie(every)))
        _chunks = tuple(chunks)
    install()


def is_registered(value: str) -> bool:
    """Tell whether ``value`` is a secret azrm has handled."""
    with _lock:
        return value in _secrets


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret, and whatever has a secret's shape, masked."""
    spans = sorted((m.start(), m.start() + len(m.group(1))) for _, _, p in _chunks for m in p.finditer(text))
    if spans:  # every occurrence of every form; overlapping ones make one mask
        out, done = [], 0
        for start, stop in spans:
            if start >= done:
                out += [text[done:start], MASK]
                done = stop
            elif stop > done:
                done = stop
        text = "".join(out) + text[done:]
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text


def mask_sas(value: str | None) -> str | None:
    """Return a URL or query string with its SAS signature (and any registered secret) masked."""
    if not value:
        return value
    return _SAS_SIG.sub(r"\1" + MASK, scrub(value))


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask secrets in ``record`` in place: its message (formatted), traceback and stack."""
    if getattr(record, "_azrm_scrubbed", False):
        return record
    record._azrm_scrubbed = True
    try:
        text = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        _scrub_parts(record)
    else:
        cleaned = scrub(text)
        if cleaned != text:
            record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None:
        if not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_info = None  # a handler formatting it again would show the secrets
    elif record.exc_info:
        record.exc_info = None
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


class ScrubFilter(logging.Filter):
    """A logging filter doing :func:`scrub_record`, for handlers that may see records made elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def _scrub_parts(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = scrub(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_masked(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _masked(v) for k, v in record.args.items()}


def _masked(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, bytes):
        try:
            return scrub(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return value
    text = str(value)
    cleaned = scrub(text)
    return cleaned if cleaned != text else value


def _install() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
