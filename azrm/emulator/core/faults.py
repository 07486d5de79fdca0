"""Fault injection: transient errors and failed long-running operations, deterministic for a seed.

A fault is decided *before* the request touches any state, so the SDK's own retry policy can
safely repeat it, exactly as it does against Azure's transient failures. Dropped connections are only
injected into methods azure-core retries after a connection error (GET, HEAD, PUT, DELETE); a POST
or PATCH drawn for a drop gets a 503 instead, since a real dropped POST would surface to the caller.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "FaultInjector", "FaultPlan"]

FAULT_KINDS = ("500", "503", "429", "drop")
_DROP_SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True)
class FaultPlan:
    """What to inject.

    :param rate: share of requests (0..1) that get a transient fault.
    :param lro_rate: share of long-running operations that end ``Failed``.
    :param kinds: which transient faults to draw from (``500``, ``503``, ``429``, ``drop``).
    :param retry_after: seconds in the ``Retry-After`` of injected 503 and 429 answers.
    :param schedule: exact faults by request number (1-based, counting every request).
    :param seed: seed of the fault draws; ``None`` takes the emulator's ``--seed``.
    """

    rate: float = 0.0
    lro_rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: int = 1
    schedule: Mapping[int, str] = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self) -> None:
        for name, value in (("rate", self.rate), ("lro", self.lro_rate)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"faults {name}: {value!r} is not a share between 0 and 1")
        for kind in (*self.kinds, *self.schedule.values()):
            if kind not in FAULT_KINDS:
                raise ValueError(f"faults kind: {kind!r} is not one of {', '.join(FAULT_KINDS)}")
        if not self.kinds:
            raise ValueError("faults kinds: at least one kind is needed")
        if self.retry_after < 1:
            raise ValueError(f"faults retry_after: {self.retry_after!r} must be at least 1 second")

    @property
    def active(self) -> bool:
        """Whether anything is injected at all."""
        return bool(self.rate or self.lro_rate or self.schedule)

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Parse the CLI's ``--faults``: ``rate=0.1,seed=7,lro=0.05,kinds=500+503,retry_after=1,at=3:503+9:drop``."""
        values: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, raw = item.partition("=")
            if not sep:
                raise ValueError(f"faults: {item!r} is not name=value")
            name = name.strip().lower()
            raw = raw.strip()
            try:
                if name == "rate":
                    values["rate"] = float(raw)
                elif name == "lro":
                    values["lro_rate"] = float(raw)
                elif name == "seed":
                    values["seed"] = int(raw)
                elif name == "retry_after":
                    values["retry_after"] = int(raw)
                elif name == "kinds":
                    values["kinds"] = tuple(k for k in raw.split("+") if k)
                elif name == "at":
                    schedule: dict[int, str] = {}
                    for entry in raw.split("+"):
                        number, _, kind = entry.partition(":")
                        schedule[int(number)] = kind
                    values["schedule"] = schedule
                else:
                    raise ValueError(f"faults: unknown setting {name!r} (rate, lro, seed, kinds, retry_after, at)")
            except ValueError as exc:
                if "faults" in str(exc):
                    raise
                raise ValueError(f"faults {name}: {raw!r} is not a valid value") from None
        return cls(**values)  # type: ignore[arg-type]


class FaultInjector:
    """Draws faults for one emulator, in request order."""

    def __init__(self, plan: FaultPlan, seed: int) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed if plan.seed is not None else seed)
        self._count = 0
        self.injected: dict[str, int] = {}

    def decide(self, method: str) -> str | None:
        """Return the fault for the next request, or ``None``."""
        self._count += 1
        kind = self.plan.schedule.get(self._count)
        if kind is None and self.plan.rate and self._rng.random() < self.plan.rate:
            kind = self._rng.choice(self.plan.kinds)
        if kind == "drop" and method.upper() not in _DROP_SAFE_METHODS:
            kind = "503"
        if kind is not None:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def lro_fails(self) -> bool:
        """Whether the long-running operation being started will end ``Failed``."""
        if not self.plan.lro_rate:
            return False
        failed = self._rng.random() < self.plan.lro_rate
        if failed:
            self.injected["lro"] = self.injected.get("lro", 0) + 1
        return failed
