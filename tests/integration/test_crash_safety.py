"""Kill -9 of the local Azure at every step of the seed scenarios, restart on the same state, re-run.

The local Azure runs as ``python -m azrm.emulator --state FILE`` (a subprocess, with its Azurite); the
scenarios run here through azrm over HTTPS, step by step (one step per azrm call). Before a step the
test arms the kill switch (``POST /_azrm/crash``) so that the server SIGKILLs its Azurite and itself at a
state commit of that step: just *after* the step's first commit (its write acknowledged, its operation
in flight) and, for the steps whose completion works outside the state file (:data:`OUTSIDE_STEPS`) or
that commit once, just *before* its last one (completion steps run, blobs written, nothing committed).
After each kill the server restarts on the same state and the scenario runs again from the start, up
to the next kill point: one chain per scenario covers every step. At each restart nothing may
report ``Succeeded`` without its parts; at the end the state, blobs included, equals a clean run's.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

import azrm
from tests.conftest import load_example

ROOT = Path(__file__).resolve().parents[2]


seed_iaas_dsc = load_example("seed_iaas_dsc")
seed_vmss_web_farm = load_example("seed_vmss_web_farm")

pytestmark = pytest.mark.slow

PASSWORD = "Crash-Safe-Passw0rd!"  # the same on every run, as a re-run with a kept password does
LOCATION = "westeurope"
#: the azrm calls that are a scenario's steps
STEP_PREFIXES = ("new_", "publish_", "set_")
#: steps whose completion works outside the state file (a VHD page blob, the DSC archive read): killed also just
#: before their last commit. For the others that point leaves the same state file as a kill just after their first
#: commit (the write stored, its completion not), so it is not run twice.
OUTSIDE_STEPS = ("new_vm", "new_vmss", "set_vm_dsc_extension")


class Server:
    """``python -m azrm.emulator`` on a state file, restarted on it after each kill."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.log = state.with_name(state.name + ".log")
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> None:
        args = ["--state", str(self.state), "--port", "0", "--clock", "manual"]
        log = self.log  # a file: a pipe nobody reads could fill up and block the server
        with log.open("a") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "azrm.emulator", *args],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=ROOT,
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the local Azure did not start: {log.read_text()[-3000:]}"
        self.info = json.loads(line)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        import requests

        response = requests.request(
            method,
            self.info["arm_endpoint"] + path,
            json=body,
            headers={"x-azrm-admin-key": self.info["admin_key"]},
            verify=self.info["ca_bundle"],
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def commits(self) -> int:
        return int(self.admin("GET", "/_azrm/crash")["commits"])

    @contextmanager
    def session(self) -> Iterator[Any]:
        os.environ["AZRM_LOCAL_ENDPOINT"] = json.dumps(self.info)
        try:
            # no retries: a killed server is an error at once, not 20 retries later
            with azrm.local(location=LOCATION, retry_total=0) as az:
                yield az
        finally:
            del os.environ["AZRM_LOCAL_ENDPOINT"]


class Steps:
    """A session whose step calls (``new_*``, ``publish_*``, ``set_*``) tell ``before(index, name)`` first."""

    def __init__(self, az: Any, before: Callable[[int, str], None]) -> None:
        self._az = az
        self._before = before
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._az, name)
        if not (callable(attr) and name.startswith(STEP_PREFIXES)):
            return attr

        def step(*args: Any, **kwargs: Any) -> Any:
            self._before(self.count, name)
            self.count += 1
            return attr(*args, **kwargs)

        return step


def seed(az: Any) -> None:
    seed_iaas_dsc.provision(az, location=LOCATION, storage_name="knstorcrash", password=PASSWORD)


def web_farm(az: Any) -> None:
    seed_vmss_web_farm.provision(
        az, location=LOCATION, storage_name="knwebcrash", password=PASSWORD, dns_label="knwebcrash"
    )


# -- the state, normalised ----------------------------------------------------------------------------------
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{32}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_SAS = re.compile(r"([?&](sig|se|st|skoid|sktid|skt|ske)=)[^&\"]*")


#: values a server draws at random, as Azure does (a restart reseeds the draw so ids never repeat)
_DRAWN = ("macAddress", "ipAddress", "internalDomainNameSuffix")


