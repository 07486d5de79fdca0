"""Names the Microsoft.Insights modules share: metrics, operators, duration parsing, errors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ....rules import iso_duration_seconds
from ...core.errors import ArmError
from ..compute.common import VM_TYPE, VMSS_TYPE

if TYPE_CHECKING:
    pass


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
        raise invalid(f"{field} '{text}' is not an ISO 8601 duration such as PT5M.") from None


def invalid(message: str) -> ArmError:
    """Return Insights' 400 for a setting it cannot take."""
    return ArmError(400, "InvalidArgument", message)


def whole(value: Any, field: str) -> int:
    """Read a whole number (capacities are strings in the API)."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise invalid(f"{field} '{value}' is not a whole number.") from None


def timestamp(value: Any, field: str) -> float:
    """Read an ISO 8601 time into seconds; Insights' 400 when malformed."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid(f"{field} '{value}' is not an ISO 8601 time.") from None
