"""Autoscale settings: checked as Azure checks them (targets, metrics, durations, capacities) and stored."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...core.errors import ArmError
from ...core.ids import key
from ...core.metrics import AGGREGATIONS
from ...core.router import Router
from ...core.store import Record
from ...core.wire import Response
from ..base import json_response, list_response
from ..compute.common import VMSS_TYPE

if TYPE_CHECKING:
    from ...core.wire import Call

from .common import (
    _ACTION_TYPES,
    _OPERATORS,
    _STATISTICS,
    AUTOSCALE_TYPE,
    EVALUATION_SECONDS,
    METRICS,
    invalid,
    parse_duration,
    timestamp,
    whole,
)
from .evaluation import AutoscaleEvaluation
from .monitor import MonitorApi


class AutoscaleBackend(AutoscaleEvaluation, MonitorApi):
    """Autoscale settings, their evaluation, the activity log and the metrics API."""

    namespace = "Microsoft.Insights"

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self._last_evaluation: float | None = None
        emu.timers.append(self)

    def register(self, r: Router) -> None:
        base = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights"
        one = base + "/autoscalesettings/{autoscaleSettingName}"
        r.add("PUT", one, self.put_setting)
        r.add("PATCH", one, self.patch_setting)
        r.add("GET", one, self.get_setting)
        r.add("DELETE", one, self.delete_setting)
        r.add("GET", base + "/autoscalesettings", self.list_settings)
        r.add(
            "GET", "/subscriptions/{subscriptionId}/providers/Microsoft.Insights/autoscalesettings", self.list_settings
        )
        r.add(
            "GET",
            "/subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values",
            self.activity_log,
        )
        rg = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
        for collection in ("virtualMachineScaleSets", "virtualMachines"):
            r.add("GET", f"{rg}/{collection}/{{name}}/providers/Microsoft.Insights/metrics", self.metrics)
            r.add(
                "GET",
                f"{rg}/{collection}/{{name}}/providers/Microsoft.Insights/metricDefinitions",
                self.metric_definitions,
            )

    # -- validation ----------------------------------------------------------------------------------
    def _target(self, uri: Any, field: str) -> Record:
        record = self.store.get(str(uri or ""))
        if record is None or record.type.lower() not in METRICS:
            raise ArmError(
                400,
                "TargetResourceNotFound",
                f"The {field} '{uri}' was not found, or is not a resource the local Azure can scale "
                "(virtual machine scale sets) or read metrics of.",
            )
        return record

    def _rule(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        trigger = dict(raw.get("metricTrigger") or {})
        action = dict(raw.get("scaleAction") or {})
        for field in ("metricName", "metricResourceUri", "timeGrain", "statistic", "timeWindow", "timeAggregation",
                      "operator", "threshold"):  # fmt: skip
            if trigger.get(field) is None:
                raise invalid(f"{where}.metricTrigger.{field} is required.")
        source = self._target(trigger["metricResourceUri"], f"{where}.metricTrigger.metricResourceUri")
        known = METRICS[source.type.lower()]
        name = next((m for m in known if m.lower() == str(trigger["metricName"]).lower()), None)
        if name is None:
            raise ArmError(
                400,
                "UnsupportedMetric",
                f"The metric '{trigger['metricName']}' is not supported for resource type '{source.type}'. "
                f"Supported metrics: {', '.join(known)}.",
            )
        grain = parse_duration(trigger["timeGrain"], f"{where}.metricTrigger.timeGrain")
        window = parse_duration(trigger["timeWindow"], f"{where}.metricTrigger.timeWindow")
        if not 60 <= grain <= 43200:
            raise invalid(f"{where}.metricTrigger.timeGrain must be between PT1M and PT12H.")
        if not 300 <= window <= 43200 or window < grain:
            raise invalid(f"{where}.metricTrigger.timeWindow must be between PT5M and PT12H and not below timeGrain.")
        statistic = next((s for s in _STATISTICS if s.lower() == str(trigger["statistic"]).lower()), None)
        aggregation = next((a for a in AGGREGATIONS if a.lower() == str(trigger["timeAggregation"]).lower()), None)
        if statistic is None or aggregation is None:
            raise invalid(
                f"{where}.metricTrigger: statistic is one of {', '.join(_STATISTICS)}; timeAggregation one of "
                f"{', '.join(AGGREGATIONS)}."
            )
        if str(trigger["operator"]).lower() not in _OPERATORS:
            raise invalid(f"{where}.metricTrigger.operator '{trigger['operator']}' is not a comparison operator.")
        if not isinstance(trigger["threshold"], (int, float)) or isinstance(trigger["threshold"], bool):
            raise invalid(f"{where}.metricTrigger.threshold must be a number.")
        direction = str(action.get("direction") or "")
        if direction.lower() not in ("increase", "decrease"):
            raise invalid(f"{where}.scaleAction.direction '{direction}' must be Increase or Decrease.")
        kind = _ACTION_TYPES.get(str(action.get("type") or "ChangeCount").lower())
        if kind is None:
            raise invalid(
                f"{where}.scaleAction.type '{action.get('type')}' is not ChangeCount, PercentChangeCount or ExactCount."
            )
        value = whole(action.get("value"), f"{where}.scaleAction.value")
        if value < (0 if kind == "ExactCount" else 1):
            raise invalid(f"{where}.scaleAction.value must be at least {0 if kind == 'ExactCount' else 1}.")
        cooldown = parse_duration(action.get("cooldown"), f"{where}.scaleAction.cooldown")
        if not 60 <= cooldown <= 604800:
            raise invalid(f"{where}.scaleAction.cooldown must be between PT1M and P7D.")
        trigger.update(metricName=name, metricResourceUri=source.id, statistic=statistic, timeAggregation=aggregation)
        trigger.setdefault("dividePerInstance", False)
        trigger["metricNamespace"] = trigger.get("metricNamespace") or ""
        return {
            "metricTrigger": trigger,
            "scaleAction": {
                "direction": direction.capitalize(),
                "type": kind,
                "value": str(value),
                "cooldown": action["cooldown"],
            },
        }

    def _profile(self, raw: dict[str, Any], index: int) -> dict[str, Any]:
        where = f"profiles[{index}]"
        if not raw.get("name"):
            raise invalid(f"{where}.name is required.")
        capacity = raw.get("capacity") or {}
        low, high, default = (
            whole(capacity.get(k), f"{where}.capacity.{k}") for k in ("minimum", "maximum", "default")
        )
        if not 0 <= low <= high <= 1000:
            raise invalid(
                f"{where}.capacity: minimum ({low}) and maximum ({high}) must satisfy 0 <= minimum <= maximum <= 1000."
            )
        if not low <= default <= high:
            raise invalid(f"{where}.capacity.default ({default}) must be between minimum ({low}) and maximum ({high}).")
        rules_in = raw.get("rules") or []
        if len(rules_in) > 10:
            raise invalid(f"{where} has {len(rules_in)} rules; a profile holds at most 10.")
        profile: dict[str, Any] = {
            "name": raw["name"],
            "capacity": {"minimum": str(low), "maximum": str(high), "default": str(default)},
            "rules": [self._rule(rule, f"{where}.rules[{j}]") for j, rule in enumerate(rules_in)],
        }
        if raw.get("fixedDate"):
            fixed = dict(raw["fixedDate"])
            for field in ("start", "end"):
                timestamp(fixed.get(field), f"{where}.fixedDate.{field}")
            profile["fixedDate"] = fixed
        if raw.get("recurrence"):
            recurrence = dict(raw["recurrence"])
            schedule = recurrence.get("schedule") or {}
            if str(recurrence.get("frequency", "")).lower() != "week" or not schedule.get("days"):
                raise invalid(f"{where}.recurrence: frequency is Week, with schedule days, hours and minutes.")
            profile["recurrence"] = recurrence
        return profile

    def _build(self, call: Call, rid: str, body: dict[str, Any], existing: Record | None) -> Record:
        props_in = body.get("properties") or {}
        profiles_in = props_in.get("profiles") or []
        if not 1 <= len(profiles_in) <= 20:
            raise invalid("An autoscale setting has 1 to 20 profiles.")
        target = self._target(props_in.get("targetResourceUri"), "targetResourceUri")
        if target.type != VMSS_TYPE:
            raise ArmError(
                400,
                "TargetResourceNotFound",
                f"The target resource '{target.id}' cannot be scaled: autoscale targets a virtual machine scale set.",
            )
        for other in self.store.of_type(AUTOSCALE_TYPE):
            if other.key != key(rid) and key(other.properties.get("targetResourceUri", "")) == target.key:
                raise ArmError(
                    409,
                    "Conflict",
                    f"The target resource '{target.id}' already has the autoscale setting '{other.id}'; a resource "
                    "takes one autoscale setting.",
                )
        raw_location = body.get("location")
        if not raw_location:
            raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
        name = rid.rsplit("/", 1)[-1]
        props: dict[str, Any] = {
            "profiles": [self._profile(p, i) for i, p in enumerate(profiles_in)],
            "enabled": bool(props_in.get("enabled", False)),
            "name": name,
            "targetResourceUri": target.id,
            "targetResourceLocation": target.location,
            "notifications": list(props_in.get("notifications") or []),
            "predictiveAutoscalePolicy": {
                "scaleMode": (props_in.get("predictiveAutoscalePolicy") or {}).get("scaleMode", "Disabled")
            },
        }
        return Record(
            rid,
            AUTOSCALE_TYPE,
            {
                "id": rid,
                "name": name,
                "type": AUTOSCALE_TYPE,
                "location": raw_location,
                "tags": self.tags(body),
                "properties": props,
            },
            internal=dict(existing.internal) if existing is not None else {},
        )

    # -- handlers ------------------------------------------------------------------------------------
    def _id(self, call: Call) -> str:
        rg = self.rg_record(call.sub, call.rg)
        rid = f"{rg.id}/providers/microsoft.insights/autoscalesettings/{call.params['autoscaleSettingName']}"
        existing = self.store.get(rid)
        return existing.id if existing is not None else rid

    def _start_clock(self) -> None:
        """Start evaluating from the minute a setting is stored on."""
        if self._last_evaluation is None:
            self._last_evaluation = math.floor(self.emu.now() / EVALUATION_SECONDS) * EVALUATION_SECONDS

    def put_setting(self, call: Call) -> Response:
        rid = self._id(call)
        existing = self.store.get(rid)
        record = self._build(call, rid, call.body(), existing)
        self.store.put(record)
        self._start_clock()
        return json_response(200 if existing is not None else 201, self.clone(record.body))

    def patch_setting(self, call: Call) -> Response:
        existing = self.get_record(self._id(call), AUTOSCALE_TYPE, call)
        patch = call.body()
        merged = self.clone(existing.body)
        merged["properties"].update(patch.get("properties") or {})
        if "tags" in patch:
            merged["tags"] = patch["tags"]
        record = self._build(call, existing.id, merged, existing)
        self.store.put(record)
        self._start_clock()
        return json_response(200, self.clone(record.body))

    def get_setting(self, call: Call) -> Response:
        return json_response(200, self.clone(self.get_record(self._id(call), AUTOSCALE_TYPE, call).body))

    def list_settings(self, call: Call) -> Response:
        return list_response(self.clone(r.body) for r in self.records_in(call, AUTOSCALE_TYPE))

    def delete_setting(self, call: Call) -> Response:
        record = self.store.get(self._id(call))
        if record is None:
            return Response(204)
        self.store.delete(record.id)
        return Response(200)
