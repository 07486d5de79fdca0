"""Autoscale rules and profiles (``New-AzureRmAutoscaleRule``, ``New-AzureRmAutoscaleProfile``).

::

    out = azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=vmss.id,
                                  operator="GreaterThan", threshold=70, time_window="PT5M",
                                  scale_action_direction="Increase", scale_action_value=1,
                                  scale_action_cooldown="PT5M")
    back = azrm.new_autoscale_rule(..., operator="LessThan", threshold=30, scale_action_direction="Decrease", ...)
    profile = azrm.new_autoscale_profile("cpu", default_capacity=2, minimum_capacity=2, maximum_capacity=10,
                                         rule=[out, back])
    az.new_autoscale_setting(rg, "web-autoscale", location=..., target_resource_id=vmss.id,
                             autoscale_profile=profile)

Durations are ISO 8601 strings (``PT5M``) or :class:`datetime.timedelta`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Literal

from ..rules import iso_duration_seconds
from ._base import Builder, check, checked, resource_ref

__all__ = ["AutoscaleProfile", "AutoscaleRule", "new_autoscale_profile", "new_autoscale_rule"]

_OPERATORS = {
    o.lower(): o for o in ("Equals", "NotEquals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual")
}
_STATISTICS = {s.lower(): s for s in ("Average", "Min", "Max", "Sum", "Count")}
_AGGREGATIONS = {a.lower(): a for a in ("Average", "Minimum", "Maximum", "Total", "Count", "Last")}
_TYPES = {t.lower(): t for t in ("ChangeCount", "PercentChangeCount", "ExactCount")}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _choice(value: Any, choices: dict[str, str], field: str) -> Any:
    found = choices.get(str(value).lower())
    check(found is not None, field, value, f"must be one of {', '.join(choices.values())}")
    return found


def duration(value: str | _dt.timedelta, field: str, *, low: int, high: int) -> str:
    """ISO 8601 duration text for ``value``, checked against ``[low, high]`` seconds."""
    if isinstance(value, _dt.timedelta):
        seconds = int(value.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
        text = text if text != "PT" else "PT0S"
    else:
        text = str(value)
        try:
            seconds = int(iso_duration_seconds(text))
        except ValueError:
            check(False, field, value, "an ISO 8601 duration such as PT5M (or a datetime.timedelta)")
    check(low <= seconds <= high, field, value, f"must be between {_human(low)} and {_human(high)}")
    return text


def _human(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400} day(s)"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour(s)"
    return f"{seconds // 60} minute(s)"


class AutoscaleRule(Builder):
    """A metric rule and the scale action it triggers."""

    metric_name: str
    metric_resource_id: str
    operator: str
    metric_statistic: str = "Average"
    threshold: float
    time_grain: str = "PT1M"
    time_window: str = "PT5M"
    time_aggregation_operator: str = "Average"
    scale_action_direction: Literal["Increase", "Decrease"]
    scale_action_scale_type: str = "ChangeCount"
    scale_action_value: int
    scale_action_cooldown: str = "PT5M"

    def to_body(self) -> dict[str, Any]:
        """Return the rule as ARM's JSON."""
        return {
            "metricTrigger": {
                "metricName": self.metric_name,
                "metricResourceUri": self.metric_resource_id,
                "timeGrain": self.time_grain,
                "statistic": self.metric_statistic,
                "timeWindow": self.time_window,
                "timeAggregation": self.time_aggregation_operator,
                "operator": self.operator,
                "threshold": self.threshold,
            },
            "scaleAction": {
                "direction": self.scale_action_direction,
                "type": self.scale_action_scale_type,
                "value": str(self.scale_action_value),
                "cooldown": self.scale_action_cooldown,
            },
        }


