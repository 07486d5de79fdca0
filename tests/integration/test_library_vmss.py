"""The web farm with the library, both ways in: NSG, load balancer, scale set with DSC, autoscale."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.emulator import EmulatorSettings, ManualClock
from tests.conftest import LOCATION, WINDOWS_PASSWORD, Azure

CPU = "Percentage CPU"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRED = azrm.Credential("knadmin", WINDOWS_PASSWORD)


@pytest.fixture
def azure(make_azure: Any) -> Azure:
    """A manual clock, so that autoscale moves only when a test moves time."""
    return make_azure(EmulatorSettings(clock=ManualClock()))


@dataclass
class Net:
    rg: str
    storage: Any
    nsg: Any
    web: Any
    mgmt: Any
    lb: Any
    frontend: Any
    rdp: Any


@pytest.fixture
def net(lib: Any, unique: Any) -> Net:
    rg = lib.new_resource_group("rgweb", LOCATION).name
    storage = lib.new_storage_account(rg, unique("web"), location=LOCATION)
    rules = [
        azrm.new_network_security_rule_config("http", protocol="Tcp", direction="Inbound", priority=100,
                                              access="Allow", source_address_prefix="Internet", destination_port_range=80),
        azrm.new_network_security_rule_config("rdp", protocol="Tcp", direction="Inbound", priority=110,
                                              access="Allow", source_address_prefix="203.0.113.0/24",
                                              destination_port_range="3389"),
    ]  # fmt: skip
    nsg = lib.new_network_security_group(rg, "web-nsg", location=LOCATION, security_rules=rules)
    vnet = lib.new_virtual_network(rg, "vnet", location=LOCATION, address_prefix="10.0.0.0/16", subnet=[
        azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24", network_security_group_id=nsg.id),
        azrm.new_virtual_network_subnet_config("mgmt", address_prefix="10.0.1.0/24"),
    ])  # fmt: skip
    pip = lib.new_public_ip_address(rg, "lbip", location=LOCATION, allocation_method="Static")
    frontend = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=pip)
    pool = azrm.new_load_balancer_backend_address_pool_config("web")
    probe = azrm.new_load_balancer_probe_config("http", protocol="Http", port=80, request_path="/")
    rule = azrm.new_load_balancer_rule_config("http", frontend_ip_configuration=frontend, backend_address_pool=pool,
                                              probe=probe, frontend_port=80, backend_port=80)  # fmt: skip
    rdp = azrm.new_load_balancer_inbound_nat_pool_config("rdp", frontend_ip_configuration=frontend,
                                                         frontend_port_range_start=50000, frontend_port_range_end=50009,
                                                         backend_port=3389)  # fmt: skip
    lb = lib.new_load_balancer(rg, "weblb", location=LOCATION, frontend_ip_configuration=frontend,
                               backend_address_pool=pool, probe=probe, load_balancing_rule=rule, inbound_nat_pool=rdp)  # fmt: skip
    web, mgmt = (next(s for s in vnet.subnets if s.name == n) for n in ("web", "mgmt"))
    return Net(rg, storage, nsg, web, mgmt, lb, frontend, rdp)


def farm_config(net: Net, capacity: int = 2, **kwargs: Any) -> azrm.VmssConfig:
    ip = azrm.new_vmss_ip_config("ip", subnet_id=net.web, load_balancer_backend_address_pools_id=net.lb.backend_address_pools[0],
                                 load_balancer_inbound_nat_pools_id=[net.lb.inbound_nat_pools[0].id])  # fmt: skip
    return (
        azrm.new_vmss_config(location=LOCATION, sku_capacity=capacity, sku_name="Standard_A2", **kwargs)
        .set_os_profile(windows=True, computer_name_prefix="web", credential=CRED)
        .set_storage_profile(image_reference_publisher="MicrosoftWindowsServer", image_reference_offer="WindowsServer",
                             image_reference_sku="2016-Datacenter")
        .add_network_interface_configuration("nic", ip_configuration=ip)
    )  # fmt: skip


def test_network_parts(lib: Any, net: Net) -> None:
    rules = {r.name: (r.priority, r.source_address_prefix, r.destination_port_range) for r in net.nsg.security_rules}
    assert rules == {"http": (100, "Internet", "80"), "rdp": (110, "203.0.113.0/24", "3389")}
    assert len(net.nsg.default_security_rules) == 6
    assert lib.get_network_security_group(net.rg, "web-nsg").subnets[0].id == net.web.id
    lb = lib.get_load_balancer(net.rg, "weblb")
    assert lb.load_balancing_rules[0].probe.id == lb.probes[0].id
    assert lb.load_balancing_rules[0].backend_address_pool.id == lb.backend_address_pools[0].id
    assert (lb.inbound_nat_pools[0].frontend_port_range_start, lb.inbound_nat_pools[0].backend_port) == (50000, 3389)


def test_scale_set_with_dsc_on_every_instance(lib: Any, net: Net) -> None:
    dsc = azrm.DscExtension(EXAMPLES / "webdsc.ps1", storage_account_name=net.storage.name, version="2.77")
    vmss = lib.new_vmss(
        net.rg,
        "webfarm",
        virtual_machine_scale_set=farm_config(net, capacity=3, overprovision=False).add_dsc_extension(dsc),
    )
    assert (vmss.sku.capacity, vmss.provisioning_state) == (3, "Succeeded")
    ext = vmss.virtual_machine_profile.extension_profile.extensions[0]
    props = ext.properties  # TypeSpec-generated models nest properties
    assert (ext.name, props.publisher, props.type) == ("Microsoft.Powershell.DSC", "Microsoft.Powershell", "DSC")
    assert props.protected_settings is None and "sig=" not in str(props.settings)
    view = lib.get_vmss(net.rg, "webfarm", status=True)
    assert [(s.code, s.count) for s in view.extensions[0].statuses_summary] == [("ProvisioningState/succeeded", 3)]
    vms = lib.get_vmss_vm(net.rg, "webfarm")
    assert [v.os_profile.computer_name for v in vms] == ["web000000", "web000001", "web000002"]
    iv = lib.get_vmss_vm(net.rg, "webfarm", 1, status=True)
    assert "[WindowsFeature]IIS: in desired state" in iv.extensions[0].substatuses[0].message
    lb = lib.get_load_balancer(net.rg, "weblb")
    assert sorted(r.frontend_port for r in lb.inbound_nat_rules) == [50000, 50001, 50002]


def test_scale_update_upgrade_and_remove(lib: Any, net: Net) -> None:
    lib.new_vmss(net.rg, "webfarm", virtual_machine_scale_set=farm_config(net, overprovision=False))
    assert lib.update_vmss(net.rg, "webfarm", sku_capacity=4).sku.capacity == 4
    assert [v.instance_id for v in lib.get_vmss_vm(net.rg, "webfarm")] == ["0", "1", "2", "3"]
    # a model change with the Manual policy waits for update_vmss_instance
    changed = farm_config(net, capacity=4, overprovision=False).add_extension(
        "bginfo", publisher="Microsoft.Compute", type="BGInfo", type_handler_version="2.1"
    )
    lib.update_vmss(net.rg, "webfarm", virtual_machine_scale_set=changed)
    assert [v.latest_model_applied for v in lib.get_vmss_vm(net.rg, "webfarm")] == [False] * 4
    lib.update_vmss_instance(net.rg, "webfarm", ["0", 1])
    assert [v.latest_model_applied for v in lib.get_vmss_vm(net.rg, "webfarm")] == [True, True, False, False]
    lib.stop_vmss(net.rg, "webfarm", instance_id=3)
    assert lib.get_vmss_vm(net.rg, "webfarm", 3, status=True).statuses[1].code == "PowerState/deallocated"
    lib.stop_vmss(net.rg, "webfarm", instance_id=2, stay_provisioned=True)
    assert lib.get_vmss_vm(net.rg, "webfarm", 2, status=True).statuses[1].code == "PowerState/stopped"
    lib.start_vmss(net.rg, "webfarm")
    lib.restart_vmss(net.rg, "webfarm", instance_id="0")
    lib.remove_vmss(net.rg, "webfarm", instance_id=[2, 3])
    assert lib.get_vmss(net.rg, "webfarm").sku.capacity == 2
    assert len(lib.list_vmss(net.rg)) == 1
    lib.remove_vmss(net.rg, "webfarm")
    lib.remove_vmss(net.rg, "webfarm")  # already gone: fine
    assert lib.list_vmss(net.rg) == []


def test_autoscale_with_synthetic_cpu(lib: Any, net: Net) -> None:
    farm = lib.new_vmss(net.rg, "webfarm", virtual_machine_scale_set=farm_config(net, capacity=2, overprovision=False))
    out = azrm.new_autoscale_rule(metric_name=CPU, metric_resource_id=farm, operator="GreaterThan", threshold=70,
                                  scale_action_direction="Increase", scale_action_cooldown="PT5M")  # fmt: skip
    back = azrm.new_autoscale_rule(metric_name=CPU, metric_resource_id=farm, operator="LessThan", threshold=30,
                                   scale_action_direction="Decrease", scale_action_cooldown="PT5M")  # fmt: skip
    profile = azrm.new_autoscale_profile(
        "cpu", default_capacity=2, minimum_capacity=2, maximum_capacity=4, rule=[out, back]
    )
    setting = lib.new_autoscale_setting(
        net.rg, "scale", location=LOCATION, target_resource_id=farm, autoscale_profile=profile
    )
    assert setting.enabled and len(lib.get_autoscale_setting(net.rg)) == 1
    lib.set_metric(farm.id, CPU, 90)
    for _ in range(20):
        lib.advance(60)
    assert lib.get_vmss(net.rg, "webfarm").sku.capacity == 4  # the profile's maximum
    lib.set_metric(farm, CPU, 5)
    for _ in range(20):
        lib.advance(60)
    assert lib.get_vmss(net.rg, "webfarm").sku.capacity == 2
    history = lib.get_autoscale_history(resource_group_name=net.rg)
    assert [(e.properties["OldInstancesCount"], e.properties["NewInstancesCount"]) for e in reversed(history)] == [
        ("2", "3"), ("3", "4"), ("4", "3"), ("3", "2"),
    ]  # fmt: skip
    with pytest.raises(azrm.ValidationError) as err:
        lib.set_metric(farm.id + "x", CPU, 5)
    assert err.value.field == "resource_id"
    lib.remove_autoscale_setting(net.rg, "scale")
    lib.remove_autoscale_setting(net.rg, "scale")
    assert lib.get_autoscale_setting(net.rg) == []


def test_management_vm_in_its_own_subnet(lib: Any, net: Net) -> None:
    nic = lib.new_network_interface(net.rg, "mgmt-nic", location=LOCATION, subnet_id=net.mgmt)
    vm = (
        azrm.new_vm_config("KNMGMT01", "Standard_A2")
        .set_operating_system(windows=True, computer_name="KNMGMT01", credential=CRED)
        .set_source_image(publisher_name="MicrosoftWindowsServer", offer="WindowsServer", skus="2016-Datacenter")
        .add_network_interface(nic.id)
    )
    lib.new_vm(net.rg, location=LOCATION, vm=vm)
    lib.new_vmss(net.rg, "webfarm", virtual_machine_scale_set=farm_config(net, overprovision=False))
    assert lib.get_network_interface(net.rg, "mgmt-nic").ip_configurations[0].private_ip_address == "10.0.1.4"


# -- validation, before any write -------------------------------------------------------------------------
def writes(azure: Azure) -> int:
    return sum(n for m, n in azure.emu.requests_by_method.items() if m in ("PUT", "PATCH", "POST", "DELETE"))


def test_nat_pool_too_small_for_the_capacity(lib: Any, azure: Azure, net: Net) -> None:
    before = writes(azure)
    with pytest.raises(azrm.ValidationError) as err:
        lib.new_vmss(
            net.rg, "webfarm", virtual_machine_scale_set=farm_config(net, capacity=8)
        )  # 8 + 4 overprovisioned > 10 ports
    assert err.value.field == "sku_capacity" and "overprovision" in err.value.rule
    assert writes(azure) == before
    lib.new_vmss(net.rg, "webfarm", virtual_machine_scale_set=farm_config(net, capacity=8, overprovision=False))
    with pytest.raises(azrm.ValidationError):
        lib.update_vmss(net.rg, "webfarm", sku_capacity=11)
    assert lib.get_vmss(net.rg, "webfarm").sku.capacity == 8


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda net: farm_config(net).evolve(os_profile=None), "VmssConfig.os_profile"),
        (lambda net: azrm.new_vmss_config(location=LOCATION, sku_capacity=1, sku_name="Standard_A2"), "VmssConfig.os_profile"),
    ],
)  # fmt: skip
def test_incomplete_configs(lib: Any, azure: Azure, net: Net, make: Any, field: str) -> None:
    before = writes(azure)
    with pytest.raises(azrm.ValidationError) as err:
        lib.new_vmss(net.rg, "webfarm", virtual_machine_scale_set=make(net))
    assert err.value.field == field and writes(azure) == before


def test_scale_set_name_rules(lib: Any, net: Net) -> None:
    with pytest.raises(azrm.ValidationError) as err:
        lib.new_vmss(net.rg, "web-scale-set-001", virtual_machine_scale_set=farm_config(net))
    assert err.value.field == "name" and "15" in err.value.rule
