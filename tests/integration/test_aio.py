"""azrm.aio against the local Azure: the cmdlets as coroutines, the SDK's aio clients, errors, concurrency.

Each test drives its coroutine with ``asyncio.run``. Most wrap the test's sync session (``session_on``)
in ``azrm.aio.LocalSession``, so they run both in-process and over HTTPS (the aio clients then send
with aiohttp, verifying the local Azure's certificate).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.polling import AsyncLROPoller

import azrm
import azrm.aio
from azrm.emulator import EmulatorSettings, FaultPlan
from tests.conftest import LOCATION, Azure, seed_vm_config, session_on

ROOT = Path(__file__).resolve().parents[2]


def run(azure: Azure, scenario: Callable[[azrm.aio.LocalSession], Coroutine[Any, Any, Any]], **options: Any) -> Any:
    """Run ``scenario`` on an async session over the test's emulator, closing it afterwards."""
    sync = session_on(azure)
    sync.client_options.update(options)

    async def main() -> Any:
        async with azrm.aio.LocalSession(sync) as az:
            return await scenario(az)

    return asyncio.run(main())


def writes(azure: Azure) -> int:
    return sum(azure.emu.requests_by_method[m] for m in ("PUT", "PATCH", "POST", "DELETE"))


def test_seed_scenario_with_dsc(
    azure: Azure, unique: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "examples" / "webdsc.ps1", tmp_path)
    monkeypatch.chdir(tmp_path)
    account = unique("knstor")

    async def scenario(az: azrm.aio.LocalSession) -> None:
        rg = await az.new_resource_group("KNRGTest01", LOCATION)
        # independent of each other: storage, public IP and virtual network at once
        storage, pip, vnet = await asyncio.gather(
            az.new_storage_account(rg.name, account, location=rg.location),
            az.new_public_ip_address(rg.name, "vmvNic", location=rg.location, allocation_method="Dynamic"),
            az.new_virtual_network(rg.name, "KNVnet01", location=rg.location, address_prefix="10.0.0.0/16",
                                   subnet=[azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")]),
        )  # fmt: skip
        assert storage.provisioning_state == "Succeeded" and vnet.subnets[0].name == "Subnet1"
        nic = await az.new_network_interface(
            rg.name, "vmvNic", location=rg.location, subnet_id=vnet.subnets[0].id, public_ip_address_id=pip.id
        )
        config = seed_vm_config(nic.id).add_dsc_extension(
            azrm.DscExtension("webdsc.ps1", storage_account_name=account, version="2.77")
        )
        vm = await az.new_vm(rg.name, location=rg.location, vm=config)
        assert vm.provisioning_state == "Succeeded"
        assert [r.name for r in vm.resources] == ["Microsoft.Powershell.DSC"]
        status = await az.get_vm_dsc_extension_status(rg.name, "KNVM01")
        assert status.statuses[0].message == "DSC configuration was applied successfully."
        # the SDK's aio clients, one attribute away
        assert type(az.compute_client).__module__.startswith("azure.mgmt.compute.aio")
        got = await az.compute_client.virtual_machines.get(rg.name, "KNVM01")
        assert got.id == vm.id and got.os_profile.admin_password is None
        assert (await az.resource_client.resource_groups.get(rg.name)).id == rg.id
        names = [g.name async for g in az.resource_client.resource_groups.list()]
        assert names == ["KNRGTest01"]
        async with await az.blob_service(rg.name, account) as blobs:
            container = blobs.get_container_client("windows-powershell-dsc")
            assert [b.name async for b in container.list_blobs()] == ["webdsc.ps1.zip"]
        # and the sync session underneath sees the same
        assert [v.name for v in await asyncio.to_thread(az.sync.list_vms, rg.name)] == ["KNVM01"]

    run(azure, scenario)


def test_begin_returns_an_async_poller(azure: Azure) -> None:
    async def scenario(az: azrm.aio.LocalSession) -> None:
        rg = await az.new_resource_group("rg1", LOCATION)
        poller = await az.begin_new_public_ip_address(rg.name, "ip1")
        assert isinstance(poller, AsyncLROPoller)
        ip = await poller.result()
        assert poller.done() and poller.status() == "Succeeded" and ip.name == "ip1"
        assert poller.sync_poller.result().id == ip.id  # the SDK's own poller underneath
        await (await az.begin_remove_resource_group(rg.name))  # an AsyncLROPoller is awaitable too
        assert [g.name async for g in az.resource_client.resource_groups.list()] == []

    run(azure, scenario)


def test_errors_are_the_sync_sessions(azure: Azure) -> None:
    sync = session_on(azure)
    with pytest.raises(ResourceNotFoundError) as sync_err:
        sync.get_resource_group("nowhere")
    sync.close()
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "broken",
                       "location": LOCATION, "properties": {"publicIPAllocationMethod": "Sometimes"}}],
    }  # fmt: skip

    async def scenario(az: azrm.aio.LocalSession) -> None:
        with pytest.raises(ResourceNotFoundError) as err:
            await az.get_resource_group("nowhere")
        assert err.value.error.code == sync_err.value.error.code == "ResourceGroupNotFound"
        with pytest.raises(HttpResponseError) as err:
            await az.compute_client.virtual_machines.get("nowhere", "vm")
        assert err.value.error.code == "ResourceGroupNotFound"
        await az.new_resource_group("rg1", LOCATION)
        with pytest.raises(azrm.DeploymentError) as deployment:
            await az.new_resource_group_deployment("rg1", name="web", template_object=template)
        assert deployment.value.failures[0].resource_name == "broken"
        # bad input: azrm's ValidationError, before any request that writes
        before = writes(azure)
        with pytest.raises(azrm.ValidationError) as bad:
            await az.new_public_ip_address("rg1", "ip", allocation_method="Sometimes")
        assert bad.value.field == "allocation_method"
        with pytest.raises(azrm.ValidationError) as bad:
            await az.begin_new_public_ip_address("rg1", "ip", sku="Huge")  # raised by the await, not the poller
        assert bad.value.field == "sku"
        with pytest.raises(azrm.ValidationError) as bad:
            await az.new_vm("rg1", vm=azrm.new_vm_config("vm1", "Standard_A2"))
        assert bad.value.field == "VMConfig.image"
        assert writes(azure) == before

    run(azure, scenario)