def normalise(value: Any) -> Any:
    """Replace what each server makes anew (GUIDs, times, ports, SAS signatures, drawn addresses); drop etags."""
    if isinstance(value, dict):
        return {
            k: "<drawn>" if k in _DRAWN and isinstance(v, str) and not v.startswith("10.") else normalise(v)
            for k, v in value.items()
            if k not in ("etag", "Etag")
        }
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        value = _GUID.sub("<guid>", value)
        value = _TIME.sub("<time>", value)
        value = _PORT.sub("127.0.0.1:<port>", value)
        return _SAS.sub(r"\1<sas>", value)
    return value


def bodies(az: Any, group: str) -> dict[str, dict[str, Any]]:
    """Every resource of the group as the SDK reads it (a GET of its id), and the scale sets' instances."""
    resources = az.resource_client.resources
    versions: dict[str, str] = {}
    for provider in az.resource_client.providers.list():
        for rtype in provider.resource_types or []:
            if rtype.api_versions:
                versions[f"{provider.namespace}/{rtype.resource_type}".lower()] = max(rtype.api_versions)
    found: dict[str, dict[str, Any]] = {}
    for generic in resources.list_by_resource_group(group):
        try:
            body = resources.get_by_id(generic.id, api_version=versions[generic.type.lower()])
        except HttpResponseError as exc:
            # the provider listing's newest version is not always one the type takes (disks, autoscale settings)
            supported = re.search(r"supported api-versions are '([^,']+)", str(exc.message))
            if exc.error is None or exc.error.code != "NoRegisteredProviderFound" or supported is None:
                raise
            body = resources.get_by_id(generic.id, api_version=supported.group(1))
        found[generic.id.lower()] = body.as_dict()
        if generic.type.lower() == "microsoft.compute/virtualmachinescalesets":
            for vm in az.compute_client.virtual_machine_scale_set_vms.list(group, generic.name):
                found[vm.id.lower()] = vm.as_dict()
                found[vm.id.lower()]["$instance"] = vm.instance_id  # bodies() readers see which one it is
    return found


def snapshot(az: Any, group: str) -> dict[str, Any]:
    """Every resource of the group (its ARM body), the scale sets' instances, and every blob of its accounts."""
    state: dict[str, Any] = dict(bodies(az, group))
    for account in az.storage_client.storage_accounts.list_by_resource_group(group):
        key = az.get_storage_account_key(group, account.name)[0].value
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient(account.primary_endpoints.blob.rstrip("/"), credential=key)
        for container in service.list_containers():
            client = service.get_container_client(container.name)
            for blob in client.list_blobs():
                blob_client = client.get_blob_client(blob.name)
                if blob.blob_type == "PageBlob":  # a sparse VHD: its written pages, not its 127 GiB
                    digest = hashlib.sha256()
                    for page in blob_client.list_page_ranges():
                        length = page.end - page.start + 1
                        digest.update(f"{page.start}:".encode())
                        digest.update(blob_client.download_blob(offset=page.start, length=length).readall())
                    hexdigest = digest.hexdigest()
                else:
                    hexdigest = hashlib.sha256(blob_client.download_blob().readall()).hexdigest()
                state[f"blob:{account.name}/{container.name}/{blob.name}"] = {
                    "type": str(blob.blob_type),
                    "size": blob.size,
                    "sha256": hexdigest,
                }
    # which overprovisioned instances a scale set keeps is drawn at random (instance ids, computer names and NAT
    # ports follow): compare its instances as a set of bodies with their ids taken out
    instances: dict[str, list[str]] = {}
    for name in [n for n in state if "$instance" in state[n]]:
        body = state.pop(name)
        instance = body.pop("$instance")
        text = json.dumps(body, sort_keys=True)
        text = re.sub(rf"(?i)(virtualMachines/){instance}\b", r"\1<n>", text)
        text = re.sub(rf'"instanceId": "{instance}"', '"instanceId": "<n>"', text)
        text = re.sub(rf"_{instance}\b", "_<n>", text)
        text = re.sub(r'"computerName": "web[0-9A-Z]{6}"', '"computerName": "web<n>"', text)
        instances.setdefault(name.rsplit("/", 1)[0], []).append(text)
    for scale_set, texts in instances.items():
        state[scale_set] = sorted(texts)
    return {normalise(name): normalise(value) for name, value in state.items()}


