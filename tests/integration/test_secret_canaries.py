"""Canary secrets, in every form a log line, a repr or the state file could hold them: 0 occurrences.

The canaries carry what broke masking before: ``"`` and ``\\`` (escaped in a JSON body), ``%`` (a
URL-encoded form that looks like another), non-ASCII (``\\uXXXX`` in JSON, ``\\xNN`` in a bytes repr).
Both processes are watched at DEBUG: the library's (azrm, azure-core's whole-body HTTP logging,
urllib3) and the local Azure's, which fetches linked templates with their SAS.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

import azrm
from azrm import _secrets
from tests.conftest import LOCATION, seed_vm_config

TEMPLATES = Path(__file__).parent / "templates"
ROOT = Path(__file__).resolve().parents[2]

PASSWORD = 'Kq"7\\x%41-é€ß-canary'  # the VM's admin password
SECURE_PARAMETER = 'Sp"9\\y%2F-ñ€Ω-canary'  # a template's securestring
IN_AN_ERROR = 'Er"r\\z%25-ü-canary'  # a secret in an exception's message
VAULT_SECRET = 'Kv"3\\w%3D-ø€ł-canary'  # a key vault secret, set and read through the data plane
CANARIES = (PASSWORD, SECURE_PARAMETER, IN_AN_ERROR, VAULT_SECRET)
ARM_SCOPE = "https://management.azure.com/.default"
_UNMASKED_SIG = re.compile(r"\bsig(?:=|%3D)(?!\*{8})[^&\"'\s\\]+", re.IGNORECASE)


def leaks(text: str, secrets: Iterable[str] = CANARIES) -> list[str]:
    """Every form of every canary found in ``text``, and every SAS signature not masked."""
    found = [form for secret in secrets for form in {secret, *_secrets.forms(secret)} if form in text]
    return found + _UNMASKED_SIG.findall(text)


def formatted(records: Iterable[logging.LogRecord]) -> str:
    """The records as a handler writes them: message, traceback and stack included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def file_text(path: Path) -> str:
    """A file's bytes as text, both ways a secret could be spelt in it."""
    data = path.read_bytes()
    return data.decode("utf-8", errors="replace") + "\n" + data.decode("latin-1")


def run_the_scenario(az: Any, unique: Callable[[str], str]) -> list[Any]:
    """A Windows VM, a template with a secure parameter, linked templates staged with a SAS; their results."""
    rg = az.new_resource_group("KNRGCanary", LOCATION)
    subnet = azrm.new_virtual_network_subnet_config("Subnet1", address_prefix="10.0.0.0/24")
    vnet = az.new_virtual_network(rg.name, "KNVnet01", location=LOCATION, address_prefix="10.0.0.0/16", subnet=[subnet])
    nic = az.new_network_interface(rg.name, "vmvNic", location=LOCATION, subnet_id=vnet.subnets[0].id)
    config = seed_vm_config(nic.id, password=PASSWORD)
    vm = az.new_vm(rg.name, location=LOCATION, vm=config)
    secure = az.new_resource_group_deployment(rg.name, template_file=TEMPLATES / "vm-simple-windows.json",
                                              adminUsername="azureuser", adminPassword=SECURE_PARAMETER)  # fmt: skip
    linked = az.new_resource_group_deployment(rg.name, template_file=TEMPLATES / "linked" / "master.json",
                                              storageName=unique("data"))  # fmt: skip
    assert linked.properties.template_link.query_string is None  # ARM echoes the uri and contentVersion only
    begun = az.begin_new_resource_group_deployment(rg.name, name="linkedBegun", template_file=TEMPLATES / "linked" /
                                                   "master.json", storageName=unique("data")).result()  # fmt: skip
    nested = az.get_resource_group_deployment(rg.name, "linkedNetwork")
    history = az.get_resource_group_deployment(rg.name)
    vault = az.new_key_vault(rg.name, unique("kv")[:24], LOCATION)
    stored = az.set_key_vault_secret(vault.name, "canary", VAULT_SECRET)
    read = az.get_key_vault_secret(vault.name, "canary")
    assert read.get_secret_value() == VAULT_SECRET
    credential = az.get_key_vault_credential("knadmin", vault.name, "canary")
    return [rg, vnet, nic, vm, config, config.os_profile, secure, linked, nested, begun, *history, vault, stored, read,
            credential, az]  # fmt: skip