def test_gathered_cmdlets_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """N public IPs created under gather take about one create's time, not N; so do N removes.

    Creates wait on the loop, removes in worker threads; a heartbeat shows the loop never stalls.
    Each figure is compared with one measured in the same run, never with a fixed time.
    """
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    count = 4

    async def main() -> dict[str, float]:
        async with azrm.aio.local(in_process=True, blob=False, latency=0.05, reporter=azrm.SilentReporter()) as az:
            rg = await az.new_resource_group("rg1", LOCATION)
            start = time.perf_counter()
            for i in range(count):
                await az.new_public_ip_address(rg.name, f"one-by-one{i}")
            sequential = time.perf_counter() - start
            gaps: list[float] = []
            stop = asyncio.Event()

            async def heartbeat() -> None:
                last = time.perf_counter()
                while not stop.is_set():
                    await asyncio.sleep(0.005)
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

            beating = asyncio.create_task(heartbeat())
            start = time.perf_counter()
            ips = await asyncio.gather(*(az.new_public_ip_address(rg.name, f"at-once{i}") for i in range(count)))
            gathered = time.perf_counter() - start
            start = time.perf_counter()
            await az.remove_public_ip_address(rg.name, "one-by-one0")
            one_remove = time.perf_counter() - start
            start = time.perf_counter()
            await asyncio.gather(*(az.remove_public_ip_address(rg.name, ip.name) for ip in ips))
            removes = time.perf_counter() - start
            stop.set()
            await beating
            assert {ip.provisioning_state for ip in ips} == {"Succeeded"}
            left = sorted([ip.name async for ip in az.network_client.public_ip_addresses.list(rg.name)])
            assert left == [f"one-by-one{i}" for i in range(1, count)]
            return {"sequential": sequential, "gathered": gathered, "one_remove": one_remove, "removes": removes,
                    "longest_gap": max(gaps)}  # fmt: skip

    figures = asyncio.run(main())
    assert figures["gathered"] < figures["sequential"] / 2, figures
    assert figures["removes"] < 2 * figures["one_remove"], figures
    assert figures["longest_gap"] < figures["sequential"] / count, figures  # never blocked for a create's time


