"""Sessions as users open them: azrm.local() (started, attached, in-process) and azrm.connect()."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest

import azrm
from azrm.emulator import LocalAzure
from tests.conftest import LOCATION, seed_vm_config

pytestmark = pytest.mark.slow


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def small_scenario(az: Any) -> Any:
    rg = az.new_resource_group("KNRGTest01", LOCATION)
    pip = az.new_public_ip_address(rg.name, "vmvNic", location=rg.location)
    return pip


def test_local_starts_and_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    with azrm.local(reporter=azrm.SilentReporter()) as az:
        assert az.arm_endpoint.startswith("https://127.0.0.1:")
        assert small_scenario(az).provisioning_state == "Succeeded"
        blob_port = az.info["blob_port"]
        assert port_open(blob_port)
        local = az.local
    assert az.local is None and local.server is None
    assert not port_open(blob_port)


def test_local_in_process_with_manual_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    with azrm.local(
        in_process=True, latency="realistic", clock="manual", blob=False, reporter=azrm.SilentReporter()
    ) as az:
        assert az.arm_endpoint == "https://azrm.local"
        az.new_resource_group("rg", LOCATION)
        # the SDK client is one attribute away: here, to start an operation without polling it
        poller = az.network_client.public_ip_addresses.begin_create_or_update(
            "rg", "p", {"location": LOCATION}, polling=False
        )
        assert poller.result().provisioning_state == "Updating"
        assert az.advance(5) == 1
        assert az.get_public_ip_address("rg", "p").provisioning_state == "Succeeded"


@pytest.mark.parametrize("form", ["json", "url"])
def test_attach_to_a_running_local_azure(monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    with LocalAzure(blob=False) as running:
        info = running.info()
        value = json.dumps(info) if form == "json" else info["arm_endpoint"]
        monkeypatch.setenv("AZRM_LOCAL_ENDPOINT", value)
        monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
        monkeypatch.delenv("AZURE_CLIENT_SECRET", raising=False)
        if form == "url":  # the URL does not say whom to sign in as: azure-identity's variables do
            with pytest.raises(azrm.ValidationError, match="AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"):
                azrm.local(reporter=azrm.SilentReporter())
            monkeypatch.setenv("AZURE_CLIENT_ID", info["client_id"])
            monkeypatch.setenv("AZURE_CLIENT_SECRET", info["client_secret"])
        with azrm.local(reporter=azrm.SilentReporter()) as az:
            assert az.local is None  # attached, not started
            assert az.subscription_id == info["subscription_id"]
            assert small_scenario(az).name == "vmvNic"
        # closing an attached session leaves the local Azure running
        assert running.emulator is not None and running.server is not None
        assert running.emulator.store.get(f"/subscriptions/{info['subscription_id']}/resourceGroups/KNRGTest01")


def test_connect_to_the_local_azure_as_a_cloud() -> None:
    """``connect()`` takes the same path against any cloud: here, the local Azure as an Azure Stack would be."""
    with LocalAzure(blob=False) as running:
        # its /metadata/endpoints names the audience its tokens carry, as an Azure Stack's does
        cloud = azrm.Cloud("local", running.arm_endpoint, "https://login.invalid", "core.windows.net",
                           audience="https://management.core.windows.net/")  # fmt: skip
        az = azrm.connect(running.subscription_id, credential=running.credential(), cloud=cloud,
                          connection_verify=running.ca_bundle, reporter=azrm.SilentReporter())  # fmt: skip
        with az:
            assert small_scenario(az).public_ip_allocation_method == "Dynamic"
            assert az.cloud_name == "local"


def test_secrets_stay_out_of_full_http_logging(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even azure-core's network trace (``logging_enable=True``, whole bodies at DEBUG) shows no secret."""
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    canary = "Canary!Secret-7731"
    script = tmp_path / "webdsc.ps1"
    script.write_text("Configuration webdsc { Node localhost { File f { DestinationPath = 'c:/x' } } }")
    caplog.set_level(logging.DEBUG)
    with azrm.local(in_process=True, logging_enable=True, reporter=azrm.LoggingReporter()) as az:
        rg = az.new_resource_group("KNRGTest01", LOCATION)
        account = az.new_storage_account(rg.name, "knstorcanary", location=LOCATION)
        vnet = az.new_virtual_network(rg.name, "vn", location=LOCATION, address_prefix="10.0.0.0/16",
                                      subnet=[azrm.new_virtual_network_subnet_config("s", address_prefix="10.0.0.0/24")])  # fmt: skip
        nic = az.new_network_interface(rg.name, "nic", location=LOCATION, subnet_id=vnet.subnets[0].id)
        dsc = azrm.DscExtension(script, storage_account_name=account.name, version="2.77",
                                configuration_argument={"Cred": azrm.Credential("svc", canary + "-arg")})  # fmt: skip
        with pytest.raises(azrm.StepError) as err:  # the configuration takes no Cred parameter: it fails
            az.new_vm(rg.name, location=LOCATION, vm=seed_vm_config(nic.id, password=canary).add_dsc_extension(dsc))
        keys = [k.value for k in az.get_storage_account_key(rg.name, account.name)]
        text = "\n".join(record.getMessage() for record in caplog.records)
        assert "adminPassword" in text and "protectedSettings" in text  # the bodies were logged...
        for secret in (canary, canary + "-arg", *keys):
            assert secret not in text  # ...without the secrets
            assert secret not in str(err.value)
        assert "sig=" not in text.replace("sig=********", "")
        assert canary not in repr(az)
