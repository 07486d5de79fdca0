"""Keep a session's requests within ARM's budgets instead of running into 429s.

ARM answers every request with what is left of the subscription's budget for its class
(``x-ms-ratelimit-remaining-subscription-reads`` / ``-writes`` / ``-deletes``; the budgets are token
buckets that refill at a steady rate, see docs/local-azure.md) and a 429 with ``Retry-After`` once it
is spent. :class:`RateLimitPacer` is an azure-core policy shared by all the threads of a run: it
reads those headers and, when a class runs low, spaces that class's requests at its refill rate;
after a 429 it holds the whole class until ``Retry-After`` has passed (plus jitter), so that many
threads do not all retry at the same moment. Pair it with a retry policy that retries 429s.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

__all__ = ["RateLimitPacer"]

#: refill per second of ARM's buckets per subscription (reads, writes, deletes), and the level below
#: which requests are spaced out
REFILL = {"reads": 25.0, "writes": 10.0, "deletes": 10.0}
LOW_WATER = {"reads": 40, "writes": 20, "deletes": 20}


def request_class(method: str) -> str:
    """ARM's class of a request."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    return "deletes" if method == "DELETE" else "writes"


class RateLimitPacer(SansIOHTTPPolicy):
    """Space requests by ARM's remaining budgets; hold a class after a 429 (thread-safe, shared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining: dict[str, int] = {}
        self._next_at: dict[str, float] = {}
        self._hold_until: dict[str, float] = {}
        #: how long requests waited for the budget, in seconds (for benchmarks)
        self.waited = 0.0
        self.throttled = 0

    def on_request(self, request: Any) -> None:
        """Wait, if needed, until this request's class has budget (or its 429 hold has passed)."""
        kind = request_class(request.http_request.method)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._hold_until.get(kind, 0.0))
            remaining = self._remaining.get(kind)
            if remaining is not None and remaining < LOW_WATER[kind]:
                start = max(start, self._next_at.get(kind, 0.0))
                self._next_at[kind] = start + 1.0 / REFILL[kind]
                self._remaining[kind] = remaining + 1  # optimistic: the bucket refills meanwhile
            delay = start - now
            self.waited += max(0.0, delay)
        if delay > 0:
            time.sleep(delay)

    def on_response(self, request: Any, response: Any) -> None:
        """Note the remaining budget ARM reports; after a 429 hold the class until Retry-After."""
        kind = request_class(request.http_request.method)
        headers = response.http_response.headers
        value = headers.get(f"x-ms-ratelimit-remaining-subscription-{kind}")
        with self._lock:
            if value is not None and value.isdigit():
                self._remaining[kind] = int(value)
            if response.http_response.status_code == 429:
                self.throttled += 1
                try:
                    wait = float(headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                until = time.monotonic() + wait + random.uniform(0, 0.5)
                self._hold_until[kind] = max(self._hold_until.get(kind, 0.0), until)
                self._remaining[kind] = 0