def test_aio_clients_outlast_throttling(make_azure: Callable[..., Azure]) -> None:
    """A 429 on an aio client's request is retried after its Retry-After (AsyncThrottleRetryPolicy)."""
    azure = make_azure(EmulatorSettings(faults=FaultPlan(schedule={1: "429"})))

    async def scenario(az: azrm.aio.LocalSession) -> None:
        policy = az.resource_client._config.retry_policy
        assert type(policy).__name__ == "AsyncThrottleRetryPolicy" and policy.throttled_retries == 12
        group = await az.resource_client.resource_groups.create_or_update("rg1", {"location": LOCATION})
        assert group.name == "rg1"

    run(azure, scenario, retry_jitter=0)
    assert azure.emu.faults.injected == {"429": 1}


@pytest.mark.parametrize("mode", ["http"])  # connect() reaches ARM over HTTPS
def test_connect_with_an_async_credential(azure: Azure) -> None:
    """azrm.aio.connect takes an azure.identity.aio-style credential: the cmdlets' sync clients ask it on the loop."""
    endpoint = azure.client_kwargs()["base_url"]
    token = azure.token()
    asked: list[bool] = []

    class AsyncCredential:
        async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            from azure.core.credentials import AccessToken

            asked.append(threading.current_thread() is threading.main_thread())  # on the loop, whoever asks
            return AccessToken(token, int(time.time()) + 3600)

        async def close(self) -> None:
            return None

    async def main() -> None:
        cloud = azrm.Cloud("local", endpoint, "https://login.invalid", "core.windows.net")
        az = await azrm.aio.connect(azure.sub, credential=AsyncCredential(), cloud=cloud, location=LOCATION,
                                    reporter=azrm.SilentReporter(), connection_verify=azure.ca)  # fmt: skip
        try:
            assert token not in repr(az)
            rg = await az.new_resource_group("rg1", LOCATION)  # a sync client, in a worker thread
            assert (await az.resource_client.resource_groups.get("rg1")).id == rg.id  # an aio client
        finally:
            await az.close()

    asyncio.run(main())
    assert len(asked) == 3 and all(asked)  # once per client (sync: resources, subscriptions; aio: resources)


def test_local_opens_and_closes_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)

    async def main() -> azrm.aio.LocalSession:
        session = azrm.aio.local(in_process=True, blob=False, reporter=azrm.SilentReporter())
        assert repr(session) == "azrm.aio.LocalSession(not open)"
        with pytest.raises(RuntimeError, match="not open"):
            session.resource_client  # noqa: B018
        az = await session
        assert az is session and az.local is not None and az.emulator is not None
        await az.new_resource_group("rg1", LOCATION)
        client = az.resource_client
        await client.resource_groups.get("rg1")
        await az.close()
        await az.close()  # closing twice is fine
        assert az.local is None
        with pytest.raises(RuntimeError, match="closed"):
            await az.get_resource_group("rg1")
        with pytest.raises(RuntimeError, match="closed"):
            az.compute_client  # noqa: B018
        return az

    asyncio.run(main())


