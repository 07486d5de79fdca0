"""Synthetic metrics: what the local Azure's autoscale reads instead of real telemetry.

A user or a test *sets* a metric of a resource (``Percentage CPU`` of a scale set is ``80`` from now
on); the value holds until set again. Reads aggregate that step function over time grains, as Azure
Monitor's metrics API does: per grain, the time-weighted average of the value while it was defined.
Nothing is sampled in the background, so a manual clock makes autoscale fully deterministic.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

__all__ = ["AGGREGATIONS", "Metrics"]

#: ``timeAggregation`` of an autoscale rule (and ``aggregation`` of a metrics query), over grain values
AGGREGATIONS = ("Average", "Minimum", "Maximum", "Total", "Count", "Last")


@dataclass
class _Series:
    name: str
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def value_at(self, t: float) -> float | None:
        i = bisect_right(self.times, t) - 1
        return self.values[i] if i >= 0 else None

    def grain_average(self, start: float, end: float) -> float | None:
        """Time-weighted average over ``[start, end)`` of the part where the value is defined."""
        if not self.times or end <= self.times[0]:
            return None
        total = covered = 0.0
        i = max(0, bisect_right(self.times, start) - 1)
        while i < len(self.times) and self.times[i] < end:
            seg_start = max(start, self.times[i])
            seg_end = min(end, self.times[i + 1]) if i + 1 < len(self.times) else end
            if seg_end > seg_start:
                total += self.values[i] * (seg_end - seg_start)
                covered += seg_end - seg_start
            i += 1
        return total / covered if covered else None


class Metrics:
    """Metric series per resource (resource ids and metric names compare case-insensitively)."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], _Series] = {}

    def set(self, resource_id: str, name: str, value: float, at: float) -> None:
        """From ``at`` on, the metric is ``value`` (``at`` may not go back before the last setting)."""
        if not math.isfinite(value):
            raise ValueError(f"value: {value!r} is not a finite number")
        series = self._series.setdefault((resource_id.lower(), name.lower()), _Series(name))
        if series.times and at < series.times[-1]:
            raise ValueError(f"at: {at!r} is before the metric's last setting ({series.times[-1]!r})")
        if series.times and at == series.times[-1]:
            series.values[-1] = float(value)
        else:
            series.times.append(at)
            series.values.append(float(value))

    def value(self, resource_id: str, name: str, at: float) -> float | None:
        """Return the metric's value at ``at`` (``None`` before it was first set)."""
        series = self._series.get((resource_id.lower(), name.lower()))
        return series.value_at(at) if series else None

    def names(self, resource_id: str) -> list[str]:
        """Metrics set on a resource."""
        return [s.name for (rid, _), s in self._series.items() if rid == resource_id.lower()]

    def grains(self, resource_id: str, name: str, start: float, end: float, grain: float) -> list[tuple[float, float]]:
        """``(grain start, average)`` for each grain of ``[start, end)`` that has data."""
        series = self._series.get((resource_id.lower(), name.lower()))
        if series is None or grain <= 0:
            return []
        out = []
        t = start
        while t < end - 1e-9:
            value = series.grain_average(t, min(t + grain, end))
            if value is not None:
                out.append((t, value))
            t += grain
        return out

    @staticmethod
    def aggregate(values: list[float], aggregation: str) -> float | None:
        """Combine grain values as ``aggregation`` says (``None`` when there are none)."""
        if not values:
            return None
        kind = aggregation.lower()
        if kind == "average":
            return sum(values) / len(values)
        if kind == "minimum":
            return min(values)
        if kind == "maximum":
            return max(values)
        if kind == "total":
            return sum(values)
        if kind == "count":
            return float(len(values))
        if kind == "last":
            return values[-1]
        raise ValueError(f"aggregation: {aggregation!r} is not one of {', '.join(AGGREGATIONS)}")

    def clear(self) -> None:
        """Forget every series."""
        self._series.clear()
