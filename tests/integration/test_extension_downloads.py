"""Files extensions download: fetched from what this machine serves, never from the network.

A file in a local storage account or on a loopback web server is fetched and checked as the VM
would; one on an unreachable host leaves the extension succeeded with a status saying it was not
checked (or failed, with ``strict_downloads``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azrm.emulator import EmulatorSettings
from tests.conftest import LOCATION, Azure, Stack, make_group, make_nic, make_vnet, windows_vm_body

GITHUB = "https://raw.githubusercontent.com/Azure/azure-quickstart-templates/master/x/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1, as ``python -m http.server`` would."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def vm(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    nic = make_nic(azure, vnet.subnets[0].id)
    azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", windows_vm_body(nic.id)).result()


def extension(azure: Azure, name: str, publisher: str, type_: str, version: str, **props: Any) -> Any:
    body = {"location": LOCATION, "properties": {"publisher": publisher, "type": type_, "typeHandlerVersion": version,
                                                 **props}}  # fmt: skip
    exts = azure.compute.virtual_machine_extensions
    with contextlib.suppress(HttpResponseError):
        exts.begin_create_or_update("rg1", "vm1", name, body).result()
    return exts.get("rg1", "vm1", name, expand="instanceView")


def dsc_archive(configuration: str = "Web") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "web.ps1",
            f"Configuration {configuration} {{ Node localhost {{ WindowsFeature IIS {{ Name = 'Web-Server' }} }} }}",
        )
    return buffer.getvalue()


def dsc(azure: Azure, url: str, function: str = "Web") -> Any:
    settings = {"configuration": {"url": url, "script": "web.ps1", "function": function}}
    return extension(azure, "dsc", "Microsoft.Powershell", "DSC", "2.77", settings=settings)


def test_a_dsc_archive_on_github_is_not_checked_offline(azure: Azure) -> None:
    vm(azure)
    ext = dsc(azure, GITHUB + "web.zip")
    assert ext.provisioning_state == "Succeeded"
    assert "not checked" in ext.instance_view.statuses[0].message
    assert "offline" in ext.instance_view.substatuses[0].message


def test_strict_downloads_fail_what_cannot_be_reached(make_azure: Callable[..., Azure]) -> None:
    azure = make_azure(EmulatorSettings(strict_downloads=True))
    vm(azure)
    ext = dsc(azure, GITHUB + "web.zip")
    assert ext.provisioning_state == "Failed"
    assert "cannot reach" in ext.instance_view.statuses[0].message
    assert azure.compute.virtual_machines.get("rg1", "vm1").provisioning_state == "Failed"


def test_a_dsc_archive_on_a_loopback_web_server_is_fetched_and_checked(azure: Azure, web: tuple[Path, str]) -> None:
    folder, url = web
    (folder / "web.zip").write_bytes(dsc_archive())
    vm(azure)
    assert dsc(azure, f"{url}/web.zip").provisioning_state == "Succeeded"
    wrong = extension(azure, "dsc", "Microsoft.Powershell", "DSC", "2.77",
                      settings={"configuration": {"url": f"{url}/web.zip", "script": "web.ps1", "function": "Other"}})  # fmt: skip
    assert wrong.provisioning_state == "Failed"
    assert "'Other' is not defined" in wrong.instance_view.statuses[0].message
    missing = dsc(azure, f"{url}/nothing.zip")
    assert missing.provisioning_state == "Failed"
    assert "(404)" in missing.instance_view.statuses[0].message


def test_script_files_are_fetched_from_a_local_account_with_its_key(
    azure: Azure, stack: Stack, unique: Callable[[str], str]
) -> None:
    name = unique("scripts")
    account = azure.storage.storage_accounts.begin_create(
        "rg1", name, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = azure.storage.storage_accounts.list_keys("rg1", name).keys_property[0].value
    from azure.storage.blob import BlobServiceClient

    BlobServiceClient(account.primary_endpoints.blob, credential=key).create_container("scr").upload_blob(
        "go.ps1", b"echo hi"
    )
    azure.compute.virtual_machines.begin_create_or_update("rg1", "vm1", windows_vm_body(stack.nic.id)).result()
    uri = f"{account.primary_endpoints.blob}scr/go.ps1"
    ok = extension(azure, "cse", "Microsoft.Compute", "CustomScriptExtension", "1.10",
                   settings={"fileUris": [uri, GITHUB + "other.ps1"]},
                   protectedSettings={"commandToExecute": "powershell -File go.ps1 canary-command",
                                      "storageAccountName": name, "storageAccountKey": key})  # fmt: skip
    assert ok.provisioning_state == "Succeeded"
    message = ok.instance_view.statuses[0].message
    assert "go.ps1 (7 bytes)" in message and "other.ps1" in message and "not checked" in message
    assert key not in message and "canary-command" not in message
    broken = extension(azure, "cse", "Microsoft.Compute", "CustomScriptExtension", "1.10",
                       settings={"fileUris": [f"{account.primary_endpoints.blob}scr/missing.ps1"],
                                 "commandToExecute": "x"},
                       protectedSettings={"storageAccountName": name, "storageAccountKey": key})  # fmt: skip
    assert broken.provisioning_state == "Failed"
    assert "Failed to download all specified files" in broken.instance_view.statuses[0].message


def test_a_script_extension_needs_a_command(azure: Azure) -> None:
    vm(azure)
    ext = extension(azure, "cs", "Microsoft.Compute", "CustomScriptExtension", "1.10", settings={"fileUris": []})
    assert ext.provisioning_state == "Failed"
    assert "commandToExecute" in ext.instance_view.statuses[0].message


class _Redirect(http.server.BaseHTTPRequestHandler):
    target = "http://10.255.255.1:81/x.json"

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_redirect_off_this_machine_is_never_followed(azure: Azure, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing leaves the machine: the redirect is refused before any connection to its target."""
    import socket

    from azrm.emulator.providers.downloads import Offline, fetch

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    connected: list[Any] = []
    real = socket.create_connection

    def spy(address: Any, *args: Any, **kwargs: Any) -> Any:
        connected.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    try:
        with pytest.raises(Offline):
            fetch(azure.emu, f"http://127.0.0.1:{httpd.server_address[1]}/a.json?sig=secret")
        with pytest.raises(Offline) as caught:
            fetch(azure.emu, f"http://evil.example@127.0.0.1:{httpd.server_address[1]}/a.json?sig=secret")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert all(host in ("127.0.0.1", "localhost") for host, _ in connected), connected
    assert "secret" not in str(caught.value)
