"""Secrets never leave the emulator except where Azure returns them; names are case-insensitive."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from tests.conftest import LOCATION, Azure, Stack, make_group, windows_vm_body

CANARY_PASSWORD = "Canary!Passw0rd-5150"
CANARY_SETTING = "canary-protected-setting-5150"


def test_secrets_stay_out_of_logs_and_answers(
    azure: Azure, stack: Stack, unique: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # azure-core's HTTP logging included
    seen: list[str] = []

    def record(response: object) -> None:
        http = response.http_response  # type: ignore[attr-defined]
        http.read()
        seen.append(http.text())

    compute = azure.compute
    compute.virtual_machines.begin_create_or_update(
        "rg1", "vm1", windows_vm_body(stack.nic.id, password=CANARY_PASSWORD), raw_response_hook=record
    ).result()
    compute.virtual_machine_extensions.begin_create_or_update(
        "rg1",
        "vm1",
        "ext",
        {
            "location": LOCATION,
            "properties": {
                "publisher": "Microsoft.Compute",
                "type": "CustomScriptExtension",
                "typeHandlerVersion": "1.10",
                "protectedSettings": {"commandToExecute": CANARY_SETTING},
            },
        },
        raw_response_hook=record,
    ).result()
    account = unique("sa")
    azure.storage.storage_accounts.begin_create(
        "rg1", account, {"location": LOCATION, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    key = azure.storage.storage_accounts.list_keys("rg1", account).keys_property[0].value
    seen.append(json.dumps(compute.virtual_machines.get("rg1", "vm1", expand="instanceView").as_dict()))
    seen.append(json.dumps([e.as_dict() for e in compute.virtual_machine_extensions.list("rg1", "vm1").value]))
    seen.append(json.dumps([r.as_dict() for r in azure.resources.resources.list_by_resource_group("rg1")]))
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (CANARY_PASSWORD, CANARY_SETTING, key):
        assert secret not in logs
    for text in seen:
        assert CANARY_PASSWORD not in text and CANARY_SETTING not in text
    # A bad password is refused without being echoed.
    bad = "tooshort"
    with pytest.raises(Exception) as err:
        compute.virtual_machines.begin_create_or_update(
            "rg1", "vm2", windows_vm_body(stack.nic.id, password=bad)
        ).result()
    assert bad not in str(err.value)


def test_names_are_case_insensitive_and_keep_their_casing(azure: Azure) -> None:
    make_group(azure, "MyGroup")
    network = azure.network
    network.public_ip_addresses.begin_create_or_update("mygroup", "WebIP", {"location": LOCATION}).result()
    again = network.public_ip_addresses.begin_create_or_update(
        "MYGROUP", "webip", {"location": LOCATION, "tags": {"x": "1"}}
    ).result()
    assert again.name == "WebIP"
    assert again.id == azure.rid("MyGroup", "Microsoft.Network/publicIPAddresses", "WebIP")
    assert network.public_ip_addresses.get("MYGROUP", "WEBIP").tags == {"x": "1"}
    assert [p.name for p in network.public_ip_addresses.list("mygroup")] == ["WebIP"]
