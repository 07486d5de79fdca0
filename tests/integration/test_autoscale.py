"""Autoscale through azure-mgmt-monitor: settings, evaluation on the emulator's clock, history, metrics."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azrm.emulator import EmulatorSettings, ManualClock
from tests.conftest import LOCATION, Azure, make_group, make_vnet
from tests.integration.test_vmss import Farm, create, make_lb

CPU = "Percentage CPU"


@pytest.fixture
def azure(make_azure: Any) -> Azure:
    """The emulator on a manual clock: autoscale evaluates only when the test moves time."""
    return make_azure(EmulatorSettings(clock=ManualClock()))


@pytest.fixture
def farm(azure: Azure) -> Farm:
    make_group(azure)
    vnet = make_vnet(azure)
    farm = Farm("rg1", vnet.subnets[0].id, make_lb(azure))
    create(azure, farm, capacity=2)
    return farm


def vmss_id(azure: Azure) -> str:
    return azure.rid("rg1", "Microsoft.Compute/virtualMachineScaleSets", "web")


def rule(
    azure: Azure, direction: str, operator: str, threshold: float, *, value: str = "1", cooldown: str = "PT5M"
) -> dict[str, Any]:
    return {
        "metricTrigger": {
            "metricName": CPU,
            "metricResourceUri": vmss_id(azure),
            "timeGrain": "PT1M",
            "statistic": "Average",
            "timeWindow": "PT5M",
            "timeAggregation": "Average",
            "operator": operator,
            "threshold": threshold,
        },
        "scaleAction": {"direction": direction, "type": "ChangeCount", "value": value, "cooldown": cooldown},
    }


def setting(
    azure: Azure, *, low: int = 2, high: int = 4, default: int = 2, rules: list[Any] | None = None
) -> dict[str, Any]:
    rules = rules if rules is not None else [
        rule(azure, "Increase", "GreaterThan", 70),
        rule(azure, "Decrease", "LessThan", 30),
    ]  # fmt: skip
    return {
        "location": LOCATION,
        "properties": {
            "enabled": True,
            "targetResourceUri": vmss_id(azure),
            "profiles": [
                {
                    "name": "cpu",
                    "capacity": {"minimum": str(low), "maximum": str(high), "default": str(default)},
                    "rules": rules,
                }
            ],
        },
    }


def capacity(azure: Azure) -> int:
    return int(azure.compute.virtual_machine_scale_sets.get("rg1", "web").sku.capacity)


def instances(azure: Azure) -> int:
    return len(list(azure.compute.virtual_machine_scale_set_vms.list("rg1", "web")))


def minutes(azure: Azure, count: float) -> None:
    azure.emu.advance(count * 60)


def last_action(azure: Azure) -> float:
    """When autoscale last acted (from the activity log)."""
    since = datetime.fromtimestamp(azure.emu.now() - 86400, timezone.utc).isoformat()
    events = list(azure.monitor.activity_logs.list(f"eventTimestamp ge '{since}'"))
    return events[0].event_timestamp.timestamp()


def advance_to(azure: Azure, moment: float) -> None:
    azure.emu.advance(moment - azure.emu.now())


def test_scales_out_on_cpu_with_cooldown_and_bounds(azure: Azure, farm: Farm) -> None:
    made = azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", setting(azure))
    assert made.enabled and made.target_resource_uri.lower() == vmss_id(azure).lower()
    azure.emu.set_metric(vmss_id(azure), CPU, 50)
    minutes(azure, 3)
    assert capacity(azure) == 2  # between the thresholds: nothing to do
    azure.emu.set_metric(vmss_id(azure), CPU, 95)
    minutes(azure, 1)
    assert capacity(azure) == 2  # the 5-minute average is not above 70 yet
    minutes(azure, 3)
    assert capacity(azure) == 3 and instances(azure) == 3
    acted = last_action(azure)
    advance_to(azure, acted + 240)
    assert capacity(azure) == 3  # cooldown: 5 minutes after an action
    advance_to(azure, acted + 300)
    assert capacity(azure) == 4
    minutes(azure, 30)
    assert capacity(azure) == 4  # the profile's maximum
    lb = azure.network.load_balancers.get("rg1", "weblb")
    assert len(lb.backend_address_pools[0].backend_ip_configurations) == 4


def test_scales_in_only_when_every_scale_in_rule_fires(azure: Azure, farm: Farm) -> None:
    azure.compute.virtual_machine_scale_sets.begin_update("rg1", "web", {"sku": {"capacity": 4}}).result()
    rules = [
        rule(azure, "Increase", "GreaterThan", 70),
        rule(azure, "Decrease", "LessThan", 30),
        rule(azure, "Decrease", "LessThan", 10, cooldown="PT1M"),
    ]
    azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", setting(azure, rules=rules))
    azure.emu.set_metric(vmss_id(azure), CPU, 20)
    minutes(azure, 10)
    assert capacity(azure) == 4  # 20 is below 30 but not below 10
    azure.emu.set_metric(vmss_id(azure), CPU, 5)
    minutes(azure, 6)
    assert capacity(azure) == 3
    minutes(azure, 60)
    assert capacity(azure) == 2 and instances(azure) == 2  # never below the minimum


def test_capacity_outside_the_bounds_is_brought_in_and_history_is_logged(azure: Azure, farm: Farm) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", setting(azure, low=3, high=5, default=3))
    minutes(azure, 1)
    assert capacity(azure) == 3
    azure.emu.set_metric(vmss_id(azure), CPU, 99)  # the only data in the window: its average is 99
    minutes(azure, 2)
    assert capacity(azure) == 4
    log = list(
        azure.monitor.activity_logs.list(f"eventTimestamp ge '{start.isoformat()}' and resourceGroupName eq 'rg1'")
    )
    counts = [(e.properties["OldInstancesCount"], e.properties["NewInstancesCount"]) for e in log]
    assert counts == [("3", "4"), ("2", "3")]  # newest first
    assert log[0].operation_name.value == "Microsoft.Insights/AutoscaleSettings/Scaleup/Action"
    assert "Percentage CPU average over PT5M was 99" in log[0].description
    assert "outside the profile's bounds" in log[1].description


def test_disabled_settings_and_missing_data(azure: Azure, farm: Farm) -> None:
    body = setting(azure, low=1, high=5, default=3)
    body["properties"]["enabled"] = False
    azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", body)
    minutes(azure, 10)
    assert capacity(azure) == 2
    body["properties"]["enabled"] = True
    azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", body)
    minutes(azure, 1)
    assert capacity(azure) == 3  # no metric data, below the default: scale to the default
    azure.monitor.autoscale_settings.delete("rg1", "cpu")
    assert list(azure.monitor.autoscale_settings.list_by_resource_group("rg1")) == []


def test_metrics_are_read_through_the_metrics_api(azure: Azure, farm: Farm) -> None:
    azure.emu.set_metric(vmss_id(azure), CPU, 40)
    minutes(azure, 2)
    azure.emu.set_metric(vmss_id(azure), CPU, 80)
    minutes(azure, 2)
    now = datetime.fromtimestamp(azure.emu.now(), timezone.utc)
    span = f"{(now - timedelta(minutes=4)).isoformat()}/{now.isoformat()}"
    result = azure.monitor.metrics.list(
        vmss_id(azure), timespan=span, interval="PT1M", metricnames=CPU, aggregation="Average"
    )
    series = [round(p.average) for p in result.value[0].timeseries[0].data]
    assert result.value[0].name.value == CPU and result.value[0].unit == "Percent"
    assert series[-2:] == [80, 80] and series[0] == 40


def test_admin_route_sets_metrics(azure: Azure, farm: Farm) -> None:
    response = azure.raw("POST", "/_azrm/metrics", {"resourceId": vmss_id(azure), "metric": CPU, "value": 12.5})
    assert response.status_code == 200
    assert azure.emu.metrics.value(vmss_id(azure), CPU, azure.emu.now()) == 12.5
    missing = azure.raw("POST", "/_azrm/metrics", {"resourceId": vmss_id(azure) + "x", "metric": CPU, "value": 1})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda b, a: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(metricName="CpuPercentage"), "UnsupportedMetric"),
        (lambda b, a: b["properties"].update(targetResourceUri=a.rid("rg1", "Microsoft.Compute/virtualMachineScaleSets", "nope")), "TargetResourceNotFound"),
        (lambda b, a: b["properties"]["profiles"][0]["capacity"].update(default="9"), "InvalidArgument"),
        (lambda b, a: b["properties"]["profiles"][0]["capacity"].update(minimum="5"), "InvalidArgument"),
        (lambda b, a: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(timeWindow="PT1M"), "InvalidArgument"),
        (lambda b, a: b["properties"]["profiles"][0]["rules"][0]["scaleAction"].update(cooldown="PT30S"), "InvalidArgument"),
        (lambda b, a: b["properties"]["profiles"][0]["rules"][0]["metricTrigger"].update(operator="Above"), "InvalidArgument"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused(azure: Azure, farm: Farm, change: Any, code: str) -> None:
    body = setting(azure)
    change(body, azure)
    with pytest.raises(HttpResponseError) as err:
        azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", body)
    assert err.value.error.code == code


def test_one_setting_per_target(azure: Azure, farm: Farm) -> None:
    azure.monitor.autoscale_settings.create_or_update("rg1", "cpu", setting(azure))
    with pytest.raises(HttpResponseError) as err:
        azure.monitor.autoscale_settings.create_or_update("rg1", "cpu2", setting(azure))
    assert err.value.status_code == 409
