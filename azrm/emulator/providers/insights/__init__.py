"""Microsoft.Insights: autoscale settings that really scale, the activity log, and metrics.

The package: ``settings.py`` (settings checked and stored), ``evaluation.py`` (the minute timer and
the scaling), ``monitor.py`` (activity log and metrics API), ``common.py`` (names they share).

Autoscale evaluates every enabled setting once a minute on the emulator's clock (a timer the engine
fires in time order with long-running operations, so a manual clock makes it deterministic):

1. The active profile: a ``fixedDate`` profile whose window holds the time, else the latest started
   ``recurrence`` profile (weekly schedules, UTC), else the default profile.
2. A capacity outside the profile's bounds is brought inside them.
3. Otherwise the rules: each reads its metric over ``timeWindow`` in ``timeGrain`` steps (the
   synthetic metrics a user sets, see :mod:`azrm.emulator.core.metrics`), combines the grains with
   ``timeAggregation`` and compares with ``threshold``. Any scale-out rule that fires scales out (the
   largest result wins); scale-in happens only when every scale-in rule fires. With no metric data and
   a capacity below ``default``, autoscale scales to the default.
4. The result is clamped to the bounds; nothing happens while the last action's ``cooldown`` runs.

Each action changes the scale set's ``sku.capacity`` through its own backend (instances come and go
as with a manual scale) and is written to the activity log as Azure does
(``Microsoft.Insights/AutoscaleSettings/Scaleup/Action`` or ``Scaledown``), which
``Get-AzAutoscaleHistory`` and ``activity_logs.list`` read.
"""

from __future__ import annotations

from .common import AUTOSCALE_TYPE, METRICS, parse_duration
from .settings import AutoscaleBackend

__all__ = ["AUTOSCALE_TYPE", "METRICS", "AutoscaleBackend", "parse_duration"]
