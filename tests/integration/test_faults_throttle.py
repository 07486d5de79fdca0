"""Fault injection (the SDK's retries carry a scenario through) and ARM throttling."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azrm.emulator import EmulatorSettings, FaultPlan, ManualClock
from tests.conftest import LOCATION, Azure, make_group, make_nic, make_vnet, windows_vm_body


def scenario(azure: Azure, account: str) -> None:
    """The seed's resources, end to end."""
    make_group(azure)
    sa = azure.storage.storage_accounts.begin_create(
        "rg1", account, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    pip = azure.network.public_ip_addresses.begin_create_or_update("rg1", "pip", {"location": LOCATION}).result()
    nic = make_nic(azure, make_vnet(azure).subnets[0].id, pip_id=pip.id)
    vhd = f"{sa.primary_endpoints.blob}vhds/vm1osDisk.vhd"
    vm = azure.compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", windows_vm_body(nic.id, vhd_uri=vhd)
    ).result()
    assert vm.provisioning_state == "Succeeded"
    assert azure.compute.virtual_machines.instance_view("rg1", "vm1").statuses[1].code == "PowerState/running"
    azure.resources.resource_groups.begin_delete("rg1").result()
    assert list(azure.resources.resources.list()) == []


def test_scenario_survives_transient_faults(make_azure: Callable[..., Azure], unique: Callable[[str], str]) -> None:
    # 500s and dropped connections need no Retry-After sleep, so this stays fast; the CLI test runs
    # the issue's `rate=0.1,seed=7` mix, 503 and 429 included.
    azure = make_azure(EmulatorSettings(faults=FaultPlan(rate=0.25, seed=3, kinds=("500", "drop"))))
    scenario(azure, unique("sa"))
    injected = azure.emu.faults.injected
    assert injected.get("500", 0) + injected.get("drop", 0) >= 3


@pytest.mark.parametrize("kind", ["503", "429"])
def test_throttle_like_faults_carry_retry_after(make_azure: Callable[..., Azure], kind: str) -> None:
    azure = make_azure(EmulatorSettings(faults=FaultPlan(schedule={1: kind})))
    seen: list[tuple[int, str | None]] = []

    def record(response: Any) -> None:
        http = response.http_response
        seen.append((http.status_code, http.headers.get("Retry-After")))

    azure.resources.resource_groups.create_or_update("rg", {"location": LOCATION}, raw_response_hook=record)
    assert seen[-1][0] == 201
    assert azure.emu.faults.injected == {kind: 1}
    assert azure.emu.requests_served == 2  # the fault, then the SDK's retry


def test_dropped_post_becomes_503() -> None:
    from azrm.emulator.core.faults import FaultInjector

    injector = FaultInjector(FaultPlan(schedule={1: "drop", 2: "drop"}), seed=0)
    assert injector.decide("POST") == "503"  # azure-core does not retry a POST after a connection error
    assert injector.decide("PUT") == "drop"


def test_failed_lro_rate_draws_failures(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings(faults=FaultPlan(lro_rate=0.5, seed=2)))
    make_group(azure)
    outcomes = []
    for i in range(8):
        try:
            azure.network.public_ip_addresses.begin_create_or_update("rg1", f"p{i}", {"location": LOCATION}).result()
            outcomes.append("ok")
        except HttpResponseError as err:
            assert err.error.code == "InternalExecutionError"
            outcomes.append("failed")
    assert "ok" in outcomes and "failed" in outcomes


def test_write_bucket_runs_dry(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings(throttle=True, clock=ManualClock()))
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg?api-version=2022-09-01"
    remaining = []
    for _ in range(200):
        response = azure.raw("PUT", path, {"location": LOCATION}, retry_total=0)
        assert response.status_code in (200, 201)
        remaining.append(int(response.headers["x-ms-ratelimit-remaining-subscription-writes"]))
    assert remaining == list(range(199, -1, -1))
    refused = azure.raw("PUT", path, {"location": LOCATION}, retry_total=0)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert refused.headers["Retry-After"] == "1"
    # Reads have their own bucket.
    assert azure.raw("GET", path, retry_total=0).status_code == 200
    azure.emu.clock.advance(1)  # type: ignore[attr-defined]
    for _ in range(10):
        assert azure.raw("PUT", path, {"location": LOCATION}, retry_total=0).status_code == 200
    assert azure.raw("PUT", path, {"location": LOCATION}, retry_total=0).status_code == 429


def test_sdk_waits_out_throttling(make_azure: Callable[..., Azure]) -> None:
    clock = ManualClock()
    azure = make_azure(EmulatorSettings(throttle=True, clock=clock))
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg?api-version=2022-09-01"
    while azure.raw("PUT", path, {"location": LOCATION}, retry_total=0).status_code != 429:
        pass
    seen: list[int] = []

    def hook(response: Any) -> None:
        seen.append(response.http_response.status_code)
        if response.http_response.status_code == 429:
            clock.advance(1)  # while the SDK sleeps out the Retry-After, time passes for the buckets too

    created = azure.resources.resource_groups.create_or_update("rg2", {"location": LOCATION}, raw_response_hook=hook)
    assert created.name == "rg2"
    assert seen == [429, 201]


