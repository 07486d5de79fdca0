"""The activity log (``eventtypes/management/values``) and the metrics API of VMs and scale sets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...core.clock import iso_utc
from ...core.errors import ArmError
from ...core.ids import normalize_location
from ...core.store import Record
from ...core.wire import Response
from ..base import Provider, json_response, list_response

if TYPE_CHECKING:
    from ...core.wire import Call

from .common import _UNITS, METRICS, parse_duration, timestamp


class MonitorApi(Provider):
    """Read the activity log and the synthetic metrics."""

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
                moment = timestamp(value, "eventTimestamp")
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
            moment = timestamp(event["eventTimestamp"], "eventTimestamp")
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
            start = timestamp(first, "timespan")
            end = timestamp(second, "timespan") if second else now
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