def force_failures() -> None:
    """``log.exception()`` and ``exc_info=`` with the secret in the exception, ``stack_info`` too."""
    azrm.Credential("svc", IN_AN_ERROR)  # a secret azrm has handled
    for name in ("azrm", "azure.core.pipeline", "anything.else"):
        try:
            raise RuntimeError(f"could not log in with {IN_AN_ERROR!r} ({json.dumps(IN_AN_ERROR)})")
        except RuntimeError:
            logging.getLogger(name).exception("forced failure")
            logging.getLogger(name).warning("again: %s", {"pw": IN_AN_ERROR}, exc_info=True, stack_info=True)
    try:
        try:
            raise ValueError(PASSWORD.encode())
        except ValueError as inner:
            raise KeyError(SECURE_PARAMETER) from inner
    except KeyError:
        logging.getLogger("azrm").error("chained", exc_info=True)


def reprs(objects: Iterable[Any]) -> str:
    out = []
    for obj in objects:
        out += [repr(obj), str(obj)]
        if hasattr(obj, "as_dict"):
            out.append(json.dumps(obj.as_dict(), default=str))
    return "\n".join(out)


def check_state_file(state: Path) -> None:
    assert state.exists() and (state.parent / (state.name + ".key")).exists()
    for path in (state, state.parent / (state.name + ".key")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    text = "\n".join(file_text(p) for p in state.parent.glob(state.name + "*") if p.is_file())
    assert "adminUsername" in text or "knadmin" in text  # the records are there...
    assert leaks(text, (PASSWORD, SECURE_PARAMETER, VAULT_SECRET)) == []  # ...their secrets sealed


def test_canaries_stay_out_of_the_library_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, unique: Callable[[str], str]
) -> None:
    monkeypatch.delenv("AZRM_LOCAL_ENDPOINT", raising=False)
    caplog.set_level(logging.DEBUG)  # azrm, azure-core (whole bodies with logging_enable) and urllib3
    state = tmp_path / "state.db"
    with azrm.local(in_process=True, state=state, logging_enable=True, reporter=azrm.LoggingReporter()) as az:
        results = run_the_scenario(az, unique)
        force_failures()
        shown = reprs(results)
        # what signing in handles: the application's client secret and the access tokens it got
        sign_in = (az.emulator.entra.directory.default_secret, az.credential.get_token(ARM_SCOPE).token)
        shown += "\n" + reprs([az.credential, az.emulator.entra.directory.default])
    logs = formatted(caplog.records)
    assert '\\"adminPassword\\"' in logs or '"adminPassword"' in logs  # the bodies were logged...
    assert "sig=********" in logs and "Traceback" in logs and "Stack (most recent call last)" in logs
    assert leaks(logs) == []  # ...without a secret
    assert leaks(logs, sign_in) == [] and leaks(shown, sign_in) == []
    assert leaks(shown) == []
    check_state_file(state)
    assert leaks(file_text(state), sign_in[:1]) == []  # the directory keeps only a salted digest of the secret


@pytest.mark.slow
def test_canaries_stay_out_of_the_local_azure_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, unique: Callable[[str], str]
) -> None:
    state = tmp_path / "state.db"
    log_file = tmp_path / "emulator.log"
    with log_file.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "azrm.emulator", "--port", "0", "--log-level", "debug", "--state", str(state)],
            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line, log_file.read_text()
            monkeypatch.setenv("AZRM_LOCAL_ENDPOINT", line)
            caplog.set_level(logging.DEBUG)
            admin_key = json.loads(line)["admin_key"]
            client_secret = json.loads(line)["client_secret"]
            with azrm.local(logging_enable=True) as az:
                results = run_the_scenario(az, unique)
                token = az.credential.get_token(ARM_SCOPE).token
                az.set_metric(results[3].id, "Percentage CPU", 12)  # an admin request: the key in a header
                # the local Azure fails to fetch a link whose SAS is wrong, and says so in its log
                with pytest.raises(HttpResponseError) as failed:
                    az.new_resource_group_deployment("KNRGCanary", name="broken",
                                                     template_uri=results[7].properties.template_link.uri
                                                     + "?sv=2021-08-06&sp=r&sig=c2VjcmV0LWNhbmFyeS1zaWc%3D")  # fmt: skip
                shown = reprs([*results, failed.value])
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
    server_log = log_file.read_text()
    assert "sig=********" in server_log  # the local Azure logged the fetches of the linked templates...
    assert leaks(server_log) == []  # ...without their signatures, nor any canary
    assert "c2VjcmV0LWNhbmFyeS1zaWc" not in server_log
    assert leaks(server_log, (*CANARIES, admin_key)) == []  # neither process shows the admin key
    assert leaks(formatted(caplog.records), (*CANARIES, admin_key)) == []
    assert leaks(server_log, (client_secret, token)) == []  # nor the client secret, nor a token
    assert leaks(formatted(caplog.records), (client_secret, token)) == []
    assert leaks(shown, (client_secret, token)) == []
    assert leaks(shown) == []
    check_state_file(state)
