"""Unit tests of what makes the state file crash-safe: operations kept with their records, creation order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azrm.emulator import Emulator, EmulatorSettings
from azrm.emulator.core.lro import INTERRUPTED_CODE, Operations, interrupted_error
from azrm.emulator.core.store import Record, Store
from azrm.emulator.core.wire import Headers, Request


def start(ops: Operations, op_id: str, resource: str = "/subscriptions/s/resourceGroups/rg/x/y") -> Any:
    return ops.start(op_id=op_id, style="network", namespace="Microsoft.Network", kind="create", resource_id=resource,
                     subscription="s", location="westeurope", api_version="2024-05-01", now=0.0, duration=5.0)  # fmt: skip


def test_operations_tell_the_store_when_they_start_and_finish() -> None:
    told: list[tuple[str, Any]] = []
    ops = Operations(persist=lambda k, row: told.append((k, row)))
    start(ops, "Op-1")
    assert told[-1][0] == "op-1" and told[-1][1]["kind"] == "create" and told[-1][1]["due"] == 5.0
    ops.settle(10.0)
    assert told[-1] == ("op-1", None)


def test_the_state_file_keeps_unfinished_operations_in_the_same_commit(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = Store(path)
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip"
    store.put(Record(rid, "Microsoft.Network/publicIPAddresses", {"properties": {"provisioningState": "Updating"}}))
    store.stage_operation("op-1", {"key": "op-1", "id": "op-1", "resource_id": rid, "seq": 1})
    store.flush()
    assert store.commits == 1
    again = Store(path)  # the first one is never closed: as after a kill
    assert [row["id"] for row in again.interrupted] == ["op-1"] and again.get(rid) is not None
    again.forget_interrupted()
    again.flush()
    assert Store(path).interrupted == []


def test_records_come_back_in_creation_order_after_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = Store(path)
    ids = [f"/subscriptions/s/resourceGroups/rg/providers/P/t/r{i}" for i in range(3)]
    for rid in ids:
        store.put(Record(rid, "P/t", {}))
    store.flush()
    store.touch(store.get(ids[0]))  # rewritten: its row moves to the end of the table
    store.flush()
    assert [r.id for r in Store(path).of_type("P/t")] == ids


def test_a_restart_fails_what_a_kill_interrupted_and_a_put_retries_it(tmp_path: Path) -> None:
    settings = EmulatorSettings(state_path=str(tmp_path / "azure.sqlite"))
    first = Emulator(settings)
    sub = first.subscription_id
    headers = Headers({"Authorization": f"Bearer {first.entra.issue_token()}", "Content-Type": "application/json"})
    group = f"https://h/subscriptions/{sub}/resourcegroups/rg"
    first.handle(Request("PUT", group + "?api-version=2022-09-01", headers, b'{"location": "westeurope"}'))
    ip = group + "/providers/Microsoft.Network/publicIPAddresses/ip?api-version=2024-05-01"
    put = first.handle(Request("PUT", ip, headers, b'{"location": "westeurope"}'))
    assert put.status == 201 and put.body["properties"]["provisioningState"] == "Updating"
    second = Emulator(settings)  # restarted without close(): the operation never settled
    got = second.handle(Request("GET", ip, headers))
    assert got.body["properties"]["provisioningState"] == "Failed"
    status = second.handle(Request("GET", put.headers["Azure-AsyncOperation"], headers))
    assert status.body["status"] == "Failed" and status.body["error"]["code"] == INTERRUPTED_CODE
    second.handle(Request("PUT", ip, headers, b'{"location": "westeurope"}'))
    assert second.handle(Request("GET", ip, headers)).body["properties"]["provisioningState"] == "Succeeded"
    assert second.store.get(got.body["id"]).internal.get("interrupted") is None
    second.close()


def test_interrupted_error_says_what_happened_and_what_to_do() -> None:
    err = interrupted_error()
    assert err.code == "OperationInterrupted" and "restarted" in err.message and "PUT the resource again" in err.message


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"commit": 0}, 400, "InvalidRequestContent"),
        ({"commit": True}, 400, "InvalidRequestContent"),
        ({"commit": 1, "when": "during"}, 400, "InvalidRequestContent"),
        ({"commit": 1, "azurite": "yes"}, 400, "InvalidRequestContent"),
        ({"commit": 1, "extra": 1}, 400, "InvalidRequestContent"),
        ({"commit": 1}, 409, "NoStateFile"),
    ],
)
def test_the_kill_switch_checks_its_knobs(body: dict[str, Any], status: int, code: str) -> None:
    import json

    emu = Emulator(EmulatorSettings())
    headers = Headers({"Content-Type": "application/json", **emu.admin_headers()})
    got = emu.handle(Request("POST", "https://h/_azrm/crash", headers, json.dumps(body).encode()))
    assert (got.status, got.body["error"]["code"]) == (status, code)
    assert emu.store.on_commit is None
