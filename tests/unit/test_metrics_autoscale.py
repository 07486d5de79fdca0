"""Synthetic metrics and autoscale's pure parts: durations, profiles, scale actions."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from azrm.emulator import Emulator
from azrm.emulator.core.errors import ArmError
from azrm.emulator.core.metrics import Metrics
from azrm.emulator.core.store import Record
from azrm.emulator.providers.insights import AUTOSCALE_TYPE, AutoscaleBackend, parse_duration

R = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"


def test_grains_are_time_weighted_and_only_where_there_is_data() -> None:
    m = Metrics()
    m.set(R, "Percentage CPU", 10, at=1000)
    m.set(R, "percentage cpu", 70, at=1030)  # names compare case-insensitively
    grains = m.grains(R.upper(), "Percentage CPU", 940, 1120, 60)
    assert grains == [(1000, 40.0), (1060, 70.0)]  # [940, 1000) has no data; [1000, 1060) is half 10, half 70
    assert m.aggregate([v for _, v in grains], "Average") == 55.0
    assert m.aggregate([1, 5, 3], "Maximum") == 5 and m.aggregate([1, 5, 3], "Last") == 3
    assert m.aggregate([], "Average") is None
    assert m.value(R, "Percentage CPU", 999) is None and m.value(R, "Percentage CPU", 5000) == 70
    with pytest.raises(ValueError, match="before"):
        m.set(R, "Percentage CPU", 1, at=10)
    with pytest.raises(ValueError, match="finite"):
        m.set(R, "Percentage CPU", float("nan"), at=2000)


@pytest.mark.parametrize(
    ("text", "seconds"), [("PT1M", 60), ("PT5M", 300), ("PT1H30M", 5400), ("P1D", 86400), ("P1W", 604800)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "x") == seconds


@pytest.mark.parametrize("text", ["", "5M", "PT", "P1Y", "PT-1M"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ArmError) as err:
        parse_duration(text, "timeWindow")
    assert err.value.code == "InvalidArgument" and "timeWindow" in err.value.message


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_active_profile_fixed_date_then_recurrence_then_default() -> None:
    backend = Emulator().backend(AutoscaleBackend)
    profiles = [
        {"name": "default", "capacity": {}, "rules": []},
        {"name": "weekdays", "capacity": {}, "rules": [],
         "recurrence": {"frequency": "Week", "schedule": {"timeZone": "UTC", "days": ["Monday"], "hours": [8], "minutes": [0]}}},
        {"name": "weekend", "capacity": {}, "rules": [],
         "recurrence": {"frequency": "Week", "schedule": {"timeZone": "UTC", "days": ["Saturday"], "hours": [0], "minutes": [0]}}},
        {"name": "launch", "capacity": {}, "rules": [],
         "fixedDate": {"timeZone": "UTC", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z"}},
    ]  # fmt: skip
    setting = Record("/x", AUTOSCALE_TYPE, {"properties": {"profiles": profiles}})
    assert backend.active_profile(setting, at("2026-12-01T11:00:00"))["name"] == "launch"  # a Tuesday
    assert backend.active_profile(setting, at("2026-12-01T13:00:00"))["name"] == "weekdays"
    assert backend.active_profile(setting, at("2026-12-05T09:00:00"))["name"] == "weekend"  # Saturday
    assert backend.active_profile(setting, at("2026-12-07T07:59:00"))["name"] == "weekend"  # Monday before 8
    assert backend.active_profile(setting, at("2026-12-07T08:00:00"))["name"] == "weekdays"
    only_default = Record("/y", AUTOSCALE_TYPE, {"properties": {"profiles": profiles[:1]}})
    assert backend.active_profile(only_default, at("2026-12-07T08:00:00"))["name"] == "default"


@pytest.mark.parametrize(
    ("action", "capacity", "expected"),
    [
        ({"direction": "Increase", "type": "ChangeCount", "value": "2"}, 3, 5),
        ({"direction": "Decrease", "type": "ChangeCount", "value": "1"}, 3, 2),
        ({"direction": "Increase", "type": "PercentChangeCount", "value": "50"}, 3, 5),
        ({"direction": "Decrease", "type": "PercentChangeCount", "value": "10"}, 3, 2),
        ({"direction": "Increase", "type": "ExactCount", "value": "7"}, 3, 7),
    ],
)
def test_scale_actions(action: dict[str, str], capacity: int, expected: int) -> None:
    assert AutoscaleBackend._apply(action, capacity) == expected
