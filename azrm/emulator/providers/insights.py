"""Microsoft.Insights: autoscale settings that really scale, the activity log, and metrics.

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

import math
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...rules import iso_duration_seconds
from ..core.clock import iso_utc
from ..core.errors import ArmError
from ..core.ids import key, normalize_location
from ..core.metrics import AGGREGATIONS
from ..core.router import Router
from ..core.store import Record
from ..core.wire import Response
from .base import Provider, json_response, list_response
from .compute.common import VM_TYPE, VMSS_TYPE

if TYPE_CHECKING:
    from ..core.engine import Call

AUTOSCALE_TYPE = "Microsoft.Insights/autoscaleSettings"
EVALUATION_SECONDS = 60.0
MAX_CATCH_UP_SECONDS = 24 * 3600.0
_ACTIVITY_LOG_LIMIT = 5000
_OPERATORS = {
    "equals": lambda v, t: v == t,
    "notequals": lambda v, t: v != t,
    "greaterthan": lambda v, t: v > t,
    "greaterthanorequal": lambda v, t: v >= t,
    "lessthan": lambda v, t: v < t,
    "lessthanorequal": lambda v, t: v <= t,
}
_STATISTICS = ("Average", "Min", "Max", "Sum", "Count")
_ACTION_TYPES = {"changecount": "ChangeCount", "percentchangecount": "PercentChangeCount", "exactcount": "ExactCount"}
#: metrics Azure Monitor offers for VMs and scale sets (what autoscale rules may name)
METRICS: dict[str, tuple[str, ...]] = {
    VMSS_TYPE.lower(): (
        "Percentage CPU",
        "Network In",
        "Network Out",
        "Network In Total",
        "Network Out Total",
        "Disk Read Bytes",
        "Disk Write Bytes",
        "Disk Read Operations/Sec",
        "Disk Write Operations/Sec",
        "Available Memory Bytes",
        "CPU Credits Remaining",
        "CPU Credits Consumed",
        "Inbound Flows",
        "Outbound Flows",
    ),
}
METRICS[VM_TYPE.lower()] = METRICS[VMSS_TYPE.lower()]
_UNITS = {"percentage cpu": "Percent", "available memory bytes": "Bytes", "network in": "Bytes", "network out": "Bytes"}


def parse_duration(text: Any, field: str) -> float:
    """ISO 8601 duration (``PT5M``, ``PT1H``, ``P1D``) in seconds; ARM's 400 when malformed."""
    try:
        return iso_duration_seconds(str(text or ""))
    except ValueError:
        raise _invalid(f"{field} '{text}' is not an ISO 8601 duration such as PT5M.") from None


def _invalid(message: str) -> ArmError:
    return ArmError(400, "InvalidArgument", message)


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise _invalid(f"{field} '{value}' is not a whole number.") from None


