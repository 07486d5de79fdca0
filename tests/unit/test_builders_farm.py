"""The web farm's builders: scale set, load balancer parts, security rules, autoscale rules and profiles."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

import azrm
from azrm.builders.lb import load_balancer_body
from azrm.builders.nsg import check_security_rules

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers"
SUBNET = f"{SUB}/Microsoft.Network/virtualNetworks/v/subnets/web"
POOL = f"{SUB}/Microsoft.Network/loadBalancers/lb/backendAddressPools/web"
NAT = f"{SUB}/Microsoft.Network/loadBalancers/lb/inboundNatPools/rdp"
PIP = f"{SUB}/Microsoft.Network/publicIPAddresses/ip"
VMSS = f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/web"
LB = f"{SUB}/Microsoft.Network/loadBalancers/lb"
CRED = azrm.Credential("knadmin", "S3cure!Passw0rd")


def farm() -> azrm.VmssConfig:
    ip = azrm.new_vmss_ip_config("ip", subnet_id=SUBNET, load_balancer_backend_address_pools_id=POOL,
                                 load_balancer_inbound_nat_pools_id=[NAT])  # fmt: skip
    return (
        azrm.new_vmss_config(location="westeurope", sku_capacity=3, sku_name="Standard_A2")
        .set_os_profile(windows=True, computer_name_prefix="web", credential=CRED)
        .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer", image_reference_offer="WindowsServer",
                             image_reference_sku="2016-Datacenter")
        .add_network_interface_configuration("nic", ip_configuration=ip)
    )  # fmt: skip


def test_vmss_body_and_frozen_chain() -> None:
    base = azrm.new_vmss_config(location="westeurope", sku_capacity=3, sku_name="Standard_A2")
    assert base.os_profile is None and farm().os_profile is not None  # each call made a new object
    body = farm().to_body()
    assert body["sku"] == {"name": "Standard_A2", "tier": "Standard", "capacity": 3}
    profile = body["properties"]["virtualMachineProfile"]
    assert (
        profile["osProfile"]["computerNamePrefix"] == "web"
        and profile["osProfile"]["adminPassword"] == "S3cure!Passw0rd"
    )
    ip = profile["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0]
    assert ip["properties"]["loadBalancerInboundNatPools"] == [{"id": NAT}]
    assert body["properties"]["upgradePolicy"] == {"mode": "Manual"}
    arm = farm().to_arm("web")
    assert arm["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] == "[parameters('adminPassword')]"
    assert "S3cure" not in repr(farm()) and "S3cure" not in str(arm)


def test_vmss_cmdlet_functions_and_pipeline() -> None:
    ip = azrm.new_vmss_ip_config("ip", subnet_id=SUBNET)
    piped = (
        azrm.new_vmss_config(location="westeurope", sku_capacity=3, sku_name="Standard_A2")
        | azrm.set_vmss_os_profile(windows=True, computer_name_prefix="web", credential=CRED)
        | azrm.set_vmss_storage_profile(image_reference_publisher="MicrosoftWindowsServer",
                                        image_reference_offer="WindowsServer", image_reference_sku="2016-Datacenter")
        | azrm.add_vmss_network_interface_configuration("nic", ip_configuration=[ip])
        | azrm.add_vmss_extension("bginfo", publisher="Microsoft.Compute", type="BGInfo", type_handler_version="2.1",
                                  protected_setting={"token": "s3cret-token-value"})
    )  # fmt: skip
    assert [e.name for e in piped.extensions] == ["bginfo"]
    ext = piped.to_body()["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][0]
    assert ext["properties"]["protectedSettings"] == {"token": "s3cret-token-value"}
    assert "s3cret" not in repr(piped.extensions[0])
    same = azrm.set_vmss_os_profile(piped, windows=True, computer_name_prefix="web2", credential=CRED)
    assert same.os_profile is not None and same.os_profile.computer_name_prefix == "web2"


def err(call: Any) -> azrm.ValidationError:
    with pytest.raises(azrm.ValidationError) as info:
        call()
    return info.value


FE = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP)
OTHER_FE = azrm.new_load_balancer_frontend_ip_config("fe2", public_ip_address_id=PIP + "2")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: azrm.new_vmss_config(location="westeurope", sku_capacity=101, sku_name="Standard_A2"), "sku_capacity"),
        (lambda: azrm.new_vmss_config(location="westeurope", sku_capacity=-1, sku_name="Standard_A2"), "sku_capacity"),
        (lambda: azrm.new_vmss_config(location="westeurope", sku_capacity=3, sku_name="A2", upgrade_policy_mode="Sometimes"), "upgrade_policy_mode"),
        (lambda: farm().set_os_profile(windows=True, computer_name_prefix="webservers", credential=CRED), "computer_name_prefix"),
        (lambda: farm().set_os_profile(windows=True, computer_name_prefix="123", credential=CRED), "computer_name_prefix"),
        (lambda: farm().set_os_profile(windows=True, linux=True, computer_name_prefix="web", credential=CRED), "windows/linux"),
        (lambda: farm().set_os_profile(windows=True, computer_name_prefix="web", credential=azrm.Credential("admin", "S3cure!Passw0rd")), "credential.user_name"),
        (lambda: farm().set_os_profile(windows=True, computer_name_prefix="web", credential=azrm.Credential("knadmin", "weak")), "credential.password"),
        (lambda: farm().set_storage_profile(image_reference_publisher="", image_reference_offer="o", image_reference_sku="s"), "image_reference_publisher"),
        (lambda: farm().set_storage_profile(image_reference_publisher="p", image_reference_offer="o", image_reference_sku="s", managed_disk="Gold"), "managed_disk"),
        (lambda: farm().set_storage_profile(image_reference_publisher="p", image_reference_offer="o", image_reference_sku="s", os_disk_create_option="Attach"), "os_disk_create_option"),
        (lambda: farm().add_network_interface_configuration("nic", ip_configuration=[azrm.new_vmss_ip_config("ip", subnet_id=SUBNET)]), "network_interface_configuration"),
        (lambda: farm().add_network_interface_configuration("nic2", primary=True, ip_configuration=azrm.new_vmss_ip_config("ip", subnet_id=SUBNET)), "primary"),
        (lambda: farm().add_network_interface_configuration("nic2", ip_configuration=[]), "ip_configuration"),
        (lambda: azrm.new_vmss_ip_config("ip", subnet_id="web"), "subnet_id"),
        (lambda: azrm.new_vmss_ip_config("ip", subnet_id=SUBNET, load_balancer_inbound_nat_pools_id=["rdp"]), "load_balancer_inbound_nat_pools_id"),
        (lambda: farm().add_dsc_extension("webdsc.ps1.zip"), "extension"),  # type: ignore[arg-type]
        (lambda: azrm.new_load_balancer_frontend_ip_config("fe"), "public_ip_address_id/subnet_id"),
        (lambda: azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP, subnet_id=SUBNET), "public_ip_address_id/subnet_id"),
        (lambda: azrm.new_load_balancer_frontend_ip_config("fe", subnet_id=SUBNET, private_ip_address="10.0.0.300"), "private_ip_address"),
        (lambda: azrm.new_load_balancer_probe_config("p", protocol="Http", port=80), "request_path"),
        (lambda: azrm.new_load_balancer_probe_config("p", protocol="Tcp", port=80, request_path="/"), "request_path"),
        (lambda: azrm.new_load_balancer_probe_config("p", protocol="Icmp", port=80), "protocol"),
        (lambda: azrm.new_load_balancer_probe_config("p", port=70000), "port"),
        (lambda: azrm.new_load_balancer_probe_config("p", port=80, interval_in_seconds=2), "interval_in_seconds"),
        (lambda: azrm.new_load_balancer_rule_config("r", frontend_ip_configuration="fe", frontend_port=80, backend_port=80), "frontend_ip_configuration"),  # type: ignore[arg-type]
        (lambda: azrm.new_load_balancer_rule_config("r", frontend_ip_configuration=FE, frontend_port=80, backend_port=80, idle_timeout_in_minutes=60), "idle_timeout_in_minutes"),
        (lambda: azrm.new_load_balancer_rule_config("r", frontend_ip_configuration=FE, frontend_port=80, backend_port=80, load_distribution="Random"), "load_distribution"),
        (lambda: azrm.new_load_balancer_inbound_nat_pool_config("n", frontend_ip_configuration=FE, frontend_port_range_start=50100, frontend_port_range_end=50000, backend_port=3389), "frontend_port_range_end"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Tcp", direction="Inbound", priority=50, access="Allow"), "priority"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Smtp", direction="Inbound", priority=100, access="Allow"), "protocol"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Tcp", direction="Sideways", priority=100, access="Allow"), "direction"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Tcp", direction="Inbound", priority=100, access="Maybe"), "access"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Tcp", direction="Inbound", priority=100, access="Allow", destination_port_range="80-70"), "destination_port_range"),
        (lambda: azrm.new_network_security_rule_config("r", protocol="Tcp", direction="Inbound", priority=100, access="Allow", source_port_range="http"), "source_port_range"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="Above", threshold=70, scale_action_direction="Increase"), "operator"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold=70, scale_action_direction="Up"), "scale_action_direction"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold=70, scale_action_direction="Increase", time_window="PT1M"), "time_window"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold=70, scale_action_direction="Increase", time_grain="1 minute"), "time_grain"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold=70, scale_action_direction="Increase", scale_action_cooldown=datetime.timedelta(days=8)), "scale_action_cooldown"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold=70, scale_action_direction="Increase", scale_action_value=0), "scale_action_value"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id="web", operator="GreaterThan", threshold=70, scale_action_direction="Increase"), "metric_resource_id"),
        (lambda: azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="GreaterThan", threshold="high", scale_action_direction="Increase"), "threshold"),  # type: ignore[arg-type]
        (lambda: azrm.new_autoscale_profile("p", default_capacity=11, minimum_capacity=2, maximum_capacity=10), "default_capacity"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=5, maximum_capacity=4), "minimum_capacity/maximum_capacity"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=2, maximum_capacity=4, start_time_window="2026-12-01T10:00:00Z"), "start_time_window/end_time_window"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=2, maximum_capacity=4, start_time_window="2026-12-02T10:00:00Z", end_time_window="2026-12-01T10:00:00Z"), "end_time_window"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=2, maximum_capacity=4, schedule_day=["Funday"]), "schedule_day"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=2, maximum_capacity=4, schedule_day=["Monday"], schedule_hour=[24]), "schedule_hour"),
        (lambda: azrm.new_autoscale_profile("p", default_capacity=3, minimum_capacity=2, maximum_capacity=4, rule=["cpu"]), "rule"),  # type: ignore[list-item]
    ],
)  # fmt: skip
def test_validation_names_field_value_and_rule(call: Any, field: str) -> None:
    error = err(call)
    assert error.field == field, (error.field, field)
    assert error.rule


def test_load_balancer_parts_must_fit_together() -> None:
    pool = azrm.new_load_balancer_backend_address_pool_config("web")
    probe = azrm.new_load_balancer_probe_config("http", protocol="Http", port=80, request_path="/")
    rule = azrm.new_load_balancer_rule_config("http", frontend_ip_configuration=FE, backend_address_pool=pool,
                                              probe=probe, frontend_port=80, backend_port=80)  # fmt: skip
    nat = azrm.new_load_balancer_inbound_nat_pool_config("rdp", frontend_ip_configuration=FE,
                                                         frontend_port_range_start=50000, frontend_port_range_end=50119,
                                                         backend_port=3389)  # fmt: skip
    body = load_balancer_body(LB, "westeurope", frontend_ip_configuration=FE, backend_address_pool=pool, probe=probe,
                              load_balancing_rule=rule, inbound_nat_pool=nat)  # fmt: skip
    props = body["properties"]
    assert props["loadBalancingRules"][0]["properties"]["probe"] == {"id": f"{LB}/probes/http"}
    assert props["inboundNatPools"][0]["properties"]["frontendIPConfiguration"] == {
        "id": f"{LB}/frontendIPConfigurations/fe"
    }
    assert nat.size == 120
    cases = [
        (dict(frontend_ip_configuration=FE, load_balancing_rule=rule), "load_balancing_rule", "pool"),
        (dict(frontend_ip_configuration=OTHER_FE, backend_address_pool=pool, probe=probe, load_balancing_rule=rule),
         "load_balancing_rule", "frontend"),
        (dict(frontend_ip_configuration=[], backend_address_pool=pool), "frontend_ip_configuration", "at least one"),
        (dict(frontend_ip_configuration=[FE, FE]), "frontend_ip_configuration", "unique"),
        (dict(frontend_ip_configuration=FE, inbound_nat_pool=[nat, nat.evolve(name="rdp2")]), "rdp2", "already used"),
        (dict(frontend_ip_configuration=FE, sku="Premium"), "sku", "Basic"),
    ]  # fmt: skip
    for kwargs, field, rule_text in cases:
        error = err(lambda kw=kwargs: load_balancer_body(LB, "westeurope", **kw))
        assert error.field == field and rule_text in error.rule, (field, error)


def test_security_rules_of_one_group() -> None:
    rule = azrm.new_network_security_rule_config("rdp", protocol="Tcp", direction="Inbound", priority=110,
                                                 access="Allow", source_address_prefix=["10.0.0.0/8", "192.168.0.0/16"],
                                                 destination_port_range=3389)  # fmt: skip
    props = rule.to_body()["properties"]
    assert (
        props["sourceAddressPrefixes"] == ["10.0.0.0/8", "192.168.0.0/16"] and props["destinationPortRange"] == "3389"
    )
    check_security_rules([rule, rule.evolve(name="rdp-out", direction="Outbound")])
    assert "already taken" in err(lambda: check_security_rules([rule, rule.evolve(name="other")])).rule
    assert "unique" in err(lambda: check_security_rules([rule, rule.evolve(priority=120)])).rule


def test_autoscale_bodies() -> None:
    out = azrm.new_autoscale_rule(metric_name="Percentage CPU", metric_resource_id=VMSS, operator="greaterthan",
                                  threshold=70, scale_action_direction="increase",
                                  time_window=datetime.timedelta(minutes=10), scale_action_cooldown="PT5M")  # fmt: skip
    body = out.to_body()
    assert body["metricTrigger"]["operator"] == "GreaterThan" and body["metricTrigger"]["timeWindow"] == "PT10M"
    assert body["scaleAction"] == {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"}
    weekend = azrm.new_autoscale_profile("weekend", default_capacity=2, minimum_capacity=2, maximum_capacity=4,
                                         rule=out, schedule_day=["saturday", "Sunday"], schedule_hour=[0])  # fmt: skip
    assert weekend.to_body()["recurrence"]["schedule"]["days"] == ["Saturday", "Sunday"]
    launch = azrm.new_autoscale_profile("launch", default_capacity=5, minimum_capacity=5, maximum_capacity=10,
                                        start_time_window=datetime.datetime(2026, 12, 24, 18),
                                        end_time_window="2026-12-26T00:00:00Z")  # fmt: skip
    assert launch.to_body()["fixedDate"] == {
        "timeZone": "UTC",
        "start": "2026-12-24T18:00:00Z",
        "end": "2026-12-26T00:00:00Z",
    }


def test_os_profile_without_windows_or_linux_leaves_the_os_to_the_image() -> None:
    # Set-AzVmssOsProfile has no -Windows/-Linux: the cmdlet sends neither configuration unless given one
    plain = farm().set_os_profile(computer_name_prefix="web", credential=CRED).os_profile
    assert plain is not None and plain.os_type is None
    body = plain.to_body()
    assert "windowsConfiguration" not in body and "linuxConfiguration" not in body
    linux = farm().set_os_profile(
        computer_name_prefix="web", credential=CRED, linux_configuration_disable_password_authentication=False
    )
    assert linux.os_profile is not None and linux.os_profile.to_body()["linuxConfiguration"] == {
        "disablePasswordAuthentication": False,
        "provisionVMAgent": True,
    }
    windows = farm().set_os_profile(
        computer_name_prefix="web", credential=CRED, windows_configuration_enable_automatic_update=False
    )
    assert windows.os_profile is not None and windows.os_profile.to_body()["windowsConfiguration"] == {
        "provisionVMAgent": True,
        "enableAutomaticUpdates": False,
    }