def assert_nothing_half_made(az: Any, group: str) -> None:
    """Check what a restart left: no operation still running, nothing ``Succeeded`` without its parts."""
    from azure.core.exceptions import ResourceNotFoundError

    try:
        az.resource_client.resource_groups.get(group)
    except ResourceNotFoundError:
        return
    for rid, body in bodies(az, group).items():
        props = body.get("properties") or {}
        state = props.get("provisioningState", body.get("provisioning_state"))
        assert state in ("Succeeded", "Failed") or "autoscalesettings" in rid, (rid, state)
    for vm in az.compute_client.virtual_machines.list(group):
        if vm.provisioning_state != "Succeeded":
            continue
        os_disk = vm.storage_profile.os_disk
        if os_disk.vhd is not None:
            assert blob_exists(az, os_disk.vhd.uri), f"{vm.name} is Succeeded but its VHD {os_disk.vhd.uri} is missing"
        else:
            assert os_disk.managed_disk is not None and os_disk.managed_disk.id, f"{vm.name} has no OS disk"
            az.compute_client.disks.get(group, os_disk.name)  # raises if the disk was never made
    for vmss in az.compute_client.virtual_machine_scale_sets.list(group):
        instances = list(az.compute_client.virtual_machine_scale_set_vms.list(group, vmss.name))
        if vmss.provisioning_state == "Succeeded":
            assert len(instances) == vmss.sku.capacity, (vmss.name, len(instances), vmss.sku.capacity)
            assert all(i.provisioning_state == "Succeeded" for i in instances), vmss.name


def blob_exists(az: Any, uri: str) -> bool:
    """Whether the blob a URI names exists (asked at the account's endpoint now: Azurite may have new ports)."""
    from azure.storage.blob import BlobServiceClient

    account, container, blob = uri.split("/", 5)[3:]
    found = next(a for a in az.storage_client.storage_accounts.list() if a.name == account)
    key = az.get_storage_account_key(found.id.split("/")[4], account)[0].value
    service = BlobServiceClient(found.primary_endpoints.blob.rstrip("/"), credential=key)
    return bool(service.get_blob_client(container, blob).exists())


def diff(expected: Any, actual: Any, name: str) -> str:
    import difflib

    lines = [json.dumps(v, indent=1, sort_keys=True, default=str).splitlines() for v in (expected, actual)]
    return name + "\n" + "\n".join(difflib.unified_diff(*lines, "clean run", "killed and re-run", lineterm=""))


def kill_chain(tmp_path: Path, scenario: Callable[[Any], None], group: str) -> dict[str, Any]:
    """Run ``scenario`` clean, then killed at every step and re-run; return figures for the report."""
    started = time.monotonic()
    clean = Server(tmp_path / "clean.sqlite")
    clean.start()
    marks: list[int] = []
    names: list[str] = []
    try:
        with clean.session() as az:
            scenario(Steps(az, lambda index, name: (marks.append(clean.commits()), names.append(name))))
            marks.append(clean.commits())
        # The killed chain ends with a re-run, so the reference is a run and a re-run. A re-run is not a no-op: a
        # scale set's DSC extension gets a new SAS (its times are in whole seconds), a new model that its Manual
        # upgrade instances then lag; the re-run after a restart always comes a second later, so this one does too.
        time.sleep(1.1)
        with clean.session() as az:
            scenario(az)
            expected = snapshot(az, group)
    finally:
        clean.stop()
    commits = [end - start for start, end in itertools.pairwise(marks)]
    points = []
    for i, (count, name) in enumerate(zip(commits, names, strict=True)):
        if count:
            points.append((i, 1, "after"))
            if count == 1 or name in OUTSIDE_STEPS:
                points.append((i, count, "before"))
    server = Server(tmp_path / "crashed.sqlite")
    server.start()
    try:
        for step, commit, when in points:

            def arm(index: int, name: str, step: int = step, commit: int = commit, when: str = when) -> None:
                if index == step:
                    server.admin("POST", "/_azrm/crash", {"commit": commit, "when": when, "azurite": True})

            # the server dies under a call of the step: whatever that call raises, the exit code is checked below
            with server.session() as az, contextlib.suppress(Exception):
                scenario(Steps(az, arm))
            assert server.proc is not None
            code = server.proc.wait(timeout=60)
            assert code == -signal.SIGKILL, f"step {step}: the kill switch did not fire (exit {code})"
            server.start()
            with server.session() as az:
                assert_nothing_half_made(az, group)
        with server.session() as az:
            scenario(az)
            actual = snapshot(az, group)
    finally:
        server.stop()
    assert sorted(actual) == sorted(expected), diff(sorted(expected), sorted(actual), "resources")
    differences = [diff(expected[name], actual[name], name) for name in expected if actual[name] != expected[name]]
    assert not differences, "\n".join(differences)
    # every kill in a step with an operation (a write, then its completion) caught that operation in flight
    interrupted = server.log.read_text().count("was interrupted by a restart")
    in_flight = sum(1 for step, _, _ in points if commits[step] >= 2)
    assert interrupted >= in_flight, (interrupted, in_flight)
    return {"steps": len(commits), "kills": len(points), "operations interrupted": interrupted,
            "seconds": round(time.monotonic() - started, 1)}  # fmt: skip


