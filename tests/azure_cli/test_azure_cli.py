"""The Azure CLI (azure-cli 2.91.0 from PyPI, in .venv-azure-cli/) against ``python -m azrm.emulator``.

``az cloud register`` with only ``--endpoint-resource-manager`` (the CLI reads the anonymous
``/metadata/endpoints``), ``az login --service-principal``, groups, VMs and Key Vault secrets, as
docs/azure-cli.md tells a user to do. tools/install-azure-cli.sh installs the CLI (``make test``
runs it); without it the tests skip, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
AZ = ROOT / ".venv-azure-cli" / "bin" / "az"
CLOUD = "AzrmLocal"
pytestmark = pytest.mark.slow

if not AZ.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{AZ} is missing: CI runs tools/install-azure-cli.sh before the tests")
    pytest.skip(
        "the Azure CLI is not installed (.venv-azure-cli/bin/az): run sh tools/install-azure-cli.sh",
        allow_module_level=True,
    )


class Az:
    """Runs ``az`` with a private config dir and home, trusting the local Azure's CA; never prints the secret."""

    def __init__(self, info: dict[str, Any], home: Path) -> None:
        self.info = info
        self.secret = str(info["client_secret"])
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "AZURE_CONFIG_DIR": str(home / ".azure"),
            "REQUESTS_CA_BUNDLE": str(info["ca_bundle"]),
            "SSL_CERT_FILE": str(info["ca_bundle"]),
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
            "AZURE_CORE_DISPLAY_REGION_IDENTIFIED": "false",
            "AZURE_CORE_NO_COLOR": "true",
        }
        self.calls: list[tuple[str, float]] = []

    def __call__(self, *args: str, check: bool = True) -> Any:
        started = time.monotonic()
        proc = subprocess.run(
            [str(AZ), *args, "-o", "json"], env=self.env, capture_output=True, text=True, timeout=120, check=False
        )
        self.calls.append((" ".join(args[:3]), time.monotonic() - started))
        if check and proc.returncode != 0:
            shown = " ".join(args).replace(self.secret, "***")
            err = proc.stderr.replace(self.secret, "***")
            pytest.fail(f"az {shown} exited {proc.returncode}:\n{err}", pytrace=False)
        assert self.secret not in proc.stdout and self.secret not in proc.stderr
        return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "azrm.emulator", "--no-blob"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, f"no JSON line; stderr: {proc.stderr.read() if proc.stderr else ''}"
        info = json.loads(line)
        yield info
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, log = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert info["client_secret"] not in log  # the local Azure's log never holds the secret


@pytest.fixture(scope="module")
def az(local: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Az]:
    """The CLI signed in to the local Azure as its default service principal."""
    cli = Az(local, tmp_path_factory.mktemp("azure-cli-home"))
    # only the resource manager: the CLI reads the rest from /metadata/endpoints, without a token
    cli("cloud", "register", "-n", CLOUD, "--endpoint-resource-manager", local["arm_endpoint"])
    cli("cloud", "set", "-n", CLOUD)
    accounts = cli(
        "login",
        "--service-principal",
        "-u",
        local["client_id"],
        f"--password={cli.secret}",  # the = form: a secret may start with '-'
        "--tenant",
        local["tenant_id"],
    )
    assert [a["id"] for a in accounts] == [local["subscription_id"]]
    yield cli
    for what, seconds in cli.calls:
        print(f"az {what}: {seconds:.2f} s")


def test_cloud_from_metadata_endpoints_and_login(az: Az, local: dict[str, Any]) -> None:
    cloud = az("cloud", "show", "-n", CLOUD)
    base = local["arm_endpoint"].rstrip("/") + "/"
    assert cloud["isActive"] is True
    assert cloud["endpoints"]["activeDirectory"] == base  # the local Entra ID, read from the metadata
    assert cloud["endpoints"]["activeDirectoryResourceId"] == "https://management.core.windows.net/"
    account = az("account", "show")
    assert (account["id"], account["tenantId"], account["environmentName"]) == (
        local["subscription_id"],
        local["tenant_id"],
        CLOUD,
    )
    assert account["user"] == {"name": local["client_id"], "type": "servicePrincipal"}
    (tenant,) = az("rest", "--method", "get", "--url", "/tenants?api-version=2022-12-01")["value"]
    assert tenant["tenantId"] == local["tenant_id"]


def test_group_create_and_show(az: Az, local: dict[str, Any]) -> None:
    created = az("group", "create", "-n", "rg1", "-l", "westeurope")
    assert created["id"] == f"/subscriptions/{local['subscription_id']}/resourceGroups/rg1"
    assert created["properties"]["provisioningState"] == "Succeeded"
    shown = az("group", "show", "-n", "rg1")
    assert (shown["name"], shown["location"]) == ("rg1", "westeurope")
    assert "rg1" in [g["name"] for g in az("group", "list")]


def _public_key(home: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    path = home / "id_rsa.pub"
    path.write_bytes(public + b" azrm-test\n")
    return path


def test_vm_create_and_list(az: Az, tmp_path: Path) -> None:
    az("group", "create", "-n", "rgvm", "-l", "westeurope")
    assert az("vm", "list", "-g", "rgvm") == []
    # az vm create builds a template (vnet, public IP, NSG, NIC, VM) and deploys it
    created = az(
        "vm", "create", "-g", "rgvm", "-n", "vm1", "--image", "Ubuntu2204", "--size", "Standard_B1s",
        "--admin-username", "azureuser", "--ssh-key-values", str(_public_key(tmp_path)),
    )  # fmt: skip
    assert created["powerState"] == "VM running" and created["privateIpAddress"]
    (vm,) = az("vm", "list", "-g", "rgvm")
    assert (vm["name"], vm["location"], vm["provisioningState"]) == ("vm1", "westeurope", "Succeeded")
    assert vm["hardwareProfile"]["vmSize"] == "Standard_B1s"
    (shown,) = az("vm", "list", "-d", "-g", "rgvm")
    assert shown["powerState"] == "VM running"


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _object_id(token: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"])


def test_keyvault_secret_set_and_show(az: Az, local: dict[str, Any]) -> None:
    az("group", "create", "-n", "rgkv", "-l", "westeurope")
    vault = az("keyvault", "create", "-g", "rgkv", "-n", "kv-cli-1", "-l", "westeurope")
    uri = vault["properties"]["vaultUri"]
    assert az("keyvault", "show", "-n", "kv-cli-1")["properties"]["vaultUri"] == uri
    if not _is_local(uri):
        pytest.skip(f"Key Vault data plane not merged (vaultUri {uri} is not a local origin)")
    token = az("account", "get-access-token")["accessToken"]
    az(
        "role", "assignment", "create", "--assignee-object-id", _object_id(token),
        "--assignee-principal-type", "ServicePrincipal", "--role", "Key Vault Secrets Officer", "--scope", vault["id"],
    )  # fmt: skip
    # --vault-name needs DNS for kv-cli-1.vault.azure.net; a secret's id works on any origin
    secret_id = uri.rstrip("/") + "/secrets/db-pass"
    az(
        "rest", "--method", "put", "--url", secret_id + "?api-version=7.4", "--resource", "https://vault.azure.net",
        "--body", json.dumps({"value": "hunter2-local"}),
    )  # fmt: skip
    shown = az("keyvault", "secret", "show", "--id", secret_id)
    assert shown["value"] == "hunter2-local"
    assert shown["id"].startswith(secret_id + "/")
