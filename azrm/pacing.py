"""Keep a session's requests within ARM's budgets instead of running into 429s.

ARM answers every request with what is left of the subscription's budget for its class
(``x-ms-ratelimit-remaining-subscription-reads`` / ``-writes`` / ``-deletes``; the budgets are token
buckets that refill at a steady rate, see docs/local-azure.md) and a 429 with ``Retry-After`` once it
is spent. :class:`RateLimitPacer` is an azure-core policy shared by all the threads of a run: it
reads those headers and, when a class runs low, spaces that class's requests at its refill rate;
after a 429 it holds the whole class until ``Retry-After`` has passed (plus jitter), so that many
threads do not all retry at the same moment. Pair it with a retry policy that retries 429s.

Resource providers add budgets of their own: Compute reports per operation group and window what is
left (``x-ms-ratelimit-remaining-resource: Microsoft.Compute/PutVM3Min;239,Microsoft.Compute/PutVM30Min;1199``).
The pacer learns which requests (method class and resource type) spend which groups from those
answers, spaces them at the group's refill rate (its allowance over its window) when one runs low,
and after a provider's 429 holds only the requests that spend that provider's groups.
"""

from __future__ import annotations

import random
import re
import threading
import time
from typing import Any

from azure.core.pipeline.policies import SansIOHTTPPolicy

__all__ = ["RateLimitPacer", "parse_resource_budgets", "request_key"]

#: refill per second of ARM's buckets per subscription (reads, writes, deletes), and the level below
#: which requests are spaced out
REFILL = {"reads": 25.0, "writes": 10.0, "deletes": 10.0}
LOW_WATER = {"reads": 40, "writes": 20, "deletes": 20}
#: a provider group's window from its name (``PutVM3Min``, ``HighCostGet30Min``)
_WINDOW = re.compile(r"(\d+)Min$", re.IGNORECASE)
#: below this fraction of a provider group's allowance, its requests are spaced out
GROUP_LOW_WATER = 0.1


def request_key(method: str, url: str) -> tuple[str, str]:
    """Return what decides a request's provider budgets: its class and its resource type (lower case)."""
    path = url.split("?", 1)[0].lower()
    rtype = ""
    if "/providers/" in path:
        segments = path.rsplit("/providers/", 1)[1].split("/")
        rtype = "/".join([segments[0], *segments[1::2]])
    return request_class(method), rtype


def parse_resource_budgets(value: str) -> list[tuple[str, int]]:
    """Parse ``x-ms-ratelimit-remaining-resource`` into ``(group, remaining)`` pairs."""
    out = []
    for part in value.split(","):
        name, _, count = part.strip().partition(";")
        if name and count.strip().isdigit():
            out.append((name, int(count)))
    return out


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
        #: provider groups: which groups a request key spends, what is left, the most ever left (~allowance)
        self._groups_of: dict[tuple[str, str], tuple[str, ...]] = {}
        self._group_left: dict[str, int] = {}
        self._group_allowance: dict[str, int] = {}
        #: how long requests waited for the budget, in seconds (for benchmarks)
        self.waited = 0.0
        self.throttled = 0

    def on_request(self, request: Any) -> None:
        """Wait, if needed, until this request's class has budget (or its 429 hold has passed)."""
        key = request_key(request.http_request.method, request.http_request.url)
        kind = key[0]
        with self._lock:
            now = time.monotonic()
            start = max(now, self._hold_until.get(kind, 0.0))
            remaining = self._remaining.get(kind)
            if remaining is not None and remaining < LOW_WATER[kind]:
                start = max(start, self._next_at.get(kind, 0.0))
                self._next_at[kind] = start + 1.0 / REFILL[kind]
                self._remaining[kind] = remaining + 1  # optimistic: the bucket refills meanwhile
            for group in self._groups_of.get(key, ()):
                start = max(start, self._hold_until.get(group, 0.0))
                allowance = self._group_allowance[group]
                if self._group_left[group] < max(2, allowance * GROUP_LOW_WATER):
                    window = _WINDOW.search(group)
                    rate = allowance / (int(window.group(1)) * 60.0) if window else 1.0
                    start = max(start, self._next_at.get(group, 0.0))
                    self._next_at[group] = start + 1.0 / rate
            for group in self._groups_of.get(key, ()):  # the slowest group decides; all are spaced from then
                self._next_at[group] = max(self._next_at.get(group, 0.0), start)
            delay = start - now
            self.waited += max(0.0, delay)
        if delay > 0:
            time.sleep(delay)

    def on_response(self, request: Any, response: Any) -> None:
        """Note the remaining budget ARM reports; after a 429 hold the class until Retry-After."""
        key = request_key(request.http_request.method, request.http_request.url)
        kind = key[0]
        headers = response.http_response.headers
        value = headers.get(f"x-ms-ratelimit-remaining-subscription-{kind}")
        groups = parse_resource_budgets(headers.get("x-ms-ratelimit-remaining-resource") or "")
        with self._lock:
            if value is not None and value.isdigit():
                self._remaining[kind] = int(value)
            if groups:
                self._groups_of[key] = tuple(name for name, _ in groups)
                for name, left in groups:
                    self._group_left[name] = left
                    self._group_allowance[name] = max(self._group_allowance.get(name, 0), left + 1)
            if response.http_response.status_code == 429:
                self.throttled += 1
                try:
                    wait = float(headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                until = time.monotonic() + wait + random.uniform(0, 0.5)
                provider = groups and (value is None or not value.isdigit() or int(value) > 0)
                # a provider's refusal (ARM's budget is not spent) holds the requests that spend its groups
                held = ([name for name, left in groups if left < 1] or [n for n, _ in groups]) if provider else [kind]
                for name in held:
                    self._hold_until[name] = max(self._hold_until.get(name, 0.0), until)
                if not provider:
                    self._remaining[kind] = 0