def test_seed_survives_a_kill_at_every_step(tmp_path: Path) -> None:
    figures = kill_chain(tmp_path, seed, seed_iaas_dsc.RG_NAME)
    print(f"seed: {figures}")


def test_web_farm_survives_a_kill_at_every_step(tmp_path: Path) -> None:
    figures = kill_chain(tmp_path, web_farm, seed_vmss_web_farm.RG_NAME)
    print(f"web farm: {figures}")


def test_a_vm_whose_vhd_was_lost_is_failed_and_a_rerun_makes_it_again(tmp_path: Path) -> None:
    server = Server(tmp_path / "state.sqlite")
    server.start()
    try:
        with server.session() as az:
            seed(az)
        server.stop()
        # Azurite's data lost behind the local Azure's back (its folder deleted while it was stopped)
        azurite_data = tmp_path / "state.sqlite.azurite"
        for path in sorted(azurite_data.rglob("*"), reverse=True):
            if path.name != "azrm-ports.json":
                path.unlink() if path.is_file() else path.rmdir()
        server.start()
        with server.session() as az:
            vm = az.get_vm(seed_iaas_dsc.RG_NAME, seed_iaas_dsc.VM_NAME)
            assert vm.provisioning_state == "Failed"
            status = az.get_vm(seed_iaas_dsc.RG_NAME, seed_iaas_dsc.VM_NAME, status=True).statuses[0]
            assert status.code == "ProvisioningState/failed"
            assert "knstorcrash/vhds/KNVM01osDisk.vhd" in status.message and "no longer exist" in status.message
            seed(az)  # the user's script again
            assert_nothing_half_made(az, seed_iaas_dsc.RG_NAME)
            vm = az.get_vm(seed_iaas_dsc.RG_NAME, seed_iaas_dsc.VM_NAME)
            assert vm.provisioning_state == "Succeeded" and blob_exists(az, vm.storage_profile.os_disk.vhd.uri)
    finally:
        server.stop()


# -- in-process: a "kill" is an emulator left without close() and a second one opened on its state file -----------
def restarted(settings: Any, first: Any) -> Any:
    """Open a second emulator on ``first``'s state file as a restart after a kill would (``first`` is not closed)."""
    from azrm.emulator import Emulator
    from tests.conftest import Azure

    return Azure(Emulator(settings, blob=first.emu.blob), "inprocess")


def test_an_operation_a_restart_interrupted_fails_and_says_so(tmp_path: Path) -> None:
    from azure.core.rest import HttpRequest

    from azrm.emulator import Emulator, EmulatorSettings, Latency, ManualClock
    from tests.conftest import Azure, make_group

    settings = EmulatorSettings(state_path=str(tmp_path / "azure.sqlite"), latency=Latency.realistic(),
                                clock=ManualClock())  # fmt: skip
    first = Azure(Emulator(settings), "inprocess")
    make_group(first)
    # no polling: the killed server's client is gone with it
    poller = first.network.public_ip_addresses.begin_create_or_update(
        "rg1", "ip1", {"location": LOCATION}, polling=False
    )
    status_url = poller.polling_method()._initial_response.http_response.headers["Azure-AsyncOperation"]
    # restarted with instant provisioning, so that the retry below completes at its first poll
    second = restarted(EmulatorSettings(state_path=settings.state_path), first)
    ip = second.network.public_ip_addresses.get("rg1", "ip1")
    assert ip.provisioning_state == "Failed"
    status = second.resources._client.send_request(HttpRequest("GET", status_url)).json()
    assert status["status"] == "Failed" and status["error"]["code"] == "OperationInterrupted"
    assert "restarted" in status["error"]["message"]
    # the user's script again: the PUT retries, and it completes
    poller = second.network.public_ip_addresses.begin_create_or_update("rg1", "ip1", {"location": LOCATION})
    assert poller.result().provisioning_state == "Succeeded"
    second.emu.close()
    third = restarted(settings, second)
    assert third.network.public_ip_addresses.get("rg1", "ip1").provisioning_state == "Succeeded"
    assert third.emu.ops.pending_count == 0 and not third.emu.store.interrupted
    third.emu.close()


