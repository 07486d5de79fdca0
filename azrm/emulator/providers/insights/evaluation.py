"""Autoscale evaluation: once a minute on the emulator clock, each enabled setting scales its target.

See the package docstring for the rules (active profile, bounds, rules over metrics, cooldown).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...core.clock import iso_utc
from ...core.store import Record
from ..base import Provider
from ..compute.common import VMSS_TYPE

if TYPE_CHECKING:
    pass

from .common import (
    _ACTIVITY_LOG_LIMIT,
    _OPERATORS,
    AUTOSCALE_TYPE,
    EVALUATION_SECONDS,
    MAX_CATCH_UP_SECONDS,
    parse_duration,
    timestamp,
)


class AutoscaleEvaluation(Provider):
    """The timer that evaluates autoscale settings and writes their actions to the activity log."""

    _last_evaluation: float | None

    # -- evaluation ----------------------------------------------------------------------------------
    def next_due(self) -> float | None:
        """When autoscale evaluates next (the next whole minute), or ``None`` with nothing to evaluate."""
        if not any(r.properties.get("enabled") for r in self.store.of_type(AUTOSCALE_TYPE)):
            self._last_evaluation = None
            return None
        now = self.emu.clock.now()
        if self._last_evaluation is None:
            self._last_evaluation = math.floor(now / EVALUATION_SECONDS) * EVALUATION_SECONDS
        start = max(self._last_evaluation, now - MAX_CATCH_UP_SECONDS)
        return math.floor(start / EVALUATION_SECONDS) * EVALUATION_SECONDS + EVALUATION_SECONDS

    def fire(self, at: float) -> None:
        """Evaluate every enabled setting at ``at``."""
        self._last_evaluation = at
        for setting in list(self.store.of_type(AUTOSCALE_TYPE)):
            if setting.properties.get("enabled"):
                self.evaluate(setting, at)

    def active_profile(self, setting: Record, at: float) -> dict[str, Any] | None:
        """Return the profile in force at ``at``: fixed date, else the latest started recurrence, else default."""
        profiles = setting.properties["profiles"]
        for profile in profiles:
            fixed = profile.get("fixedDate")
            if fixed and timestamp(fixed["start"], "start") <= at < timestamp(fixed["end"], "end"):
                return profile
        moment = datetime.fromtimestamp(at, timezone.utc)
        best: tuple[float, dict[str, Any]] | None = None
        for profile in profiles:
            schedule = (profile.get("recurrence") or {}).get("schedule")
            if not schedule:
                continue
            for day in schedule.get("days", []):
                weekday = self._weekday(str(day))
                for hour in schedule.get("hours", [0]):
                    for minute in schedule.get("minutes", [0]):
                        days_back = (moment.weekday() - weekday) % 7
                        start = moment.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0).timestamp()
                        start -= days_back * 86400
                        if start > at:
                            start -= 7 * 86400
                        if best is None or start > best[0]:
                            best = (start, profile)
        if best is not None:
            return best[1]
        return next((p for p in profiles if not p.get("fixedDate") and not p.get("recurrence")), None)

    @staticmethod
    def _weekday(day: str) -> int:
        names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        if day.isdigit():  # Azure also takes 0 (Sunday) to 6
            return (int(day) - 1) % 7
        return names.index(day.lower()) if day.lower() in names else 0

    def _rule_value(self, rule: dict[str, Any], at: float, capacity: int) -> float | None:
        trigger = rule["metricTrigger"]
        grain = parse_duration(trigger["timeGrain"], "timeGrain")
        window = parse_duration(trigger["timeWindow"], "timeWindow")
        grains = self.emu.metrics.grains(trigger["metricResourceUri"], trigger["metricName"], at - window, at, grain)
        value = self.emu.metrics.aggregate([v for _, v in grains], trigger["timeAggregation"])
        if value is not None and trigger.get("dividePerInstance") and capacity:
            value /= capacity
        return value

    def _fires(self, rule: dict[str, Any], value: float | None) -> bool:
        if value is None:
            return False
        trigger = rule["metricTrigger"]
        return bool(_OPERATORS[str(trigger["operator"]).lower()](value, float(trigger["threshold"])))

    @staticmethod
    def _apply(action: dict[str, Any], capacity: int) -> int:
        value = int(action["value"])
        sign = 1 if action["direction"] == "Increase" else -1
        if action["type"] == "ExactCount":
            return value
        if action["type"] == "PercentChangeCount":
            return capacity + sign * max(1, math.ceil(capacity * value / 100))
        return capacity + sign * value

    def evaluate(self, setting: Record, at: float) -> None:
        """One evaluation of one setting (see the module's description)."""
        from ..compute.vmss import VirtualMachineScaleSetBackend

        target = self.store.get(setting.properties["targetResourceUri"])
        profile = self.active_profile(setting, at)
        if target is None or target.type != VMSS_TYPE or profile is None:
            return
        if target.properties.get("provisioningState") == "Deleting":
            return
        if at < float(setting.internal.get("cooldown_until", 0)):
            return
        capacity = int(target.body["sku"]["capacity"])
        low, high, default = (int(profile["capacity"][k]) for k in ("minimum", "maximum", "default"))
        new, cooldown, reason = capacity, 0.0, ""
        rules = profile["rules"]
        values = [self._rule_value(r, at, capacity) for r in rules]
        if capacity < low or capacity > high:
            new, reason = min(max(capacity, low), high), "the capacity was outside the profile's bounds"
        elif rules and all(v is None for v in values) and capacity < default:
            new, reason = default, "no metric data: the profile's default capacity"
        else:
            outs = [(r, v) for r, v in zip(rules, values, strict=True) if r["scaleAction"]["direction"] == "Increase"]
            ins = [(r, v) for r, v in zip(rules, values, strict=True) if r["scaleAction"]["direction"] == "Decrease"]
            fired_out = [(r, v) for r, v in outs if self._fires(r, v)]
            if fired_out:
                rule, value = max(fired_out, key=lambda rv: self._apply(rv[0]["scaleAction"], capacity))
                new = self._apply(rule["scaleAction"], capacity)
                cooldown = parse_duration(rule["scaleAction"]["cooldown"], "cooldown")
                reason = self._because(rule, value)
            elif ins and all(self._fires(r, v) for r, v in ins):
                rule, value = max(ins, key=lambda rv: self._apply(rv[0]["scaleAction"], capacity))
                new = self._apply(rule["scaleAction"], capacity)
                cooldown = parse_duration(rule["scaleAction"]["cooldown"], "cooldown")
                reason = self._because(rule, value)
            new = min(max(new, low), high)
        if new == capacity:
            return
        self.emu.backend(VirtualMachineScaleSetBackend).set_capacity(target.id, new)
        setting.internal["cooldown_until"] = at + cooldown
        self.store.touch(setting)
        self._log(setting, target, profile, capacity, new, reason, at)

    @staticmethod
    def _because(rule: dict[str, Any], value: float | None) -> str:
        trigger = rule["metricTrigger"]
        return (
            f"{trigger['metricName']} {trigger['timeAggregation'].lower()} over {trigger['timeWindow']} was "
            f"{value:g}, {trigger['operator']} {float(trigger['threshold']):g}"
        )

    # -- the activity log --------------------------------------------------------------------------------
    def _log(
        self, setting: Record, target: Record, profile: dict[str, Any], old: int, new: int, reason: str, at: float
    ) -> None:
        up = new > old
        verb = "Scaleup" if up else "Scaledown"
        when = iso_utc(at)
        event = {
            "authorization": {"action": f"Microsoft.Insights/AutoscaleSettings/{verb}/Action", "scope": setting.id},
            "caller": "Microsoft.Insights/autoscaleSettings",
            "channels": "Admin, Operation",
            "correlationId": self.guid(),
            "description": f"The autoscale engine scaled '{target.id}' from {old} to {new} instances: {reason}.",
            "eventDataId": self.guid(),
            "eventName": {"value": "AutoscaleAction", "localizedValue": "AutoscaleAction"},
            "category": {"value": "Autoscale", "localizedValue": "Autoscale"},
            "eventTimestamp": when,
            "id": f"{setting.id}/events/{self.guid()}",
            "level": "Informational",
            "operationId": self.guid(),
            "operationName": {
                "value": f"Microsoft.Insights/AutoscaleSettings/{verb}/Action",
                "localizedValue": f"Autoscale scale {'up' if up else 'down'} completed",
            },
            "resourceGroupName": setting.resource_group,
            "resourceProviderName": {"value": "microsoft.insights", "localizedValue": "Microsoft Insights"},
            "resourceType": {
                "value": "microsoft.insights/autoscalesettings",
                "localizedValue": "microsoft.insights/autoscalesettings",
            },
            "resourceId": setting.id,
            "status": {"value": "Succeeded", "localizedValue": "Succeeded"},
            "subStatus": {"value": "", "localizedValue": ""},
            "submissionTimestamp": when,
            "subscriptionId": setting.rid.subscription,
            "properties": {
                "Description": f"The autoscale engine scaled resource '{target.id}' from {old} to {new} instances.",
                "ResourceName": target.id,
                "OldInstancesCount": str(old),
                "NewInstancesCount": str(new),
                "ActiveAutoscaleProfile": profile["name"],
                "LastScaleActionTime": when,
                "Reason": reason,
            },
        }
        log = list(self.store.meta.get("activity_log", []))
        log.append(event)
        self.store.set_meta("activity_log", log[-_ACTIVITY_LOG_LIMIT:])
