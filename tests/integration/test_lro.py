"""Long-running operations as each provider reports them, on a manual clock with realistic latency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azrm.emulator import EmulatorSettings, FaultPlan, Latency, ManualClock
from tests.conftest import LOCATION, Azure, make_group, make_nic, make_vnet, windows_vm_body

NET = "2024-05-01"
COMPUTE = "2024-07-01"


@pytest.fixture
def slow(make_azure: Callable[..., Azure]) -> Azure:
    """Realistic latencies on a clock that only moves when the test says so."""
    return make_azure(EmulatorSettings(latency=Latency.realistic(), clock=ManualClock()))


def relative(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_compute_put_reports_creating_until_done(slow: Azure) -> None:
    make_group(slow)
    vnet = make_vnet_now(slow)
    nic = make_nic_now(slow, vnet["properties"]["subnets"][0]["id"])
    path = slow.path("rg1", "Microsoft.Compute/virtualMachines", "vm1", COMPUTE)
    put = slow.raw("PUT", path, windows_vm_body(nic["id"]))
    assert put.status_code == 201
    assert put.json()["properties"]["provisioningState"] == "Creating"
    assert "adminPassword" not in put.json()["properties"]["osProfile"]
    assert put.headers["Retry-After"] == "10"  # 90 s to go; ARM-style whole seconds, capped
    status_url = relative(put.headers["Azure-AsyncOperation"])
    assert "/providers/Microsoft.Compute/locations/westeurope/operations/" in status_url
    status = slow.raw("GET", status_url).json()
    assert status["status"] == "InProgress" and status["name"] == put.headers["x-ms-request-id"]
    assert set(status) == {"startTime", "status", "name"}
    view = slow.raw("GET", path.replace("?", "/instanceView?")).json()
    assert view["statuses"][0]["code"] == "ProvisioningState/creating"
    slow.emu.advance(89)
    assert slow.raw("GET", status_url).headers["Retry-After"] == "1"
    slow.emu.advance(1)
    done = slow.raw("GET", status_url).json()
    assert done["status"] == "Succeeded" and "endTime" in done
    assert slow.raw("GET", path).json()["properties"]["provisioningState"] == "Succeeded"


def make_vnet_now(azure: Azure) -> dict[str, Any]:
    body = {
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    path = azure.path("rg1", "Microsoft.Network/virtualNetworks", "vnet1", NET)
    put = azure.raw("PUT", path, body)
    azure.emu.advance(60)
    return dict(put.json())


def make_nic_now(azure: Azure, subnet_id: str) -> dict[str, Any]:
    body = {
        "location": LOCATION,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet_id}}}]},
    }
    path = azure.path("rg1", "Microsoft.Network/networkInterfaces", "nic1", NET)
    put = azure.raw("PUT", path, body)
    azure.emu.advance(60)
    return dict(put.json())


def test_network_put_and_delete(slow: Azure) -> None:
    make_group(slow)
    body = {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    path = (
        f"/subscriptions/{slow.sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v?api-version={NET}"
    )
    put = slow.raw("PUT", path, body)
    assert put.status_code == 201
    assert put.json()["properties"]["provisioningState"] == "Updating"
    status_url = relative(put.headers["Azure-AsyncOperation"])
    assert "/providers/Microsoft.Network/locations/westeurope/operations/" in status_url
    assert slow.raw("GET", status_url).json() == {"status": "InProgress"}
    first_etag = put.json()["etag"]
    slow.emu.advance(4)
    assert slow.raw("GET", status_url).json() == {"status": "Succeeded"}
    got = slow.raw("GET", path)
    assert got.json()["properties"]["provisioningState"] == "Succeeded"
    assert got.json()["etag"] != first_etag and got.headers["ETag"] == got.json()["etag"]
    again = slow.raw("PUT", path, body)
    assert again.status_code == 200

    slow.emu.advance(4)
    delete = slow.raw("DELETE", path)
    assert delete.status_code == 202
    location = relative(delete.headers["Location"])
    assert "/operationResults/" in location and "Azure-AsyncOperation" in delete.headers
    assert slow.raw("GET", path).json()["properties"]["provisioningState"] == "Deleting"
    busy = slow.raw("PUT", path, body)
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "AnotherOperationInProgress")
    assert slow.raw("GET", location).status_code == 202
    slow.emu.advance(10)
    assert slow.raw("GET", location).status_code == 204
    assert slow.raw("GET", path).status_code == 404


def test_storage_create_uses_location_polling(slow: Azure, unique: Callable[[str], str]) -> None:
    make_group(slow)
    name = unique("sa")
    path = slow.path("rg1", "Microsoft.Storage/storageAccounts", name, "2023-05-01")
    put = slow.raw("PUT", path, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"})
    assert put.status_code == 202 and put.content == b""
    assert "Azure-AsyncOperation" not in put.headers
    location = relative(put.headers["Location"])
    assert "/providers/Microsoft.Storage/locations/westeurope/asyncoperations/" in location
    pending = slow.raw("GET", location)
    assert pending.status_code == 202 and pending.headers["Retry-After"] == "10"
    slow.emu.advance(20)
    final = slow.raw("GET", location)
    assert final.status_code == 200
    assert final.json()["name"] == name and final.json()["properties"]["provisioningState"] == "Succeeded"


def test_resource_group_delete_and_being_deleted(slow: Azure) -> None:
    make_group(slow)
    path = f"/subscriptions/{slow.sub}/resourcegroups/rg1?api-version=2022-09-01"
    delete = slow.raw("DELETE", path)
    assert delete.status_code == 202
    location = relative(delete.headers["Location"])
    assert location.startswith(f"/subscriptions/{slow.sub}/operationresults/")
    assert slow.raw("GET", path).json()["properties"]["provisioningState"] == "Deleting"
    pip = slow.path("rg1", "Microsoft.Network/publicIPAddresses", "p", NET)
    refused = slow.raw("PUT", pip, {"location": LOCATION})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "ResourceGroupBeingDeleted")
    assert slow.raw("GET", location).status_code == 202
    slow.emu.advance(20)
    assert slow.raw("GET", location).status_code == 200
    assert slow.raw("HEAD", path).status_code == 404


def test_compute_actions_and_delete_monitor(slow: Azure) -> None:
    make_group(slow)
    nic = make_nic_now(slow, make_vnet_now(slow)["properties"]["subnets"][0]["id"])
    base = f"/subscriptions/{slow.sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
    slow.raw("PUT", f"{base}?api-version={COMPUTE}", windows_vm_body(nic["id"]))
    slow.emu.advance(90)
    stop = slow.raw("POST", f"{base}/powerOff?api-version={COMPUTE}")
    assert stop.status_code == 202
    monitor = relative(stop.headers["Location"])
    assert "monitor=true" in monitor
    assert (
        slow.raw("GET", f"{base}/instanceView?api-version={COMPUTE}").json()["statuses"][1]["code"]
        == "PowerState/stopping"
    )
    assert slow.raw("GET", monitor).status_code == 202
    slow.emu.advance(30)
    done = slow.raw("GET", monitor)
    assert done.status_code == 200 and done.content == b""
    assert (
        slow.raw("GET", f"{base}/instanceView?api-version={COMPUTE}").json()["statuses"][1]["code"]
        == "PowerState/stopped"
    )
    delete = slow.raw("DELETE", f"{base}?api-version={COMPUTE}")
    assert delete.status_code == 202
    busy = slow.raw("POST", f"{base}/start?api-version={COMPUTE}")
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "OperationNotAllowed")
    slow.emu.advance(60)
    assert slow.raw("GET", f"{base}?api-version={COMPUTE}").status_code == 404


def test_extension_waits_for_its_vm(slow: Azure) -> None:
    make_group(slow)
    nic = make_nic_now(slow, make_vnet_now(slow)["properties"]["subnets"][0]["id"])
    base = f"/subscriptions/{slow.sub}/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"
    slow.raw("PUT", f"{base}?api-version={COMPUTE}", windows_vm_body(nic["id"]))
    ext = slow.raw(
        "PUT",
        f"{base}/extensions/bg?api-version={COMPUTE}",
        {
            "location": LOCATION,
            "properties": {"publisher": "Microsoft.Compute", "type": "BGInfo", "typeHandlerVersion": "2.1"},
        },
    )
    assert ext.status_code == 201 and ext.json()["properties"]["provisioningState"] == "Creating"
    slow.emu.advance(90)  # the VM is up, the extension has 120 s to go
    assert (
        slow.raw("GET", f"{base}/extensions/bg?api-version={COMPUTE}").json()["properties"]["provisioningState"]
        == "Creating"
    )
    slow.emu.advance(120)
    assert (
        slow.raw("GET", f"{base}/extensions/bg?api-version={COMPUTE}").json()["properties"]["provisioningState"]
        == "Succeeded"
    )


def test_instant_operations_ask_for_an_immediate_poll(azure: Azure) -> None:
    make_group(azure)
    put = azure.raw(
        "PUT",
        f"/subscriptions/{azure.sub}/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/p?api-version={NET}",
        {"location": LOCATION},
    )
    assert put.headers["retry-after-ms"] == "1"
    assert "Retry-After" not in put.headers


def test_failed_operation_surfaces_arm_error(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings(faults=FaultPlan(lro_rate=1.0)))
    make_group(azure)
    with pytest.raises(HttpResponseError) as err:
        make_vnet(azure)
    assert err.value.error.code == "InternalExecutionError"
    assert azure.network.virtual_networks.get("rg1", "vnet1").provisioning_state == "Failed"
    assert azure.emu.faults.injected["lro"] == 1


def test_failed_vm_create_leaves_vm_failed(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure()
    make_group(azure)
    nic = make_nic(azure, make_vnet(azure).subnets[0].id)
    azure.emu.faults.plan = FaultPlan(lro_rate=1.0)
    with pytest.raises(HttpResponseError) as err:
        azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", windows_vm_body(nic.id)).result()
    assert err.value.error.code == "InternalExecutionError"
    vm = azure.compute.virtual_machines.get("rg1", "vm1", expand="instanceView")
    assert vm.provisioning_state == "Failed"
    assert vm.instance_view.statuses[0].code == "ProvisioningState/failed"