class AutoscaleBackend(Provider):
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
                raise _invalid(f"{where}.metricTrigger.{field} is required.")
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
            raise _invalid(f"{where}.metricTrigger.timeGrain must be between PT1M and PT12H.")
        if not 300 <= window <= 43200 or window < grain:
            raise _invalid(f"{where}.metricTrigger.timeWindow must be between PT5M and PT12H and not below timeGrain.")
        statistic = next((s for s in _STATISTICS if s.lower() == str(trigger["statistic"]).lower()), None)
        aggregation = next((a for a in AGGREGATIONS if a.lower() == str(trigger["timeAggregation"]).lower()), None)
        if statistic is None or aggregation is None:
            raise _invalid(
                f"{where}.metricTrigger: statistic is one of {', '.join(_STATISTICS)}; timeAggregation one of "
                f"{', '.join(AGGREGATIONS)}."
            )
        if str(trigger["operator"]).lower() not in _OPERATORS:
            raise _invalid(f"{where}.metricTrigger.operator '{trigger['operator']}' is not a comparison operator.")
        if not isinstance(trigger["threshold"], (int, float)) or isinstance(trigger["threshold"], bool):
            raise _invalid(f"{where}.metricTrigger.threshold must be a number.")
        direction = str(action.get("direction") or "")
        if direction.lower() not in ("increase", "decrease"):
            raise _invalid(f"{where}.scaleAction.direction '{direction}' must be Increase or Decrease.")
        kind = _ACTION_TYPES.get(str(action.get("type") or "ChangeCount").lower())
        if kind is None:
            raise _invalid(
                f"{where}.scaleAction.type '{action.get('type')}' is not ChangeCount, PercentChangeCount or ExactCount."
            )
        value = _int(action.get("value"), f"{where}.scaleAction.value")
        if value < (0 if kind == "ExactCount" else 1):
            raise _invalid(f"{where}.scaleAction.value must be at least {0 if kind == 'ExactCount' else 1}.")
        cooldown = parse_duration(action.get("cooldown"), f"{where}.scaleAction.cooldown")
        if not 60 <= cooldown <= 604800:
            raise _invalid(f"{where}.scaleAction.cooldown must be between PT1M and P7D.")
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
            raise _invalid(f"{where}.name is required.")
        capacity = raw.get("capacity") or {}
        low, high, default = (_int(capacity.get(k), f"{where}.capacity.{k}") for k in ("minimum", "maximum", "default"))
        if not 0 <= low <= high <= 1000:
            raise _invalid(
                f"{where}.capacity: minimum ({low}) and maximum ({high}) must satisfy 0 <= minimum <= maximum <= 1000."
            )
        if not low <= default <= high:
            raise _invalid(
                f"{where}.capacity.default ({default}) must be between minimum ({low}) and maximum ({high})."
            )
        rules_in = raw.get("rules") or []
        if len(rules_in) > 10:
            raise _invalid(f"{where} has {len(rules_in)} rules; a profile holds at most 10.")
        profile: dict[str, Any] = {
            "name": raw["name"],
            "capacity": {"minimum": str(low), "maximum": str(high), "default": str(default)},
            "rules": [self._rule(rule, f"{where}.rules[{j}]") for j, rule in enumerate(rules_in)],
        }
        if raw.get("fixedDate"):
            fixed = dict(raw["fixedDate"])
            for field in ("start", "end"):
                self._timestamp(fixed.get(field), f"{where}.fixedDate.{field}")
            profile["fixedDate"] = fixed
        if raw.get("recurrence"):
            recurrence = dict(raw["recurrence"])
            schedule = recurrence.get("schedule") or {}
            if str(recurrence.get("frequency", "")).lower() != "week" or not schedule.get("days"):
                raise _invalid(f"{where}.recurrence: frequency is Week, with schedule days, hours and minutes.")
            profile["recurrence"] = recurrence
        return profile

    @staticmethod
    def _timestamp(value: Any, field: str) -> float:
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise _invalid(f"{field} '{value}' is not an ISO 8601 time.") from None

    def _build(self, call: Call, rid: str, body: dict[str, Any], existing: Record | None) -> Record:
        props_in = body.get("properties") or {}
        profiles_in = props_in.get("profiles") or []
        if not 1 <= len(profiles_in) <= 20:
            raise _invalid("An autoscale setting has 1 to 20 profiles.")
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
            if fixed and self._timestamp(fixed["start"], "start") <= at < self._timestamp(fixed["end"], "end"):
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
        from .compute.vmss import VirtualMachineScaleSetBackend

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

    def activity_log(self, call: Call) -> Response:
        text = call.req.query.get("$filter", "")
        terms = [t.strip() for t in re.split(r"\s+and\s+", text, flags=re.IGNORECASE) if t.strip()]
        since = until = None
        equals: dict[str, str] = {}
        for term in terms:
            m = re.match(r"^(\w+)\s+(ge|le|eq)\s+'(.*)'$", term, re.IGNORECASE)
            if not m:
                raise ArmError(400, "BadRequest", f"The $filter term '{term}' is not understood.")
            field, op, value = m.group(1).lower(), m.group(2).lower(), m.group(3)
            if field == "eventtimestamp":
                moment = self._timestamp(value, "eventTimestamp")
                since, until = (moment, until) if op == "ge" else (since, moment)
            else:
                equals[field] = value.lower()
        if since is None:
            raise ArmError(
                400,
                "BadRequest",
                "The $filter must contain a start time: eventTimestamp ge '<ISO 8601 time>'.",
            )
        out = []
        for event in self.store.meta.get("activity_log", []):
            if event["subscriptionId"].lower() != call.sub.lower():
                continue
            moment = self._timestamp(event["eventTimestamp"], "eventTimestamp")
            if moment < since or (until is not None and moment > until):
                continue
            fields = {
                "resourcegroupname": str(event["resourceGroupName"]).lower(),
                "resourceuri": event["resourceId"].lower(),
                "resourceid": event["resourceId"].lower(),
                "resourceprovider": "microsoft.insights",
                "correlationid": event["correlationId"].lower(),
            }
            if all(fields.get(k) == v for k, v in equals.items()):
                out.append(self.clone(event))
        out.sort(key=lambda e: e["eventTimestamp"], reverse=True)
        return list_response(out)

    # -- metrics ---------------------------------------------------------------------------------------------
    def _metric_resource(self, call: Call) -> Record:
        prefix = unquote(re.split(r"/providers/microsoft\.insights/", call.req.path, flags=re.IGNORECASE)[0])
        record = self.store.get(prefix)
        if record is None or record.type.lower() not in METRICS:
            raise ArmError(404, "ResourceNotFound", f"The resource '{prefix}' was not found.")
        return record

    def metric_definitions(self, call: Call) -> Response:
        record = self._metric_resource(call)
        return list_response(
            {
                "id": f"{record.id}/providers/microsoft.insights/metricdefinitions/{name}",
                "resourceId": record.id,
                "namespace": record.type,
                "name": {"value": name, "localizedValue": name},
                "isDimensionRequired": False,
                "unit": _UNITS.get(name.lower(), "Count"),
                "primaryAggregationType": "Average",
                "supportedAggregationTypes": ["None", "Average", "Minimum", "Maximum", "Total", "Count"],
                "metricAvailabilities": [{"timeGrain": "PT1M", "retention": "P93D"}],
            }
            for name in METRICS[record.type.lower()]
        )

    def metrics(self, call: Call) -> Response:
        record = self._metric_resource(call)
        query = call.req.query
        now = self.emu.now()
        grain = parse_duration(query.get("interval") or "PT1M", "interval")
        start, end = now - 3600, now
        if query.get("timespan"):
            first, _, second = query["timespan"].partition("/")
            start = self._timestamp(first, "timespan")
            end = self._timestamp(second, "timespan") if second else now
        wanted = [n.strip() for n in (query.get("metricnames") or "Percentage CPU").split(",") if n.strip()]
        aggregations = [a.strip().lower() for a in (query.get("aggregation") or "Average").split(",")]
        value = []
        for name in wanted:
            canonical = next((m for m in METRICS[record.type.lower()] if m.lower() == name.lower()), None)
            if canonical is None:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Failed to find metric configuration for provider: {record.type}, metric: {name}.",
                )
            points = []
            for t, v in self.emu.metrics.grains(record.id, canonical, start, end, grain):
                point: dict[str, Any] = {"timeStamp": iso_utc(t).replace(".0000000Z", "Z")}
                for aggregation in aggregations:
                    point[{"total": "total", "count": "count"}.get(aggregation, aggregation)] = (
                        1.0 if aggregation == "count" else v
                    )
                points.append(point)
            value.append(
                {
                    "id": f"{record.id}/providers/Microsoft.Insights/metrics/{canonical}",
                    "type": "Microsoft.Insights/metrics",
                    "name": {"value": canonical, "localizedValue": canonical},
                    "displayDescription": "",
                    "unit": _UNITS.get(canonical.lower(), "Count"),
                    "timeseries": [{"metadatavalues": [], "data": points}],
                    "errorCode": "Success",
                }
            )
        return json_response(
            200,
            {
                "cost": 0,
                "timespan": f"{iso_utc(start)}/{iso_utc(end)}",
                "interval": query.get("interval") or "PT1M",
                "value": value,
                "namespace": record.type,
                "resourceregion": normalize_location(str(record.location)),
            },
        )