@checked
def new_autoscale_rule(
    *,
    metric_name: str,
    metric_resource_id: Any,
    operator: str,
    threshold: float,
    scale_action_direction: str,
    scale_action_value: int = 1,
    metric_statistic: str = "Average",
    time_grain: str | _dt.timedelta = "PT1M",
    time_window: str | _dt.timedelta = "PT5M",
    time_aggregation_operator: str = "Average",
    scale_action_scale_type: str = "ChangeCount",
    scale_action_cooldown: str | _dt.timedelta = "PT5M",
) -> AutoscaleRule:
    """Describe an autoscale rule (``New-AzureRmAutoscaleRule`` / ``New-AzAutoscaleScaleRuleObject``).

    :keyword metric_name: ``Percentage CPU`` for a scale set's average CPU.
    :keyword operator: ``GreaterThan``, ``LessThan``... compared with ``threshold``.
    :keyword time_window: how far back the metric is read (5 minutes to 12 hours).
    :keyword scale_action_direction: ``Increase`` (scale out) or ``Decrease`` (scale in).
    :keyword scale_action_cooldown: how long autoscale waits after acting (1 minute to 1 week).
    """
    check(isinstance(threshold, (int, float)) and not isinstance(threshold, bool), "threshold", threshold, "a number")
    check(bool(str(metric_name).strip()), "metric_name", metric_name, "cannot be empty")
    kind = _choice(scale_action_scale_type, _TYPES, "scale_action_scale_type")
    low = 0 if kind == "ExactCount" else 1
    check(
        isinstance(scale_action_value, int) and not isinstance(scale_action_value, bool) and scale_action_value >= low,
        "scale_action_value",
        scale_action_value,
        f"a whole number of at least {low}",
    )
    grain = duration(time_grain, "time_grain", low=60, high=43200)
    window = duration(time_window, "time_window", low=300, high=43200)
    return AutoscaleRule(
        metric_name=metric_name,
        metric_resource_id=resource_ref(metric_resource_id, "metric_resource_id"),
        operator=_choice(operator, _OPERATORS, "operator"),
        metric_statistic=_choice(metric_statistic, _STATISTICS, "metric_statistic"),
        threshold=float(threshold),
        time_grain=grain,
        time_window=window,
        time_aggregation_operator=_choice(time_aggregation_operator, _AGGREGATIONS, "time_aggregation_operator"),
        scale_action_direction=_choice(
            scale_action_direction, {"increase": "Increase", "decrease": "Decrease"}, "scale_action_direction"
        ),
        scale_action_scale_type=kind,
        scale_action_value=scale_action_value,
        scale_action_cooldown=duration(scale_action_cooldown, "scale_action_cooldown", low=60, high=604800),
    )


class AutoscaleProfile(Builder):
    """Capacity bounds and rules, always in force or for a date range or a weekly schedule."""

    name: str
    default_capacity: int
    minimum_capacity: int
    maximum_capacity: int
    rules: tuple[AutoscaleRule, ...] = ()
    fixed_date: tuple[str, str, str] | None = None  # (time zone, start, end)
    recurrence: tuple[str, tuple[str, ...], tuple[int, ...], tuple[int, ...]] | None = (
        None  # (tz, days, hours, minutes)
    )

    def _rules(self) -> None:
        low, high, default = self.minimum_capacity, self.maximum_capacity, self.default_capacity
        check(
            0 <= low <= high <= 1000,
            "minimum_capacity/maximum_capacity",
            (low, high),
            "0 <= minimum_capacity <= maximum_capacity <= 1000",
        )
        check(
            low <= default <= high,
            "default_capacity",
            default,
            f"must be between minimum_capacity ({low}) and maximum_capacity ({high})",
        )
        check(len(self.rules) <= 10, "rule", len(self.rules), "a profile holds at most 10 rules")
        check(
            not (self.fixed_date and self.recurrence),
            "fixed_date/recurrence",
            None,
            "a profile has one of them, or none",
        )

    def to_body(self) -> dict[str, Any]:
        """Return the profile as ARM's JSON."""
        body: dict[str, Any] = {
            "name": self.name,
            "capacity": {
                "minimum": str(self.minimum_capacity),
                "maximum": str(self.maximum_capacity),
                "default": str(self.default_capacity),
            },
            "rules": [r.to_body() for r in self.rules],
        }
        if self.fixed_date:
            tz, start, end = self.fixed_date
            body["fixedDate"] = {"timeZone": tz, "start": start, "end": end}
        if self.recurrence:
            tz, days, hours, minutes = self.recurrence
            body["recurrence"] = {
                "frequency": "Week",
                "schedule": {"timeZone": tz, "days": list(days), "hours": list(hours), "minutes": list(minutes)},
            }
        return body