def test_compute_put_vm_bucket_per_vm(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings(throttle=True, clock=ManualClock()))
    make_group(azure)
    vnet = make_vnet(azure)
    nic = make_nic(azure, vnet.subnets[0].id)
    vms = azure.compute.virtual_machines
    vms.begin_create_or_update("rg1", "vm1", windows_vm_body(nic.id), polling=False)
    azure.emu.settle()
    path = azure.path("rg1", "Microsoft.Compute/virtualMachines", "vm1", "2024-07-01")
    headers = []
    for _ in range(11):
        response = azure.raw("PATCH", path, {"tags": {"n": "1"}}, retry_total=0)
        assert response.status_code == 200
        headers.append(response.headers["x-ms-ratelimit-remaining-resource"])
    # Azure's shape (recorded answers): the operation group's 3- and 30-minute windows, per subscription.
    assert headers[-1] == "Microsoft.Compute/PutVM3Min;228,Microsoft.Compute/PutVM30Min;1188"
    refused = azure.raw("PATCH", path, {"tags": {"n": "2"}}, retry_total=0)  # the VM's own bucket is empty
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "OperationNotAllowed"


def test_compute_operation_group_refuses_as_compute_does(make_azure: Callable[..., Azure]) -> None:
    """A spent PutVM3Min window: Compute's 429 body (troubleshooting guide), Retry-After, then the SDK waits."""
    clock = ManualClock()
    azure = make_azure(EmulatorSettings(throttle=True, clock=clock))
    make_group(azure)
    nic = make_nic(azure, make_vnet(azure).subnets[0].id)
    vms = azure.compute.virtual_machines
    vms.begin_create_or_update("rg1", "vm1", windows_vm_body(nic.id), polling=False)
    azure.emu.settle()
    # Spend the subscription's 3-minute PutVM allowance on many VMs' PATCHes (each VM's own bucket holds 12).
    bucket = azure.emu.throttler._buckets[("compute", azure.sub.lower(), "PutVM", "3Min")]
    bucket.tokens = 0.5
    path = azure.path("rg1", "Microsoft.Compute/virtualMachines", "vm1", "2024-07-01")
    refused = azure.raw("PATCH", path, {"tags": {"n": "1"}}, retry_total=0)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"  # half a token at 240 per 180 s: 0.375 s
    assert refused.headers["x-ms-ratelimit-remaining-resource"].startswith("Microsoft.Compute/PutVM3Min;0,")
    error = refused.json()["error"]
    assert error["code"] == "OperationNotAllowed"
    assert error["message"] == (
        "The server rejected the request because too many requests have been received for this subscription."
    )
    (detail,) = error["details"]
    assert (detail["code"], detail["target"]) == ("TooManyRequests", "PutVM3Min")
    usage = json.loads(detail["message"])
    assert usage["operationGroup"] == "PutVM3Min" and usage["allowedRequestCount"] == 240
    # ARM's own bucket is not what refused: the ARM header still has writes left.
    assert int(refused.headers["x-ms-ratelimit-remaining-subscription-writes"]) > 0

    seen: list[int] = []

    def hook(response: Any) -> None:
        seen.append(response.http_response.status_code)
        if response.http_response.status_code == 429:
            clock.advance(1)

    bucket.tokens = 0.5
    vm = vms.update("rg1", "vm1", {"tags": {"n": "2"}}, raw_response_hook=hook) if hasattr(vms, "update") else None
    if vm is None:
        vm = vms.begin_update("rg1", "vm1", {"tags": {"n": "2"}}, raw_response_hook=hook).result()
    assert seen[0] == 429 and 200 in seen


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_every_throttled_answer_carries_retry_after(make_azure: Callable[..., Azure], method: str) -> None:
    azure = make_azure(EmulatorSettings(throttle=True, clock=ManualClock()))
    path = f"/subscriptions/{azure.sub}/resourcegroups/rg?api-version=2022-09-01"
    azure.raw("PUT", path, {"location": LOCATION}, retry_total=0)
    cls = {"GET": "reads", "PUT": "writes", "DELETE": "deletes"}[method]
    azure.raw(method, path.replace("/rg?", "/other?"), None, retry_total=0)  # the bucket exists once used
    azure.emu.throttler._buckets[("arm", azure.sub.lower(), cls)].tokens = 0
    body = {"location": LOCATION} if method == "PUT" else None
    refused = azure.raw(method, path, body, retry_total=0)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers[f"x-ms-ratelimit-remaining-subscription-{cls}"] == "0"
