"""Scale sets through the real SDK: life cycle, instances and their network, NAT pools, models, DSC."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import LOCATION, Azure, make_group, make_vnet

PASSWORD = "Str0ng!Passw0rd"


@dataclass
class Farm:
    """A group, a vnet with a web subnet, and a public load balancer with a pool, probe, rule and NAT pool."""

    rg: str
    subnet_id: str
    lb: Any

    @property
    def pool_id(self) -> str:
        return str(self.lb.backend_address_pools[0].id)

    @property
    def nat_pool_id(self) -> str:
        return str(self.lb.inbound_nat_pools[0].id)


def make_lb(azure: Azure, *, nat_range: tuple[int, int] = (50000, 50119)) -> Any:
    pip = azure.network.public_ip_addresses.begin_create_or_update(
        "rg1", "lbip", {"location": LOCATION, "properties": {"publicIPAllocationMethod": "Static"}}
    ).result()
    lb_id = azure.rid("rg1", "Microsoft.Network/loadBalancers", "weblb")
    fe = {"id": f"{lb_id}/frontendIPConfigurations/fe"}
    body = {
        "location": LOCATION,
        "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"publicIPAddress": {"id": pip.id}}}],
            "backendAddressPools": [{"name": "web"}],
            "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/"}}],
            "loadBalancingRules": [
                {
                    "name": "http",
                    "properties": {
                        "frontendIPConfiguration": fe,
                        "backendAddressPool": {"id": f"{lb_id}/backendAddressPools/web"},
                        "probe": {"id": f"{lb_id}/probes/http"},
                        "protocol": "Tcp",
                        "frontendPort": 80,
                        "backendPort": 80,
                    },
                }
            ],
            "inboundNatPools": [
                {
                    "name": "rdp",
                    "properties": {
                        "frontendIPConfiguration": fe,
                        "protocol": "Tcp",
                        "frontendPortRangeStart": nat_range[0],
                        "frontendPortRangeEnd": nat_range[1],
                        "backendPort": 3389,
                    },
                }
            ],
        },
    }
    return azure.network.load_balancers.begin_create_or_update("rg1", "weblb", body).result()


@pytest.fixture
def farm(azure: Azure) -> Farm:
    make_group(azure)
    vnet = make_vnet(azure, subnets={"web": "10.0.0.0/24", "mgmt": "10.0.1.0/24"})
    return Farm("rg1", vnet.subnets[0].id, make_lb(azure))


def vmss_body(
    farm: Farm, *, capacity: int = 3, mode: str = "Manual", overprovision: bool = False, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": LOCATION,
        "sku": {"name": "Standard_A2", "tier": "Standard", "capacity": capacity},
        "properties": {
            "overprovision": overprovision,
            "upgradePolicy": {"mode": mode},
            "virtualMachineProfile": {
                "storageProfile": {
                    "imageReference": {
                        "publisher": "MicrosoftWindowsServer",
                        "offer": "WindowsServer",
                        "sku": "2016-Datacenter",
                        "version": "latest",
                    },
                    "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Standard_LRS"}},
                },
                "osProfile": {"computerNamePrefix": "web", "adminUsername": "knadmin", "adminPassword": PASSWORD},
                "networkProfile": {
                    "networkInterfaceConfigurations": [
                        {
                            "name": "nic",
                            "properties": {
                                "primary": True,
                                "ipConfigurations": [
                                    {
                                        "name": "ipconfig",
                                        "properties": {
                                            "subnet": {"id": farm.subnet_id},
                                            "loadBalancerBackendAddressPools": [{"id": farm.pool_id}],
                                            "loadBalancerInboundNatPools": [{"id": farm.nat_pool_id}],
                                        },
                                    }
                                ],
                            },
                        }
                    ]
                },
            },
        },
    }
    body["properties"].update(extra)
    return body


def create(azure: Azure, farm: Farm, name: str = "web", **kwargs: Any) -> Any:
    return azure.compute.virtual_machine_scale_sets.begin_create_or_update(
        farm.rg, name, vmss_body(farm, **kwargs)
    ).result()


def instance_ids(azure: Azure, name: str = "web") -> list[str]:
    return [vm.instance_id for vm in azure.compute.virtual_machine_scale_set_vms.list("rg1", name)]


def error_of(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as err:
        call()
    return err.value.status_code, err.value.error.code


# -- life cycle --------------------------------------------------------------------------------------
def test_create_fills_the_model_and_makes_instances(azure: Azure, farm: Farm) -> None:
    vmss = create(azure, farm)
    assert (vmss.provisioning_state, vmss.sku.capacity, vmss.upgrade_policy.mode) == ("Succeeded", 3, "Manual")
    assert vmss.unique_id and vmss.single_placement_group is True
    assert vmss.virtual_machine_profile.os_profile.admin_password is None
    assert vmss.virtual_machine_profile.os_profile.windows_configuration.provision_vm_agent is True
    vms = list(azure.compute.virtual_machine_scale_set_vms.list("rg1", "web"))
    assert [(v.instance_id, v.name) for v in vms] == [("0", "web_0"), ("1", "web_1"), ("2", "web_2")]
    assert [v.os_profile.computer_name for v in vms] == ["web000000", "web000001", "web000002"]
    first = azure.compute.virtual_machine_scale_set_vms.get("rg1", "web", "0", expand="instanceView")
    assert first.latest_model_applied and first.provisioning_state == "Succeeded"
    assert first.storage_profile.image_reference.exact_version
    assert [s.code for s in first.instance_view.statuses] == ["ProvisioningState/succeeded", "PowerState/running"]
    view = azure.compute.virtual_machine_scale_sets.get_instance_view("rg1", "web")
    assert {(s.code, s.count) for s in view.virtual_machine.statuses_summary} == {
        ("ProvisioningState/succeeded", 3),
        ("PowerState/running", 3),
    }
    # instances are not resources of the group (as in Azure)
    types = {r.type for r in azure.resources.resources.list_by_resource_group("rg1")}
    assert "Microsoft.Compute/virtualMachineScaleSets" in types and "Microsoft.Compute/virtualMachines" not in types


def test_instances_get_addresses_pool_membership_and_nat_ports(azure: Azure, farm: Farm) -> None:
    create(azure, farm)
    nics = list(azure.network.network_interfaces.list_virtual_machine_scale_set_network_interfaces("rg1", "web"))
    addresses = [n.ip_configurations[0].private_ip_address for n in nics]
    assert addresses == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]
    nic = azure.network.network_interfaces.get_virtual_machine_scale_set_network_interface("rg1", "web", "1", "nic")
    assert nic.virtual_machine.id.endswith("/virtualMachineScaleSets/web/virtualMachines/1")
    assert nic.ip_configurations[0].load_balancer_backend_address_pools[0].id == farm.pool_id
    lb = azure.network.load_balancers.get("rg1", "weblb")
    members = [c.id for c in lb.backend_address_pools[0].backend_ip_configurations]
    assert [m.split("/virtualMachines/")[1].split("/")[0] for m in members] == ["0", "1", "2"]
    nat = {r.name: (r.frontend_port, r.backend_port) for r in lb.inbound_nat_rules}
    assert nat == {"rdp.0": (50000, 3389), "rdp.1": (50001, 3389), "rdp.2": (50002, 3389)}
    assert lb.inbound_nat_rules[1].backend_ip_configuration.id == nic.ip_configurations[0].id
    # a NIC made afterwards in the same subnet gets the next free address
    nic2 = azure.network.network_interfaces.begin_create_or_update(
        "rg1",
        "mgmtnic",
        {
            "location": LOCATION,
            "properties": {"ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": farm.subnet_id}}}]},
        },
    ).result()
    assert nic2.ip_configurations[0].private_ip_address == "10.0.0.7"
    # a GET-modify-PUT of the load balancer (Set-AzLoadBalancer) keeps working with the pool-made rules in it
    lb.tags = {"tier": "web"}
    again = azure.network.load_balancers.begin_create_or_update("rg1", "weblb", lb).result()
    assert {r.name for r in again.inbound_nat_rules} == {"rdp.0", "rdp.1", "rdp.2"}


def test_scale_out_and_in_follow_capacity(azure: Azure, farm: Farm) -> None:
    create(azure, farm)
    sets = azure.compute.virtual_machine_scale_sets
    sets.begin_update("rg1", "web", {"sku": {"capacity": 5}}).result()
    assert instance_ids(azure) == ["0", "1", "2", "3", "4"]
    lb = azure.network.load_balancers.get("rg1", "weblb")
    assert len(lb.backend_address_pools[0].backend_ip_configurations) == 5
    sets.begin_update("rg1", "web", {"sku": {"capacity": 2}}).result()
    assert instance_ids(azure) == ["0", "1"]  # the highest ids go first
    lb = azure.network.load_balancers.get("rg1", "weblb")
    assert len(lb.backend_address_pools[0].backend_ip_configurations) == 2
    assert {r.name for r in lb.inbound_nat_rules} == {"rdp.0", "rdp.1"}
    sets.begin_update("rg1", "web", {"sku": {"capacity": 3}}).result()
    assert instance_ids(azure) == ["0", "1", "5"]  # instance ids are never reused
    lb = azure.network.load_balancers.get("rg1", "weblb")
    assert {r.name: r.frontend_port for r in lb.inbound_nat_rules}["rdp.5"] == 50002  # the lowest free port


def test_overprovision_creates_extras_and_keeps_the_capacity(azure: Azure, farm: Farm) -> None:
    create(azure, farm, capacity=4, overprovision=True)
    ids = [int(i) for i in instance_ids(azure)]
    assert len(set(ids)) == 4 and max(ids) <= 5  # 4 kept of the 6 made (which ones is chance)
    create(azure, farm, capacity=5, overprovision=False)
    assert max(int(i) for i in instance_ids(azure)) == 6  # the extras took ids 0-5 and are gone


def test_scale_in_policy_oldest_first(azure: Azure, farm: Farm) -> None:
    create(azure, farm, scaleInPolicy={"rules": ["OldestVM"]})
    azure.compute.virtual_machine_scale_sets.begin_update("rg1", "web", {"sku": {"capacity": 1}}).result()
    assert instance_ids(azure) == ["2"]


def test_power_actions_and_deleting_instances(azure: Azure, farm: Farm) -> None:
    create(azure, farm)
    sets = azure.compute.virtual_machine_scale_sets
    vms = azure.compute.virtual_machine_scale_set_vms
    sets.begin_power_off("rg1", "web", vm_instance_i_ds={"instanceIds": ["1"]}).result()
    assert vms.get_instance_view("rg1", "web", "1").statuses[1].code == "PowerState/stopped"
    assert vms.get_instance_view("rg1", "web", "0").statuses[1].code == "PowerState/running"
    sets.begin_deallocate("rg1", "web").result()
    assert {vms.get_instance_view("rg1", "web", i).statuses[1].code for i in "012"} == {"PowerState/deallocated"}
    assert error_of(lambda: sets.begin_restart("rg1", "web").result()) == (409, "OperationNotAllowed")
    sets.begin_start("rg1", "web").result()
    vms.begin_restart("rg1", "web", "2").result()
    vms.begin_delete("rg1", "web", "2").result()
    assert instance_ids(azure) == ["0", "1"] and sets.get("rg1", "web").sku.capacity == 2
    sets.begin_delete_instances("rg1", "web", {"instanceIds": ["0"]}).result()
    assert instance_ids(azure) == ["1"]
    assert error_of(lambda: sets.begin_delete_instances("rg1", "web", {"instanceIds": ["7"]}).result()) == (
        400,
        "InvalidParameter",
    )


def test_delete_cascades_and_frees_the_network(azure: Azure, farm: Farm) -> None:
    create(azure, farm)
    lb_delete = lambda: azure.network.load_balancers.begin_delete("rg1", "weblb").result()  # noqa: E731
    assert error_of(lb_delete) == (400, "InUseLoadBalancerCannotBeDeleted")
    azure.compute.virtual_machine_scale_sets.begin_delete("rg1", "web").result()
    with pytest.raises(ResourceNotFoundError):
        azure.compute.virtual_machine_scale_sets.get("rg1", "web")
    lb = azure.network.load_balancers.get("rg1", "weblb")
    assert not lb.backend_address_pools[0].backend_ip_configurations and not lb.inbound_nat_rules
    lb_delete()


def test_model_changes_with_manual_and_automatic_upgrade(azure: Azure, farm: Farm) -> None:
    create(azure, farm, capacity=2)
    sets = azure.compute.virtual_machine_scale_sets
    vms = azure.compute.virtual_machine_scale_set_vms
    ext = {"properties": {"publisher": "Microsoft.Compute", "type": "BGInfo", "typeHandlerVersion": "2.1"}}
    azure.compute.virtual_machine_scale_set_extensions.begin_create_or_update("rg1", "web", "bginfo", ext).result()
    assert [v.latest_model_applied for v in vms.list("rg1", "web")] == [False, False]
    assert not vms.get("rg1", "web", "0").resources
    sets.begin_update_instances("rg1", "web", {"instanceIds": ["0"]}).result()
    first = vms.get("rg1", "web", "0", expand="instanceView")
    assert first.latest_model_applied and [r.name for r in first.resources] == ["bginfo"]
    assert first.instance_view.extensions[0].statuses[0].code == "ProvisioningState/succeeded"
    assert vms.get("rg1", "web", "1").latest_model_applied is False
    assert error_of(lambda: sets.begin_update_instances("rg1", "web", {"instanceIds": []}).result())[0] == 400
    # a new instance gets the latest model
    sets.begin_update("rg1", "web", {"sku": {"capacity": 3}}).result()
    assert vms.get("rg1", "web", "2").latest_model_applied
    # automatic: a model change reaches every instance
    sets.begin_update("rg1", "web", {"properties": {"upgradePolicy": {"mode": "Automatic"}}}).result()
    azure.compute.virtual_machine_scale_set_extensions.begin_delete("rg1", "web", "bginfo").result()
    assert all(v.latest_model_applied and not v.resources for v in vms.list("rg1", "web"))
    assert list(azure.compute.virtual_machine_scale_set_extensions.list("rg1", "web")) == []


# -- validation ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda b: b["properties"]["virtualMachineProfile"]["osProfile"].update(computerNamePrefix="toolongprefix"), 400, "InvalidParameter"),
        (lambda b: b["properties"]["virtualMachineProfile"]["osProfile"].update(adminPassword="short"), 400, "InvalidParameter"),
        (lambda b: b["sku"].update(capacity=101), 400, "InvalidParameter"),
        (lambda b: b["sku"].update(name="Standard_Nope"), 400, "InvalidParameter"),
        (lambda b: b["properties"]["upgradePolicy"].update(mode="Sometimes"), 400, "InvalidParameter"),
        (lambda b: b["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0]["properties"]["loadBalancerInboundNatPools"][0].update(id="/subscriptions/x/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/weblb/inboundNatPools/nope"), 400, "InvalidResourceReference"),
        (lambda b: b["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"].update(sku="1999-Datacenter"), 404, "PlatformImageNotFound"),
    ],
)  # fmt: skip
def test_bad_models_are_refused(azure: Azure, farm: Farm, change: Any, status: int, code: str) -> None:
    body = vmss_body(farm)
    change(body)
    call = lambda: azure.compute.virtual_machine_scale_sets.begin_create_or_update("rg1", "web", body).result()  # noqa: E731
    assert error_of(call) == (status, code)
    assert list(azure.compute.virtual_machine_scale_sets.list("rg1")) == []


def test_windows_scale_set_name_limit(azure: Azure, farm: Farm) -> None:
    call = lambda: create(azure, farm, name="web-scale-set-01")  # noqa: E731
    assert error_of(call) == (400, "InvalidResourceName")


def test_nat_pool_too_small_is_refused(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    farm = Farm("rg1", vnet.subnets[0].id, make_lb(azure, nat_range=(50000, 50002)))
    assert error_of(lambda: create(azure, farm, capacity=4)) == (
        400,
        "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts",
    )
    create(azure, farm, capacity=3)
    sets = azure.compute.virtual_machine_scale_sets
    assert error_of(lambda: sets.begin_update("rg1", "web", {"sku": {"capacity": 4}}).result())[1] == (
        "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts"
    )
    assert sets.get("rg1", "web").sku.capacity == 3


def test_nat_pool_in_use_cannot_be_removed(azure: Azure, farm: Farm) -> None:
    create(azure, farm, capacity=1)
    lb = azure.network.load_balancers.get("rg1", "weblb")
    lb.inbound_nat_pools = []
    lb.inbound_nat_rules = []
    call = lambda: azure.network.load_balancers.begin_create_or_update("rg1", "weblb", lb).result()  # noqa: E731
    assert error_of(call) == (400, "InUseInboundNatPoolCannotBeDeleted")


# -- DSC per instance -------------------------------------------------------------------------------------
WEB_DSC = "Configuration webdsc { Node localhost { WindowsFeature IIS { Ensure = 'Present'; Name = 'Web-Server' } } }\n"


def publish(azure: Azure, account: str) -> tuple[str, str]:
    """A storage account with the DSC archive in it; returns (archive URL, read SAS)."""
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

    sa = azure.storage.storage_accounts.begin_create(
        "rg1", account, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = azure.storage.storage_accounts.list_keys("rg1", account).keys_property[0].value
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("webdsc.ps1", WEB_DSC)
    service = BlobServiceClient(sa.primary_endpoints.blob, credential=key)
    service.create_container("windows-powershell-dsc").upload_blob("webdsc.ps1.zip", data.getvalue())
    sas = generate_blob_sas(
        account, "windows-powershell-dsc", "webdsc.ps1.zip", account_key=key,
        permission=BlobSasPermissions(read=True), expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )  # fmt: skip
    return f"{sa.primary_endpoints.blob}windows-powershell-dsc/webdsc.ps1.zip", sas


def test_dsc_runs_on_every_instance_and_a_failing_one_is_reported(azure: Azure, farm: Farm, unique: Any) -> None:
    account = unique("dsc")
    url, sas = publish(azure, account)
    dsc = {
        "name": "Microsoft.Powershell.DSC",
        "properties": {
            "publisher": "Microsoft.Powershell",
            "type": "DSC",
            "typeHandlerVersion": "2.77",
            "settings": {"configuration": {"url": url, "script": "webdsc.ps1", "function": "webdsc"}},
            "protectedSettings": {"configurationUrlSasToken": f"?{sas}"},
        },
    }
    body = vmss_body(farm, capacity=2)
    body["properties"]["virtualMachineProfile"]["extensionProfile"] = {"extensions": [dsc]}
    vmss = azure.compute.virtual_machine_scale_sets.begin_create_or_update("rg1", "web", body).result()
    assert "protectedSettings" not in str(vmss.as_dict()) and sas not in str(vmss.as_dict())
    view = azure.compute.virtual_machine_scale_sets.get_instance_view("rg1", "web")
    assert [(s.code, s.count) for s in view.extensions[0].statuses_summary] == [("ProvisioningState/succeeded", 2)]
    iv = azure.compute.virtual_machine_scale_set_vms.get_instance_view("rg1", "web", "1")
    assert "[WindowsFeature]IIS: in desired state" in iv.extensions[0].substatuses[0].message
    # the archive disappears; the next instance cannot fetch it and is reported failed, the others stay fine
    from azure.storage.blob import BlobServiceClient

    key = azure.storage.storage_accounts.list_keys("rg1", account).keys_property[0].value
    BlobServiceClient(url.split("windows-powershell-dsc")[0], credential=key).get_blob_client(
        "windows-powershell-dsc", "webdsc.ps1.zip"
    ).delete_blob()
    with pytest.raises(HttpResponseError) as err:
        azure.compute.virtual_machine_scale_sets.begin_update("rg1", "web", {"sku": {"capacity": 3}}).result()
    assert err.value.error.code == "VMExtensionProvisioningError" and "web_2" in err.value.error.message
    vms = {v.instance_id: v.provisioning_state for v in azure.compute.virtual_machine_scale_set_vms.list("rg1", "web")}
    assert vms == {"0": "Succeeded", "1": "Succeeded", "2": "Failed"}
    view = azure.compute.virtual_machine_scale_sets.get_instance_view("rg1", "web")
    assert {(s.code, s.count) for s in view.extensions[0].statuses_summary} == {
        ("ProvisioningState/succeeded", 2),
        ("ProvisioningState/failed/1", 1),
    }
    assert azure.compute.virtual_machine_scale_sets.get("rg1", "web").provisioning_state == "Failed"