def _iso(value: str | _dt.datetime, field: str) -> str:
    if isinstance(value, _dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        _dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        check(False, field, value, "an ISO 8601 time such as 2026-12-24T18:00:00Z (or a datetime)")
    return str(value)


@checked
def new_autoscale_profile(
    name: str,
    *,
    default_capacity: int,
    minimum_capacity: int,
    maximum_capacity: int,
    rule: AutoscaleRule | Sequence[AutoscaleRule] = (),
    start_time_window: str | _dt.datetime | None = None,
    end_time_window: str | _dt.datetime | None = None,
    time_window_time_zone: str = "UTC",
    schedule_day: Sequence[str] = (),
    schedule_hour: Sequence[int] = (0,),
    schedule_minute: Sequence[int] = (0,),
    schedule_time_zone: str = "UTC",
) -> AutoscaleProfile:
    """Describe an autoscale profile (``New-AzureRmAutoscaleProfile`` / ``New-AzAutoscaleProfileObject``).

    Without dates or days it is always in force. ``start_time_window``/``end_time_window`` make a
    fixed-date profile; ``schedule_day`` (``["Saturday", "Sunday"]``) a weekly one, from
    ``schedule_hour``:``schedule_minute`` until the next scheduled profile starts.
    """
    rules = (rule,) if isinstance(rule, AutoscaleRule) else tuple(rule)
    for item in rules:
        check(
            isinstance(item, AutoscaleRule),
            "rule",
            type(item).__name__,
            "must be azrm.AutoscaleRule objects (azrm.new_autoscale_rule)",
        )
    for field, value in (
        ("default_capacity", default_capacity),
        ("minimum_capacity", minimum_capacity),
        ("maximum_capacity", maximum_capacity),
    ):
        check(isinstance(value, int) and not isinstance(value, bool), field, value, "a whole number of instances")
    fixed = None
    if start_time_window is not None or end_time_window is not None:
        check(
            start_time_window is not None and end_time_window is not None,
            "start_time_window/end_time_window",
            None,
            "a fixed-date profile needs both",
        )
        assert start_time_window is not None and end_time_window is not None
        start, end = _iso(start_time_window, "start_time_window"), _iso(end_time_window, "end_time_window")
        check(start < end, "end_time_window", end, f"must be after start_time_window ({start})")
        fixed = (time_window_time_zone, start, end)
    recurrence = None
    if schedule_day:
        days = tuple(_choice(d, {x.lower(): x for x in _DAYS}, "schedule_day") for d in schedule_day)
        for field, values, top in (("schedule_hour", schedule_hour, 23), ("schedule_minute", schedule_minute, 59)):
            check(
                bool(values) and all(isinstance(v, int) and 0 <= v <= top for v in values),
                field,
                list(values),
                f"whole numbers from 0 to {top}",
            )
        recurrence = (schedule_time_zone, days, tuple(schedule_hour), tuple(schedule_minute))
    return AutoscaleProfile(
        name=name,
        default_capacity=default_capacity,
        minimum_capacity=minimum_capacity,
        maximum_capacity=maximum_capacity,
        rules=rules,
        fixed_date=fixed,
        recurrence=recurrence,
    )
