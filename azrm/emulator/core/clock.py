"""Clocks for the local Azure: the system clock, or a manual (virtual) one that tests advance.

Everything time-based in the emulator (when a long-running operation finishes, token-bucket refills,
timestamps in bodies) reads one clock, so a manual clock makes a run fully deterministic.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "iso_compute", "iso_utc"]


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now()`` in seconds since the epoch."""

    def now(self) -> float:
        """Return current time in seconds since the epoch."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> float:
        """Return current wall-clock time."""
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to: ``advance(seconds)`` or ``set(timestamp)``.

    It starts at the wall-clock time of its creation (or ``start``) so timestamps look current.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the clock's current time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (a finite number, not negative) and return the new time."""
        if not math.isfinite(seconds):
            raise ValueError(f"seconds: {seconds!r} is not a finite number")
        if seconds < 0:
            raise ValueError(f"seconds: {seconds!r} is negative; a clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, timestamp: float) -> None:
        """Jump to ``timestamp`` (not before the current time)."""
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp: {timestamp!r} is not a finite number")
        with self._lock:
            if timestamp < self._now:
                raise ValueError(f"timestamp: {timestamp!r} is before the clock's time {self._now!r}")
            self._now = float(timestamp)

    def __repr__(self) -> str:
        return f"ManualClock({self._now!r})"


def iso_utc(ts: float) -> str:
    """ARM's usual timestamp, e.g. ``2024-05-01T10:00:00.1234567Z`` (seven fraction digits)."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def iso_compute(ts: float) -> str:
    """Return compute's timestamp style, e.g. ``2024-05-01T10:00:00.1234567+00:00``."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"