def test_a_scale_set_caught_mid_creation_is_failed_then_made_again_with_its_capacity(tmp_path: Path) -> None:
    from azrm.emulator import Emulator, EmulatorSettings, Latency, ManualClock
    from tests.conftest import Azure, make_group, make_vnet
    from tests.integration.test_vmss import Farm, make_lb, vmss_body

    state = str(tmp_path / "azure.sqlite")
    setup = Azure(Emulator(EmulatorSettings(state_path=state)), "inprocess")  # instant: the network at once
    make_group(setup)
    farm = Farm("rg1", make_vnet(setup, subnets={"web": "10.0.0.0/24"}).subnets[0].id, make_lb(setup))
    setup.emu.close()
    settings = EmulatorSettings(state_path=state, latency=Latency.realistic(), clock=ManualClock())
    first = Azure(Emulator(settings), "inprocess")
    body = vmss_body(farm, capacity=3, overprovision=True)
    first.compute.virtual_machine_scale_sets.begin_create_or_update("rg1", "web", body, polling=False)
    assert len(list(first.compute.virtual_machine_scale_set_vms.list("rg1", "web"))) == 5  # 3 + 2 overprovisioned
    second = restarted(EmulatorSettings(state_path=state), first)  # instant from now on
    assert second.compute.virtual_machine_scale_sets.get("rg1", "web").provisioning_state == "Failed"
    assert list(second.compute.virtual_machine_scale_set_vms.list("rg1", "web")) == []
    poller = second.compute.virtual_machine_scale_sets.begin_create_or_update("rg1", "web", body)
    assert poller.result().provisioning_state == "Succeeded"
    instances = list(second.compute.virtual_machine_scale_set_vms.list("rg1", "web"))
    assert len(instances) == 3 and all(i.provisioning_state == "Succeeded" for i in instances)
    second.emu.close()


def test_a_power_action_a_restart_interrupted_leaves_the_vm_as_it_was(tmp_path: Path) -> None:
    from azrm.emulator import Emulator, EmulatorSettings, Latency, ManualClock
    from tests.conftest import Azure, make_group, make_nic, make_vnet, windows_vm_body

    state = str(tmp_path / "azure.sqlite")
    setup = Azure(Emulator(EmulatorSettings(state_path=state)), "inprocess")
    make_group(setup)
    pip = setup.network.public_ip_addresses.begin_create_or_update("rg1", "pip1", {"location": LOCATION}).result()
    nic = make_nic(setup, make_vnet(setup).subnets[0].id, pip_id=pip.id)
    setup.compute.virtual_machines.begin_create_or_update("rg1", "vm1", windows_vm_body(nic.id)).result()
    setup.compute.virtual_machines.begin_deallocate("rg1", "vm1").result()
    setup.emu.close()
    settings = EmulatorSettings(state_path=state, latency=Latency.realistic(), clock=ManualClock())
    first = Azure(Emulator(settings), "inprocess")
    first.compute.virtual_machines.begin_start("rg1", "vm1", polling=False)
    assert first.compute.virtual_machines.instance_view("rg1", "vm1").statuses[1].code == "PowerState/starting"
    second = restarted(EmulatorSettings(state_path=state), first)
    vms = second.compute.virtual_machines
    assert vms.instance_view("rg1", "vm1").statuses[1].code == "PowerState/deallocated"  # not running without an IP
    assert second.network.public_ip_addresses.get("rg1", "pip1").ip_address is None
    vms.begin_start("rg1", "vm1").result()  # the script's start again
    assert vms.instance_view("rg1", "vm1").statuses[1].code == "PowerState/running"
    assert second.network.public_ip_addresses.get("rg1", "pip1").ip_address
    second.emu.close()