@pytest.mark.slow
def test_local_over_https_with_azurite(monkeypatch: pytest.MonkeyPatch, unique: Callable[[str], str]) -> None:
    """The default azrm.aio.local(): Azurite and the HTTPS server started in a thread, aiohttp verifying TLS."""
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    account = unique("knstor")

    async def main() -> azrm.aio.LocalSession:
        async with azrm.aio.local(reporter=azrm.SilentReporter()) as az:
            assert az.arm_endpoint.startswith("https://127.0.0.1:") and az.emulator is not None
            rg = await az.new_resource_group("rg1", LOCATION)
            await az.new_storage_account(rg.name, account, location=rg.location)
            async with await az.blob_service(rg.name, account) as blobs:
                await blobs.create_container("data")
                assert [c.name async for c in blobs.list_containers()] == ["data"]
            got = await az.storage_client.storage_accounts.get_properties(rg.name, account)
            assert got.primary_endpoints.blob.startswith("http://127.0.0.1:")
        return az

    az = asyncio.run(main())
    assert az.local is None  # leaving the block stopped Azurite and the server


def test_a_session_that_fails_to_open_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)

    async def main() -> None:
        session = azrm.aio.local(in_process=True, blob=False, latency="sluggish")
        with pytest.raises(ValueError, match="latency"):  # as azrm.local() raises it, from the await
            async with session:
                raise AssertionError("not reached")
        with pytest.raises(RuntimeError, match="closed"):
            await session.get_resource_group("rg1")

    asyncio.run(main())


def test_progress_is_reported_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    seen: list[tuple[str, str, bool]] = []

    class Recorder:
        def start(self, step: str) -> None:
            seen.append(("start", step, threading.current_thread() is threading.main_thread()))

        def update(self, step: str, status: str, elapsed: float) -> None:
            seen.append(("update", step, threading.current_thread() is threading.main_thread()))

        def finish(self, step: str, ok: bool, elapsed: float) -> None:
            seen.append(("finish", step, threading.current_thread() is threading.main_thread()))

    async def main() -> None:
        async with azrm.aio.local(in_process=True, blob=False, reporter=Recorder()) as az:
            assert isinstance(az.reporter, Recorder)
            az.sync.progress_interval = 0.01
            await az.new_resource_group("rg1", LOCATION)
            await az.new_public_ip_address("rg1", "ip1")  # waits on the loop
            await az.remove_public_ip_address("rg1", "ip1")  # waits in a worker thread

    asyncio.run(main())
    steps = [(kind, step) for kind, step, _ in seen if kind != "update"]
    created = "Creating public IP address ip1"
    assert ("start", created) in steps and ("finish", created) in steps
    assert any(step.startswith("Removing public IP address") for _, step in steps)
    assert all(on_main for _, _, on_main in seen)  # asyncio.run's loop runs on the main thread


def test_the_docs_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    text = (ROOT / "docs" / "async.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block
    exec(block.group(1), {"__name__": "docs_async"})
    assert capsys.readouterr().out.strip() == "KNRGTest01 ['web0', 'web1', 'web2']"


def test_a_failed_operation_is_typed_in_azrm_aio_too(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings())

    async def scenario(az: azrm.aio.LocalSession) -> None:
        await az.new_resource_group("rg1", LOCATION)
        azure.emu.faults.plan = FaultPlan(lro_rate=1.0)
        with pytest.raises(azrm.AzureOperationError) as waited:  # a twin of a begin_*: waits on the loop
            await az.new_public_ip_address("rg1", "pip1", location=LOCATION)
        assert isinstance(waited.value, HttpResponseError) and waited.value.transient
        assert waited.value.operation == "new_public_ip_address" and "re-run the script" in str(waited.value)
        azure.emu.faults.plan = FaultPlan()
        with pytest.raises(azrm.AzureOperationError) as whole:  # a cmdlet run whole in a worker thread
            await az.get_vm("rg1", "nope")
        assert isinstance(whole.value, ResourceNotFoundError) and whole.value.status_code == 404

    run(azure, scenario)
