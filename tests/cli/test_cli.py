"""``python -m azrm.emulator`` as a user runs it: a subprocess, its JSON line, signals, flags."""

from __future__ import annotations

import ast
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@contextmanager
def emulator(*args: str, timeout: float = 60) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "azrm.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, f"no JSON line; stderr: {proc.stderr.read() if proc.stderr else ''}"
        yield json.loads(line), proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise


def _connection(info: dict[str, Any]) -> http.client.HTTPConnection:
    endpoint = info["arm_endpoint"]
    host, port = endpoint.split("://", 1)[1].rsplit(":", 1)
    if endpoint.startswith("https"):
        context = ssl.create_default_context(cafile=info["ca_bundle"])
        return http.client.HTTPSConnection(host, int(port), context=context, timeout=10)
    return http.client.HTTPConnection(host, int(port), timeout=10)


def sign_in(info: dict[str, Any]) -> str:
    """Return an ARM token from the local Entra ID, for the client the JSON line names (client credentials)."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "scope": "https://management.azure.com/.default",
        }
    )
    conn = _connection(info)
    conn.request(
        "POST",
        f"/{info['tenant_id']}/oauth2/v2.0/token",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    assert response.status == 200, payload
    return str(payload["access_token"])


def request(info: dict[str, Any], method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    if "token" not in info:
        info["token"] = sign_in(info)
    conn = _connection(info)
    headers = {"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"}
    if path.startswith("/_azrm/"):
        headers["x-azrm-admin-key"] = info["admin_key"]
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(data) if data else None


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_json_line_and_clean_stop() -> None:
    with emulator("--port", "0") as (info, proc):
        assert set(info) == {
            "arm_endpoint",
            "subscription_id",
            "tenant_id",
            "ca_bundle",
            "blob_port",
            "queue_port",
            "table_port",
            "admin_key",
            "client_id",
            "client_secret",
        }
        assert info["arm_endpoint"].startswith("https://127.0.0.1:")
        assert Path(info["ca_bundle"]).is_file()
        assert port_open(info["blob_port"])
        status, _, body = request(info, "GET", f"/subscriptions/{info['subscription_id']}?api-version=2022-12-01")
        assert status == 200 and body["subscriptionId"] == info["subscription_id"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert proc.stdout is not None and proc.stdout.read() == ""  # exactly one line on stdout
    assert not port_open(info["blob_port"])  # Azurite stopped with it


def test_sigint_stops_too() -> None:
    with emulator("--no-blob") as (info, proc):
        assert info["blob_port"] is None
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def run_sdk_script(info: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    script = ROOT / "examples" / "sdk_only_scenario.py"
    imported = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not any(name.split(".")[0] == "azrm" for name in imported), imported
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, str(script), json.dumps(info)], capture_output=True, text=True, timeout=300, env=env, cwd="/"
    )


def test_sdk_only_scenario() -> None:
    with emulator("--port", "0") as (info, _):
        result = run_sdk_script(info)
    assert result.returncode == 0, result.stderr
    assert "VHD is a BlobType.PAGEBLOB" in result.stdout
    assert "instance view: Provisioning succeeded, VM running" in result.stdout
    assert "nothing remains" in result.stdout


def test_sdk_only_scenario_with_faults() -> None:
    with emulator("--port", "0", "--faults", "rate=0.1,seed=7") as (info, _):
        result = run_sdk_script(info)
        status, _, body = request(info, "GET", "/_azrm/info")
    assert result.returncode == 0, result.stderr
    assert "nothing remains" in result.stdout
    assert status == 200 and sum(body["faults"].values()) >= 3


def test_throttle_burst_of_writes() -> None:
    with emulator("--no-blob", "--throttle") as (info, _):
        path = f"/subscriptions/{info['subscription_id']}/resourcegroups/burst?api-version=2022-09-01"
        remaining, throttled = [], []
        for _ in range(260):
            status, headers, _ = request(info, "PUT", path, {"location": "westeurope"})
            if status == 429:
                throttled.append(headers["retry-after"])
            else:
                remaining.append(int(headers["x-ms-ratelimit-remaining-subscription-writes"]))
    assert throttled and all(int(r) >= 1 for r in throttled)
    assert remaining[:5] == [199, 198, 197, 196, 195]
    assert min(remaining) < 10


def test_plain_http() -> None:
    with emulator("--no-blob", "--no-tls") as (info, _):
        assert info["arm_endpoint"].startswith("http://") and info["ca_bundle"] is None
        status, _, body = request(info, "GET", "/_azrm/health")
        assert (status, body) == (200, {"status": "ok"})


def test_state_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "azure.sqlite"
    with emulator("--state", str(state)) as (info, _):
        sub = info["subscription_id"]
        assert (
            request(
                info,
                "PUT",
                f"/subscriptions/{sub}/resourcegroups/kept?api-version=2022-09-01",
                {"location": "westeurope"},
            )[0]
            == 201
        )
        providers = f"/subscriptions/{sub}/resourceGroups/kept/providers"
        account = f"{providers}/Microsoft.Storage/storageAccounts/keptstore?api-version=2023-05-01"
        assert (
            request(
                info, "PUT", account, {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
            )[0]
            == 202
        )
    with emulator("--state", str(state)) as (info, _):
        assert info["subscription_id"] == sub
        status, _, body = request(info, "GET", f"/subscriptions/{sub}/resourcegroups/kept?api-version=2022-09-01")
        assert status == 200 and body["name"] == "kept"
        status, _, body = request(info, "GET", account)
        assert status == 200 and body["properties"]["provisioningState"] == "Succeeded"
        # The account's endpoint works in the restarted Azurite with the kept keys.
        keys = request(info, "POST", account.replace("?", "/listKeys?"))[2]["keys"]
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient(body["properties"]["primaryEndpoints"]["blob"], credential=keys[0]["value"])
        service.create_container("after-restart")


def test_manual_clock_admin_route() -> None:
    with emulator("--no-blob", "--clock", "manual", "--latency", "realistic") as (info, _):
        sub = info["subscription_id"]
        request(
            info, "PUT", f"/subscriptions/{sub}/resourcegroups/rg?api-version=2022-09-01", {"location": "westeurope"}
        )
        providers = f"/subscriptions/{sub}/resourceGroups/rg/providers"
        pip = f"{providers}/Microsoft.Network/publicIPAddresses/p?api-version=2024-05-01"
        status, _headers, body = request(info, "PUT", pip, {"location": "westeurope"})
        assert status == 201 and body["properties"]["provisioningState"] == "Updating"
        time.sleep(0.2)
        assert request(info, "GET", pip)[2]["properties"]["provisioningState"] == "Updating"
        status, _, clock = request(info, "POST", "/_azrm/clock", {"advance": 5})
        assert status == 200 and clock["operations_finished"] == 1
        # without the admin key it prints at start, an admin route that changes something is refused
        status, _, refused = request({**info, "admin_key": "wrong"}, "POST", "/_azrm/reset")
        assert status == 401 and refused["error"]["code"] == "AuthenticationFailed"
        assert request(info, "GET", pip)[0] == 200
        assert request(info, "GET", pip)[2]["properties"]["provisioningState"] == "Succeeded"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--latency", "fast"], "latency: 'fast'"),
        (["--faults", "rate=3"], "share between 0 and 1"),
        (["--host", "0.0.0.0"], "only listens on loopback"),
    ],
)
def test_bad_flags(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "azrm.emulator", "--no-blob", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
